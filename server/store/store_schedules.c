/*
 * store_schedules.c — the schedule queries of store_schedules.h, over the
 * statement table of the driver (store_stmts.def), through
 * store_internal.h.
 */
#include "store_schedules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "common/vec.h"

static void row_to_schedule(struct store_stmt *st, struct schedule *s)
{
	memset(s, 0, sizeof(*s));
	s->id = store_col_i64(st, SCHED_COL_id, 0);
	s->name = store_col_text(st, SCHED_COL_name);
	s->cron = store_col_text(st, SCHED_COL_cron);
	s->timezone = store_col_text(st, SCHED_COL_timezone);
	snprintf(s->overlap, sizeof(s->overlap), "%s", store_col_str(st, SCHED_COL_overlap));
	snprintf(s->catch_up, sizeof(s->catch_up), "%s", store_col_str(st, SCHED_COL_catch_up));
	s->job = store_col_text(st, SCHED_COL_job);
	s->paused = store_col_int(st, SCHED_COL_paused) != 0;
	s->next_run_us = store_col_i64(st, SCHED_COL_next_run_at, 0);
	s->last_run_us = store_col_i64(st, SCHED_COL_last_run_at, 0);
	s->last_job_id = store_col_i64(st, SCHED_COL_last_job_id, 0);
	s->runs = store_col_i64(st, SCHED_COL_runs, 0);
	s->skipped = store_col_i64(st, SCHED_COL_skipped, 0);
	s->last_error = store_col_text(st, SCHED_COL_last_error);
	s->created_us = store_col_i64(st, SCHED_COL_created_at, 0);
	s->updated_us = store_col_i64(st, SCHED_COL_updated_at, 0);
}

int store_schedule_insert(struct store *st, const struct schedule *s, int64_t *id, char *err)
{
	struct store_stmt *q = store_stmt(st, STMT_SCHED_INSERT);

	store_bind_text(q, 1, s->name);
	store_bind_text(q, 2, s->cron);
	store_bind_text(q, 3, s->timezone);
	store_bind_text(q, 4, s->overlap);
	store_bind_text(q, 5, s->catch_up);
	store_bind_text(q, 6, s->job);
	store_bind_i64(q, 7, s->paused ? 1 : 0);
	store_bind_i64_or_null(q, 8, s->next_run_us, 0);
	store_bind_i64(q, 9, s->created_us);
	return store_step_returning_id(st, q, id, "INSERT schedule", err);
}

/* One row of a single-row query: 1 with *s, 0 none, -1 error. */
static int one_row(struct store *st, struct store_stmt *q, struct schedule *s, const char *what,
    char *err)
{
	int rc = store_next(st, q);
	if (rc == STORE_ROW) {
		row_to_schedule(q, s);
		store_reset(q);
		return 1;
	}
	if (rc == STORE_DONE)
		return 0;
	store_err(st, err, what);
	store_reset(q);
	return -1;
}

int store_schedule_get(struct store *st, int64_t id, struct schedule *s, char *err)
{
	struct store_stmt *q = store_stmt(st, STMT_SCHED_GET);
	store_bind_i64(q, 1, id);
	return one_row(st, q, s, "SELECT schedule", err);
}

int store_schedule_next_due(struct store *st, int64_t now_us, struct schedule *s, char *err)
{
	struct store_stmt *q = store_stmt(st, STMT_SCHED_DUE);
	store_bind_i64(q, 1, now_us);
	return one_row(st, q, s, "SELECT due schedule", err);
}

int store_schedule_list(struct store *st, struct schedule **out, int *n, char *err)
{
	struct store_stmt *q = store_stmt(st, STMT_SCHED_LIST);
	struct schedule *list = NULL;
	int count = 0, rc;
	size_t cap = 0;
	bool nomem = false;

	while ((rc = store_next(st, q)) == STORE_ROW) {
		if (VEC_RESERVE(list, cap, (size_t)count + 1, err) < 0) {
			nomem = true;
			break;
		}
		row_to_schedule(q, &list[count++]);
	}
	if (nomem || rc != STORE_DONE) {
		if (!nomem)
			store_err(st, err, "SELECT schedules");
		store_reset(q);
		for (int i = 0; i < count; i++)
			schedule_free(&list[i]);
		free(list);
		return -1;
	}
	*out = list;
	*n = count;
	return 0;
}

int store_schedule_delete(struct store *st, int64_t id, char *err)
{
	struct store_stmt *q = store_stmt(st, STMT_SCHED_DELETE);
	store_bind_i64(q, 1, id);
	return store_step_changed(st, q, "DELETE schedule", err);
}

int store_schedule_set_paused(struct store *st, int64_t id, bool paused, int64_t next_run_us,
    int64_t now_us, char *err)
{
	struct store_stmt *q = store_stmt(st, STMT_SCHED_PAUSE);
	store_bind_i64(q, 1, id);
	store_bind_i64(q, 2, paused ? 1 : 0);
	store_bind_i64_or_null(q, 3, next_run_us, 0);
	store_bind_i64(q, 4, now_us);
	return store_step_changed(st, q, "UPDATE schedule paused", err);
}

int store_schedule_fired(struct store *st, int64_t id, int64_t next_run_us, int64_t fired_us,
    int64_t job_id, const char *error, char *err)
{
	struct store_stmt *q;

	if (job_id > 0) {
		q = store_stmt(st, STMT_SCHED_FIRED);
		store_bind_i64(q, 3, fired_us);
		store_bind_i64(q, 4, job_id);
	} else {
		q = store_stmt(st, STMT_SCHED_SKIPPED);
		store_bind_text(q, 3, error);
	}
	store_bind_i64(q, 1, id);
	store_bind_i64_or_null(q, 2, next_run_us, 0);
	return store_step_done(st, q, "UPDATE schedule fired", err);
}

int store_schedule_next_wake(struct store *st, int64_t *wall_us, char *err)
{
	struct store_stmt *q = store_stmt(st, STMT_SCHED_WAKE);
	int rc = store_next(st, q);
	if (rc != STORE_ROW) {
		store_err(st, err, "SELECT next schedule");
		store_reset(q);
		return -1;
	}
	*wall_us = store_col_i64(q, 0, 0);
	store_reset(q);
	return 0;
}
