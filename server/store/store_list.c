/*
 * store_list.c — the job list of store_jobs.h (GET /v1/jobs, and the bulk
 * actions' pages): newest first, keyset pages on id.
 *
 * A filter of states, a batch or a schedule is one index range scan per
 * state, each of at most limit+1 rows, merged here. A filter with a tag, a
 * name prefix or a queue walks one index instead — its first tag's
 * (job_tags_kv), else the prefix's (jobs_name), else the batch's, the
 * schedule's, the one state's, or the whole table's — in chunks, and keeps
 * the rows the filter's other terms accept. The walk's cost is the rows of
 * that index it passes, so the most selective term should come first: a
 * tag, then a name prefix.
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_jobs.h"
#include "common/vec.h"

/* Rows a filtered walk reads per statement. */
#define LIST_WALK_CHUNK 256

static int list_one(struct store *st, enum store_stmt_id id, const struct job_list_filter *f,
    int state, struct job **jobs, int *n, size_t *cap, char *err)
{
	struct store_stmt *s = store_stmt(st, id);
	int rc;

	store_bind_i64(s, 1, f->before_id > 0 ? f->before_id : INT64_MAX);
	store_bind_i64(s, 2, f->limit + 1);
	if (state >= 0)
		store_bind_text(s, 3, job_state_name((enum job_state)state));
	if (f->batch_id > 0)
		store_bind_i64(s, 4, f->batch_id);
	else if (f->schedule_id > 0)
		store_bind_i64(s, 4, f->schedule_id);
	while ((rc = store_next(st, s)) == STORE_ROW) {
		if (VEC_RESERVE(*jobs, *cap, (size_t)*n + 1, err) < 0) {
			store_reset(s);
			return -1;
		}
		store_row_to_job(s, &(*jobs)[(*n)++]);
	}
	if (rc != STORE_DONE) {
		store_err(st, err, "SELECT job list");
		return -1;
	}
	return 0;
}

static int by_id_desc(const void *a, const void *b)
{
	int64_t x = ((const struct job *)a)->id, y = ((const struct job *)b)->id;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* The single state of mask, or -1 when it names none or several. */
static int only_state(unsigned mask)
{
	for (int s = 0; s < JOB_STATE_COUNT; s++)
		if (mask == 1u << s)
			return s;
	return -1;
}

/* The end of the range of names that start with prefix: prefix with its
 * last byte raised (bytes 0xFF, never in UTF-8, dropped first). "" when
 * no name can follow, which makes the range empty. */
static void prefix_end(const char *prefix, char *end, size_t size)
{
	size_t len = strlen(prefix);

	if (len >= size)
		len = size - 1;
	memcpy(end, prefix, len);
	while (len > 0 && (unsigned char)end[len - 1] == 0xFF)
		len--;
	if (len > 0)
		end[len - 1] = (char)((unsigned char)end[len - 1] + 1);
	end[len] = '\0';
}

/* 1 if job has tag t, 0 if not, -1 on error. */
static int has_tag(struct store *st, int64_t id, const struct job_tag *t, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOB_HAS_TAG);
	store_bind_i64(s, 1, id);
	store_bind_text(s, 2, t->key);
	store_bind_text(s, 3, t->value);
	int rc = store_next(st, s);
	store_reset(s);
	if (rc == STORE_ROW || rc == STORE_DONE)
		return rc == STORE_ROW;
	store_err(st, err, "SELECT job tag");
	return -1;
}

/* Whether j passes the terms of f that its walk did not apply (the first
 * tag is the walk's own when there is one): 1, 0, or -1 on error. */
static int accepts(struct store *st, const struct job_list_filter *f, const struct job *j,
    char *err)
{
	if ((f->state_mask && !(f->state_mask & (1u << j->state))) ||
	    (f->batch_id && j->batch_id != f->batch_id) ||
	    (f->schedule_id && j->schedule_id != f->schedule_id) ||
	    (f->queue && (j->queue == NULL || strcmp(j->queue, f->queue) != 0)) ||
	    (f->name_prefix &&
		(j->name == NULL || strncmp(j->name, f->name_prefix, strlen(f->name_prefix)) != 0)))
		return 0;
	for (int i = 1; i < f->n_tags; i++) {
		int r = has_tag(st, j->id, &f->tags[i], err);
		if (r <= 0)
			return r;
	}
	return 1;
}

