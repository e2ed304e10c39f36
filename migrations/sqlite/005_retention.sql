-- 005_retention.sql — retention of finished jobs (--retain-finished) and the
-- bound on output disk (--max-output-disk); see server/store_retention.c.
--
-- output_purged: 1 once --max-output-disk deleted the job's output files
-- (the row stays; GET /v1/jobs/{id}/stdout answers 410 output_purged).
--
-- jobs_finished finds the jobs that finished longest ago in O(log n), so a
-- retention pass costs the rows it deletes, not the table. jobs_output does
-- the same for final jobs whose output is still on disk, oldest first (and
-- bounds the one sum of their bytes at start-up to those jobs).
--
-- jobs_rerun_of, batches_rerun_of and job_deps_job: deleting a job or a
-- batch must find what points at it (foreign-key checks on rerun_of, and
-- the dependency edges) without scanning a table per deleted row.

ALTER TABLE jobs ADD COLUMN output_purged INTEGER NOT NULL DEFAULT 0;

CREATE INDEX jobs_finished ON jobs(finished_at)
  WHERE state IN ('succeeded', 'failed', 'timed_out', 'canceled');
CREATE INDEX jobs_output ON jobs(finished_at)
  WHERE output_purged = 0 AND (stdout_bytes > 0 OR stderr_bytes > 0)
    AND state IN ('succeeded', 'failed', 'timed_out', 'canceled');
CREATE INDEX jobs_rerun_of ON jobs(rerun_of) WHERE rerun_of IS NOT NULL;
CREATE INDEX batches_rerun_of ON batches(rerun_of) WHERE rerun_of IS NOT NULL;
CREATE INDEX job_deps_job ON job_deps(job_id);
