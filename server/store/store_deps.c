/*
 * store_deps.c — dependencies between jobs (see store_deps.h and
 * migrations/sqlite/003_dependencies.sql). jobs.blocked counts a queued job's
 * unfinished dependencies and keeps it out of the jobs_ready index; job_deps
 * holds one edge per dependency that was unfinished when recorded, keyed by
 * the dependency, so a finishing job finds its dependents in O(log n).
 * The cascade walks an explicit work list, not the C stack: a chain can be
 * as long as the queue.
 */
#include "store_deps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "common/vec.h"

void store_deps_effects_free(struct dep_effects *fx)
{
	free(fx->updated);
	free(fx->canceled);
	memset(fx, 0, sizeof(*fx));
}

/* 1 with *state, 0 no such job, -1 error. */
static int job_state_of(struct store *st, int64_t id, enum job_state *state, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_JOB_STATE);
	store_bind_i64(s, 1, id);
	int rc = store_next(st, s);
	if (rc == STORE_DONE)
		return 0;
	if (rc != STORE_ROW) {
		store_err(st, err, "SELECT dependency state");
		return -1;
	}
	int bad = job_state_parse(store_col_str(s, 0), state);
	store_reset(s);
	if (bad < 0) {
		err_set(err, "job %lld has an unknown state in the store", (long long)id);
		return -1;
	}
	return 1;
}

/* The queued job id depends on dep, which ended in state: cancel it. */
static int cancel_dependent(struct store *st, int64_t id, int64_t dep, enum job_state state,
    int64_t now_us, struct dep_effects *fx, int *changed, char *err)
{
	char msg[96];
	struct store_stmt *s = store_stmt(st, STMT_DEP_CANCEL);

	snprintf(msg, sizeof(msg), "dependency %lld ended %s", (long long)dep, job_state_name(state));
	store_bind_i64(s, 1, id);
	store_bind_i64(s, 2, now_us);
	store_bind_text(s, 3, msg);
	if ((*changed = store_step_changed(st, s, "UPDATE dependent job canceled", err)) < 0)
		return -1;
	if (*changed == 0)
		return 0;
	if (VEC_RESERVE(fx->canceled, fx->cap_canceled, fx->n_canceled + 1, err) < 0)
		return -1;
	fx->canceled[fx->n_canceled++] = (struct dep_cancel){ id, dep, state };
	return 0;
}

/* One finished job's dependents: unblock (succeeded) or cancel them. */
static int follow(struct store *st, int64_t id, enum job_state state, int64_t now_us,
    struct dep_effects *fx, int64_t **work, size_t *n_work, size_t *cap_work, char *err)
{
	int64_t *next = NULL;
	size_t n = 0, cap = 0;
	int rc, ret = -1;
	struct store_stmt *s = store_stmt(st, STMT_DEPS_OF);

	store_bind_i64(s, 1, id);
	while ((rc = store_next(st, s)) == STORE_ROW) {
		if (VEC_RESERVE(next, cap, n + 1, err) < 0) {
			store_reset(s);
			goto out;
		}
		next[n++] = store_col_i64(s, 0, 0);
	}
	if (rc != STORE_DONE) {
		store_err(st, err, "SELECT dependents");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int changed;
		if (state != JOB_SUCCEEDED) {
			if (cancel_dependent(st, next[i], id, state, now_us, fx, &changed, err) < 0)
				goto out;
			if (changed && VEC_RESERVE(*work, *cap_work, *n_work + 1, err) < 0)
				goto out;
			if (changed)
				(*work)[(*n_work)++] = next[i];
			continue;
		}
		s = store_stmt(st, STMT_DEP_UNBLOCK);
		store_bind_i64(s, 1, next[i]);
		if ((changed = store_step_changed(st, s, "UPDATE dependent unblocked", err)) < 0)
			goto out;
		if (!changed)
			continue; /* canceled meanwhile */
		s = store_stmt(st, STMT_JOB_BLOCKED);
		store_bind_i64(s, 1, next[i]);
		if (store_next(st, s) != STORE_ROW) {
			store_err(st, err, "SELECT blocked count");
			goto out;
		}
		fx->ready += store_col_int(s, 0) == 0;
		store_reset(s);
		if (VEC_RESERVE(fx->updated, fx->cap_updated, fx->n_updated + 1, err) < 0)
			goto out;
		fx->updated[fx->n_updated++] = next[i];
	}
	ret = 0;
out:
	free(next);
	return ret;
}

int store_deps_ended(struct store *st, int64_t id, enum job_state state, int64_t now_us,
    struct dep_effects *fx, char *err)
{
	int64_t *work = NULL;
	size_t n_work = 0, cap_work = 0;
	int ret = 0;

	if (follow(st, id, state, now_us, fx, &work, &n_work, &cap_work, err) < 0)
		ret = -1;
	/* Everything on the work list was just canceled. */
	while (ret == 0 && n_work > 0) {
		int64_t next = work[--n_work];
		if (follow(st, next, JOB_CANCELED, now_us, fx, &work, &n_work, &cap_work, err) < 0)
			ret = -1;
	}
	free(work);
	return ret;
}

int store_deps_add(struct store *st, int64_t id, const int64_t *deps, int n, int64_t now_us,
    struct dep_effects *fx, int *bad, char *err)
{
	char *text = malloc((size_t)n * 21 + 1);
	size_t len = 0;
	int blocked = 0, ret = -1;
	int64_t failed_dep = 0;
	enum job_state failed_state = JOB_FAILED;

	if (text == NULL) {
		err_set(err, "malloc for %d dependencies: out of memory", n);
		return -1;
	}
	text[0] = '\0';
	for (int i = 0; i < n; i++) {
		enum job_state state;
		bool seen = false;
		for (int k = 0; k < i; k++)
			seen |= deps[k] == deps[i];
		if (seen)
			continue;
		int found = deps[i] == id ? 0 : job_state_of(st, deps[i], &state, err);
		if (found <= 0) {
			*bad = i;
			ret = found < 0 ? -1 : 1;
			goto out;
		}
		len += (size_t)sprintf(text + len, "%s%lld", len ? "," : "", (long long)deps[i]);
		if (!job_state_is_final(state)) {
			struct store_stmt *s = store_stmt(st, STMT_DEP_INSERT);
			store_bind_i64(s, 1, deps[i]);
			store_bind_i64(s, 2, id);
			int added = store_step_changed(st, s, "INSERT job dependency", err);
			if (added < 0)
				goto out;
			blocked += added;
		} else if (state != JOB_SUCCEEDED && failed_dep == 0) {
			failed_dep = deps[i];
			failed_state = state;
		}
	}
	struct store_stmt *s = store_stmt(st, STMT_JOB_SET_DEPS);
	store_bind_i64(s, 1, id);
	store_bind_i64(s, 2, blocked);
	store_bind_text(s, 3, len ? text : NULL);
	if (store_step_done(st, s, "UPDATE job dependencies", err) < 0)
		goto out;
	if (failed_dep != 0) {
		int changed;
		if (cancel_dependent(st, id, failed_dep, failed_state, now_us, fx, &changed, err) < 0 ||
		    (changed && store_deps_ended(st, id, JOB_CANCELED, now_us, fx, err) < 0))
			goto out;
	}
	ret = 0;
out:
	free(text);
	return ret;
}
