-- 012_rate.sql — rate limits per queue: at most rate_limit job starts
-- (claims) in any rate_period_s-second sliding window.
--
-- queues.rate_limit, rate_period_s: both NULL (no rate limit) or both set.
-- queue_starts: one row per claim in a rate-limited queue (at: µs, the
-- claim's time), kept durably so that the window survives a restart and, on
-- PostgreSQL, is counted in the claiming transaction under the queue row's
-- lock across nodes. Rows older than the window are deleted by the next
-- claim in that queue, so a queue keeps about rate_limit rows. The index
-- finds the rate_limit-th most recent start of a queue in O(log n + limit).
ALTER TABLE queues ADD COLUMN rate_limit INTEGER;
ALTER TABLE queues ADD COLUMN rate_period_s INTEGER;
CREATE TABLE queue_starts (
  queue  TEXT NOT NULL,
  at     INTEGER NOT NULL
);
CREATE INDEX queue_starts_at ON queue_starts(queue, at);
