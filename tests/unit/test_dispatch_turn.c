/*
 * test_dispatch_turn.c — the dispatcher's turn (server/dispatch/
 * dispatch_turn.c) with a fake pool and clock over a real SQLite store
 * (testutil_dispatch.h): commands queued before a turn share one COMMIT and
 * are answered after it, RUNs go out only after it (and before the
 * answers); claims take priority,
 * then age, wait for a delayed job's time and respect a queue's limit; a
 * failed attempt is retried after its backoff and the last one fails; a
 * parent's end cancels or unblocks its dependents; a worker's death ends
 * its attempt once; a cancel is answered after the commit and sent after it;
 * a draining dispatcher claims nothing until resumed. Every test checks the
 * dispatcher's counts against a recount of what was committed.
 */
#include "testutil_dispatch.h"

#include "store/store_queues.h"

static int one_worker(void **state) { return tu_turn_setup(state, 1); }
static int two_workers(void **state) { return tu_turn_setup(state, 2); }

static int two_workers_unopened(void **state)
{
	*state = tu_turn_new(2);
	return 0;
}

static void test_commands_queued_before_a_turn_share_one_commit_and_are_answered_after_it(
    void **state)
{
	struct turn_fixture *f = *state;
	struct job_spec specs[] = { tu_spec("a", 0, 1), tu_spec("b", 0, 1), tu_spec("c", 0, 1),
		tu_spec("d", 0, 1), tu_spec("e", 0, 1) };
	struct job_spec pair[] = { tu_spec("f", 0, 1), tu_spec("g", 0, 1) };
	int64_t ids[5];
	struct cmd batch;

	/* A batch, then five submits, all waiting for the same turn. */
	tu_cmd_jobs(&batch, pair, 2);
	tu_enqueue(f, &batch);
	assert_int_equal(tu_count(f, JOB_QUEUED), 0);
	assert_int_equal(tu_submit_all(f, specs, 5, ids), 1);
	assert_int_equal(tu_answer(f, &batch), CMD_OK);
	assert_true(batch.batch_id > 0);
	for (int i = 1; i < 5; i++)
		assert_true(ids[i] > ids[i - 1]);
	/* Both workers got a job, each RUN sent after its claim was committed. */
	assert_int_equal(fake.n_runs, 2);
	for (int i = 0; i < 2; i++)
		assert_true(fake_run_at(i)->committed);
	assert_int_equal(tu_count(f, JOB_QUEUED), 5);
	assert_int_equal(tu_count(f, JOB_RUNNING), 2);
	tu_assert_counts_true(f);
}

static void test_a_started_report_alone_waits_for_its_done_and_both_share_one_commit(
    void **state)
{
	struct turn_fixture *f = *state;
	int64_t id = tu_submit(f, tu_spec("a", 0, 1)), other = tu_submit(f, tu_spec("b", 0, 1));
	struct job j;

	fake_started(id);
	assert_int_equal(tu_turn(f), 0);
	fake_wall += 1000;
	fake_done(id, 0);
	assert_int_equal(tu_turn(f), 1);
	assert_int_equal(tu_state_of(&f->base, id), JOB_SUCCEEDED);
	/* The next job's STARTED alone is written once its moment has passed. */
	assert_int_equal(fake_run_at(1)->job_id, other);
	fake_started(other);
	assert_int_equal(tu_turn(f), 0);
	fake_mono += 1000000;
	assert_int_equal(tu_turn(f), 1);
	tu_get_job(&f->base, other, &j);
	assert_int_equal(j.state, JOB_RUNNING);
	assert_int_equal(j.pid, FAKE_PID);
	job_free(&j);
	tu_assert_counts_true(f);
}

static int runs_when_answered = -1;

static void note_answered(void *arg)
{
	(void)arg;
	runs_when_answered = fake.n_runs;
}

/* The worker starts the job first: answering wakes the client, whose next
 * request would otherwise compete with the worker's start for the cores. */
static void test_a_claimed_job_is_sent_to_its_worker_before_its_submitter_is_answered(
    void **state)
{
	struct turn_fixture *f = *state;
	struct job_spec spec = tu_spec("a", 0, 1);
	struct cmd c;

	tu_cmd_jobs(&c, &spec, 1);
	runs_when_answered = -1;
	dispatch_submit_async(f->d, &c, note_answered, NULL);
	assert_int_equal(tu_turn(f), 1);
	assert_int_equal(c.status, CMD_OK);
	assert_int_equal(fake.n_runs, 1);
	assert_int_equal(fake_run_at(0)->job_id, c.job.id);
	assert_true(fake_run_at(0)->committed);
	assert_int_equal(runs_when_answered, 1);
	job_free(&c.job);
	tu_assert_counts_true(f);
}

