-- 004_unique.sql — unique jobs (spec fields unique_key, unique_while), and
-- an idempotency index that holds only the jobs that have a key: as
-- migrations/sqlite/007_unique.sql, whose comments hold here too (jobs_unique
-- lets at most one job hold a key while its state is one of its
-- unique_while; the predicate is SQL_UNIQUE_HELD in store_stmts.def, which
-- PostgreSQL must see repeated to prove a query may use the index).
--
-- On a cluster two nodes inserting the same key race on jobs_unique: the
-- second waits for the first's COMMIT and fails, its command rolls back to
-- its savepoint and is applied once more, and then finds the first's job.

ALTER TABLE jobs ADD COLUMN unique_key text;    -- NULL: not unique
ALTER TABLE jobs ADD COLUMN unique_while text;  -- "queued,running[,final states]"; NULL without a key

ALTER TABLE jobs DROP CONSTRAINT jobs_idempotency_key_key;
CREATE UNIQUE INDEX jobs_idempotency ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX jobs_unique ON jobs (unique_key)
  WHERE unique_key IS NOT NULL AND strpos(',' || unique_while || ',', ',' || state || ',') > 0;
