/*
 * store_retention.h — the SQL side of --retain-finished and
 * --max-output-disk: finding the finished jobs that are oldest, deleting
 * them with what points at them (dependency edges, rerun_of links, webhook
 * deliveries, batches left empty), marking the output of others purged, and the figures the
 * dispatcher schedules by. Files are not this module's business: it says
 * which jobs' output files the caller may delete, after its commit.
 *
 * Ownership: a struct store_retention borrows the dispatcher's writer
 * connection (whose statements it uses); close it before that store. The purge
 * functions run inside the caller's transaction and leave nothing
 * half-done on error (the caller rolls back). Functions return 0 (or 1 =
 * found) and -1 with err set.
 */
#ifndef JOBD_STORE_RETENTION_H
#define JOBD_STORE_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "common/job.h"

struct store_retention;

struct purged_job {
	int64_t id;
	enum job_state state;
	int64_t output_bytes;   /* output it had on disk by the count (0: none, or purged before) */
	bool files;             /* output files may exist: delete them after the commit */
	bool hooks;             /* it had a notify: its webhook deliveries went with it */
};

/* What one call deleted or marked. jobs is malloc'd (store_retention_result_free). */
struct purge_result {
	struct purged_job *jobs;
	int n_jobs;
	int n_batches;          /* batch rows deleted because none of their jobs was left */
	int64_t output_bytes;   /* the sum of jobs[].output_bytes */
};

int store_retention_open(struct store *st, struct store_retention **out, char *err);
void store_retention_close(struct store_retention *sr);
void store_retention_result_free(struct purge_result *res);

/* The disk a finished job's output takes by the count: what each stream
 * wrote (negative: unknown, counted 0), at most stream_cap per stream —
 * the bytes the worker kept (--output-limit). */
int64_t store_retention_job_bytes(int64_t stdout_bytes, int64_t stderr_bytes, int64_t stream_cap);

/* Deletes up to limit final jobs that finished before cutoff_us, oldest
 * first, with their dependency edges; reruns of them lose rerun_of (it
 * would name nothing), and batches left without jobs are deleted too.
 * Output of purged jobs is counted in res->output_bytes unless it was
 * purged before. Fewer than limit in res->n_jobs means none is left. */
int store_retention_purge_jobs(struct store_retention *sr, int64_t cutoff_us, int limit,
    int64_t stream_cap, struct purge_result *res, char *err);

/* Marks output_purged the final jobs whose output is on disk, oldest
 * finished first, until their output adds up to want_bytes or limit jobs
 * were marked. res->n_jobs == 0 means there was none to mark. */
int store_retention_purge_output(struct store_retention *sr, int64_t want_bytes, int limit,
    int64_t stream_cap, struct purge_result *res, char *err);

/* Output on disk of every final job whose output was not purged, by the count. */
int store_retention_output_total(struct store_retention *sr, int64_t stream_cap, int64_t *total,
    char *err);
/* finished_at of the final job that finished first (wall µs), 0 if none. */
int store_retention_oldest_finished(struct store_retention *sr, int64_t *wall_us, char *err);

/* Any connection (readers too): 1 with *purged, 0 no such job, -1 error. */
int store_retention_output_purged(struct store *st, int64_t id, bool *purged, char *err);

#endif
