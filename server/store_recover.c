/*
 * store_recover.c — jobs whose attempt was cut short because their server
 * or node went away: requeued while attempts remain, else failed with the
 * reason and their dependents canceled (store_jobs.h). At start-up and at
 * shutdown for this server's own jobs; in a cluster also for nodes whose
 * lease ended (store_nodes.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "store_deps.h"
#include "store_internal.h"
#include "store_jobs.h"

int store_job_interrupted(struct store *st, int64_t id, int attempts, int max_attempts,
    const char *msg, int64_t now_us, char *err)
{
	if (attempts < max_attempts)
		return store_job_requeue(st, id, now_us, 0, msg, err) < 0 ? -1 : 1;
	struct run_result r = { .exit_code = -1, .term_signal = -1, .run_us = -1,
		.cpu_user_us = -1, .cpu_sys_us = -1, .max_rss_kb = -1,
		.stdout_bytes = -1, .stderr_bytes = -1, .finished_us = now_us };
	struct store_stmt *g = store_stmt(st, STMT_JOB_GET);
	store_bind_i64(g, 1, id);
	if (store_next(st, g) == STORE_ROW)
		r.started_us = store_col_i64(g, JOB_COL_started_at, 0);
	store_reset(g);
	if (store_job_finish(st, id, JOB_FAILED, &r, msg, err) < 0)
		return -1;
	/* Counts are read again after, so the effects need no more. */
	struct dep_effects fx = { 0 };
	int deps_rc = store_deps_ended(st, id, JOB_FAILED, now_us, &fx, err);
	store_deps_effects_free(&fx);
	return deps_rc < 0 ? -1 : 0;
}

int store_jobs_recover(struct store *st, int64_t now_us, int *requeued, int *failed, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOBS_RUNNING);
	struct { int64_t id; int attempts, max; } *left = NULL;
	size_t n = 0, cap = 0;
	int rc, ret = -1;

	*requeued = *failed = 0;
	while ((rc = store_next(st, s)) == STORE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			void *nl = realloc(left, cap * sizeof(*left));
			if (nl == NULL) {
				err_set(err, "realloc: out of memory");
				goto out;
			}
			left = nl;
		}
		left[n].id = store_col_i64(s, 0, 0);
		left[n].attempts = store_col_int(s, 1);
		left[n].max = store_col_int(s, 2);
		n++;
	}
	if (rc != STORE_DONE) {
		store_err(st, err, "SELECT running jobs");
		goto out;
	}
	store_reset(s);
	for (size_t i = 0; i < n; i++) {
		char msg[128];
		snprintf(msg, sizeof(msg), "the server stopped while attempt %d ran", left[i].attempts);
		int r = store_job_interrupted(st, left[i].id, left[i].attempts, left[i].max, msg,
		    now_us, err);
		if (r < 0)
			goto out;
		(*(r == 1 ? requeued : failed))++;
	}
	ret = 0;
out:
	free(left);
	return ret;
}
