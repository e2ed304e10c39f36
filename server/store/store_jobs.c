/*
 * store_jobs.c — the job queries of store_jobs.h (finding, reading,
 * claiming, moving between states), over the statement table of the driver
 * (store_stmts.def), through store_internal.h. Inserting jobs is
 * store_jobs_insert.c.
 */
#include "store_jobs.h"

#include <stdlib.h>
#include <string.h>

#include "store_deps.h"
#include "store_internal.h"
#include "common/vec.h"

int store_job_find_idem(struct store *st, const char *key, int64_t *id, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOB_BY_IDEM);
	store_bind_text(s, 1, key);
	return store_step_id(st, s, id, "SELECT job by idempotency key", err);
}

int store_job_find_unique(struct store *st, const char *key, int64_t *id, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOB_BY_UNIQUE);
	store_bind_text(s, 1, key);
	return store_step_id(st, s, id, "SELECT job holding a unique key", err);
}

int store_job_get(struct store *st, int64_t id, struct job *job, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOB_GET);
	store_bind_i64(s, 1, id);
	int rc = store_next(st, s);
	if (rc == STORE_ROW) {
		store_row_to_job(s, job);
		store_reset(s);
		return 1;
	}
	if (rc == STORE_DONE)
		return 0;
	store_err(st, err, "SELECT job");
	return -1;
}

/* "[3,0,1]": the first cpus of slots, a JSON array (at most
 * JOB_SLOTS_TEXT_MAX bytes). */
static void slots_text(const int *slots, int cpus, char *buf, size_t cap)
{
	size_t len = (size_t)snprintf(buf, cap, "[");
	for (int i = 0; i < cpus && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%d", i ? "," : "", slots[i]);
	if (len < cap)
		snprintf(buf + len, cap - len, "]");
}

int store_job_claim(struct store *st, int64_t id, const int *slots, int n_slots, int64_t now_us,
    struct job *job, char *err)
{
	char held[JOB_SLOTS_TEXT_MAX]; /* bound until the step: SQLite keeps the pointer */

	struct store_stmt *s = store_stmt(st, STMT_JOB_FOR_RUN);
	store_bind_i64(s, 1, id);
	int rc = store_next(st, s);

	if (rc == STORE_DONE) {
		err_set(err, "job %lld to claim is gone", (long long)id);
		return -1;
	}
	if (rc != STORE_ROW) {
		store_err(st, err, "SELECT job to run");
		return -1;
	}
	store_row_to_job(s, job);
	if (job->cpus > n_slots) {
		int cpus = job->cpus;
		job_free(job);
		job->cpus = cpus;
		store_reset(s);
		return 0;
	}
	size_t stdin_len;
	const void *stdin_data = store_col_blob(s, JOB_COL_COUNT, &stdin_len);
	if (stdin_len > 0) {
		job->stdin_data = malloc(stdin_len);
		if (job->stdin_data == NULL) {
			err_set(err, "malloc %zu for stdin: out of memory", stdin_len);
			job_free(job);
			store_reset(s);
			return -1;
		}
		memcpy(job->stdin_data, stdin_data, stdin_len);
		job->stdin_len = stdin_len;
	}
	store_reset(s);

	s = store_stmt(st, STMT_JOB_CLAIM);
	store_bind_i64(s, 1, job->id);
	store_bind_i64(s, 2, slots[0]);
	store_bind_i64(s, 3, now_us);
	if (job->cpus > 1) {
		slots_text(slots, job->cpus, held, sizeof(held));
		store_bind_text(s, 4, held);
	}
	if (store_step_changed(st, s, "UPDATE job to running", err) != 1) {
		if (err[0] == '\0')
			err_set(err, "job %lld was not queued any more", (long long)job->id);
		job_free(job);
		return -1;
	}
	job->state = JOB_RUNNING;
	job->attempts++;
	job->worker = slots[0];
	job->started_us = now_us;
	free(job->slots);
	job->slots = job->cpus > 1 ? strdup(held) : NULL;
	return 1;
}

int store_job_set_started(struct store *st, int64_t id, int pid, int64_t started_us, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOB_STARTED);
	store_bind_i64(s, 1, id);
	store_bind_i64(s, 2, pid);
	store_bind_i64(s, 3, started_us);
	return store_step_done(st, s, "UPDATE job started", err);
}

int store_job_finish(struct store *st, int64_t id, enum job_state state,
    const struct run_result *r, const char *error, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOB_FINISH);

	store_bind_i64(s, 1, id);
	store_bind_text(s, 2, job_state_name(state));
	store_bind_i64_or_null(s, 3, r->exit_code, -1);
	store_bind_i64_or_null(s, 4, r->term_signal, -1);
	store_bind_text(s, 5, error != NULL && error[0] != '\0' ? error : NULL);
	store_bind_i64_or_null(s, 6, r->started_us, 0);
	store_bind_i64(s, 7, r->finished_us);
	store_bind_i64_or_null(s, 8, r->run_us, -1);
	store_bind_i64_or_null(s, 9, r->cpu_user_us, -1);
	store_bind_i64_or_null(s, 10, r->cpu_sys_us, -1);
	store_bind_i64_or_null(s, 11, r->max_rss_kb, -1);
	store_bind_i64_or_null(s, 12, r->stdout_bytes, -1);
	store_bind_i64_or_null(s, 13, r->stderr_bytes, -1);
	store_bind_i64_or_null(s, 14, r->pid, 0);
	return store_step_done(st, s, "UPDATE job finished", err);
}

