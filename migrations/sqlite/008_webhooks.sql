-- 008_webhooks.sql — completion webhooks (issue 17 section 3): a job's or a
-- batch's notify, and the outbox of deliveries the sender thread works off
-- (server/webhook/).
--
-- jobs.notify, batches.notify: the canonical JSON {"url": ..., "events":
-- [...]} of the spec, NULL without one. jobs.notify_batch: 1 on the jobs of
-- a batch that has a notify (NULL otherwise), so a job's end looks for its
-- batch's completion only then: a job without either costs nothing more
-- (NULL columns at the end of a row take no bytes, no index covers them).
-- batches.notify_pending: with a notify, its jobs not yet final (total at
-- insert, one less per job end); the end that takes it to 0 completes the
-- batch — O(1) per job, where counting the batch's jobs would be O(n).
--
-- deliveries: one POST to make, at least once. Written in the transaction
-- that ended the job (or completed the batch). Exactly one of job_id and
-- batch_id is set. uuid is X-Jobd-Delivery, the same across retries.
-- state: pending (next_at is the next try, or while a sender holds it, the
-- end of its lease), delivered, failed (retries gave up). At most one
-- delivery per batch (deliveries_batch): a batch completes once.
--
-- delivery_attempts: one row per try: when it started (at), the HTTP status
-- (NULL when none came) or the error text, how long it took.
--
-- No foreign keys: retention deletes a job's deliveries and their attempts
-- itself, only for jobs that had a notify.

ALTER TABLE jobs ADD COLUMN notify TEXT;
ALTER TABLE jobs ADD COLUMN notify_batch INTEGER;
ALTER TABLE batches ADD COLUMN notify TEXT;
ALTER TABLE batches ADD COLUMN notify_pending INTEGER;

CREATE TABLE deliveries (
  id          INTEGER PRIMARY KEY,
  job_id      INTEGER,
  batch_id    INTEGER,
  event       TEXT NOT NULL,               -- job.succeeded, batch.completed, ...
  url         TEXT NOT NULL,
  uuid        TEXT NOT NULL,
  state       TEXT NOT NULL DEFAULT 'pending',
  created_at  INTEGER NOT NULL,
  next_at     INTEGER,                     -- pending: due (or leased) until then
  attempts    INTEGER NOT NULL DEFAULT 0,
  finished_at INTEGER                      -- delivered or failed
);
CREATE INDEX deliveries_due ON deliveries(next_at) WHERE state = 'pending';
CREATE INDEX deliveries_job ON deliveries(job_id) WHERE job_id IS NOT NULL;
CREATE UNIQUE INDEX deliveries_batch ON deliveries(batch_id) WHERE batch_id IS NOT NULL;

CREATE TABLE delivery_attempts (
  delivery_id INTEGER NOT NULL,
  at          INTEGER NOT NULL,
  status      INTEGER,                     -- HTTP status; NULL: no answer (error says why)
  error       TEXT,
  duration_us INTEGER NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id);
