-- 011_cpus.sql — multi-core jobs (`cpus` of a job or batch spec,
-- docs/API.md "Multi-core jobs").
--
-- jobs.cpus: how many worker slots the job holds while it runs, 2 or more;
-- NULL for the common 1, so that a 1-cpu job writes nothing more on insert.
-- jobs.slots: the pool slots its last attempt held, as the JSON array
-- "[0,1]" (the one that runs it, jobs.worker, first); written by the claim
-- of a job with cpus > 1 only, NULL otherwise (the job JSON's "slots" is
-- then [worker]). No index: the claim reads cpus from the row it claims
-- anyway.
ALTER TABLE jobs ADD COLUMN cpus INTEGER;
ALTER TABLE jobs ADD COLUMN slots TEXT;
