-- 001_jobs.sql — the first schema: batches and jobs.
--
-- Applied once, in order with the other migrations/NNN_*.sql files, inside a
-- transaction that also sets PRAGMA user_version = NNN. Never edit a
-- migration that has shipped; add the next number instead.
--
-- Times are integer microseconds since the Unix epoch (wall clock); NULL
-- means not known yet. Durations are integer microseconds.

CREATE TABLE batches (
  id               INTEGER PRIMARY KEY,       -- increasing in submission order
  name             TEXT,
  total            INTEGER NOT NULL,          -- number of jobs in the batch
  idempotency_key  TEXT UNIQUE,               -- Idempotency-Key header, if any
  created_at       INTEGER NOT NULL
);

CREATE TABLE jobs (
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
  idempotency_key  TEXT UNIQUE,
  created_at       INTEGER NOT NULL,
  queued_at        INTEGER NOT NULL,          -- last time it entered the queue
  started_at       INTEGER,
  finished_at      INTEGER,
  run_us           INTEGER,
  cpu_user_us      INTEGER,
  cpu_sys_us       INTEGER,
  max_rss_kb       INTEGER,
  stdout_bytes     INTEGER,
  stderr_bytes     INTEGER
);

-- Dequeue: the next queued job by priority, then FIFO, in O(log n).
CREATE INDEX jobs_queue ON jobs(priority DESC, id) WHERE state = 'queued';
-- Listing newest first filtered by state, and by batch (keyset on id).
CREATE INDEX jobs_state_id ON jobs(state, id);
CREATE INDEX jobs_batch_id ON jobs(batch_id, id) WHERE batch_id IS NOT NULL;
