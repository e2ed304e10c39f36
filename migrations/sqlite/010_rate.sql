-- 010_rate.sql — rate limits per queue: at most rate_limit job starts
-- (claims) in any rate_period_s-second sliding window.
--
-- queues.rate_limit, rate_period_s: both NULL (no rate limit) or both set.
-- queue_starts: one row per claim in a rate-limited queue, numbered per
-- queue (seq: 1, 2, …; at: µs, the claim's time), kept durably so that the
-- window survives a restart. The window is used up when the start numbered
-- max(seq) - (rate_limit - 1) is younger than rate_period_s: two seeks of
-- the primary key, O(log n) whatever the limit. Each claim deletes the rows
-- beyond the newest rate_limit, the only ones that can matter.
ALTER TABLE queues ADD COLUMN rate_limit INTEGER;
ALTER TABLE queues ADD COLUMN rate_period_s INTEGER;
CREATE TABLE queue_starts (
  queue  TEXT NOT NULL,
  seq    INTEGER NOT NULL,
  at     INTEGER NOT NULL,
  PRIMARY KEY (queue, seq)
);
