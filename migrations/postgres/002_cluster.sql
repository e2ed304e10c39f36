-- 002_cluster.sql — many jobd nodes on one database (docs/design/scale-out.md).
-- A nodes row is one incarnation of a node: a restart registers a new row, and
-- its id fences the results of the old one. Rows are never deleted. The lease
-- of a node and of its running jobs is on the database's clock (jobd_now_us).
CREATE TABLE nodes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  host text NOT NULL,
  pid integer NOT NULL,
  listen text NOT NULL,
  pool_size integer NOT NULL,
  started_at bigint NOT NULL,
  heartbeat_at bigint NOT NULL,
  lease_until bigint NOT NULL,
  stopped_at bigint,
  state text NOT NULL DEFAULT 'alive' CHECK (state IN ('alive', 'stopped', 'dead'))
);
CREATE INDEX nodes_alive ON nodes (lease_until) WHERE state = 'alive';
CREATE INDEX nodes_name ON nodes (name);
-- The node of the last attempt (as worker is its slot), and while running,
-- until when that node's lease holds the job.
ALTER TABLE jobs ADD COLUMN node_id bigint;
ALTER TABLE jobs ADD COLUMN lease_until bigint;
CREATE INDEX jobs_running ON jobs (node_id) WHERE state = 'running';
CREATE INDEX jobs_running_queue ON jobs (queue) WHERE state = 'running';
CREATE INDEX jobs_lease ON jobs (lease_until) WHERE state = 'running';
-- A finished job's output (up to --output-limit per stream), copied from the
-- files of the node that ran it, so that any node can serve it.
CREATE TABLE job_output (
  job_id bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  stream smallint NOT NULL CHECK (stream IN (1, 2)),
  data bytea NOT NULL,
  PRIMARY KEY (job_id, stream)
);
