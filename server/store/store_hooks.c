/*
 * store_hooks.c — the queries of store_hooks.h: the webhook outbox.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_hooks.h"
#include "store_internal.h"
#include "common/vec.h"

void delivery_free(struct delivery *d)
{
	free(d->url);
	for (int i = 0; i < d->n_tries; i++)
		free(d->tries[i].error);
	free(d->tries);
	memset(d, 0, sizeof(*d));
}

void deliveries_free(struct delivery *ds, int n)
{
	for (int i = 0; i < n; i++)
		delivery_free(&ds[i]);
	free(ds);
}

int store_hook_add(struct store *st, int64_t job_id, int64_t batch_id, const char *event,
    const char *url, const char *uuid, int64_t now_us, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_HOOK_ADD);

	store_bind_i64_or_null(s, 1, job_id, 0);
	store_bind_i64_or_null(s, 2, batch_id, 0);
	store_bind_text(s, 3, event);
	store_bind_text(s, 4, url);
	store_bind_text(s, 5, uuid);
	store_bind_i64(s, 6, now_us);
	return store_step_changed(st, s, "INSERT delivery", err);
}

int store_hook_batch_left(struct store *st, int64_t id, char **notify, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_HOOK_BATCH_LEFT);
	int rc, found = 0;

	*notify = NULL;
	store_bind_i64(s, 1, id);
	rc = store_next(st, s);
	if (rc == STORE_ROW) {
		if (store_col_i64(s, 0, -1) == 0 && (*notify = store_col_text(s, 1)) != NULL)
			found = 1;
		rc = store_next(st, s);
	}
	if (rc != STORE_DONE) {
		store_err(st, err, "UPDATE batch notify_pending");
		store_reset(s);
		free(*notify);
		*notify = NULL;
		return -1;
	}
	return found;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static void hook_from_row(struct store_stmt *s, struct delivery *d)
{
	memset(d, 0, sizeof(*d));
	d->id = store_col_i64(s, HOOK_COL_id, 0);
	d->job_id = store_col_i64(s, HOOK_COL_job_id, 0);
	d->batch_id = store_col_i64(s, HOOK_COL_batch_id, 0);
	copy_str(d->event, sizeof(d->event), store_col_str(s, HOOK_COL_event));
	d->url = store_col_text(s, HOOK_COL_url);
	copy_str(d->uuid, sizeof(d->uuid), store_col_str(s, HOOK_COL_uuid));
	copy_str(d->state, sizeof(d->state), store_col_str(s, HOOK_COL_state));
	d->created_us = store_col_i64(s, HOOK_COL_created_at, 0);
	d->next_us = store_col_i64(s, HOOK_COL_next_at, 0);
	d->attempts = store_col_int(s, HOOK_COL_attempts);
	d->finished_us = store_col_i64(s, HOOK_COL_finished_at, 0);
}

int store_hook_claim(struct store *st, int64_t now_us, int64_t lease_us, struct delivery *d,
    char *err)
{
	struct store_stmt *s;
	int rc, found = 0;

	memset(d, 0, sizeof(*d));
	if (store_begin(st, err) < 0)
		return -1;
	s = store_stmt(st, STMT_HOOK_DUE);
	store_bind_i64(s, 1, now_us);
	rc = store_next(st, s);
	if (rc == STORE_ROW) {
		hook_from_row(s, d);
		store_reset(s);
		found = 1;
	} else if (rc != STORE_DONE) {
		store_err(st, err, "SELECT due delivery");
		goto fail;
	}
	if (found && d->url == NULL) {
		err_set(err, "delivery %lld: out of memory", (long long)d->id);
		goto fail;
	}
	if (found) {
		s = store_stmt(st, STMT_HOOK_LEASE);
		store_bind_i64(s, 1, d->id);
		store_bind_i64(s, 2, lease_us);
		if (store_step_done(st, s, "UPDATE delivery lease", err) < 0)
			goto fail;
	}
	if (store_commit(st, err) < 0)
		goto fail;
	return found;
fail:
	store_rollback(st);
	delivery_free(d);
	return -1;
}

int store_hook_next_due(struct store *st, int64_t *at_us, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_HOOK_WAKE);
	int rc = store_next(st, s);

	*at_us = 0;
	if (rc == STORE_ROW) {
		*at_us = store_col_i64(s, 0, 0);
		store_reset(s);
		return *at_us != 0;
	}
	if (rc == STORE_DONE)
		return 0;
	store_err(st, err, "SELECT next delivery");
	return -1;
}

int store_hook_record(struct store *st, int64_t id, const struct hook_attempt *a,
    const char *state, int64_t next_us, char *err)
{
	struct store_stmt *s;
	bool pending = strcmp(state, "pending") == 0;

	if (store_begin(st, err) < 0)
		return -1;
	s = store_stmt(st, STMT_HOOK_TRY);
	store_bind_i64(s, 1, id);
	store_bind_i64(s, 2, a->at_us);
	store_bind_i64_or_null(s, 3, a->status, 0);
	store_bind_text(s, 4, a->error);
	store_bind_i64(s, 5, a->duration_us);
	if (store_step_done(st, s, "INSERT delivery attempt", err) < 0)
		goto fail;
	s = store_stmt(st, STMT_HOOK_SET);
	store_bind_i64(s, 1, id);
	store_bind_text(s, 2, state);
	store_bind_i64_or_null(s, 3, pending ? next_us : 0, 0);
	store_bind_i64_or_null(s, 4, pending ? 0 : a->at_us + a->duration_us, 0);
	if (store_step_done(st, s, "UPDATE delivery", err) < 0 || store_commit(st, err) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

static int read_tries(struct store *st, struct delivery *d, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_HOOK_TRIES);
	int rc;
	size_t cap = 0;

	store_bind_i64(s, 1, d->id);
	while ((rc = store_next(st, s)) == STORE_ROW) {
		if (VEC_RESERVE(d->tries, cap, (size_t)d->n_tries + 1, err) < 0) {
			store_reset(s);
			return -1;
		}
		struct hook_attempt *a = &d->tries[d->n_tries++];
		a->at_us = store_col_i64(s, 0, 0);
		a->status = (int)store_col_i64(s, 1, 0);
		a->error = store_col_text(s, 2);
		a->duration_us = store_col_i64(s, 3, 0);
	}
	if (rc != STORE_DONE) {
		store_err(st, err, "SELECT delivery attempts");
		return -1;
	}
	return 0;
}

int store_hooks_of(struct store *st, int64_t job_id, int64_t batch_id, struct delivery **ds,
    int *n, char *err)
{
	struct store_stmt *s = store_stmt(st, batch_id ? STMT_HOOK_OF_BATCH : STMT_HOOK_OF_JOB);
	int rc;
	size_t cap = 0;

	*ds = NULL;
	*n = 0;
	store_bind_i64(s, 1, batch_id ? batch_id : job_id);
	while ((rc = store_next(st, s)) == STORE_ROW) {
		if (VEC_RESERVE(*ds, cap, (size_t)*n + 1, err) < 0) {
			store_reset(s);
			goto fail;
		}
		hook_from_row(s, &(*ds)[(*n)++]);
	}
	if (rc != STORE_DONE) {
		store_err(st, err, "SELECT deliveries");
		goto fail;
	}
	/* The rows are all read first: a driver may not step two statements
	 * of one connection at once. */
	for (int i = 0; i < *n; i++)
		if (read_tries(st, &(*ds)[i], err) < 0)
			goto fail;
	return 0;
fail:
	deliveries_free(*ds, *n);
	*ds = NULL;
	*n = 0;
	return -1;
}
