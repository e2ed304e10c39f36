-- 003_webhooks.sql — completion webhooks; the same tables as SQLite's
-- 008_webhooks.sql, which documents them column by column. On a cluster the
-- sender of each node claims a due delivery with FOR UPDATE SKIP LOCKED and
-- moves its next_at past the attempt (the lease), so two nodes never send
-- the same delivery at once; a node killed mid-send leaves it due again
-- when the lease ends.
ALTER TABLE jobs ADD COLUMN notify text;
ALTER TABLE jobs ADD COLUMN notify_batch boolean;
ALTER TABLE batches ADD COLUMN notify text;
ALTER TABLE batches ADD COLUMN notify_pending integer;

CREATE TABLE deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id bigint,
  batch_id bigint,
  event text NOT NULL,
  url text NOT NULL,
  uuid text NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  created_at bigint NOT NULL,
  next_at bigint,
  attempts integer NOT NULL DEFAULT 0,
  finished_at bigint
);
CREATE INDEX deliveries_due ON deliveries (next_at) WHERE state = 'pending';
CREATE INDEX deliveries_job ON deliveries (job_id) WHERE job_id IS NOT NULL;
CREATE UNIQUE INDEX deliveries_batch ON deliveries (batch_id) WHERE batch_id IS NOT NULL;

CREATE TABLE delivery_attempts (
  delivery_id bigint NOT NULL,
  at bigint NOT NULL,
  status integer,
  error text,
  duration_us bigint NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id);
