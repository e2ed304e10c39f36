/*
 * cli_out.h — what the command line prints: the API's JSON as is (--json),
 * or text for people: a table of jobs, a resource's fields one a line, a
 * batch's summary. Writes to stdout unless a FILE is given; knows nothing
 * of HTTP.
 */
#ifndef JOBD_CLI_OUT_H
#define JOBD_CLI_OUT_H

#include <stdio.h>

#include <cjson/cJSON.h>

/* j as indented JSON and a newline on stdout. */
void cli_out_json(const cJSON *j);

/* The jobs table: its header, then one row per job. */
void cli_out_jobs_header(void);
void cli_out_job_row(const cJSON *job);

/* Every field of o, one "name  value" a line; nested objects as
 * "parent.name" (a job for `show`, /v1/stats for `stats`). */
void cli_out_fields(const cJSON *o);

/* "batch 3: 2 jobs, 2 succeeded" and the makespan, total run time and
 * speedup line, to f. */
void cli_out_batch_summary(FILE *f, const cJSON *batch);

/* A failed job's one line for stderr: "job 4 failed: exit code 3". */
void cli_out_job_outcome(FILE *f, const cJSON *job);

#endif
