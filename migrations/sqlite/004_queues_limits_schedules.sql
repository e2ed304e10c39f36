-- 004_queues_limits_schedules.sql — named queues with concurrency limits,
-- per-job resource limits, and cron schedules.
--
-- Queues: every job names one (default 'default'). A queue row carries its
-- concurrency limit (NULL: as many as there are workers) and whether it is
-- paused; a row is made the first time a queue is used (or by PUT
-- /v1/queues/{name}). jobs_ready now leads with the queue, so the
-- dispatcher finds the head of each open queue with one index seek:
-- O(queues · log n) per claim, however many jobs wait in paused or full
-- queues.
--
-- Limits: limit_* columns (NULL: none), see struct job_limits.
--
-- Schedules: one row per cron schedule. `job` is the job spec as canonical
-- JSON; next_run_at is the next firing (µs, NULL while paused), found in
-- O(log n) through schedules_due. A firing makes an ordinary job whose
-- schedule_id points back here.

CREATE TABLE queues (
  name         TEXT PRIMARY KEY,
  concurrency  INTEGER,                   -- NULL: no limit
  paused       INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
INSERT INTO queues (name, created_at, updated_at)
  VALUES ('default', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER),
          CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));

ALTER TABLE jobs ADD COLUMN queue TEXT NOT NULL DEFAULT 'default';
ALTER TABLE jobs ADD COLUMN limit_memory_mb INTEGER;
ALTER TABLE jobs ADD COLUMN limit_cpu_s INTEGER;
ALTER TABLE jobs ADD COLUMN limit_open_files INTEGER;
ALTER TABLE jobs ADD COLUMN limit_processes INTEGER;
ALTER TABLE jobs ADD COLUMN schedule_id INTEGER;

DROP INDEX jobs_ready;
CREATE INDEX jobs_ready ON jobs(queue, priority DESC, id)
  WHERE state = 'queued' AND wait_until IS NULL AND blocked = 0;
CREATE INDEX jobs_schedule ON jobs(schedule_id, id) WHERE schedule_id IS NOT NULL;

CREATE TABLE schedules (
  id           INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: jobs keep schedule_id
  name         TEXT,
  cron         TEXT NOT NULL,
  timezone     TEXT NOT NULL,
  overlap      TEXT NOT NULL,             -- 'skip' or 'allow'
  catch_up     TEXT NOT NULL,             -- 'none' or 'once'
  job          TEXT NOT NULL,             -- the job spec, canonical JSON
  paused       INTEGER NOT NULL DEFAULT 0,
  next_run_at  INTEGER,                   -- NULL while paused
  last_run_at  INTEGER,                   -- the last firing that made a job
  last_job_id  INTEGER,
  runs         INTEGER NOT NULL DEFAULT 0,-- jobs made
  skipped      INTEGER NOT NULL DEFAULT 0,-- firings skipped (overlap, catch_up)
  last_error   TEXT,                      -- why the last firing made no job
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX schedules_due ON schedules(next_run_at) WHERE paused = 0 AND next_run_at IS NOT NULL;
