/*
 * store_row.c — small helpers shared by the query files, over the
 * accessors of store_internal.h: copying text columns, stepping with checked
 * results, and turning a job row (STORE_JOB_COLS) into struct job.
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "common/job.h"

char *store_col_text(struct store_stmt *s, int i)
{
	const char *t = store_col_str(s, i);
	return t ? strdup(t) : NULL;
}

/* Steps a statement that returns no row. 0, or -1 with err. */
int store_step_done(struct store *st, struct store_stmt *s, const char *what, char *err)
{
	int rc = store_next(st, s);
	if (rc != STORE_DONE) {
		/* A row here is an INSERT … RETURNING or a SELECT run for its
		 * effect: not what this caller asked for. */
		store_err(st, err, what);
		store_reset(s);
		return -1;
	}
	return 0;
}

/* Steps an UPDATE: 1 if it changed a row, 0 if none, -1 error. */
int store_step_changed(struct store *st, struct store_stmt *s, const char *what, char *err)
{
	if (store_step_done(st, s, what, err) < 0)
		return -1;
	return st->drv->changes(st) > 0 ? 1 : 0;
}

/* Reads a single-id lookup: 1 found (*id), 0 none, -1 error. */
int store_step_id(struct store *st, struct store_stmt *s, int64_t *id, const char *what,
    char *err)
{
	int rc = store_next(st, s);
	if (rc == STORE_ROW) {
		*id = store_col_i64(s, 0, 0);
		store_reset(s);
		return 1;
	}
	if (rc == STORE_DONE)
		return 0;
	store_err(st, err, what);
	return -1;
}

/* Steps an INSERT … RETURNING id: 0 with *id, or -1 with err. */
int store_step_returning_id(struct store *st, struct store_stmt *s, int64_t *id,
    const char *what, char *err)
{
	if (store_next(st, s) != STORE_ROW) {
		store_err(st, err, what);
		store_reset(s);
		return -1;
	}
	*id = store_col_i64(s, 0, 0);
	return store_step_done(st, s, what, err);
}

/* One row in STORE_JOB_COLS order into *job. */
void store_row_to_job(struct store_stmt *s, struct job *j)
{
	enum job_state state = JOB_FAILED;

	memset(j, 0, sizeof(*j));
	j->id = store_col_i64(s, 0, 0);
	j->name = store_col_text(s, 1);
	j->batch_id = store_col_i64(s, 2, 0);
	j->command = store_col_text(s, 3);
	j->env = store_col_text(s, 4);
	j->cwd = store_col_text(s, 5);
	job_state_parse(store_col_str(s, 6), &state);
	j->state = state;
	j->priority = store_col_int(s, 7);
	j->timeout_s = store_col_double(s, 8);
	j->max_attempts = store_col_int(s, 9);
	j->attempts = store_col_int(s, 10);
	j->worker = (int)store_col_i64(s, 11, -1);
	j->pid = (int)store_col_i64(s, 12, -1);
	j->exit_code = (int)store_col_i64(s, 13, -1);
	j->term_signal = (int)store_col_i64(s, 14, -1);
	j->error = store_col_text(s, 15);
	j->cancel_requested = store_col_int(s, 16) != 0;
	j->created_us = store_col_i64(s, 17, 0);
	j->queued_us = store_col_i64(s, 18, 0);
	j->started_us = store_col_i64(s, 19, 0);
	j->finished_us = store_col_i64(s, 20, 0);
	j->run_us = store_col_i64(s, 21, -1);
	j->cpu_user_us = store_col_i64(s, 22, -1);
	j->cpu_sys_us = store_col_i64(s, 23, -1);
	j->max_rss_kb = store_col_i64(s, 24, -1);
	j->stdout_bytes = store_col_i64(s, 25, -1);
	j->stderr_bytes = store_col_i64(s, 26, -1);
	j->run_at_us = store_col_i64(s, 27, 0);
	j->wait_until_us = store_col_i64(s, 28, 0);
	j->retry_backoff_s = store_col_double(s, 29);
	j->rerun_of = store_col_i64(s, 30, 0);
	j->blocked = store_col_int(s, 31);
	store_parse_ids(store_col_str(s, 32), &j->after, &j->n_after);
	j->queue = store_col_text(s, 33);
	j->limits.memory_mb = store_col_i64(s, 34, 0);
	j->limits.cpu_s = store_col_i64(s, 35, 0);
	j->limits.open_files = store_col_i64(s, 36, 0);
	j->limits.processes = store_col_i64(s, 37, 0);
	j->schedule_id = store_col_i64(s, 38, 0);
	j->output_purged = store_col_int(s, 39) != 0;
	j->node_id = store_col_i64(s, 40, 0);
}

/* "12,13" → {12, 13}. A NULL or unreadable list, or no memory, leaves none:
 * after is shown, never acted on (job_deps is what the dispatcher follows). */
void store_parse_ids(const char *text, int64_t **ids, int *n)
{
	*ids = NULL;
	*n = 0;
	if (text == NULL || text[0] == '\0')
		return;
	int count = 1;
	for (const char *p = text; *p; p++)
		count += *p == ',';
	if ((*ids = malloc((size_t)count * sizeof(**ids))) == NULL)
		return;
	for (const char *p = text; *n < count;) {
		char *end;
		long long v = strtoll(p, &end, 10);
		if (end == p)
			break;
		(*ids)[(*n)++] = v;
		if (*end != ',')
			break;
		p = end + 1;
	}
}