/* The walk's statement, its parameters bound but ?1 and ?2. */
static struct store_stmt *walk_stmt(struct store *st, const struct job_list_filter *f,
    char *end, size_t end_size)
{
	struct store_stmt *s;
	int state = only_state(f->state_mask);

	if (f->n_tags > 0) {
		s = store_stmt(st, STMT_LIST_TAG);
		store_bind_text(s, 3, f->tags[0].key);
		store_bind_text(s, 4, f->tags[0].value);
	} else if (f->name_prefix) {
		prefix_end(f->name_prefix, end, end_size);
		s = store_stmt(st, STMT_LIST_NAME);
		store_bind_text(s, 3, f->name_prefix);
		store_bind_text(s, 4, end);
	} else if (f->batch_id || f->schedule_id) {
		s = store_stmt(st, f->batch_id ? STMT_LIST_BATCH : STMT_LIST_SCHEDULE);
		store_bind_i64(s, 4, f->batch_id ? f->batch_id : f->schedule_id);
	} else if (state >= 0) {
		s = store_stmt(st, STMT_LIST_STATE);
		store_bind_text(s, 3, job_state_name((enum job_state)state));
	} else {
		s = store_stmt(st, STMT_LIST_ALL);
	}
	return s;
}

static int walk(struct store *st, const struct job_list_filter *f, struct job **jobs, int *n,
    size_t *cap, char *err)
{
	char end[1024];
	int64_t before = f->before_id > 0 ? f->before_id : INT64_MAX;
	int rows;

	do {
		struct store_stmt *s = walk_stmt(st, f, end, sizeof(end));
		int rc = STORE_DONE;
		store_bind_i64(s, 1, before);
		store_bind_i64(s, 2, LIST_WALK_CHUNK);
		rows = 0;
		while (*n <= f->limit && (rc = store_next(st, s)) == STORE_ROW) {
			rows++;
			if (VEC_RESERVE(*jobs, *cap, (size_t)*n + 1, err) < 0) {
				store_reset(s);
				return -1;
			}
			struct job *j = &(*jobs)[*n];
			store_row_to_job(s, j);
			before = j->id;
			/* has_tag steps another statement while s is open: both
			 * drivers allow that (s is a cursor of its own). */
			int ok = accepts(st, f, j, err);
			if (ok < 0) {
				job_free(j);
				store_reset(s);
				return -1;
			}
			if (ok)
				(*n)++;
			else
				job_free(j);
		}
		if (*n > f->limit) {
			store_reset(s);
			return 0;
		}
		if (rc != STORE_DONE) {
			store_err(st, err, "SELECT job list");
			return -1;
		}
	} while (rows == LIST_WALK_CHUNK);
	return 0;
}

int store_job_list(struct store *st, const struct job_list_filter *f, struct job **jobs,
    int *n, bool *more, char *err)
{
	size_t cap = 0;

	*jobs = NULL;
	*n = 0;
	enum store_stmt_id all = f->batch_id ? STMT_LIST_BATCH
				 : f->schedule_id ? STMT_LIST_SCHEDULE : STMT_LIST_ALL;
	enum store_stmt_id by_state = f->batch_id ? STMT_LIST_BATCH_STATE
				      : f->schedule_id ? STMT_LIST_SCHEDULE_STATE : STMT_LIST_STATE;

	if (f->n_tags > 0 || f->name_prefix || f->queue) {
		if (walk(st, f, jobs, n, &cap, err) < 0)
			goto fail;
	} else if (f->state_mask == 0) {
		if (list_one(st, all, f, -1, jobs, n, &cap, err) < 0)
			goto fail;
	} else {
		for (int s = 0; s < JOB_STATE_COUNT; s++)
			if ((f->state_mask & (1u << s)) &&
			    list_one(st, by_state, f, s, jobs, n, &cap, err) < 0)
				goto fail;
		if (*n > 1)
			qsort(*jobs, (size_t)*n, sizeof(**jobs), by_id_desc);
	}
	*more = *n > f->limit;
	while (*n > f->limit)
		job_free(&(*jobs)[--(*n)]);
	return 0;
fail:
	store_job_list_free(*jobs, *n);
	*jobs = NULL;
	*n = 0;
	return -1;
}

void store_job_list_free(struct job *jobs, int n)
{
	for (int i = 0; i < n; i++)
		job_free(&jobs[i]);
	free(jobs);
}
