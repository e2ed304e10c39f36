-- 007_rate.sql — rate limits per queue: at most rate_limit job starts
-- (claims) in any rate_period_s-second sliding window, over all nodes.
--
-- queues.rate_limit, rate_period_s: both NULL (no rate limit) or both set.
-- queue_starts: one row per claim in a rate-limited queue, numbered per
-- queue (seq: 1, 2, …; at: µs, the claiming node's clock — nodes are
-- assumed NTP-synchronized). The window is used up when the start numbered
-- max(seq) - (rate_limit - 1) is younger than rate_period_s: two seeks of
-- the primary key. A claimer holds the queue row's lock (C_QUEUE_LOCK) from
-- that check to its commit, so two nodes can never together exceed the
-- limit, and the numbers never collide; the rows survive a restart. Each
-- claim deletes the rows beyond the newest rate_limit.
ALTER TABLE queues ADD COLUMN rate_limit integer CHECK (rate_limit BETWEEN 1 AND 1000000);
ALTER TABLE queues ADD COLUMN rate_period_s integer CHECK (rate_period_s BETWEEN 1 AND 86400);
CREATE TABLE queue_starts (
  queue  text COLLATE "C" NOT NULL,
  seq    bigint NOT NULL,
  at     bigint NOT NULL,
  PRIMARY KEY (queue, seq)
);
