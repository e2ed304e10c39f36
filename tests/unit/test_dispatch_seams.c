/*
 * test_dispatch_seams.c — what the dispatcher's turn does when what it
 * stands on fails, with a fake pool and clock over a real SQLite store
 * (testutil_dispatch.h): a COMMIT that fails (the seam of
 * testutil_commit.h), a RUN that cannot be sent, a worker that cannot be
 * forked, and a server that stopped with jobs running. In each, nothing
 * acknowledged is lost: commands of a failed turn are answered with an
 * error, never CMD_OK; a claim or report of a failed turn is written whole
 * by the next one, once; a job whose RUN was not sent is requeued or failed
 * saying why; jobs left running are requeued or failed at the next open.
 */
#include "testutil_dispatch.h"

#include "store/store_deps.h"

static int one_worker(void **state) { return tu_turn_setup(state, 1); }

static int one_worker_unopened(void **state)
{
	*state = tu_turn_new(1);
	return 0;
}

static int64_t jobs_stored(struct turn_fixture *f)
{
	int64_t counts[JOB_STATE_COUNT], n = 0;

	if (store_job_counts(f->base.st, counts, f->base.err) != 0)
		fail_msg("store_job_counts: %s", f->base.err);
	for (int i = 0; i < JOB_STATE_COUNT; i++)
		n += counts[i];
	return n;
}

static int busy_workers(struct turn_fixture *f)
{
	struct stats_info s;

	dispatch_stats(f->d, &s);
	return s.busy;
}

static void test_a_failed_commit_answers_every_command_of_its_turn_with_an_error(void **state)
{
	struct turn_fixture *f = *state;
	struct job_spec specs[] = { tu_spec("a", 0, 1), tu_spec("b", 0, 1), tu_spec("c", 0, 1) };
	struct cmd c[3];
	int64_t ids[3];

	for (int i = 0; i < 3; i++) {
		tu_cmd_jobs(&c[i], &specs[i], 1);
		tu_enqueue(f, &c[i]);
	}
	commit_failures = 1;
	assert_int_equal(tu_turn(f), 0);
	assert_int_equal(commits_refused, 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tu_answer(f, &c[i]), CMD_FAILED);
		tu_assert_contains(c[i].err, "COMMIT");
		tu_assert_contains(c[i].err, "database or disk is full");
		assert_int_equal(c[i].job.id, 0); /* no job to show, none for the caller to free */
	}
	/* Its claim went with it: no RUN, the worker idle, nothing stored. */
	assert_int_equal(fake.n_runs, 0);
	assert_int_equal(busy_workers(f), 0);
	assert_int_equal(jobs_stored(f), 0);
	tu_assert_counts_true(f);

	assert_int_equal(tu_submit_all(f, specs, 3, ids), 1);
	assert_int_equal(jobs_stored(f), 3);
	assert_int_equal(fake.n_runs, 1);
	assert_int_equal(fake_run_at(0)->job_id, ids[0]);
	assert_true(fake_run_at(0)->committed);
	tu_assert_counts_true(f);
}

static void test_a_claim_of_a_failed_turn_is_not_half_written_and_the_next_turn_makes_it(
    void **state)
{
	struct turn_fixture *f = *state;
	struct job j;

	/* No worker yet (its fork failed): the job is acknowledged and waits. */
	fake_up(0, false);
	int64_t id = tu_submit(f, tu_spec("a", 0, 1));
	assert_int_equal(fake.n_runs, 0);
	assert_int_equal(tu_state_of(&f->base, id), JOB_QUEUED);

	fake_up(0, true);
	commit_failures = 1;
	tu_turn(f);
	assert_int_equal(commits_refused, 1);
	assert_int_equal(fake.n_runs, 0);
	assert_int_equal(busy_workers(f), 0);
	tu_get_job(&f->base, id, &j);
	assert_int_equal(j.state, JOB_QUEUED);
	assert_int_equal(j.attempts, 0);
	assert_int_equal(j.started_us, 0);
	job_free(&j);
	tu_assert_counts_true(f);

	assert_int_equal(tu_turn(f), 1);
	assert_int_equal(fake.n_runs, 1);
	assert_int_equal(fake_run_at(0)->attempt, 1);
	assert_true(fake_run_at(0)->committed);
	tu_assert_counts_true(f);
}

static void test_a_report_of_a_failed_turn_is_applied_by_the_next_one_exactly_once(void **state)
{
	struct turn_fixture *f = *state;
	struct stats_info s;
	int64_t id = tu_submit(f, tu_spec("a", 0, 2));

	fake_wall += 1000;
	fake_done(id, 1);
	commit_failures = 1;
	tu_turn(f);
	assert_int_equal(tu_state_of(&f->base, id), JOB_RUNNING);
	tu_assert_counts_true(f);

	/* Replayed: requeued once (attempt 1 of 2), and claimed again. */
	assert_int_equal(tu_turn(f), 1);
	assert_int_equal(fake.n_runs, 2);
	assert_int_equal(fake_run_at(1)->attempt, 2);
	fake_done(id, 0);
	tu_turn(f);
	assert_int_equal(tu_state_of(&f->base, id), JOB_SUCCEEDED);
	dispatch_stats(f->d, &s);
	assert_int_equal(s.finished_total, 1);
	tu_assert_counts_true(f);
}

