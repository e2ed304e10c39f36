/*
 * store_row.c — small helpers shared by the query files: binding optional
 * values, reading nullable columns, stepping with checked results, and
 * turning a job row (STORE_JOB_COLS) into struct job.
 */
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "store_internal.h"

void store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

void store_bind_i64_or_null(sqlite3_stmt *s, int i, int64_t v, int64_t null_value)
{
	if (v == null_value)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_int64(s, i, v);
}

char *store_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? strdup((const char *)t) : NULL;
}

int64_t store_col_i64(sqlite3_stmt *s, int i, int64_t null_value)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? null_value : sqlite3_column_int64(s, i);
}

/* Steps a statement that returns no row. 0, or -1 with err. */
int store_step_done(struct store *st, sqlite3_stmt *s, const char *what, char *err)
{
	int rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		store_err(st, err, what);
		sqlite3_reset(s);
		return -1;
	}
	return 0;
}

/* Steps an UPDATE: 1 if it changed a row, 0 if none, -1 error. */
int store_step_changed(struct store *st, sqlite3_stmt *s, const char *what, char *err)
{
	if (store_step_done(st, s, what, err) < 0)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

/* Reads a single-id lookup: 1 found (*id), 0 none, -1 error. */
int store_step_id(struct store *st, sqlite3_stmt *s, int64_t *id, const char *what, char *err)
{
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		return 1;
	}
	if (rc == SQLITE_DONE)
		return 0;
	store_err(st, err, what);
	return -1;
}

/* One row in STORE_JOB_COLS order into *job. */
void store_row_to_job(sqlite3_stmt *s, struct job *j)
{
	enum job_state state = JOB_FAILED;

	memset(j, 0, sizeof(*j));
	j->id = sqlite3_column_int64(s, 0);
	j->name = store_col_text(s, 1);
	j->batch_id = store_col_i64(s, 2, 0);
	j->command = store_col_text(s, 3);
	j->env = store_col_text(s, 4);
	j->cwd = store_col_text(s, 5);
	job_state_parse((const char *)sqlite3_column_text(s, 6), &state);
	j->state = state;
	j->priority = sqlite3_column_int(s, 7);
	j->timeout_s = sqlite3_column_double(s, 8);
	j->max_attempts = sqlite3_column_int(s, 9);
	j->attempts = sqlite3_column_int(s, 10);
	j->worker = (int)store_col_i64(s, 11, -1);
	j->pid = (int)store_col_i64(s, 12, -1);
	j->exit_code = (int)store_col_i64(s, 13, -1);
	j->term_signal = (int)store_col_i64(s, 14, -1);
	j->error = store_col_text(s, 15);
	j->cancel_requested = sqlite3_column_int(s, 16) != 0;
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
	j->retry_backoff_s = sqlite3_column_double(s, 29);
	j->rerun_of = store_col_i64(s, 30, 0);
	j->blocked = sqlite3_column_int(s, 31);
	store_parse_ids((const char *)sqlite3_column_text(s, 32), &j->after, &j->n_after);
	j->queue = store_col_text(s, 33);
	j->limits.memory_mb = store_col_i64(s, 34, 0);
	j->limits.cpu_s = store_col_i64(s, 35, 0);
	j->limits.open_files = store_col_i64(s, 36, 0);
	j->limits.processes = store_col_i64(s, 37, 0);
	j->schedule_id = store_col_i64(s, 38, 0);
	j->output_purged = sqlite3_column_int(s, 39) != 0;
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