int store_job_requeue(struct store *st, int64_t id, int64_t now_us, int64_t wait_until_us,
    const char *error, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOB_REQUEUE);
	store_bind_i64(s, 1, id);
	store_bind_i64(s, 2, now_us);
	store_bind_text(s, 3, error);
	store_bind_i64_or_null(s, 4, wait_until_us, 0);
	return store_step_done(st, s, "UPDATE job requeued", err);
}

int store_jobs_promote(struct store *st, int64_t now_us, int *promoted, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOBS_PROMOTE);
	store_bind_i64(s, 1, now_us);
	if (store_step_done(st, s, "UPDATE due jobs runnable", err) < 0)
		return -1;
	*promoted = (int)st->drv->changes(st);
	return 0;
}

int store_next_wake(struct store *st, int64_t *wall_us, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_NEXT_WAKE);
	int rc = store_next(st, s);
	if (rc != STORE_ROW) {
		store_err(st, err, "SELECT next wake-up");
		return -1;
	}
	*wall_us = store_col_i64(s, 0, 0);
	store_reset(s);
	return 0;
}

int store_job_load_spec(struct store *st, int64_t id, struct job *job, struct job_spec *spec,
    char *err)
{
	int found = store_job_get(st, id, job, err);
	if (found <= 0)
		return found;
	memset(spec, 0, sizeof(*spec));
	spec->name = job->name ? strdup(job->name) : NULL;
	spec->command = strdup(job->command);
	spec->env = strdup(job->env ? job->env : "{}");
	spec->cwd = job->cwd ? strdup(job->cwd) : NULL;
	spec->timeout_s = job->timeout_s;
	spec->priority = job->priority;
	spec->max_attempts = job->max_attempts;
	spec->retry_backoff_s = job->retry_backoff_s;
	spec->rerun_of = job->id;
	spec->queue = job->queue ? strdup(job->queue) : NULL;
	spec->limits = job->limits;
	spec->unique_key = job->unique_key ? strdup(job->unique_key) : NULL;
	spec->unique_while = job->unique_while;
	spec->tags = job->tags ? strdup(job->tags) : NULL;
	/* Its own webhook comes along; a batch's stays with that batch. */
	spec->notify = job->notify ? strdup(job->notify) : NULL;
	spec->cpus = job->cpus;
	struct store_stmt *s = store_stmt(st, STMT_JOB_STDIN);
	store_bind_i64(s, 1, id);
	size_t len = 0;
	const void *data = store_next(st, s) == STORE_ROW ? store_col_blob(s, 0, &len) : NULL;
	if (len > 0) {
		spec->stdin_len = len;
		spec->stdin_data = malloc(len + 1);
		if (spec->stdin_data != NULL) {
			memcpy(spec->stdin_data, data, len);
			spec->stdin_data[len] = '\0';
		}
	}
	store_reset(s);
	if (spec->command == NULL || spec->env == NULL || (job->tags && spec->tags == NULL) ||
	    (job->notify && spec->notify == NULL) ||
	    (job->unique_key != NULL && spec->unique_key == NULL) ||
	    (spec->stdin_len > 0 && spec->stdin_data == NULL)) {
		err_set(err, "out of memory copying job %lld", (long long)id);
		job_spec_free(spec);
		job_free(job);
		return -1;
	}
	return 1;
}

int store_job_cancel_queued(struct store *st, int64_t id, int64_t now_us, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOB_CANCEL_QUEUED);
	store_bind_i64(s, 1, id);
	store_bind_i64(s, 2, now_us);
	return store_step_changed(st, s, "UPDATE job canceled", err);
}

int store_job_request_cancel(struct store *st, int64_t id, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOB_CANCEL_REQUEST);
	store_bind_i64(s, 1, id);
	return store_step_changed(st, s, "UPDATE job cancel_requested", err);
}

int store_job_counts(struct store *st, int64_t counts[JOB_STATE_COUNT], char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOB_COUNTS);
	int rc;

	memset(counts, 0, sizeof(int64_t) * JOB_STATE_COUNT);
	while ((rc = store_next(st, s)) == STORE_ROW) {
		enum job_state state;
		if (job_state_parse(store_col_str(s, 0), &state) == 0)
			counts[state] = store_col_i64(s, 1, 0);
	}
	if (rc != STORE_DONE) {
		store_err(st, err, "SELECT job counts");
		return -1;
	}
	return 0;
}

int store_jobs_running(struct store *st, int64_t **ids, int *n, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOBS_RUNNING);
	int rc, cap = 0;

	*ids = NULL;
	*n = 0;
	while ((rc = store_next(st, s)) == STORE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			int64_t *ni = realloc(*ids, (size_t)cap * sizeof(*ni));
			if (ni == NULL) {
				store_reset(s);
				err_set(err, "realloc: out of memory");
				goto fail;
			}
			*ids = ni;
		}
		(*ids)[(*n)++] = store_col_i64(s, 0, 0);
	}
	if (rc == STORE_DONE)
		return 0;
	store_err(st, err, "SELECT running jobs");
fail:
	free(*ids);
	*ids = NULL;
	*n = 0;
	return -1;
}
