/*
 * test_store_deps.c — server/store/store_deps.c: recording what a job waits for,
 * keeping blocked jobs out of dispatch, unblocking dependents when a job
 * succeeds and canceling them (transitively, naming the dependency) when it
 * ends any other way — at submit time and in the dispatcher (recovery:
 * test_dispatch_end.c).
 */
#include "testutil_store.h"

#include "store/store_deps.h"
#include "store/store_jobs.h"

static void add_deps(struct store_fixture *f, int64_t id, const int64_t *deps, int n,
    struct dep_effects *fx)
{
	int bad = -1;
	if (store_deps_add(f->st, id, deps, n, T0, fx, &bad, f->err) != 0)
		fail_msg("store_deps_add: %s (bad %d)", f->err, bad);
}

static void assert_job(struct store_fixture *f, int64_t id, enum job_state state, int blocked,
    const char *error)
{
	struct job j;
	tu_get_job(f, id, &j);
	assert_int_equal(j.state, state);
	assert_int_equal(j.blocked, blocked);
	if (error == NULL)
		assert_null(j.error);
	else
		assert_string_equal(j.error, error);
	job_free(&j);
}

static void test_blocked_job_is_not_claimed_until_its_dependency_succeeds(void **state)
{
	struct store_fixture *f = *state;
	struct dep_effects fx = { 0 };
	int64_t a = tu_add_job(f, "a", 0, 1, 0, T0);
	int64_t b = tu_add_job(f, "b", 1000, 1, 0, T0); /* high priority, yet it must wait */

	add_deps(f, b, &a, 1, &fx);
	assert_job(f, b, JOB_QUEUED, 1, NULL);
	assert_int_equal(tu_claim(f, T0), a);
	assert_int_equal(tu_claim(f, T0), 0);
	tu_finish(f, a, JOB_SUCCEEDED, T0, T0 + 10);
	assert_int_equal(store_deps_ended(f->st, a, JOB_SUCCEEDED, T0 + 10, &fx, f->err), 0);
	assert_int_equal(fx.n_updated, 1);
	assert_int_equal(fx.updated[0], b);
	assert_int_equal(fx.ready, 1);
	assert_int_equal(fx.n_canceled, 0);
	assert_job(f, b, JOB_QUEUED, 0, NULL);
	assert_int_equal(tu_claim(f, T0 + 11), b);
	store_deps_effects_free(&fx);
}

static void test_after_lists_every_dependency_and_blocked_counts_unfinished_ones(void **state)
{
	struct store_fixture *f = *state;
	struct dep_effects fx = { 0 };
	int64_t done = tu_add_job(f, "done", 0, 1, 0, T0);
	int64_t wait1 = tu_add_job(f, "w1", 0, 1, 0, T0);
	int64_t wait2 = tu_add_job(f, "w2", 0, 1, 0, T0);
	assert_int_equal(tu_claim(f, T0), done);
	tu_finish(f, done, JOB_SUCCEEDED, T0, T0 + 1);
	int64_t c = tu_add_job(f, "c", 0, 1, 0, T0);
	int64_t deps[] = { wait2, done, wait1, wait2 };
	struct job j;

	add_deps(f, c, deps, 4, &fx);
	tu_get_job(f, c, &j);
	assert_int_equal(j.blocked, 2);
	assert_int_equal(j.n_after, 3);
	assert_int_equal(j.after[0], wait2);
	assert_int_equal(j.after[1], done);
	assert_int_equal(j.after[2], wait1);
	job_free(&j);
	assert_int_equal(store_deps_ended(f->st, wait1, JOB_SUCCEEDED, T0, &fx, f->err), 0);
	assert_int_equal(fx.ready, 0);
	assert_job(f, c, JOB_QUEUED, 1, NULL);
	store_deps_effects_free(&fx);
}

