/*
 * test_dispatch_end.c — server/dispatch_end.c, the one owner of "an attempt
 * ended", driven without a pool: a dispatcher holding only a store (a fresh
 * SQLite file) and a config, as the turn, recovery, the fence and reclaim
 * call it. Checks the row, the turn's counts and the dependents together,
 * so no path can end an attempt and leave the counts to a later recount.
 */
#include "testutil_store.h"

#include "config/config.h"
#include "dispatch/dispatch_internal.h"
#include "store/store_deps.h"

struct end_fixture {
	struct store_fixture base;  /* first: tu_store_* take it */
	struct config cfg;
	struct dispatch d;
	struct turn t;
};

static int setup(void **state)
{
	struct end_fixture *f = calloc(1, sizeof(*f));
	void *base;

	assert_non_null(f);
	tu_store_setup(&base);
	f->base = *(struct store_fixture *)base;
	free(base);
	f->cfg.output_limit = 1 << 20;
	f->d.cfg = &f->cfg;
	f->d.store = f->base.st;
	pthread_mutex_init(&f->d.mu, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct end_fixture *f = *state;

	dispatch_drop_events(&f->d, 0);
	free(f->d.events);
	pthread_mutex_destroy(&f->d.mu);
	store_close(f->base.st);
	tu_rmtree(f->base.dir);
	free(f);
	return 0;
}

/* A turn at now, in a transaction, its counts those of the store. */
static void begin(struct end_fixture *f, int64_t now)
{
	f->t = (struct turn){ .now = now };
	if (store_job_counts(f->base.st, f->t.counts, f->base.err) != 0 ||
	    store_begin(f->base.st, f->base.err) != 0)
		fail_msg("begin: %s", f->base.err);
}

/* Commits and checks the turn's counts against a recount of the store. */
static void commit_and_recount(struct end_fixture *f)
{
	int64_t counts[JOB_STATE_COUNT];

	if (store_commit(f->base.st, f->base.err) != 0 ||
	    store_job_counts(f->base.st, counts, f->base.err) != 0)
		fail_msg("commit: %s", f->base.err);
	assert_memory_equal(f->t.counts, counts, sizeof(counts));
}

static void depends_on(struct end_fixture *f, int64_t id, int64_t dep)
{
	struct dep_effects fx = { 0 };
	int bad = -1;

	if (store_deps_add(f->base.st, id, &dep, 1, T0, &fx, &bad, f->base.err) != 0)
		fail_msg("store_deps_add: %s", f->base.err);
	store_deps_effects_free(&fx);
}

static void get(struct end_fixture *f, int64_t id, struct job *j) { tu_get_job(&f->base, id, j); }

static void test_recovery_requeues_jobs_with_attempts_left_and_fails_the_rest(void **state)
{
	struct end_fixture *f = *state;
	int64_t retry = tu_add_job(&f->base, NULL, 1, 2, 0, T0);
	int64_t last = tu_add_job(&f->base, NULL, 0, 1, 0, T0);
	int64_t idle = tu_add_job(&f->base, NULL, -1, 1, 0, T0);
	int requeued, failed;
	struct job j;

	assert_int_equal(tu_claim(&f->base, T0 + 1), retry);
	assert_int_equal(tu_claim(&f->base, T0 + 2), last);
	begin(f, T0 + 99);
	assert_int_equal(dispatch_recover(&f->d, &f->t, &requeued, &failed), 0);
	commit_and_recount(f);
	assert_int_equal(requeued, 1);
	assert_int_equal(failed, 1);
	assert_int_equal(f->t.finished, 1);
	assert_int_equal(tu_state_of(&f->base, retry), JOB_QUEUED);
	assert_int_equal(tu_state_of(&f->base, idle), JOB_QUEUED);
	get(f, last, &j);
	assert_int_equal(j.state, JOB_FAILED);
	tu_assert_contains(j.error, "server stopped");
	assert_int_equal(j.attempts, 1);
	assert_int_equal(j.started_us, T0 + 2);
	assert_int_equal(j.finished_us, T0 + 99);
	assert_int_equal(j.exit_code, -1);
	job_free(&j);
	begin(f, T0 + 100);
	assert_int_equal(dispatch_recover(&f->d, &f->t, &requeued, &failed), 0);
	commit_and_recount(f);
	assert_int_equal(requeued + failed, 0);
}

static void test_recovery_that_fails_a_job_cancels_its_dependents_and_counts_them(void **state)
{
	struct end_fixture *f = *state;
	int64_t a = tu_add_job(&f->base, "a", 0, 1, 0, T0);
	int64_t b = tu_add_job(&f->base, "b", 0, 1, 0, T0);
	int64_t c = tu_add_job(&f->base, "c", 0, 1, 0, T0);
	int requeued, failed;
	struct job j;

	depends_on(f, b, a);
	depends_on(f, c, b);
	assert_int_equal(tu_claim(&f->base, T0), a);
	begin(f, T0 + 9);
	assert_int_equal(dispatch_recover(&f->d, &f->t, &requeued, &failed), 0);
	commit_and_recount(f);
	assert_int_equal(failed, 1);
	assert_int_equal(f->t.counts[JOB_CANCELED], 2);
	assert_int_equal(f->t.counts[JOB_QUEUED], 0);
	assert_int_equal(f->t.finished, 3);
	assert_int_equal(tu_state_of(&f->base, a), JOB_FAILED);
	get(f, c, &j);
	assert_int_equal(j.state, JOB_CANCELED);
	tu_assert_contains(j.error, "ended canceled");
	job_free(&j);
	assert_int_equal(tu_state_of(&f->base, b), JOB_CANCELED);
}

static void test_reclaimed_attempt_of_another_node_fails_and_cancels_dependents(void **state)
{
	struct end_fixture *f = *state;
	int64_t a = tu_add_job(&f->base, "a", 0, 1, 0, T0);
	int64_t b = tu_add_job(&f->base, "b", 0, 1, 0, T0);
	struct job j;

	depends_on(f, b, a);
	assert_int_equal(tu_claim(&f->base, T0), a);
	begin(f, T0 + 5);
	get(f, a, &j);
	assert_int_equal(dispatch_attempt_cut(&f->d, &f->t, &j, "node n2 stopped", END_ELSEWHERE),
	    0);
	job_free(&j);
	commit_and_recount(f);
	assert_int_equal(f->t.finished, 2);
	get(f, a, &j);
	assert_string_equal(j.error, "node n2 stopped");
	job_free(&j);
	assert_int_equal(tu_state_of(&f->base, b), JOB_CANCELED);
}

static void test_cut_attempt_with_attempts_left_is_requeued_at_once(void **state)
{
	struct end_fixture *f = *state;
	int64_t a = tu_add_job(&f->base, "a", 0, 3, 0, T0);
	struct job j;

	assert_int_equal(tu_claim(&f->base, T0), a);
	begin(f, T0 + 5);
	get(f, a, &j);
	assert_int_equal(dispatch_attempt_cut(&f->d, &f->t, &j, "node n1 stopped", END_HERE), 1);
	job_free(&j);
	commit_and_recount(f);
	assert_int_equal(f->t.finished, 0);
	get(f, a, &j);
	assert_int_equal(j.state, JOB_QUEUED);
	assert_int_equal(j.wait_until_us, 0);
	assert_string_equal(j.error, "node n1 stopped");
	job_free(&j);
}

static void test_failed_report_with_attempts_left_is_retried_after_its_backoff(void **state)
{
	struct end_fixture *f = *state;
	struct job_spec spec = { .command = (char *)"[\"false\"]", .env = (char *)"{}",
		.timeout_s = 60, .max_attempts = 2, .retry_backoff_s = 10 };
	struct run_result r = tu_result(3, T0, T0 + 1000);
	int64_t id;
	struct job j;

	if (store_job_insert(f->base.st, &spec, 0, NULL, T0, &id, f->base.err) != 0)
		fail_msg("store_job_insert: %s", f->base.err);
	assert_int_equal(tu_claim(&f->base, T0), id);
	begin(f, T0 + 1000);
	get(f, id, &j);
	assert_int_equal(dispatch_attempt_reported(&f->d, &f->t, &j, &r), 0);
	job_free(&j);
	commit_and_recount(f);
	get(f, id, &j);
	assert_int_equal(j.state, JOB_QUEUED);
	/* Equal jitter: half of the 10 s step fixed, half random. */
	assert_true(j.wait_until_us >= T0 + 1000 + 5000000);
	assert_true(j.wait_until_us <= T0 + 1000 + 10000000);
	assert_int_equal(f->d.wake_wall, j.wait_until_us);
	tu_assert_contains(j.error, "attempt 1 of 2 exited with code 3; retrying in");
	job_free(&j);
}

static void test_final_report_unblocks_the_dependents_of_a_success(void **state)
{
	struct end_fixture *f = *state;
	int64_t a = tu_add_job(&f->base, "a", 0, 1, 0, T0);
	int64_t b = tu_add_job(&f->base, "b", 0, 1, 0, T0);
	struct run_result r = tu_result(0, T0, T0 + 10);
	struct job j;

	depends_on(f, b, a);
	assert_int_equal(tu_claim(&f->base, T0), a);
	begin(f, T0 + 10);
	get(f, a, &j);
	assert_int_equal(dispatch_attempt_reported(&f->d, &f->t, &j, &r), 0);
	job_free(&j);
	commit_and_recount(f);
	assert_int_equal(f->t.finished, 1);
	get(f, b, &j);
	assert_int_equal(j.state, JOB_QUEUED);
	assert_int_equal(j.blocked, 0);
	job_free(&j);
}

static void test_an_attempt_of_a_job_not_running_is_refused_by_the_state_table(void **state)
{
	struct end_fixture *f = *state;
	int64_t a = tu_add_job(&f->base, "a", 0, 1, 0, T0);
	struct run_result r = tu_result(0, T0, T0 + 10);
	struct job j;

	begin(f, T0 + 10);
	get(f, a, &j);
	assert_int_equal(dispatch_attempt_reported(&f->d, &f->t, &j, &r), -1);
	tu_assert_contains(f->t.err, "queued to succeeded is not an allowed change of state");
	assert_int_equal(dispatch_attempt_cut(&f->d, &f->t, &j, "x", END_ELSEWHERE), -1);
	job_free(&j);
	commit_and_recount(f);
	assert_int_equal(tu_state_of(&f->base, a), JOB_QUEUED);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_recovery_requeues_jobs_with_attempts_left_and_fails_the_rest),
		T(test_recovery_that_fails_a_job_cancels_its_dependents_and_counts_them),
		T(test_reclaimed_attempt_of_another_node_fails_and_cancels_dependents),
		T(test_cut_attempt_with_attempts_left_is_requeued_at_once),
		T(test_failed_report_with_attempts_left_is_retried_after_its_backoff),
		T(test_final_report_unblocks_the_dependents_of_a_success),
		T(test_an_attempt_of_a_job_not_running_is_refused_by_the_state_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
