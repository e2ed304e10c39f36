/*
 * store_jobs_insert.c — inserting jobs (store_jobs.h): one job's row and its
 * tags, and a batch's jobs STORE_INSERT_ROWS to a statement where the driver
 * has the multi-row form, with the batch's tags in one statement.
 */
#include "store_jobs.h"

#include <string.h>

#include "store_internal.h"

/* The parameters a job's row takes in STMT_JOB_INSERT, from ?(off + 1):
 * held must stay until the step (SQLite keeps the pointer). */
static void bind_job(struct store_stmt *s, int off, const struct job_spec *spec, int64_t batch_id,
    const char *idem_key, int64_t now_us, char held[JOB_STATE_LIST_MAX])
{
	store_bind_text(s, off + 1, spec->name);
	store_bind_i64_or_null(s, off + 2, batch_id, 0);
	store_bind_text(s, off + 3, spec->command);
	store_bind_text(s, off + 4, spec->env ? spec->env : "{}");
	store_bind_text(s, off + 5, spec->cwd);
	if (spec->stdin_len > 0)
		store_bind_blob(s, off + 6, spec->stdin_data, spec->stdin_len);
	store_bind_i64(s, off + 7, spec->priority);
	store_bind_double(s, off + 8, spec->timeout_s);
	store_bind_i64(s, off + 9, spec->max_attempts);
	store_bind_text(s, off + 10, idem_key);
	store_bind_i64(s, off + 11, now_us);
	store_bind_i64_or_null(s, off + 12, spec->run_at_us, 0);
	if (spec->retry_backoff_s > 0)
		store_bind_double(s, off + 13, spec->retry_backoff_s);
	store_bind_i64_or_null(s, off + 14, spec->rerun_of, 0);
	store_bind_text(s, off + 15, spec->queue);
	store_bind_i64_or_null(s, off + 16, spec->limits.memory_mb, 0);
	store_bind_i64_or_null(s, off + 17, spec->limits.cpu_s, 0);
	store_bind_i64_or_null(s, off + 18, spec->limits.open_files, 0);
	store_bind_i64_or_null(s, off + 19, spec->limits.processes, 0);
	store_bind_i64_or_null(s, off + 20, spec->schedule_id, 0);
	if (spec->unique_key != NULL) {
		job_state_list_format(spec->unique_while, held, JOB_STATE_LIST_MAX);
		store_bind_text(s, off + 21, spec->unique_key);
		store_bind_text(s, off + 22, held);
	}
	store_bind_text(s, off + 23, spec->tags);
	store_bind_text(s, off + 24, spec->notify);
	if (spec->notify_batch)
		store_bind_i64(s, off + 25, 1);
	if (spec->cpus > 1)
		store_bind_i64(s, off + 26, spec->cpus);
}

/* The job_tags rows of a tagged job. */
static int insert_tags(struct store *st, const struct job_spec *spec, int64_t id, char *err)
{
	if (spec->tags == NULL)
		return 0;
	struct store_stmt *s = store_stmt(st, STMT_JOB_TAGS_INSERT);
	store_bind_i64(s, 1, id);
	store_bind_text(s, 2, spec->tags);
	return store_step_done(st, s, "INSERT job_tags", err);
}

/* One job's row, and its tags unless the caller writes them. */
static int insert_one(struct store *st, const struct job_spec *spec, int64_t batch_id,
    const char *idem_key, int64_t now_us, bool with_tags, int64_t *id, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOB_INSERT);
	char held[JOB_STATE_LIST_MAX];

	bind_job(s, 0, spec, batch_id, idem_key, now_us, held);
	if (store_step_returning_id(st, s, id, "INSERT job", err) < 0)
		return -1;
	return with_tags ? insert_tags(st, spec, *id, err) : 0;
}

int store_job_insert(struct store *st, const struct job_spec *spec, int64_t batch_id,
    const char *idem_key, int64_t now_us, int64_t *id, char *err)
{
	return insert_one(st, spec, batch_id, idem_key, now_us, true, id, err);
}

/* STORE_INSERT_ROWS specs[0..] in one statement: their ids are the last
 * one's and those before it, since each new row of jobs takes the largest
 * id + 1 (no AUTOINCREMENT) and the writer alone inserts. Tags are the
 * caller's. 1 done, 0 when the driver has no multi-row form, -1 error. */
static int insert_rows(struct store *st, const struct job_spec *specs, int64_t batch_id,
    int64_t now_us, int64_t *ids, char *err)
{
	struct store_stmt *s = st->drv->stmt_rows != NULL
				   ? st->drv->stmt_rows(st, STMT_JOB_INSERT, STORE_INSERT_ROWS)
				   : NULL;
	char held[STORE_INSERT_ROWS][JOB_STATE_LIST_MAX];
	int per = (int)strlen(store_stmts[STMT_JOB_INSERT].types), last_row = STORE_INSERT_ROWS - 1;
	int64_t last;

	if (s == NULL || st->drv->inserted_id == NULL)
		return 0;
	for (int r = 0; r < STORE_INSERT_ROWS; r++)
		bind_job(s, r * per, &specs[r], batch_id, NULL, now_us, held[r]);
	if (store_step_done(st, s, "INSERT jobs", err) < 0)
		return -1;
	last = st->drv->inserted_id(st);
	for (int r = 0; r < STORE_INSERT_ROWS; r++)
		ids[r] = last - last_row + r;
	return 1;
}

int store_jobs_insert(struct store *st, const struct job_spec *specs, size_t n,
    int64_t batch_id, int64_t now_us, int64_t *ids, char *err)
{
	size_t i = 0;
	bool tagged = false;

	for (size_t k = 0; k < n && !tagged; k++)
		tagged = specs[k].tags != NULL;
	/* A batch's tags go in one statement after its rows. */
	bool later = tagged && batch_id > 0 && n > 1;
	while (n - i >= STORE_INSERT_ROWS) {
		int r = insert_rows(st, specs + i, batch_id, now_us, ids + i, err);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		for (size_t k = i; !later && k < i + STORE_INSERT_ROWS; k++)
			if (insert_tags(st, &specs[k], ids[k], err) < 0)
				return -1;
		i += STORE_INSERT_ROWS;
	}
	for (; i < n; i++)
		if (insert_one(st, &specs[i], batch_id, NULL, now_us, !later, &ids[i], err) < 0)
			return -1;
	if (!later)
		return 0;
	struct store_stmt *s = store_stmt(st, STMT_BATCH_TAGS_INSERT);
	store_bind_i64(s, 1, batch_id);
	store_bind_i64(s, 2, ids[0]);
	store_bind_i64(s, 3, ids[n - 1]);
	return store_step_done(st, s, "INSERT job_tags of a batch", err);
}