static void test_unknown_dependency_is_reported_by_index_and_nothing_is_written(void **state)
{
	struct store_fixture *f = *state;
	struct dep_effects fx = { 0 };
	int64_t a = tu_add_job(f, "a", 0, 1, 0, T0);
	int64_t b = tu_add_job(f, "b", 0, 1, 0, T0);
	int64_t deps[] = { a, 4242 };
	int bad = -1;

	assert_int_equal(store_deps_add(f->st, b, deps, 2, T0, &fx, &bad, f->err), 1);
	assert_int_equal(bad, 1);
	/* A job cannot wait for itself either. */
	assert_int_equal(store_deps_add(f->st, b, &b, 1, T0, &fx, &bad, f->err), 1);
	assert_int_equal(bad, 0);
	store_deps_effects_free(&fx);
}

static void test_failure_cancels_dependents_transitively_naming_the_dependency(void **state)
{
	struct store_fixture *f = *state;
	struct dep_effects fx = { 0 };
	int64_t a = tu_add_job(f, "a", 0, 1, 0, T0);
	int64_t b = tu_add_job(f, "b", 0, 1, 0, T0);
	int64_t c = tu_add_job(f, "c", 0, 1, 0, T0);
	int64_t other = tu_add_job(f, "other", 0, 1, 0, T0);
	char want[64];

	add_deps(f, b, &a, 1, &fx);
	add_deps(f, c, &b, 1, &fx);
	assert_int_equal(tu_claim(f, T0), a);
	tu_finish(f, a, JOB_TIMED_OUT, T0, T0 + 5);
	assert_int_equal(store_deps_ended(f->st, a, JOB_TIMED_OUT, T0 + 5, &fx, f->err), 0);
	assert_int_equal(fx.n_canceled, 2);
	assert_int_equal(fx.canceled[0].id, b);
	assert_int_equal(fx.canceled[0].dep, a);
	assert_int_equal(fx.canceled[1].id, c);
	snprintf(want, sizeof(want), "dependency %lld ended timed_out", (long long)a);
	assert_job(f, b, JOB_CANCELED, 1, want);
	snprintf(want, sizeof(want), "dependency %lld ended canceled", (long long)b);
	assert_job(f, c, JOB_CANCELED, 1, want);
	assert_job(f, other, JOB_QUEUED, 0, NULL);
	assert_int_equal(tu_claim(f, T0 + 6), other);
	store_deps_effects_free(&fx);
}

static void test_dependency_already_failed_cancels_the_new_job_at_once(void **state)
{
	struct store_fixture *f = *state;
	struct dep_effects fx = { 0 };
	int64_t a = tu_add_job(f, "a", 0, 1, 0, T0);
	assert_int_equal(tu_claim(f, T0), a);
	tu_finish(f, a, JOB_FAILED, T0, T0 + 1);
	int64_t b = tu_add_job(f, "b", 0, 1, 0, T0);
	char want[64];

	add_deps(f, b, &a, 1, &fx);
	assert_int_equal(fx.n_canceled, 1);
	assert_int_equal(fx.canceled[0].id, b);
	snprintf(want, sizeof(want), "dependency %lld ended failed", (long long)a);
	assert_job(f, b, JOB_CANCELED, 0, want);
	store_deps_effects_free(&fx);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tu_store_setup, tu_store_teardown)

/* A command's jobs (more than a multi-row group of them): a chain by
 * after_index, one waiting for a later spec, and one of them after a job
 * that already failed — canceled at once, with what waits for it, before
 * or after it in the batch. */
