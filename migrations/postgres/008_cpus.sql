-- 008_cpus.sql — multi-core jobs (`cpus` of a job or batch spec,
-- docs/API.md "Multi-core jobs").
--
-- jobs.cpus: how many worker slots of one node the job holds while it
-- runs, 2 or more; NULL for the common 1, so that a 1-cpu job writes
-- nothing more on insert. jobs.slots: the claiming node's pool slots its
-- last attempt held, as the JSON array "[0,1]" (jobs.worker first);
-- written by the claim of a job with cpus > 1 only, NULL otherwise. No
-- index: the claim reads cpus from the row it has locked anyway.
ALTER TABLE jobs ADD COLUMN cpus integer CHECK (cpus >= 2);
ALTER TABLE jobs ADD COLUMN slots text;
