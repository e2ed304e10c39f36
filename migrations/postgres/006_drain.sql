-- 006_drain.sql — nodes.draining: the node starts no job (POST /v1/drain)
-- until POST /v1/resume; /v1/workers shows it for every node. A node's row
-- is one incarnation, registered with --start-drained's value, so a node
-- restarted without that flag serves again. SQLite has no nodes table.
ALTER TABLE nodes ADD COLUMN draining boolean NOT NULL DEFAULT false;
