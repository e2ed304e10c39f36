/*
 * test_dispatch_cpus.c — multi-core jobs in the dispatcher (server/dispatch/
 * dispatch_turn.c claim_jobs, dispatch_end.c) with a fake pool and clock
 * over a real SQLite store (testutil_dispatch.h): a job of cpus k holds k
 * slots, runs on the first and is told nothing of the others; all k come
 * free at its one end, however it ends (its DONE, its worker's death); a
 * head that needs more slots than are idle holds the node (strict
 * head-of-line reservation), so 1-cpu jobs behind it never overtake it; a
 * head needing more than the pool has only holds its own queue; canceling
 * the head a node holds for (or passes its queue over for) ends that at
 * once; a report the node may not record (the job is another's now) still
 * frees the slots held beside its worker.
 */
#include <sqlite3.h>

#include "testutil_dispatch.h"

static int two_workers(void **state) { return tu_turn_setup(state, 2); }
static int three_workers(void **state) { return tu_turn_setup(state, 3); }

static struct job_spec spec_cpus(const char *name, int cpus)
{
	struct job_spec s = tu_spec(name, 0, 1);
	s.cpus = cpus;
	return s;
}

static void test_a_two_cpu_job_holds_two_slots_and_releases_both_at_its_end(void **state)
{
	struct turn_fixture *f = *state;
	struct job j;
	int64_t id = tu_submit(f, spec_cpus("make", 2));

	assert_int_equal(fake.n_runs, 1); /* one RUN: one worker process runs it */
	assert_int_equal(fake_run_at(0)->job_id, id);
	assert_int_equal(fake_held_by(id), 2);
	tu_get_job(&f->base, id, &j);
	assert_int_equal(j.cpus, 2);
	assert_string_equal(j.slots, "[0,1]");
	job_free(&j);

	fake_done(id, 0);
	tu_turn(f);
	assert_int_equal(fake_held_by(id), 0);
	assert_int_equal(tu_state_of(&f->base, id), JOB_SUCCEEDED);
	/* Both slots are idle again: two 1-cpu jobs start together. */
	struct job_spec next[] = { tu_spec("a", 0, 1), tu_spec("b", 0, 1) };
	int64_t ids[2];
	tu_submit_all(f, next, 2, ids);
	assert_int_equal(fake.n_runs, 3);
	tu_assert_counts_true(f);
}

static void test_a_head_needing_more_slots_than_are_idle_holds_them_until_it_fits(void **state)
{
	struct turn_fixture *f = *state;
	struct job_spec specs[] = { tu_spec("first", 0, 1), spec_cpus("wide", 2),
		tu_spec("later1", 0, 1), tu_spec("later2", 0, 1) };
	int64_t ids[4];

	tu_submit_all(f, specs, 4, ids);
	/* first runs; wide is the head and needs 2 of the 1 idle: nothing else
	 * starts, the idle slot is held for it. */
	assert_int_equal(fake.n_runs, 1);
	assert_int_equal(fake_run_at(0)->job_id, ids[0]);
	/* More 1-cpu jobs arriving do not overtake it either. */
	int64_t more = tu_submit(f, tu_spec("later3", 0, 1));
	assert_int_equal(fake.n_runs, 1);
	fake_done(ids[0], 0);
	tu_turn(f);
	assert_int_equal(fake.n_runs, 2);
	assert_int_equal(fake_run_at(1)->job_id, ids[1]);
	assert_int_equal(fake_held_by(ids[1]), 2);
	fake_done(ids[1], 0);
	tu_turn(f);
	assert_int_equal(fake.n_runs, 4);
	assert_int_equal(fake_run_at(2)->job_id, ids[2]);
	assert_int_equal(fake_run_at(3)->job_id, ids[3]);
	assert_int_equal(tu_state_of(&f->base, more), JOB_QUEUED);
	tu_assert_counts_true(f);
}

static void test_a_worker_death_releases_every_slot_of_its_job(void **state)
{
	struct turn_fixture *f = *state;
	int64_t id = tu_submit(f, spec_cpus("wide", 2));
	struct job j;

	assert_int_equal(fake_held_by(id), 2);
	fake_lost(id, "worker 0 (pid 4242) died: killed by signal 9 (Killed)");
	tu_turn(f);
	tu_get_job(&f->base, id, &j);
	assert_int_equal(j.state, JOB_FAILED);
	job_free(&j);
	assert_int_equal(fake_held_by(id), 0);
	/* Slot 1 is free at once (slot 0 waits for its replacement). */
	int64_t next = tu_submit(f, tu_spec("next", 0, 1));
	assert_int_equal(fake.n_runs, 2);
	assert_int_equal(fake_run_at(1)->job_id, next);
	assert_int_equal(fake_run_at(1)->slot, 1);
	tu_assert_counts_true(f);
}

