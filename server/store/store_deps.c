/*
 * store_deps.c — dependencies between jobs (see store_deps.h and
 * migrations/sqlite/003_dependencies.sql). jobs.blocked counts a queued job's
 * unfinished dependencies and keeps it out of the jobs_ready index; job_deps
 * holds one edge per dependency that was unfinished when recorded, keyed by
 * the dependency, so a finishing job finds its dependents in O(log n).
 * The cascade walks an explicit work list, not the C stack: a chain can be
 * as long as the queue. A batch's edges and blocked counts are written many
 * rows to a statement (struct dep_rows), never later than a read of them.
 */
#include "store_deps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_jobs.h"
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

/* Rows waiting for one multi-row statement each (store_sql_rows): a
 * batch's edges and blocked counts, STORE_INSERT_ROWS at a time. Written
 * out (rows_flush) before anything reads job_deps or jobs.blocked. */
struct dep_rows {
	int64_t edges[STORE_INSERT_ROWS][2]; /* dep_id, job_id */
	int n_edges;
	struct {
		int64_t id;
		int blocked;
		char *after;          /* owned; NULL: none */
	} sets[STORE_INSERT_ROWS];
	int n_sets;
};

/* The statement for n rows of id: its multi-row form when n is a full
 * group and the driver has one, else NULL (then one statement a row). */
static struct store_stmt *rows_stmt(struct store *st, enum store_stmt_id id, int n)
{
	if (n != STORE_INSERT_ROWS || st->drv->stmt_rows == NULL)
		return NULL;
	return st->drv->stmt_rows(st, id, n);
}

static int flush_edges(struct store *st, struct dep_rows *w, char *err)
{
	struct store_stmt *many = rows_stmt(st, STMT_DEP_INSERT, w->n_edges);

	for (int r = 0; r < w->n_edges; r++) {
		struct store_stmt *s = many ? many : store_stmt(st, STMT_DEP_INSERT);
		int off = many ? 2 * r : 0;
		store_bind_i64(s, off + 1, w->edges[r][0]);
		store_bind_i64(s, off + 2, w->edges[r][1]);
		if (many == NULL && store_step_done(st, s, "INSERT job dependency", err) < 0)
			return -1;
	}
	w->n_edges = 0;
	return many ? store_step_done(st, many, "INSERT job dependencies", err) : 0;
}

static void drop_sets(struct dep_rows *w)
{
	for (int r = 0; r < w->n_sets; r++)
		free(w->sets[r].after);
	w->n_sets = 0;
}

static int flush_sets(struct store *st, struct dep_rows *w, char *err)
{
	struct store_stmt *many = rows_stmt(st, STMT_JOBS_SET_DEPS, w->n_sets);
	int ret = 0;

	for (int r = 0; r < w->n_sets && ret == 0; r++) {
		struct store_stmt *s = many ? many : store_stmt(st, STMT_JOB_SET_DEPS);
		int off = many ? 3 * r : 0;
		store_bind_i64(s, off + 1, w->sets[r].id);
		store_bind_i64(s, off + 2, w->sets[r].blocked);
		store_bind_text(s, off + 3, w->sets[r].after);
		if (many == NULL)
			ret = store_step_done(st, s, "UPDATE job dependencies", err);
	}
	if (many != NULL && ret == 0)
		ret = store_step_done(st, many, "UPDATE dependencies of jobs", err);
	drop_sets(w);
	return ret;
}

static int rows_flush(struct store *st, struct dep_rows *w, char *err)
{
	return flush_edges(st, w, err) < 0 || flush_sets(st, w, err) < 0 ? -1 : 0;
}

/* store_deps_add for one job, its rows into w; known[i] is deps[i]'s state
 * when the caller knows it (JOB_STATE_COUNT, or known NULL: read it). */
