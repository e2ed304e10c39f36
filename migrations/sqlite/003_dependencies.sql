-- 003_dependencies.sql — job dependencies (spec field `after`, and
-- `after_index` inside a batch).
--
-- A queued job is runnable only while wait_until IS NULL AND blocked = 0.
-- blocked counts the job's dependencies that had not finished when they
-- were recorded and have not succeeded since; job_deps holds one edge per
-- such dependency, keyed by the dependency so that a finishing job finds its
-- dependents in O(log n). When a dependency succeeds, each dependent's
-- blocked drops by one; when it ends any other way, its queued dependents
-- are canceled (and theirs, in turn). Blocked jobs stay out of jobs_ready,
-- so dispatch stays O(log n) however many of them wait.

ALTER TABLE jobs ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0; -- unfinished dependencies
ALTER TABLE jobs ADD COLUMN after_ids TEXT;  -- every dependency as submitted: "12,13"; NULL: none

CREATE TABLE job_deps (
  dep_id  INTEGER NOT NULL,  -- the job waited on
  job_id  INTEGER NOT NULL,  -- the job that waits
  PRIMARY KEY (dep_id, job_id)
) WITHOUT ROWID;

-- Dequeue now skips blocked jobs too.
DROP INDEX jobs_ready;
CREATE INDEX jobs_ready ON jobs(priority DESC, id)
  WHERE state = 'queued' AND wait_until IS NULL AND blocked = 0;