static void test_a_head_needing_more_than_the_pool_holds_only_its_own_queue(void **state)
{
	struct turn_fixture *f = *state;
	struct job_spec big = spec_cpus("huge", 3), small = tu_spec("small", 0, 1);

	big.queue = (char *)"big";
	int64_t huge = tu_submit(f, big);
	int64_t ok = tu_submit(f, small);
	assert_int_equal(fake.n_runs, 1);
	assert_int_equal(fake_run_at(0)->job_id, ok);
	assert_int_equal(tu_state_of(&f->base, huge), JOB_QUEUED);
	tu_assert_counts_true(f);
}

static void test_a_three_slot_pool_runs_a_two_cpu_job_beside_a_one_cpu_job(void **state)
{
	struct turn_fixture *f = *state;
	struct job_spec specs[] = { spec_cpus("wide", 2), tu_spec("one", 0, 1) };
	int64_t ids[2];

	tu_submit_all(f, specs, 2, ids);
	assert_int_equal(fake.n_runs, 2);
	assert_int_equal(fake_held_by(ids[0]), 2);
	assert_int_equal(fake_run_at(1)->slot, 2);
	tu_assert_counts_true(f);
}

/* Cancels queued job id in a turn of its own. */
static void cancel_in_turn(struct turn_fixture *f, int64_t id)
{
	struct cmd c;

	tu_cmd_cancel(&c, id);
	tu_enqueue(f, &c);
	tu_turn(f);
	assert_int_equal(tu_answer(f, &c), CMD_OK);
	job_free(&c.job);
}

static void test_canceling_the_held_head_lets_the_jobs_behind_it_start(void **state)
{
	struct turn_fixture *f = *state;
	struct job_spec specs[] = { tu_spec("first", 0, 1), spec_cpus("wide", 2),
		tu_spec("later", 0, 1) };
	int64_t ids[3];

	tu_submit_all(f, specs, 3, ids);
	assert_int_equal(fake.n_runs, 1); /* the idle slot is held for wide */
	cancel_in_turn(f, ids[1]);
	assert_int_equal(tu_state_of(&f->base, ids[1]), JOB_CANCELED);
	assert_int_equal(fake.n_runs, 2); /* the hold ended: later runs beside first */
	assert_int_equal(fake_run_at(1)->job_id, ids[2]);
	tu_assert_counts_true(f);
}

static void test_canceling_a_head_too_big_for_the_pool_lets_its_queue_go(void **state)
{
	struct turn_fixture *f = *state;
	struct job_spec big = spec_cpus("huge", 3), behind = tu_spec("behind", 0, 1);

	big.queue = behind.queue = (char *)"big";
	int64_t huge = tu_submit(f, big);
	int64_t next = tu_submit(f, behind);
	assert_int_equal(fake.n_runs, 0); /* its queue waits behind huge */
	cancel_in_turn(f, huge);
	assert_int_equal(fake.n_runs, 1);
	assert_int_equal(fake_run_at(0)->job_id, next);
	tu_assert_counts_true(f);
}

/* Another node's doing, as far as this one can tell: the row of running
 * job id says it ended, and this attempt's report will not be recorded. */
static void end_behind_its_back(struct turn_fixture *f, int64_t id)
{
	sqlite3 *db;
	char sql[128];

	assert_int_equal(sqlite3_open(f->base.db, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql),
	    "UPDATE jobs SET state = 'failed', finished_at = started_at WHERE id = %lld",
	    (long long)id);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_a_report_not_recorded_still_frees_the_held_slots(void **state)
{
	struct turn_fixture *f = *state;
	int64_t id = tu_submit(f, spec_cpus("wide", 2));

	assert_int_equal(fake_held_by(id), 2);
	end_behind_its_back(f, id);
	fake_done(id, 0);
	tu_turn(f);
	assert_int_equal(tu_state_of(&f->base, id), JOB_FAILED); /* its report was ignored */
	assert_int_equal(fake_held_by(id), 0);
	/* Both slots take jobs again. */
	struct job_spec next[] = { tu_spec("a", 0, 1), tu_spec("b", 0, 1) };
	int64_t ids[2];
	tu_submit_all(f, next, 2, ids);
	assert_int_equal(fake.n_runs, 3);
}

#define T(name, setup) cmocka_unit_test_setup_teardown(name, setup, tu_turn_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_two_cpu_job_holds_two_slots_and_releases_both_at_its_end, two_workers),
		T(test_a_head_needing_more_slots_than_are_idle_holds_them_until_it_fits, two_workers),
		T(test_a_worker_death_releases_every_slot_of_its_job, two_workers),
		T(test_a_head_needing_more_than_the_pool_holds_only_its_own_queue, two_workers),
		T(test_a_three_slot_pool_runs_a_two_cpu_job_beside_a_one_cpu_job, three_workers),
		T(test_canceling_the_held_head_lets_the_jobs_behind_it_start, two_workers),
		T(test_canceling_a_head_too_big_for_the_pool_lets_its_queue_go, two_workers),
		T(test_a_report_not_recorded_still_frees_the_held_slots, two_workers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