static int add_one(struct store *st, struct dep_rows *w, int64_t id, const int64_t *deps,
    const enum job_state *known, int n, int64_t now_us, struct dep_effects *fx, int *bad,
    char *err)
{
	char *text = malloc((size_t)n * 21 + 1);
	size_t len = 0;
	int blocked = 0;
	int64_t failed_dep = 0;
	enum job_state failed_state = JOB_FAILED;

	if (text == NULL) {
		err_set(err, "malloc for %d dependencies: out of memory", n);
		return -1;
	}
	text[0] = '\0';
	for (int i = 0; i < n; i++) {
		enum job_state state = known != NULL ? known[i] : JOB_STATE_COUNT;
		bool seen = false;
		for (int k = 0; k < i; k++)
			seen |= deps[k] == deps[i];
		if (seen)
			continue;
		int found = deps[i] == id ? 0
			    : state != JOB_STATE_COUNT ? 1
						       : job_state_of(st, deps[i], &state, err);
		if (found <= 0) {
			*bad = i;
			free(text);
			return found < 0 ? -1 : 1;
		}
		len += (size_t)sprintf(text + len, "%s%lld", len ? "," : "", (long long)deps[i]);
		if (!job_state_is_final(state)) {
			if (w->n_edges == STORE_INSERT_ROWS && flush_edges(st, w, err) < 0) {
				free(text);
				return -1;
			}
			w->edges[w->n_edges][0] = deps[i];
			w->edges[w->n_edges++][1] = id;
			blocked++;
		} else if (state != JOB_SUCCEEDED && failed_dep == 0) {
			failed_dep = deps[i];
			failed_state = state;
		}
	}
	if (w->n_sets == STORE_INSERT_ROWS && flush_sets(st, w, err) < 0) {
		free(text);
		return -1;
	}
	w->sets[w->n_sets].id = id;
	w->sets[w->n_sets].blocked = blocked;
	w->sets[w->n_sets++].after = len ? text : NULL;
	if (len == 0)
		free(text);
	if (failed_dep != 0) {
		int changed;
		if (rows_flush(st, w, err) < 0 ||
		    cancel_dependent(st, id, failed_dep, failed_state, now_us, fx, &changed, err) < 0 ||
		    (changed && store_deps_ended(st, id, JOB_CANCELED, now_us, fx, err) < 0))
			return -1;
	}
	return 0;
}

int store_deps_add(struct store *st, int64_t id, const int64_t *deps, int n, int64_t now_us,
    struct dep_effects *fx, int *bad, char *err)
{
	struct dep_rows w = { .n_edges = 0 };
	int ret = add_one(st, &w, id, deps, NULL, n, now_us, fx, bad, err);

	if (ret == 0)
		ret = rows_flush(st, &w, err);
	drop_sets(&w);
	return ret;
}

/* Index of id in ids[0..n), increasing; -1 if absent. */
static long index_of(const int64_t *ids, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ids[mid] < id)
			lo = mid + 1;
		else if (ids[mid] > id)
			hi = mid;
		else
			return (long)mid;
	}
	return -1;
}

int store_deps_add_specs(struct store *st, const struct job_spec *specs, const int64_t *ids,
    size_t n, int64_t now_us, struct dep_effects *fx, size_t *bad_spec, int *bad, char *err)
{
	struct dep_rows w = { .n_edges = 0 };
	bool *canceled = NULL, sorted = true;
	int64_t *deps = NULL;
	enum job_state *known = NULL;
	int most = 0, ret = -1;

	for (size_t i = 0; i < n; i++) {
		if (specs[i].n_after + specs[i].n_after_index > most)
			most = specs[i].n_after + specs[i].n_after_index;
		sorted &= i == 0 || ids[i] > ids[i - 1];
	}
	if (most == 0)
		return 0;
	deps = malloc((size_t)most * sizeof(*deps));
	known = malloc((size_t)most * sizeof(*known));
	canceled = calloc(n, sizeof(*canceled));
	if (deps == NULL || known == NULL || canceled == NULL) {
		err_set(err, "malloc for %zu jobs' dependencies: out of memory", n);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct job_spec *sp = &specs[i];
		int k = 0;
		for (int a = 0; a < sp->n_after; a++, k++) {
			deps[k] = sp->after[a];
			known[k] = JOB_STATE_COUNT;
		}
		/* Jobs of this call: inserted queued, and only this call cancels
		 * them (canceled[] follows fx), so their state needs no read. */
		for (int a = 0; a < sp->n_after_index; a++, k++) {
			size_t j = (size_t)sp->after_index[a];
			deps[k] = ids[j];
			known[k] = !sorted ? JOB_STATE_COUNT : canceled[j] ? JOB_CANCELED : JOB_QUEUED;
		}
		if (k == 0)
			continue;
		size_t before = fx->n_canceled;
		int r = add_one(st, &w, ids[i], deps, known, k, now_us, fx, bad, err);
		if (r != 0) {
			*bad_spec = i;
			ret = r;
			goto out;
		}
		for (size_t c = before; sorted && c < fx->n_canceled; c++) {
			long j = index_of(ids, n, fx->canceled[c].id);
			if (j >= 0)
				canceled[j] = true;
		}
	}
	ret = rows_flush(st, &w, err);
out:
	drop_sets(&w);
	free(deps);
	free(known);
	free(canceled);
	return ret;
}
