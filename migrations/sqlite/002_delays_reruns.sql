-- 002_delays_reruns.sql — delayed jobs, retry backoff and reruns.
--
-- A queued job is runnable only while wait_until IS NULL. A delayed job
-- (run_at / delay_s) or one waiting out its retry backoff has wait_until
-- set; the dispatcher clears it when the time comes (jobs_waiting finds the
-- due ones in O(log n)) and sleeps until the earliest one, never polling.

ALTER TABLE jobs ADD COLUMN run_at INTEGER;          -- requested earliest start (µs), as submitted
ALTER TABLE jobs ADD COLUMN wait_until INTEGER;      -- not runnable before this (µs); NULL: runnable
ALTER TABLE jobs ADD COLUMN retry_backoff_s REAL;    -- base of the exponential backoff; NULL: none
ALTER TABLE jobs ADD COLUMN rerun_of INTEGER REFERENCES jobs(id);
ALTER TABLE batches ADD COLUMN rerun_of INTEGER REFERENCES batches(id);

-- Dequeue now only sees runnable jobs.
DROP INDEX jobs_queue;
CREATE INDEX jobs_ready ON jobs(priority DESC, id) WHERE state = 'queued' AND wait_until IS NULL;
CREATE INDEX jobs_waiting ON jobs(wait_until) WHERE state = 'queued' AND wait_until IS NOT NULL;