static void test_claims_take_the_highest_priority_first_then_the_oldest(void **state)
{
	struct turn_fixture *f = *state;
	struct job_spec specs[] = { tu_spec("a", 0, 1), tu_spec("b", 5, 1), tu_spec("c", 5, 1),
		tu_spec("d", 0, 1) };
	int64_t ids[4];
	const int order[] = { 1, 2, 0, 3 };

	tu_submit_all(f, specs, 4, ids);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(fake.n_runs, i + 1);
		assert_int_equal(fake_run_at(i)->job_id, ids[order[i]]);
		fake_done(ids[order[i]], 0);
		tu_turn(f);
	}
	assert_int_equal(fake.n_runs, 4);
	assert_int_equal(tu_count(f, JOB_SUCCEEDED), 4);
	tu_assert_counts_true(f);
}

static void test_a_delayed_job_is_not_claimed_before_its_time(void **state)
{
	struct turn_fixture *f = *state;
	struct job_spec later = tu_spec("later", 0, 1);

	later.run_at_us = T0 + 60000000;
	int64_t id = tu_submit(f, later);
	assert_int_equal(fake.n_runs, 0);
	assert_int_equal(tu_state_of(&f->base, id), JOB_QUEUED);
	fake_wall = later.run_at_us - 1;
	tu_turn(f);
	assert_int_equal(fake.n_runs, 0);
	fake_wall = later.run_at_us;
	assert_int_equal(tu_turn(f), 1);
	assert_int_equal(fake.n_runs, 1);
	assert_int_equal(fake_run_at(0)->job_id, id);
	assert_true(fake_run_at(0)->committed);
	tu_assert_counts_true(f);
}

static void test_a_queue_at_its_concurrency_limit_waits_for_room(void **state)
{
	struct turn_fixture *f = *state;
	struct queue_info gpu = { .name = "gpu", .concurrency = 1 };
	struct job_spec specs[] = { tu_spec("g1", 0, 1), tu_spec("g2", 9, 1), tu_spec("plain", 0, 1) };
	int64_t ids[3];

	tu_seed_open(f);
	if (store_queue_set(f->base.st, &gpu, T0, f->base.err) != 0)
		fail_msg("store_queue_set: %s", f->base.err);
	tu_seed_close(f);
	tu_dispatch_open(f);
	specs[0].queue = specs[1].queue = (char *)"gpu";
	tu_submit_all(f, specs, 3, ids);
	/* Two idle workers, but gpu runs one job at a time: g2 (the higher
	 * priority) and the plain one run, g1 waits. */
	assert_int_equal(fake.n_runs, 2);
	assert_int_equal(fake_run_at(0)->job_id, ids[1]);
	assert_int_equal(fake_run_at(1)->job_id, ids[2]);
	fake_done(ids[2], 0);
	tu_turn(f);
	assert_int_equal(fake.n_runs, 2);
	assert_int_equal(tu_state_of(&f->base, ids[0]), JOB_QUEUED);
	fake_done(ids[1], 0);
	tu_turn(f);
	assert_int_equal(fake.n_runs, 3);
	assert_int_equal(fake_run_at(2)->job_id, ids[0]);
	tu_assert_counts_true(f);
}

/* CMD_DRAIN/CMD_RESUME (dispatch_drain.c): no claim while draining, not
 * even in the drain's own turn or once a worker is free; resume claims. */
static void test_a_draining_dispatcher_claims_nothing_until_resumed(void **state)
{
	struct turn_fixture *f = *state;
	int64_t a = tu_submit(f, tu_spec("a", 0, 1));
	struct cmd drain = { .type = CMD_DRAIN }, again = { .type = CMD_DRAIN },
		   resume = { .type = CMD_RESUME };
	struct job_spec specs[] = { tu_spec("b", 0, 1) };
	int64_t b;

	assert_int_equal(fake.n_runs, 1);
	tu_enqueue(f, &drain);
	tu_turn(f);
	assert_int_equal(tu_answer(f, &drain), CMD_OK);
	assert_true(dispatch_draining(f->d));
	assert_int_equal(tu_submit_all(f, specs, 1, &b), 1);
	assert_int_equal(fake.n_runs, 1); /* a worker is idle, yet b waits */
	fake_done(a, 0);
	tu_turn(f);
	assert_int_equal(fake.n_runs, 1);
	assert_int_equal(tu_state_of(&f->base, b), JOB_QUEUED);
	tu_enqueue(f, &again);
	tu_turn(f);
	assert_int_equal(tu_answer(f, &again), CMD_OK);
	assert_true(dispatch_draining(f->d));
	tu_enqueue(f, &resume);
	tu_turn(f);
	assert_int_equal(tu_answer(f, &resume), CMD_OK);
	assert_false(dispatch_draining(f->d));
	assert_int_equal(fake.n_runs, 2);
	assert_int_equal(fake_run_at(1)->job_id, b);
	tu_assert_counts_true(f);
}

