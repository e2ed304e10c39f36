/*
 * store_batches.c — the batch queries of store_jobs.h: insert, idempotency
 * lookup, one batch or a page of the newest, each with the per-batch
 * aggregate behind makespan and speedup.
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_jobs.h"
#include "common/vec.h"

int store_batch_insert(struct store *st, const char *name, int total, const char *idem_key,
    int64_t rerun_of, const char *notify, int64_t now_us, int64_t *id, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_BATCH_INSERT);
	store_bind_text(s, 1, name);
	store_bind_i64(s, 2, total);
	store_bind_text(s, 3, idem_key);
	store_bind_i64(s, 4, now_us);
	store_bind_i64_or_null(s, 5, rerun_of, 0);
	store_bind_text(s, 6, notify);
	return store_step_returning_id(st, s, id, "INSERT batch", err);
}

int store_batch_grow(struct store *st, int64_t id, int n, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_BATCH_GROW);
	store_bind_i64(s, 1, id);
	store_bind_i64(s, 2, n);
	return store_step_done(st, s, "UPDATE batch total", err);
}

int store_batch_find_idem(struct store *st, const char *key, int64_t *id, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_BATCH_BY_IDEM);
	store_bind_text(s, 1, key);
	return store_step_id(st, s, id, "SELECT batch by idempotency key", err);
}

/* The columns of STMT_BATCH_GET and STMT_BATCH_LIST into *b (name copied). */
static void batch_from_row(struct store_stmt *s, struct batch *b)
{
	memset(b, 0, sizeof(*b));
	b->id = store_col_i64(s, BATCH_COL_id, 0);
	b->name = store_col_text(s, BATCH_COL_name);
	b->total = store_col_int(s, BATCH_COL_total);
	b->created_us = store_col_i64(s, BATCH_COL_created_at, 0);
	b->rerun_of = store_col_i64(s, BATCH_COL_rerun_of, 0);
}

/* Counts per state, first start, last finish and run time of b's jobs. */
static int batch_stats(struct store *st, struct batch *b, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_BATCH_STATS);
	int rc;

	store_bind_i64(s, 1, b->id);
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
		return -1;
	}
	return 0;
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
	batch_from_row(s, b);
	store_reset(s);
	if (batch_stats(st, b, err) < 0) {
		batch_free(b);
		return -1;
	}
	return 1;
}

/* The page's rows are all read before any batch's stats: a driver may not
 * step two statements of one connection at once. */
int store_batch_list(struct store *st, int64_t before_id, int limit, struct batch **batches,
    int *n, bool *more, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_BATCH_LIST);
	struct batch *bs = calloc((size_t)limit + 1, sizeof(*bs));
	int rc = STORE_DONE, got = 0;

	*batches = NULL;
	*n = 0;
	*more = false;
	if (bs == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	store_bind_i64(s, 1, before_id > 0 ? before_id : INT64_MAX);
	store_bind_i64(s, 2, limit + 1);
	while (got <= limit && (rc = store_next(st, s)) == STORE_ROW)
		batch_from_row(s, &bs[got++]);
	if (got > limit) {
		store_reset(s);
		*more = true;
		batch_free(&bs[--got]);
	} else if (rc != STORE_DONE) {
		store_err(st, err, "SELECT batch list");
		goto fail;
	}
	for (int i = 0; i < got; i++)
		if (batch_stats(st, &bs[i], err) < 0)
			goto fail;
	*batches = bs;
	*n = got;
	return 0;
fail:
	store_batch_list_free(bs, got);
	return -1;
}

void store_batch_list_free(struct batch *batches, int n)
{
	for (int i = 0; i < n; i++)
		batch_free(&batches[i]);
	free(batches);
}

int store_batch_job_ids(struct store *st, int64_t batch_id, int64_t **ids, int *n, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_BATCH_JOB_IDS);
	int rc;
	size_t cap = 0;

	*ids = NULL;
	*n = 0;
	store_bind_i64(s, 1, batch_id);
	while ((rc = store_next(st, s)) == STORE_ROW) {
		if (VEC_RESERVE(*ids, cap, (size_t)*n + 1, err) < 0) {
			store_reset(s);
			free(*ids);
			*ids = NULL;
			return -1;
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
