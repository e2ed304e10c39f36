-- 006_nodes.sql — jobs.node_id: the cluster node that ran a job's last
-- attempt. Always NULL on SQLite (one node); it is here so that a job row
-- has the same columns on both backends (PostgreSQL: 002_cluster.sql).
ALTER TABLE jobs ADD COLUMN node_id INTEGER;
