-- 007_unique.sql — unique jobs (spec fields unique_key, unique_while), and
-- an idempotency index that holds only the jobs that have a key.
--
-- unique_key: NULL, or the key the job holds while its state is one of
-- unique_while ("queued,running", the names of job.h in state order, always
-- with queued and running: job_unique_while_valid). jobs_unique lets at most
-- one job hold a key at a time, so two submits (two threads, two nodes)
-- can never both make one; the key is freed by the very UPDATE that moves
-- the job out of its states (the index follows the row), so no code path
-- has to clear it. The predicate is spelled as SQL_UNIQUE_HELD in
-- server/store/store_stmts.def, which repeats it so the index is used.
--
-- jobs_idempotency replaces the UNIQUE constraint of idempotency_key, which
-- indexed every job, key or not: one b-tree less written per insert of a
-- job without a key. SQLite drops a column constraint only by rebuilding
-- the table (https://www.sqlite.org/lang_altertable.html#otheralter): make
-- jobs_new with every column as before (same names, types, defaults and
-- order), copy the rows (ids kept), drop jobs, rename, and make its indexes
-- again as 001–006 left them. No trigger or view refers to jobs. Foreign
-- keys are off while migrations run (store_sqlite.c turns them on after):
-- deferring them would not do, since dropping jobs leaves jobs_new's rows
-- counted as pointing at deleted parents. The copy keeps every id, so every
-- reference (batch_id, rerun_of) holds after the rename as before.

CREATE TABLE jobs_new (
  id               INTEGER PRIMARY KEY,       -- increasing in submission order
  name             TEXT,
  batch_id         INTEGER REFERENCES batches(id),
  command          TEXT NOT NULL,             -- JSON: array of strings (argv) or string (sh -c)
  env              TEXT NOT NULL DEFAULT '{}',-- JSON object of strings
  cwd              TEXT,                      -- NULL: the server's job dir
  stdin            BLOB,                      -- NULL: empty
  state            TEXT NOT NULL,             -- queued running succeeded failed timed_out canceled
  priority         INTEGER NOT NULL DEFAULT 0,
  timeout_s        REAL NOT NULL,
  max_attempts     INTEGER NOT NULL DEFAULT 1,
  attempts         INTEGER NOT NULL DEFAULT 0,-- every start, including interrupted ones
  worker           INTEGER,                   -- pool slot of the last attempt
  pid              INTEGER,
  exit_code        INTEGER,
  signal           INTEGER,
  error            TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  idempotency_key  TEXT,                      -- unique where not NULL: jobs_idempotency
  created_at       INTEGER NOT NULL,
  queued_at        INTEGER NOT NULL,          -- last time it entered the queue
  started_at       INTEGER,
  finished_at      INTEGER,
  run_us           INTEGER,
  cpu_user_us      INTEGER,
  cpu_sys_us       INTEGER,
  max_rss_kb       INTEGER,
  stdout_bytes     INTEGER,
  stderr_bytes     INTEGER,
  run_at           INTEGER,
  wait_until       INTEGER,
  retry_backoff_s  REAL,
  rerun_of         INTEGER REFERENCES jobs(id),
  blocked          INTEGER NOT NULL DEFAULT 0,
  after_ids        TEXT,
  queue            TEXT NOT NULL DEFAULT 'default',
  limit_memory_mb  INTEGER,
  limit_cpu_s      INTEGER,
  limit_open_files INTEGER,
  limit_processes  INTEGER,
  schedule_id      INTEGER,
  output_purged    INTEGER NOT NULL DEFAULT 0,
  node_id          INTEGER,
  unique_key       TEXT,                      -- NULL: not unique
  unique_while     TEXT                       -- "queued,running[,final states]"; NULL without a key
);

INSERT INTO jobs_new (id, name, batch_id, command, env, cwd, stdin, state, priority, timeout_s,
    max_attempts, attempts, worker, pid, exit_code, signal, error, cancel_requested,
    idempotency_key, created_at, queued_at, started_at, finished_at, run_us, cpu_user_us,
    cpu_sys_us, max_rss_kb, stdout_bytes, stderr_bytes, run_at, wait_until, retry_backoff_s,
    rerun_of, blocked, after_ids, queue, limit_memory_mb, limit_cpu_s, limit_open_files,
    limit_processes, schedule_id, output_purged, node_id)
  SELECT id, name, batch_id, command, env, cwd, stdin, state, priority, timeout_s,
    max_attempts, attempts, worker, pid, exit_code, signal, error, cancel_requested,
    idempotency_key, created_at, queued_at, started_at, finished_at, run_us, cpu_user_us,
    cpu_sys_us, max_rss_kb, stdout_bytes, stderr_bytes, run_at, wait_until, retry_backoff_s,
    rerun_of, blocked, after_ids, queue, limit_memory_mb, limit_cpu_s, limit_open_files,
    limit_processes, schedule_id, output_purged, node_id
  FROM jobs;

DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;

CREATE INDEX jobs_state_id ON jobs(state, id);
CREATE INDEX jobs_batch_id ON jobs(batch_id, id) WHERE batch_id IS NOT NULL;
CREATE INDEX jobs_waiting ON jobs(wait_until) WHERE state = 'queued' AND wait_until IS NOT NULL;
CREATE INDEX jobs_ready ON jobs(queue, priority DESC, id)
  WHERE state = 'queued' AND wait_until IS NULL AND blocked = 0;
CREATE INDEX jobs_schedule ON jobs(schedule_id, id) WHERE schedule_id IS NOT NULL;
CREATE INDEX jobs_finished ON jobs(finished_at)
  WHERE state IN ('succeeded', 'failed', 'timed_out', 'canceled');
CREATE INDEX jobs_output ON jobs(finished_at)
  WHERE output_purged = 0 AND (stdout_bytes > 0 OR stderr_bytes > 0)
    AND state IN ('succeeded', 'failed', 'timed_out', 'canceled');
CREATE INDEX jobs_rerun_of ON jobs(rerun_of) WHERE rerun_of IS NOT NULL;

CREATE UNIQUE INDEX jobs_idempotency ON jobs(idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX jobs_unique ON jobs(unique_key)
  WHERE unique_key IS NOT NULL AND instr(',' || unique_while || ',', ',' || state || ',') > 0;
