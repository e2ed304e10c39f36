-- 001_schema.sql — the PostgreSQL schema: the final state of SQLite
-- migrations 001–005 (batches, jobs, delays and reruns, dependencies,
-- queues, limits, schedules, retention) in one file; no PostgreSQL database
-- ever held the states in between. See docs/design/scale-out.md §2 and the
-- comments of migrations/sqlite/*.sql, which still hold.
--
-- The driver (server/store_pg.c) runs this file inside its own transaction,
-- under an advisory lock, and records the version in jobd_schema: no
-- BEGIN/COMMIT here. Never edit it once shipped; add 002_… instead.
--
-- Types: times are bigint microseconds since the Unix epoch (wall clock),
-- NULL when not known yet; SQLite REAL is double precision, BLOB is bytea,
-- 0/1 flags are boolean. command, env and after_ids stay text: jsonb would
-- reorder keys. Ids are identity columns, never reused (as SQLite's
-- schedules AUTOINCREMENT); retention still spares the newest job and batch,
-- because API.md promises that.
--
-- COLLATE "C" on the text columns that are sorted or index keys (queue
-- names, states): the order is then bytewise, as SQLite's BINARY.
--
-- Indexes: the SQLite ones, same names and predicates. Where a statement
-- orders by the index key and then id, id is added as the last key, as
-- SQLite's rowid implicitly is (the LIMITed scans stay index-ordered).
-- jobs_output sorts NULLs first, as SQLite does, for R_OUTPUT_CANDIDATES.

CREATE FUNCTION jobd_now_us() RETURNS bigint LANGUAGE sql STABLE   -- the cluster's clock
  AS $$ SELECT (extract(epoch FROM now()) * 1000000)::bigint $$;

CREATE TABLE batches (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- increasing in submission order
  name             text,
  total            integer NOT NULL,          -- number of jobs in the batch
  idempotency_key  text UNIQUE,               -- Idempotency-Key header, if any
  created_at       bigint NOT NULL,
  rerun_of         bigint REFERENCES batches(id)
);

CREATE TABLE queues (
  name         text COLLATE "C" PRIMARY KEY,
  concurrency  integer CHECK (concurrency BETWEEN 1 AND 10000), -- NULL: no limit
  paused       boolean NOT NULL DEFAULT false,
  created_at   bigint NOT NULL,
  updated_at   bigint NOT NULL
);
INSERT INTO queues (name, created_at, updated_at) VALUES ('default', jobd_now_us(), jobd_now_us());

CREATE TABLE jobs (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- increasing in submission order
  name             text,
  batch_id         bigint REFERENCES batches(id),
  command          text NOT NULL,             -- JSON: array of strings (argv) or string (sh -c)
  env              text NOT NULL DEFAULT '{}',-- JSON object of strings
  cwd              text,                      -- NULL: the server's job dir
  stdin            bytea,                     -- NULL: empty
  state            text COLLATE "C" NOT NULL
                   CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'timed_out', 'canceled')),
  priority         integer NOT NULL DEFAULT 0,
  timeout_s        double precision NOT NULL,
  max_attempts     integer NOT NULL DEFAULT 1,
  attempts         integer NOT NULL DEFAULT 0,-- every start, including interrupted ones
  worker           integer,                   -- pool slot of the last attempt
  pid              integer,
  exit_code        integer,
  signal           integer,
  error            text,
  cancel_requested boolean NOT NULL DEFAULT false,
  idempotency_key  text UNIQUE,
  created_at       bigint NOT NULL,
  queued_at        bigint NOT NULL,           -- last time it entered the queue
  started_at       bigint,
  finished_at      bigint,
  run_us           bigint,
  cpu_user_us      bigint,
  cpu_sys_us       bigint,
  max_rss_kb       bigint,
  stdout_bytes     bigint,
  stderr_bytes     bigint,
  run_at           bigint,                    -- requested earliest start, as submitted
  wait_until       bigint,                    -- not runnable before this; NULL: runnable
  retry_backoff_s  double precision,          -- base of the exponential backoff; NULL: none
  rerun_of         bigint REFERENCES jobs(id),
  blocked          integer NOT NULL DEFAULT 0,-- unfinished dependencies
  after_ids        text,                      -- every dependency as submitted: "12,13"; NULL: none
  queue            text COLLATE "C" NOT NULL DEFAULT 'default',
  limit_memory_mb  bigint,                    -- limit_*: NULL, none (struct job_limits)
  limit_cpu_s      bigint,
  limit_open_files bigint,
  limit_processes  bigint,
  schedule_id      bigint,                    -- no foreign key: a deleted schedule's jobs stay
  output_purged    boolean NOT NULL DEFAULT false -- --max-output-disk deleted its output files
) WITH (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.02);  -- ~3 dead tuples per job

-- Dequeue: the head of one queue, by priority then FIFO, among runnable jobs.
CREATE INDEX jobs_ready ON jobs (queue, priority DESC, id)
  WHERE state = 'queued' AND wait_until IS NULL AND blocked = 0;
-- Delayed and backing-off jobs: the due ones, and the earliest wake-up.
CREATE INDEX jobs_waiting ON jobs (wait_until) WHERE state = 'queued' AND wait_until IS NOT NULL;
-- Listing newest first filtered by state, batch or schedule (keyset on id).
CREATE INDEX jobs_state_id ON jobs (state, id);
CREATE INDEX jobs_batch_id ON jobs (batch_id, id) WHERE batch_id IS NOT NULL;
CREATE INDEX jobs_schedule ON jobs (schedule_id, id) WHERE schedule_id IS NOT NULL;
-- Retention: the jobs that finished longest ago, and those whose output is on disk.
CREATE INDEX jobs_finished ON jobs (finished_at, id)
  WHERE state IN ('succeeded', 'failed', 'timed_out', 'canceled');
CREATE INDEX jobs_output ON jobs (finished_at NULLS FIRST, id)
  WHERE NOT output_purged AND (stdout_bytes > 0 OR stderr_bytes > 0)
    AND state IN ('succeeded', 'failed', 'timed_out', 'canceled');
-- Deleting a job or batch finds what points at it.
CREATE INDEX jobs_rerun_of ON jobs (rerun_of) WHERE rerun_of IS NOT NULL;
CREATE INDEX batches_rerun_of ON batches (rerun_of) WHERE rerun_of IS NOT NULL;

CREATE TABLE job_deps (
  dep_id  bigint NOT NULL,  -- the job waited on
  job_id  bigint NOT NULL,  -- the job that waits
  PRIMARY KEY (dep_id, job_id)
);
CREATE INDEX job_deps_job ON job_deps (job_id);

CREATE TABLE schedules (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- never reused: jobs keep schedule_id
  name         text,
  cron         text NOT NULL,
  timezone     text NOT NULL,
  overlap      text NOT NULL CHECK (overlap IN ('skip', 'allow')),
  catch_up     text NOT NULL CHECK (catch_up IN ('none', 'once')),
  job          text NOT NULL,             -- the job spec, canonical JSON
  paused       boolean NOT NULL DEFAULT false,
  next_run_at  bigint,                    -- NULL while paused
  last_run_at  bigint,                    -- the last firing that made a job
  last_job_id  bigint,
  runs         bigint NOT NULL DEFAULT 0, -- jobs made
  skipped      bigint NOT NULL DEFAULT 0, -- firings skipped (overlap, catch_up)
  last_error   text,                      -- why the last firing made no job
  created_at   bigint NOT NULL,
  updated_at   bigint NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_run_at, id) WHERE NOT paused AND next_run_at IS NOT NULL;