static void test_a_run_that_cannot_be_sent_ends_the_attempt_naming_why(void **state)
{
	struct turn_fixture *f = *state;
	struct job j;

	/* Attempts left: requeued, and sent again in the turn that records it. */
	fake.run_failures = 1;
	int64_t retried = tu_submit(f, tu_spec("retried", 0, 2));
	assert_int_equal(fake.n_runs, 1);
	assert_int_equal(busy_workers(f), 0);
	tu_turn(f);
	assert_int_equal(fake.n_runs, 2);
	assert_int_equal(fake_run_at(1)->job_id, retried);
	assert_int_equal(fake_run_at(1)->attempt, 2);
	fake_done(retried, 0);
	tu_turn(f);
	assert_int_equal(tu_state_of(&f->base, retried), JOB_SUCCEEDED);

	/* The last attempt: failed, saying the RUN could not be sent. */
	fake.run_failures = 1;
	int64_t last = tu_submit(f, tu_spec("last", 0, 1));
	tu_turn(f);
	tu_get_job(&f->base, last, &j);
	assert_int_equal(j.state, JOB_FAILED);
	assert_int_equal(j.attempts, 1);
	tu_assert_contains(j.error, "could not send: ");
	tu_assert_contains(j.error, "stored command or env is unreadable");
	job_free(&j);
	assert_int_equal(busy_workers(f), 0);
	tu_assert_counts_true(f);
}

static void test_jobs_left_running_are_requeued_or_failed_at_open_per_their_attempts(
    void **state)
{
	struct turn_fixture *f = *state;
	struct dep_effects fx = { 0 };
	int bad = -1;
	struct job j;

	tu_seed_open(f);
	int64_t again = tu_add_job(&f->base, "again", 0, 2, 0, T0);
	int64_t last = tu_add_job(&f->base, "last", 0, 1, 0, T0);
	int64_t kid = tu_add_job(&f->base, "kid", 0, 1, 0, T0);
	int64_t idle = tu_add_job(&f->base, "idle", 0, 1, 0, T0);
	if (store_deps_add(f->base.st, kid, &last, 1, T0, &fx, &bad, f->base.err) != 0)
		fail_msg("store_deps_add: %s", f->base.err);
	store_deps_effects_free(&fx);
	assert_int_equal(tu_claim(&f->base, T0 + 1), again);
	assert_int_equal(tu_claim(&f->base, T0 + 2), last);
	tu_seed_close(f);

	tu_dispatch_open(f);
	tu_get_job(&f->base, again, &j);
	assert_int_equal(j.state, JOB_QUEUED);
	assert_int_equal(j.attempts, 1);
	job_free(&j);
	tu_get_job(&f->base, last, &j);
	assert_int_equal(j.state, JOB_FAILED);
	tu_assert_contains(j.error, "server stopped while attempt 1 ran");
	job_free(&j);
	assert_int_equal(tu_state_of(&f->base, kid), JOB_CANCELED);
	assert_int_equal(tu_state_of(&f->base, idle), JOB_QUEUED);
	tu_assert_counts_true(f);

	assert_int_equal(tu_turn(f), 1);
	assert_int_equal(fake_run_at(0)->job_id, again);
	assert_int_equal(fake_run_at(0)->attempt, 2);
}

static void test_an_acknowledged_job_survives_a_crash_while_it_runs(void **state)
{
	struct turn_fixture *f = *state;
	struct job j;

	tu_dispatch_open(f);
	int64_t id = tu_submit(f, tu_spec("a", 0, 2));
	assert_true(fake_run_at(0)->committed);
	tu_dispatch_close(f); /* no shutdown turn: as kill -9 */

	tu_dispatch_open(f);
	tu_get_job(&f->base, id, &j);
	assert_int_equal(j.state, JOB_QUEUED);
	tu_assert_contains(j.error, "server stopped while attempt 1 ran");
	job_free(&j);
	tu_turn(f);
	assert_int_equal(fake.n_runs, 2);
	assert_int_equal(fake_run_at(1)->job_id, id);
	assert_int_equal(fake_run_at(1)->attempt, 2);
	tu_assert_counts_true(f);
}

#define T(name, setup) cmocka_unit_test_setup_teardown(name, setup, tu_turn_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_failed_commit_answers_every_command_of_its_turn_with_an_error, one_worker),
		T(test_a_claim_of_a_failed_turn_is_not_half_written_and_the_next_turn_makes_it,
		    one_worker),
		T(test_a_report_of_a_failed_turn_is_applied_by_the_next_one_exactly_once,
		    one_worker),
		T(test_a_run_that_cannot_be_sent_ends_the_attempt_naming_why, one_worker),
		T(test_jobs_left_running_are_requeued_or_failed_at_open_per_their_attempts,
		    one_worker_unopened),
		T(test_an_acknowledged_job_survives_a_crash_while_it_runs, one_worker_unopened),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
