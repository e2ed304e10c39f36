/*
 * store_queues.c — the queue queries of store_queues.h, over the statement
 * table of the driver (store_stmts.def), through store_internal.h.
 */
#include "store_queues.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "common/clock.h"
#include "common/vec.h"

static void row_to_queue(struct store_stmt *s, struct queue_info *q)
{
	memset(q, 0, sizeof(*q));
	snprintf(q->name, sizeof(q->name), "%s", store_col_str(s, QUEUE_COL_name));
	q->concurrency = (int)store_col_i64(s, QUEUE_COL_concurrency, 0);
	q->paused = store_col_int(s, QUEUE_COL_paused) != 0;
	q->created_us = store_col_i64(s, QUEUE_COL_created_at, 0);
	q->updated_us = store_col_i64(s, QUEUE_COL_updated_at, 0);
	q->rate_limit = (int)store_col_i64(s, QUEUE_COL_rate_limit, 0);
	q->rate_period_s = (int)store_col_i64(s, QUEUE_COL_rate_period_s, 0);
}

/* The window's use now, for readers (the dispatcher asks rate_full). */
static int add_rate_use(struct store *st, struct queue_info *q, char *err)
{
	int64_t now = clock_wall_us(), period_us = (int64_t)q->rate_period_s * 1000000;

	if (q->rate_limit <= 0)
		return 0;
	struct store_stmt *s = store_stmt(st, STMT_QUEUE_STARTS_SINCE);
	store_bind_text(s, 1, q->name);
	store_bind_i64(s, 2, now - period_us);
	if (store_step_id(st, s, &q->rate_used, "SELECT queue starts", err) < 0)
		return -1;
	int full = store_queue_rate_full(st, q->name, q->rate_limit, period_us, now,
	    &q->rate_next_us, err);
	return full < 0 ? -1 : 0;
}

static int add_counts(struct store *st, struct queue_info *qs, int n, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_QUEUE_COUNTS);
	int rc;

	while ((rc = store_next(st, s)) == STORE_ROW) {
		const char *name = store_col_str(s, 0);
		const char *state = store_col_str(s, 1);
		for (int i = 0; name != NULL && state != NULL && i < n; i++) {
			if (strcmp(qs[i].name, name) != 0)
				continue;
			if (strcmp(state, "running") == 0)
				qs[i].running = store_col_i64(s, 2, 0);
			else
				qs[i].queued = store_col_i64(s, 2, 0);
		}
	}
	if (rc != STORE_DONE) {
		store_err(st, err, "SELECT queue counts");
		store_reset(s);
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (add_rate_use(st, &qs[i], err) < 0)
			return -1;
	return 0;
}

int store_queues_list(struct store *st, bool with_counts, struct queue_info **out, int *n,
    char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_QUEUES_ALL);
	struct queue_info *qs = NULL;
	int count = 0, rc;
	size_t cap = 0;

	while ((rc = store_next(st, s)) == STORE_ROW) {
		if (VEC_RESERVE(qs, cap, (size_t)count + 1, err) < 0) {
			store_reset(s);
			free(qs);
			return -1;
		}
		row_to_queue(s, &qs[count++]);
	}
	if (rc != STORE_DONE) {
		store_err(st, err, "SELECT queues");
		store_reset(s);
		free(qs);
		return -1;
	}
	if (with_counts && add_counts(st, qs, count, err) < 0) {
		free(qs);
		return -1;
	}
	*out = qs;
	*n = count;
	return 0;
}

int store_queue_get(struct store *st, const char *name, bool with_counts, struct queue_info *q,
    char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_QUEUE_GET);
	store_bind_text(s, 1, name);
	int rc = store_next(st, s);
	if (rc == STORE_ROW) {
		row_to_queue(s, q);
		store_reset(s);
		return with_counts && add_counts(st, q, 1, err) < 0 ? -1 : 1;
	}
	if (rc == STORE_DONE)
		return 0;
	store_err(st, err, "SELECT queue");
	return -1;
}

int store_queue_total(struct store *st, int64_t *n, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_QUEUE_TOTAL);
	if (store_next(st, s) == STORE_ROW) {
		*n = store_col_i64(s, 0, 0);
		store_reset(s);
		return 0;
	}
	store_err(st, err, "SELECT count(*) FROM queues");
	return -1;
}

int store_queue_ensure(struct store *st, const char *name, int64_t now_us, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_QUEUE_ENSURE);
	store_bind_text(s, 1, name);
	store_bind_i64(s, 2, now_us);
	return store_step_done(st, s, "INSERT queue", err);
}

int store_queue_set(struct store *st, const struct queue_info *q, int64_t now_us, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_QUEUE_SET);
	store_bind_text(s, 1, q->name);
	store_bind_i64_or_null(s, 2, q->concurrency, 0);
	store_bind_i64(s, 3, q->paused ? 1 : 0);
	store_bind_i64(s, 4, now_us);
	store_bind_i64_or_null(s, 5, q->rate_limit, 0);
	store_bind_i64_or_null(s, 6, q->rate_limit > 0 ? q->rate_period_s : 0, 0);
	return store_step_done(st, s, "UPSERT queue", err);
}

int store_queue_head(struct store *st, const char *name, int64_t *id, int *priority, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_QUEUE_HEAD);
	store_bind_text(s, 1, name);
	int rc = store_next(st, s);
	if (rc == STORE_ROW) {
		*id = store_col_i64(s, 0, 0);
		*priority = store_col_int(s, 1);
		store_reset(s);
		return 1;
	}
	if (rc == STORE_DONE)
		return 0;
	store_err(st, err, "SELECT queue head");
	return -1;
}

int store_queue_rate_full(struct store *st, const char *name, int limit, int64_t period_us,
    int64_t now_us, int64_t *next_us, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_QUEUE_START_NTH);
	int64_t nth;

	store_bind_text(s, 1, name);
	store_bind_i64(s, 2, limit - 1);
	int r = store_step_id(st, s, &nth, "SELECT queue start", err);
	if (r < 0)
		return -1;
	/* Fewer than limit starts ever, or the limit-th most recent has left
	 * the window: a start now makes at most limit in any window. */
	*next_us = r == 1 && nth + period_us > now_us ? nth + period_us : 0;
	return *next_us != 0;
}

int store_queue_rate_start(struct store *st, const char *name, int limit, int64_t now_us,
    char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_QUEUE_START_ADD);
	store_bind_text(s, 1, name);
	store_bind_i64(s, 2, now_us);
	if (store_step_done(st, s, "INSERT queue start", err) < 0)
		return -1;
	s = store_stmt(st, STMT_QUEUE_STARTS_PRUNE);
	store_bind_text(s, 1, name);
	store_bind_i64(s, 2, limit);
	return store_step_done(st, s, "DELETE queue starts", err);
}
