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

/* Steps an INSERT …SQL_RETURNING_ID: 0 with *id, or -1 with err. The id is
 * its row where the text returns one, else the driver's inserted_id. */
int store_step_returning_id(struct store *st, struct store_stmt *s, int64_t *id,
    const char *what, char *err)
{
	int rc = store_next(st, s);

	if (rc == STORE_ROW) {
		*id = store_col_i64(s, 0, 0);
		return store_step_done(st, s, what, err);
	}
	if (rc == STORE_DONE && st->drv->inserted_id != NULL) {
		*id = st->drv->inserted_id(st);
		store_reset(s);
		return 0;
	}
	if (rc == STORE_DONE)
		err_set(err, "%s: %s: no id returned", st->drv->name, what);
	else
		store_err(st, err, what);
	store_reset(s);
	return -1;
}

/* One row of STORE_JOB_COLS into *job. */
void store_row_to_job(struct store_stmt *s, struct job *j)
{
	enum job_state state = JOB_FAILED;

	memset(j, 0, sizeof(*j));
	j->id = store_col_i64(s, JOB_COL_id, 0);
	j->name = store_col_text(s, JOB_COL_name);
	j->batch_id = store_col_i64(s, JOB_COL_batch_id, 0);
	j->command = store_col_text(s, JOB_COL_command);
	j->env = store_col_text(s, JOB_COL_env);
	j->cwd = store_col_text(s, JOB_COL_cwd);
	job_state_parse(store_col_str(s, JOB_COL_state), &state);
	j->state = state;
	j->priority = store_col_int(s, JOB_COL_priority);
	j->timeout_s = store_col_double(s, JOB_COL_timeout_s);
	j->max_attempts = store_col_int(s, JOB_COL_max_attempts);
	j->attempts = store_col_int(s, JOB_COL_attempts);
	j->worker = (int)store_col_i64(s, JOB_COL_worker, -1);
	j->pid = (int)store_col_i64(s, JOB_COL_pid, -1);
	j->exit_code = (int)store_col_i64(s, JOB_COL_exit_code, -1);
	j->term_signal = (int)store_col_i64(s, JOB_COL_signal, -1);
	j->error = store_col_text(s, JOB_COL_error);
	j->cancel_requested = store_col_int(s, JOB_COL_cancel_requested) != 0;
	j->created_us = store_col_i64(s, JOB_COL_created_at, 0);
	j->queued_us = store_col_i64(s, JOB_COL_queued_at, 0);
	j->started_us = store_col_i64(s, JOB_COL_started_at, 0);
	j->finished_us = store_col_i64(s, JOB_COL_finished_at, 0);
	j->run_us = store_col_i64(s, JOB_COL_run_us, -1);
	j->cpu_user_us = store_col_i64(s, JOB_COL_cpu_user_us, -1);
	j->cpu_sys_us = store_col_i64(s, JOB_COL_cpu_sys_us, -1);
	j->max_rss_kb = store_col_i64(s, JOB_COL_max_rss_kb, -1);
	j->stdout_bytes = store_col_i64(s, JOB_COL_stdout_bytes, -1);
	j->stderr_bytes = store_col_i64(s, JOB_COL_stderr_bytes, -1);
	j->run_at_us = store_col_i64(s, JOB_COL_run_at, 0);
	j->wait_until_us = store_col_i64(s, JOB_COL_wait_until, 0);
	j->retry_backoff_s = store_col_double(s, JOB_COL_retry_backoff_s);
	j->rerun_of = store_col_i64(s, JOB_COL_rerun_of, 0);
	j->blocked = store_col_int(s, JOB_COL_blocked);
	store_parse_ids(store_col_str(s, JOB_COL_after_ids), &j->after, &j->n_after);
	j->queue = store_col_text(s, JOB_COL_queue);
	j->limits.memory_mb = store_col_i64(s, JOB_COL_limit_memory_mb, 0);
	j->limits.cpu_s = store_col_i64(s, JOB_COL_limit_cpu_s, 0);
	j->limits.open_files = store_col_i64(s, JOB_COL_limit_open_files, 0);
	j->limits.processes = store_col_i64(s, JOB_COL_limit_processes, 0);
	j->schedule_id = store_col_i64(s, JOB_COL_schedule_id, 0);
	j->output_purged = store_col_int(s, JOB_COL_output_purged) != 0;
	j->node_id = store_col_i64(s, JOB_COL_node_id, 0);
	j->unique_key = store_col_text(s, JOB_COL_unique_key);
	const char *held = store_col_str(s, JOB_COL_unique_while);
	if (j->unique_key == NULL || held == NULL || job_state_list_parse(held, &j->unique_while) < 0)
		j->unique_while = 0;
	j->tags = store_col_text(s, JOB_COL_tags);
	j->notify = store_col_text(s, JOB_COL_notify);
	j->notify_batch = store_col_int(s, JOB_COL_notify_batch) != 0;
	j->cpus = (int)store_col_i64(s, JOB_COL_cpus, 1);
	j->slots = store_col_text(s, JOB_COL_slots);
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

