-- 005_tags.sql — job tags and the indexes of ?tag=k:v and ?name_prefix=
-- (SQLite: 009_tags.sql, which explains the tables).
--
-- jobs_name compares with COLLATE "C" (bytewise, as SQLite): a prefix is
-- then the range name >= P AND name < P' under any database collation.
ALTER TABLE jobs ADD COLUMN tags text;

CREATE TABLE job_tags (
  job_id bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  key text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (job_id, key)
);
CREATE INDEX job_tags_kv ON job_tags (key, value, job_id);

CREATE INDEX jobs_name ON jobs ((name COLLATE "C"), id) WHERE name IS NOT NULL;
