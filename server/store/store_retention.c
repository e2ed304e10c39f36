/*
 * store_retention.c — the retention queries of store_retention.h. Their
 * statements (R_* in store_driver.h) run only on the dispatcher's writer
 * connection, so readers do not prepare them. Indexes and the
 * output_purged column come from migrations/sqlite/005_retention.sql.
 *
 * Every purge first reads its candidates to the end (or stops and resets
 * the statement), then changes rows: SQLite does not promise what a running
 * SELECT sees of rows changed under it.
 *
 * The newest job and the newest batch are never deleted, however old: ids
 * are INTEGER PRIMARY KEY without AUTOINCREMENT, so SQLite gives the next
 * row max(id) + 1, and deleting the newest row would hand its id out again
 * — to a different job that clients would take for the one they knew. A
 * newest batch left empty is remembered (spared_batch) and deleted by a
 * later purge once a newer batch exists.
 */
#include "store_retention.h"

#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

struct store_retention {
	struct store *st;
	int64_t spared_batch;   /* the newest batch, maybe empty: look again later */
};

static struct store_stmt *stmt(struct store_retention *sr, enum store_stmt_id id)
{
	return store_stmt(sr->st, id);
}

/* A one-row, one-integer query: the value, or null_value when NULL or no row. */
static int read_i64(struct store_retention *sr, struct store_stmt *s, int64_t null_value,
    int64_t *out, const char *what, char *err)
{
	int rc = store_next(sr->st, s);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		store_err(sr->st, err, what);
		store_reset(s);
		return -1;
	}
	*out = rc == STORE_ROW ? store_col_i64(s, 0, null_value) : null_value;
	store_reset(s);
	return 0;
}