static void test_a_batchs_dependencies_are_recorded_together_as_one_by_one(void **state)
{
	struct store_fixture *f = *state;
	enum { N = 2 * STORE_INSERT_ROWS + 5, FAILS = N - 4 };
	struct dep_effects fx = { 0 };
	struct job_spec specs[N];
	int idx[N], after_fwd = N - 1;
	int64_t ids[N], failed = tu_add_job(f, "failed", 0, 1, 0, T0);
	size_t bad_spec = 99;
	int bad = -1;

	assert_int_equal(tu_claim(f, T0), failed);
	tu_finish(f, failed, JOB_FAILED, T0, T0 + 1);
	memset(specs, 0, sizeof(specs));
	for (int i = 0; i < N; i++) {
		ids[i] = tu_add_job(f, "j", 0, 1, 0, T0);
		idx[i] = i - 1;
		if (i > 0 && i != FAILS) {
			specs[i].after_index = &idx[i];
			specs[i].n_after_index = 1;
		}
	}
	specs[0].after_index = &after_fwd; /* the first waits for the last */
	specs[0].n_after_index = 1;
	specs[FAILS].after = &failed;
	specs[FAILS].n_after = 1;
	assert_int_equal(store_deps_add_specs(f->st, specs, ids, N, T0, &fx, &bad_spec, &bad, f->err),
	    0);
	/* FAILS canceled, then its chain after it, and so the first, and the
	 * chain from the first up to FAILS. */
	assert_int_equal(fx.n_canceled, N);
	assert_job(f, ids[FAILS], JOB_CANCELED, 0, "dependency 1 ended failed");
	for (int i = 0; i < N; i++) {
		struct job j;
		tu_get_job(f, ids[i], &j);
		assert_int_equal(j.state, JOB_CANCELED);
		assert_int_equal(j.n_after, 1);
		assert_int_equal(j.after[0], i == FAILS ? failed : i == 0 ? ids[N - 1] : ids[i - 1]);
		job_free(&j);
	}
	store_deps_effects_free(&fx);
}

static void test_a_batchs_chain_blocks_each_job_on_the_one_before(void **state)
{
	struct store_fixture *f = *state;
	enum { N = 2 * STORE_INSERT_ROWS + 1 };
	struct dep_effects fx = { 0 };
	struct job_spec specs[N];
	int idx[N];
	int64_t ids[N], missing = 424242;
	size_t bad_spec = 99;
	int bad = -1;

	memset(specs, 0, sizeof(specs));
	for (int i = 0; i < N; i++) {
		ids[i] = tu_add_job(f, "j", 0, 1, 0, T0);
		idx[i] = i - 1;
		specs[i].after_index = i > 0 ? &idx[i] : NULL;
		specs[i].n_after_index = i > 0;
	}
	assert_int_equal(store_deps_add_specs(f->st, specs, ids, N, T0, &fx, &bad_spec, &bad, f->err),
	    0);
	assert_int_equal(fx.n_canceled, 0);
	for (int i = 0; i < N; i++)
		assert_job(f, ids[i], JOB_QUEUED, i > 0, NULL);
	for (int i = 0; i < N; i++) {
		assert_int_equal(tu_claim(f, T0), ids[i]);
		assert_int_equal(tu_claim(f, T0), 0);
		tu_finish(f, ids[i], JOB_SUCCEEDED, T0, T0 + 1);
		assert_int_equal(store_deps_ended(f->st, ids[i], JOB_SUCCEEDED, T0, &fx, f->err), 0);
	}
	/* An id that names no job: its spec and index, nothing more written. */
	int64_t more = tu_add_job(f, "more", 0, 1, 0, T0);
	struct job_spec late = { .after = &missing, .n_after = 1 };
	assert_int_equal(store_deps_add_specs(f->st, &late, &more, 1, T0, &fx, &bad_spec, &bad, f->err),
	    1);
	assert_int_equal(bad_spec, 0);
	assert_int_equal(bad, 0);
	assert_job(f, more, JOB_QUEUED, 0, NULL);
	store_deps_effects_free(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_blocked_job_is_not_claimed_until_its_dependency_succeeds),
		T(test_after_lists_every_dependency_and_blocked_counts_unfinished_ones),
		T(test_unknown_dependency_is_reported_by_index_and_nothing_is_written),
		T(test_failure_cancels_dependents_transitively_naming_the_dependency),
		T(test_dependency_already_failed_cancels_the_new_job_at_once),
		T(test_a_batchs_dependencies_are_recorded_together_as_one_by_one),
		T(test_a_batchs_chain_blocks_each_job_on_the_one_before),
	};
	return cmocka_run_group_tests_name("store_deps", tests, NULL, NULL);
}