static void test_a_failed_attempt_is_retried_after_its_backoff_and_the_last_one_fails(
    void **state)
{
	struct turn_fixture *f = *state;
	struct job_spec flaky = tu_spec("flaky", 0, 2);
	struct job j;

	flaky.retry_backoff_s = 10;
	int64_t id = tu_submit(f, flaky);
	fake_wall += 1000000;
	fake_done(id, 3);
	assert_int_equal(tu_turn(f), 1);
	tu_get_job(&f->base, id, &j);
	assert_int_equal(j.state, JOB_QUEUED);
	assert_int_equal(j.attempts, 1);
	/* Equal jitter: half of the 10 s step fixed, half random. */
	int64_t at = j.wait_until_us;
	assert_true(at >= fake_wall + 5000000 && at <= fake_wall + 10000000);
	tu_assert_contains(j.error, "attempt 1 of 2 exited with code 3; retrying in");
	job_free(&j);
	assert_int_equal(fake.n_runs, 1);
	tu_assert_counts_true(f);

	fake_wall = at - 1;
	tu_turn(f);
	assert_int_equal(fake.n_runs, 1);
	fake_wall = at;
	tu_turn(f);
	assert_int_equal(fake.n_runs, 2);
	assert_int_equal(fake_run_at(1)->attempt, 2);
	assert_true(fake_run_at(1)->committed);

	fake_wall += 1000000;
	fake_done(id, 3);
	tu_turn(f);
	tu_get_job(&f->base, id, &j);
	assert_int_equal(j.state, JOB_FAILED);
	assert_int_equal(j.attempts, 2);
	assert_int_equal(j.exit_code, 3);
	job_free(&j);
	assert_int_equal(fake.n_runs, 2);
	tu_assert_counts_true(f);
}

static void test_a_failed_parent_cancels_its_dependents_and_a_succeeded_one_unblocks_them(
    void **state)
{
	struct turn_fixture *f = *state;
	struct job_spec parents[] = { tu_spec("a", 0, 1), tu_spec("x", 0, 1) };
	int64_t p[2], kids[3];
	struct job j;

	tu_submit_all(f, parents, 2, p);
	/* b after a, c after b, y after x: all blocked while a and x run. */
	struct job_spec b = tu_spec("b", 0, 1), y = tu_spec("y", 0, 1);
	b.after = &p[0];
	b.n_after = 1;
	y.after = &p[1];
	y.n_after = 1;
	kids[0] = tu_submit(f, b);
	struct job_spec c = tu_spec("c", 0, 1);
	c.after = &kids[0];
	c.n_after = 1;
	kids[1] = tu_submit(f, c);
	kids[2] = tu_submit(f, y);
	assert_int_equal(fake.n_runs, 2);

	fake_done(p[0], 1);
	fake_done(p[1], 0);
	assert_int_equal(tu_turn(f), 1);
	assert_int_equal(tu_state_of(&f->base, p[0]), JOB_FAILED);
	tu_get_job(&f->base, kids[0], &j);
	assert_int_equal(j.state, JOB_CANCELED);
	tu_assert_contains(j.error, "ended failed");
	job_free(&j);
	assert_int_equal(tu_state_of(&f->base, kids[1]), JOB_CANCELED);
	/* y became runnable and was claimed in that same turn. */
	assert_int_equal(fake.n_runs, 3);
	assert_int_equal(fake_run_at(2)->job_id, kids[2]);
	assert_true(fake_run_at(2)->committed);
	assert_int_equal(tu_count(f, JOB_CANCELED), 2);
	assert_int_equal(tu_count(f, JOB_FAILED), 1);
	assert_int_equal(tu_count(f, JOB_SUCCEEDED), 1);
	assert_int_equal(tu_count(f, JOB_RUNNING), 1);
	struct stats_info s;
	dispatch_stats(f->d, &s);
	assert_int_equal(s.finished_total, 4);
	tu_assert_counts_true(f);
}