int store_retention_open(struct store *st, struct store_retention **out, char *err)
{
	struct store_retention *sr = calloc(1, sizeof(*sr));

	*out = NULL;
	if (sr == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	sr->st = st;
	if (st->mode != STORE_WRITER) {
		err_set(err, "retention needs the writer connection");
		store_retention_close(sr);
		return -1;
	}
	/* The newest batch may have been spared by the last server: look again. */
	if (read_i64(sr, stmt(sr, R_BATCH_MAX), 0, &sr->spared_batch, "SELECT newest batch",
		err) < 0) {
		store_retention_close(sr);
		return -1;
	}
	*out = sr;
	return 0;
}

void store_retention_close(struct store_retention *sr)
{
	free(sr);
}

void store_retention_result_free(struct purge_result *res)
{
	free(res->jobs);
	memset(res, 0, sizeof(*res));
}

static int64_t stream_bytes(int64_t n, int64_t cap) { return n <= 0 ? 0 : n < cap ? n : cap; }

int64_t store_retention_job_bytes(int64_t stdout_bytes, int64_t stderr_bytes, int64_t stream_cap)
{
	return stream_bytes(stdout_bytes, stream_cap) + stream_bytes(stderr_bytes, stream_cap);
}

/* Runs a statement bound to one id to its end. */
static int run_id(struct store_retention *sr, enum store_stmt_id id, int64_t v, const char *what,
    char *err)
{
	struct store_stmt *s = stmt(sr, id);
	store_bind_i64(s, 1, v);
	return store_step_done(sr->st, s, what, err);
}

static int start(struct purge_result *res, int limit, int64_t **batch_ids, char *err)
{
	memset(res, 0, sizeof(*res));
	if (limit < 1) {
		err_set(err, "retention batch limit %d: want at least 1", limit);
		return -1;
	}
	res->jobs = calloc((size_t)limit, sizeof(*res->jobs));
	if (batch_ids != NULL)
		*batch_ids = calloc((size_t)limit + 1, sizeof(**batch_ids));
	if (res->jobs == NULL || (batch_ids != NULL && *batch_ids == NULL)) {
		err_set(err, "calloc %d retention rows: out of memory", limit);
		store_retention_result_free(res);
		if (batch_ids != NULL)
			free(*batch_ids);
		return -1;
	}
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* The batches of purged jobs that have no job left go too, but the newest
 * (see the top). ids has room for one more than n. */
static int drop_empty_batches(struct store_retention *sr, int64_t *ids, int n,
    struct purge_result *res, char *err)
{
	int64_t newest;

	if (sr->spared_batch > 0)
		ids[n++] = sr->spared_batch;
	if (n == 0)
		return 0;
	if (read_i64(sr, stmt(sr, R_BATCH_MAX), 0, &newest, "SELECT newest batch", err) < 0)
		return -1;
	sr->spared_batch = 0;
	qsort(ids, (size_t)n, sizeof(*ids), cmp_i64);
	for (int i = 0; i < n; i++) {
		if (i > 0 && ids[i] == ids[i - 1])
			continue;
		if (ids[i] >= newest) {
			sr->spared_batch = ids[i];
			continue;
		}
		if (run_id(sr, R_BATCH_RERUNS, ids[i], "UPDATE reruns of a purged batch", err) < 0)
			return -1;
		struct store_stmt *s = stmt(sr, R_BATCH_DELETE);
		store_bind_i64(s, 1, ids[i]);
		int changed = store_step_changed(sr->st, s, "DELETE emptied batch", err);
		if (changed < 0)
			return -1;
		if (changed &&
		    (run_id(sr, R_HOOK_TRIES_BATCH, ids[i], "DELETE a purged batch's delivery attempts",
			 err) < 0 ||
			run_id(sr, R_HOOK_BATCH, ids[i], "DELETE a purged batch's deliveries", err) < 0))
			return -1;
		res->n_batches += changed;
	}
	return 0;
}

int store_retention_purge_jobs(struct store_retention *sr, int64_t cutoff_us, int limit,
    int64_t stream_cap, struct purge_result *res, char *err)
{
	int64_t *batch_ids = NULL, spared = sr->spared_batch;
	int n_batch_ids = 0, rc;

	if (start(res, limit, &batch_ids, err) < 0)
		return -1;
	struct store_stmt *s = stmt(sr, R_CANDIDATES);
	store_bind_i64(s, 1, cutoff_us);
	store_bind_i64(s, 2, limit);
	while ((rc = store_next(sr->st, s)) == STORE_ROW && res->n_jobs < limit) {
		struct purged_job *j = &res->jobs[res->n_jobs++];
		int64_t out = store_col_i64(s, 3, -1), errb = store_col_i64(s, 4, -1);
		bool purged = store_col_int(s, 5) != 0;
		j->id = store_col_i64(s, 0, 0);
		j->hooks = store_col_int(s, 6) != 0;
		if (job_state_parse(store_col_str(s, 2), &j->state) < 0)
			j->state = JOB_FAILED; /* only the counts would be off; the row goes anyway */
		if (!store_col_is_null(s, 1))
			batch_ids[n_batch_ids++] = store_col_i64(s, 1, 0);
		/* No byte count: a worker died or the server stopped mid-run, and
		 * files may be there. Zero counted: capture made no file. */
		j->files = !purged && (out != 0 || errb != 0);
		j->output_bytes = purged ? 0 : store_retention_job_bytes(out, errb, stream_cap);
		res->output_bytes += j->output_bytes;
	}
	if (rc != STORE_ROW && rc != STORE_DONE) {
		store_err(sr->st, err, "SELECT finished jobs to purge");
		goto fail;
	}
	store_reset(s);
	for (int i = 0; i < res->n_jobs; i++) {
		int64_t id = res->jobs[i].id;
		if (run_id(sr, R_DEPS_FROM, id, "DELETE dependency edges from a purged job", err) < 0 ||
		    run_id(sr, R_DEPS_TO, id, "DELETE dependency edges to a purged job", err) < 0 ||
		    run_id(sr, R_RERUNS, id, "UPDATE reruns of a purged job", err) < 0)
			goto fail;
		if (res->jobs[i].hooks &&
		    (run_id(sr, R_HOOK_TRIES_JOB, id, "DELETE a purged job's delivery attempts", err) < 0 ||
			run_id(sr, R_HOOK_JOB, id, "DELETE a purged job's deliveries", err) < 0))
			goto fail;
		s = stmt(sr, R_DELETE_JOB);
		store_bind_i64(s, 1, id);
		int changed = store_step_changed(sr->st, s, "DELETE purged job", err);
		if (changed < 0)
			goto fail;
		if (changed == 0) {
			err_set(err, "job %lld to purge is not final any more", (long long)id);
			goto fail;
		}
	}
	if (drop_empty_batches(sr, batch_ids, n_batch_ids, res, err) < 0)
		goto fail;
	free(batch_ids);
	return 0;
fail:
	free(batch_ids);
	store_retention_result_free(res);
	sr->spared_batch = spared; /* the caller rolls back */
	return -1;
}

int store_retention_purge_output(struct store_retention *sr, int64_t want_bytes, int limit,
    int64_t stream_cap, struct purge_result *res, char *err)
{
	int rc = STORE_DONE;

	if (start(res, limit, NULL, err) < 0)
		return -1;
	struct store_stmt *s = stmt(sr, R_OUTPUT_CANDIDATES);
	store_bind_i64(s, 1, limit);
	while (res->output_bytes < want_bytes && (rc = store_next(sr->st, s)) == STORE_ROW) {
		struct purged_job *j = &res->jobs[res->n_jobs++];
		j->id = store_col_i64(s, 0, 0);
		j->state = JOB_SUCCEEDED; /* some final state; not read by callers */
		j->files = true;
		j->output_bytes = store_retention_job_bytes(store_col_i64(s, 1, -1),
		    store_col_i64(s, 2, -1), stream_cap);
		res->output_bytes += j->output_bytes;
	}
	if (rc != STORE_ROW && rc != STORE_DONE) {
		store_err(sr->st, err, "SELECT oldest output on disk");
		goto fail;
	}
	store_reset(s);
	for (int i = 0; i < res->n_jobs; i++) {
		s = stmt(sr, R_MARK_PURGED);
		store_bind_i64(s, 1, res->jobs[i].id);
		int changed = store_step_changed(sr->st, s, "UPDATE job output purged", err);
		if (changed < 0)
			goto fail;
		if (changed == 0) {
			err_set(err, "job %lld: output already purged", (long long)res->jobs[i].id);
			goto fail;
		}
	}
	return 0;
fail:
	store_retention_result_free(res);
	return -1;
}

int store_retention_output_total(struct store_retention *sr, int64_t stream_cap, int64_t *total,
    char *err)
{
	struct store_stmt *s = stmt(sr, R_OUTPUT_TOTAL);
	store_bind_i64(s, 1, stream_cap);
	return read_i64(sr, s, 0, total, "SELECT output on disk", err);
}

int store_retention_oldest_finished(struct store_retention *sr, int64_t *wall_us, char *err)
{
	return read_i64(sr, stmt(sr, R_OLDEST), 0, wall_us, "SELECT oldest finished job", err);
}

int store_retention_output_purged(struct store *st, int64_t id, bool *purged, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOB_OUTPUT_PURGED);
	store_bind_i64(s, 1, id);
	int rc = store_next(st, s);
	if (rc == STORE_DONE)
		return 0;
	if (rc != STORE_ROW) {
		store_err(st, err, "SELECT job output_purged");
		return -1;
	}
	*purged = store_col_int(s, 0) != 0;
	store_reset(s);
	return 1;
}
