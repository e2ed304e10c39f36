/*
 * store_batches.c — the batch queries of store_jobs.h: insert, idempotency
 * lookup, and the per-batch aggregate behind makespan and speedup.
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_jobs.h"

int store_batch_insert(struct store *st, const char *name, int total, const char *idem_key,
    int64_t rerun_of, int64_t now_us, int64_t *id, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_BATCH_INSERT);
	store_bind_text(s, 1, name);
	store_bind_i64(s, 2, total);
	store_bind_text(s, 3, idem_key);
	store_bind_i64(s, 4, now_us);
	store_bind_i64_or_null(s, 5, rerun_of, 0);
	return store_step_returning_id(st, s, id, "INSERT batch", err);
}

int store_batch_find_idem(struct store *st, const char *key, int64_t *id, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_BATCH_BY_IDEM);
	store_bind_text(s, 1, key);
	return store_step_id(st, s, id, "SELECT batch by idempotency key", err);
}

int store_batch_get(struct store *st, int64_t id, struct batch *b, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_BATCH_GET);
	int rc;

	memset(b, 0, sizeof(*b));
	store_bind_i64(s, 1, id);
	rc = store_next(st, s);
	if (rc == STORE_DONE)
		return 0;
	if (rc != STORE_ROW) {
		store_err(st, err, "SELECT batch");
		return -1;
	}
	b->id = id;
	b->name = store_col_text(s, 1);
	b->total = store_col_int(s, 2);
	b->created_us = store_col_i64(s, 3, 0);
	b->rerun_of = store_col_i64(s, 4, 0);
	store_reset(s);

	s = store_stmt(st, STMT_BATCH_STATS);
	store_bind_i64(s, 1, id);
	while ((rc = store_next(st, s)) == STORE_ROW) {
		enum job_state state;
		if (job_state_parse(store_col_str(s, 0), &state) < 0)
			continue;
		b->counts[state] = store_col_i64(s, 1, 0);
		int64_t first = store_col_i64(s, 2, 0), last = store_col_i64(s, 3, 0);
		if (first > 0 && (b->first_start_us == 0 || first < b->first_start_us))
			b->first_start_us = first;
		if (last > b->last_finish_us)
			b->last_finish_us = last;
		b->total_run_us += store_col_i64(s, 4, 0);
	}
	if (rc != STORE_DONE) {
		store_err(st, err, "SELECT batch stats");
		batch_free(b);
		return -1;
	}
	return 1;
}

int store_batch_job_ids(struct store *st, int64_t batch_id, int64_t **ids, int *n, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_BATCH_JOB_IDS);
	int rc, cap = 0;

	*ids = NULL;
	*n = 0;
	store_bind_i64(s, 1, batch_id);
	while ((rc = store_next(st, s)) == STORE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			int64_t *ni = realloc(*ids, (size_t)cap * sizeof(**ids));
			if (ni == NULL) {
				err_set(err, "realloc: out of memory");
				store_reset(s);
				free(*ids);
				*ids = NULL;
				return -1;
			}
			*ids = ni;
		}
		(*ids)[(*n)++] = store_col_i64(s, 0, 0);
	}
	if (rc != STORE_DONE) {
		store_err(st, err, "SELECT batch job ids");
		free(*ids);
		*ids = NULL;
		return -1;
	}
	return 0;
}

void batch_free(struct batch *b)
{
	free(b->name);
	b->name = NULL;
}
