-- 009_tags.sql — job tags (`tags` of a job or batch spec, docs/API.md) and
-- the indexes of the list filters ?tag=k:v and ?name_prefix=.
--
-- jobs.tags: the job's tags as the canonical JSON object of strings the
-- spec made ({"env":"prod","team":"ml"}); NULL: none. It is what a job's
-- JSON shows and what a rerun copies.
--
-- job_tags: one row per tag of a tagged job, written in the same
-- transaction as the job (one INSERT … SELECT over json_each); a job
-- without tags has no row, so untagged submissions run no extra statement.
-- The primary key (job_id, key) finds a job's rows when retention deletes
-- it (ON DELETE CASCADE); job_tags_kv (key, value, job_id) serves
-- ?tag=k:v newest first as a keyset (job_id < before) range scan.
--
-- jobs_name (name, id), partial to named jobs so that unnamed ones pay no
-- index entry: ?name_prefix=P is the range name >= P AND name < P' (P with
-- its last byte raised), never a LIKE scan. SQLite compares TEXT bytewise.

ALTER TABLE jobs ADD COLUMN tags TEXT;

CREATE TABLE job_tags (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL,
  PRIMARY KEY (job_id, key)
) WITHOUT ROWID;
CREATE INDEX job_tags_kv ON job_tags(key, value, job_id);

CREATE INDEX jobs_name ON jobs(name, id) WHERE name IS NOT NULL;