static void test_a_dead_worker_ends_its_jobs_attempt_once(void **state)
{
	struct turn_fixture *f = *state;
	int64_t id = tu_submit(f, tu_spec("a", 0, 2));
	struct run_result late = tu_result(0, fake_wall, fake_wall + 1);
	struct job j;

	fake_lost(id, "worker 0 (pid 4242) died: killed by signal 9 (Killed)");
	/* A DONE of the ended attempt arriving after its death is ignored. */
	fake.ev.done(fake.ev.ctx, 0, id, &late);
	assert_int_equal(tu_turn(f), 1);
	tu_get_job(&f->base, id, &j);
	assert_int_equal(j.state, JOB_QUEUED);
	assert_int_equal(j.attempts, 1);
	tu_assert_contains(j.error, "died: killed by signal 9");
	job_free(&j);
	struct stats_info s;
	dispatch_stats(f->d, &s);
	assert_int_equal(s.finished_total, 0);
	tu_assert_counts_true(f);
	/* No worker until its replacement says HELLO; then attempt 2. */
	assert_int_equal(fake.n_runs, 1);
	fake_up(0, true);
	tu_turn(f);
	assert_int_equal(fake.n_runs, 2);
	assert_int_equal(fake_run_at(1)->attempt, 2);

	fake_lost(id, "worker 0 (pid 4243) died: killed by signal 9 (Killed)");
	tu_turn(f);
	tu_get_job(&f->base, id, &j);
	assert_int_equal(j.state, JOB_FAILED);
	assert_int_equal(j.attempts, 2);
	tu_assert_contains(j.error, "pid 4243) died");
	job_free(&j);
	tu_assert_counts_true(f);
}

static void test_cancels_are_answered_after_the_commit_and_sent_to_workers_after_it(
    void **state)
{
	struct turn_fixture *f = *state;
	struct job_spec specs[] = { tu_spec("running", 0, 3), tu_spec("waiting", 0, 1) };
	int64_t ids[2];
	struct cmd c[2];

	tu_submit_all(f, specs, 2, ids);
	for (int i = 0; i < 2; i++) {
		tu_cmd_cancel(&c[i], ids[i]);
		tu_enqueue(f, &c[i]);
	}
	assert_int_equal(tu_turn(f), 1);
	/* The queued job ends at once; the running one when its worker says so. */
	assert_int_equal(tu_answer(f, &c[1]), CMD_OK);
	assert_int_equal(c[1].job.state, JOB_CANCELED);
	assert_int_equal(tu_answer(f, &c[0]), CMD_OK);
	assert_int_equal(c[0].job.state, JOB_RUNNING);
	assert_true(c[0].job.cancel_requested);
	for (int i = 0; i < 2; i++)
		job_free(&c[i].job);
	assert_int_equal(fake.n_cancels, 1);
	assert_int_equal(fake.cancels[0], ids[0]);

	/* Stopped: canceled, not retried, though attempts remain. */
	struct run_result r = tu_result(-1, fake_wall, fake_wall + 5);
	r.status = RUN_CANCELED;
	r.term_signal = 15;
	fake_report(ids[0], &r);
	tu_turn(f);
	assert_int_equal(tu_state_of(&f->base, ids[0]), JOB_CANCELED);
	assert_int_equal(tu_count(f, JOB_CANCELED), 2);
	assert_int_equal(fake.n_runs, 1);
	tu_assert_counts_true(f);
}

#define T(name, setup) cmocka_unit_test_setup_teardown(name, setup, tu_turn_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_commands_queued_before_a_turn_share_one_commit_and_are_answered_after_it,
		    two_workers),
		T(test_a_started_report_alone_waits_for_its_done_and_both_share_one_commit,
		    one_worker),
		T(test_a_claimed_job_is_sent_to_its_worker_before_its_submitter_is_answered,
		    one_worker),
		T(test_claims_take_the_highest_priority_first_then_the_oldest, one_worker),
		T(test_a_delayed_job_is_not_claimed_before_its_time, one_worker),
		T(test_a_queue_at_its_concurrency_limit_waits_for_room, two_workers_unopened),
		T(test_a_draining_dispatcher_claims_nothing_until_resumed, two_workers),
		T(test_a_failed_attempt_is_retried_after_its_backoff_and_the_last_one_fails,
		    one_worker),
		T(test_a_failed_parent_cancels_its_dependents_and_a_succeeded_one_unblocks_them,
		    two_workers),
		T(test_a_dead_worker_ends_its_jobs_attempt_once, one_worker),
		T(test_cancels_are_answered_after_the_commit_and_sent_to_workers_after_it,
		    one_worker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
