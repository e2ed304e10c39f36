-- 008_rate.sql — rate limits per queue: at most rate_limit job starts
-- (claims) in any rate_period_s-second sliding window, over all nodes.
--
-- queues.rate_limit, rate_period_s: both NULL (no rate limit) or both set.
-- queue_starts: one row per claim in a rate-limited queue (at: µs, the
-- claiming node's clock — nodes are assumed NTP-synchronized). A claimer
-- holds the queue row's lock (C_QUEUE_LOCK) from counting to commit, so two
-- nodes can never together exceed the limit; the rows survive a restart.
-- Rows older than the window are deleted by the next claim in that queue.
ALTER TABLE queues ADD COLUMN rate_limit integer CHECK (rate_limit BETWEEN 1 AND 1000000);
ALTER TABLE queues ADD COLUMN rate_period_s integer CHECK (rate_period_s BETWEEN 1 AND 86400);
CREATE TABLE queue_starts (
  queue  text COLLATE "C" NOT NULL,
  at     bigint NOT NULL
);
CREATE INDEX queue_starts_at ON queue_starts (queue, at);
