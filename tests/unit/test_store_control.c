/*
 * test_store_control.c — server/store/store_queues.c, server/store/store_schedules.c and
 * the rules of server/time/schedule.c: the head of each named queue (priority,
 * then FIFO, runnable jobs only), queue settings and counts, schedule rows
 * from insert to due, fired, skipped, paused and deleted, and when a
 * schedule fires next and whether a due firing makes a job.
 */
#include "testutil_store.h"

#include "store/store_schedules.h"
#include "time/schedule.h"

static int64_t add_in_queue(struct store_fixture *f, const char *queue, int priority,
    int64_t run_at_us)
{
	struct job_spec spec = {
		.command = (char *)"[\"true\"]", .env = (char *)"{}", .timeout_s = 60,
		.priority = priority, .max_attempts = 1, .queue = (char *)queue, .run_at_us = run_at_us,
	};
	int64_t id = 0;

	if (store_job_insert(f->st, &spec, 0, NULL, T0, &id, f->err) != 0)
		fail_msg("store_job_insert: %s", f->err);
	return id;
}

static int64_t head(struct store_fixture *f, const char *queue)
{
	int64_t id = 0;
	int prio;
	int r = store_queue_head(f->st, queue, &id, &prio, f->err);

	if (r < 0)
		fail_msg("store_queue_head: %s", f->err);
	return r == 1 ? id : 0;
}

static void test_each_queue_has_its_own_head_by_priority_then_fifo(void **state)
{
	struct store_fixture *f = *state;
	int64_t a1 = add_in_queue(f, "a", 0, 0);
	int64_t a2 = add_in_queue(f, "a", 5, 0);
	add_in_queue(f, "a", 5, 0);
	int64_t b1 = add_in_queue(f, "b", -3, 0);
	int64_t d1 = add_in_queue(f, NULL, 0, 0);

	assert_int_equal(head(f, "a"), a2);
	assert_int_equal(head(f, "b"), b1);
	assert_int_equal(head(f, "default"), d1);
	assert_int_equal(head(f, "nobody"), 0);
	struct job j;
	assert_int_equal(store_job_claim(f->st, a2, (int[]){ 1 }, 1, T0 + 1, &j, f->err), 1);
	assert_string_equal(j.queue, "a");
	job_free(&j);
	assert_int_not_equal(head(f, "a"), a2);
	assert_int_not_equal(head(f, "a"), a1);
}

static void test_delayed_jobs_are_not_a_queues_head(void **state)
{
	struct store_fixture *f = *state;
	add_in_queue(f, "later", 100, T0 + 60000000);

	assert_int_equal(head(f, "later"), 0);
	int64_t now = add_in_queue(f, "later", 0, 0);
	assert_int_equal(head(f, "later"), now);
}

static void test_queue_settings_are_made_changed_and_listed_with_counts(void **state)
{
	struct store_fixture *f = *state;
	struct queue_info q = { .concurrency = 2, .paused = true }, *list;
	int n;

	snprintf(q.name, sizeof(q.name), "nightly");
	assert_int_equal(store_queue_ensure(f->st, "made", T0, f->err), 0);
	assert_int_equal(store_queue_ensure(f->st, "made", T0 + 5, f->err), 0);
	assert_int_equal(store_queue_set(f->st, &q, T0, f->err), 0);
	add_in_queue(f, "nightly", 0, 0);
	int64_t run = add_in_queue(f, "nightly", 0, 0);
	struct job j;
	assert_int_equal(store_job_claim(f->st, run, (int[]){ 0 }, 1, T0, &j, f->err), 1);
	job_free(&j);

	assert_int_equal(store_queues_list(f->st, true, &list, &n, f->err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].name, "default");
	assert_string_equal(list[1].name, "made");
	assert_int_equal(list[1].concurrency, 0);
	assert_false(list[1].paused);
	assert_string_equal(list[2].name, "nightly");
	assert_int_equal(list[2].concurrency, 2);
	assert_true(list[2].paused);
	assert_int_equal(list[2].queued, 1);
	assert_int_equal(list[2].running, 1);
	free(list);

	q.concurrency = 0;
	q.paused = false;
	assert_int_equal(store_queue_set(f->st, &q, T0 + 9, f->err), 0);
	assert_int_equal(store_queue_get(f->st, "nightly", true, &q, f->err), 1);
	assert_int_equal(q.concurrency, 0);
	assert_false(q.paused);
	assert_int_equal(q.updated_us, T0 + 9);
	assert_int_equal(q.created_us, T0);
	assert_int_equal(store_queue_get(f->st, "nope", false, &q, f->err), 0);
}

static int64_t add_schedule(struct store_fixture *f, const char *cron, int64_t next_us)
{
	struct schedule s = { .cron = (char *)cron, .timezone = (char *)"UTC",
		.job = (char *)"{\"command\":\"x\"}", .next_run_us = next_us, .created_us = T0 };
	int64_t id;

	snprintf(s.overlap, sizeof(s.overlap), "skip");
	snprintf(s.catch_up, sizeof(s.catch_up), "none");
	if (store_schedule_insert(f->st, &s, &id, f->err) != 0)
		fail_msg("store_schedule_insert: %s", f->err);
	return id;
}

static void test_schedules_come_due_in_order_and_record_what_firing_did(void **state)
{
	struct store_fixture *f = *state;
	struct schedule s;
	int64_t late = add_schedule(f, "0 * * * *", T0 + 3000000);
	int64_t soon = add_schedule(f, "* * * * *", T0 + 1000000);
	int64_t wake;

	assert_int_equal(store_schedule_next_wake(f->st, &wake, f->err), 0);
	assert_int_equal(wake, T0 + 1000000);
	assert_int_equal(store_schedule_next_due(f->st, T0, &s, f->err), 0);
	assert_int_equal(store_schedule_next_due(f->st, T0 + 5000000, &s, f->err), 1);
	assert_int_equal(s.id, soon);
	schedule_free(&s);

	assert_int_equal(store_schedule_fired(f->st, soon, T0 + 61000000, T0 + 1000000, 42, NULL,
			     f->err), 0);
	assert_int_equal(store_schedule_fired(f->st, late, T0 + 63000000, T0 + 3000000, 0,
			     "job 42 of the last firing is unfinished", f->err), 0);
	assert_int_equal(store_schedule_get(f->st, soon, &s, f->err), 1);
	assert_int_equal((int)s.runs, 1);
	assert_int_equal(s.last_job_id, 42);
	assert_int_equal(s.last_run_us, T0 + 1000000);
	assert_null(s.last_error);
	schedule_free(&s);
	assert_int_equal(store_schedule_get(f->st, late, &s, f->err), 1);
	assert_int_equal((int)s.runs, 0);
	assert_int_equal((int)s.skipped, 1);
	assert_string_equal(s.last_error, "job 42 of the last firing is unfinished");
	schedule_free(&s);
}

static void test_paused_and_deleted_schedules_never_come_due(void **state)
{
	struct store_fixture *f = *state;
	struct schedule s, *list;
	int64_t a = add_schedule(f, "* * * * *", T0 + 1000000);
	int64_t b = add_schedule(f, "* * * * *", T0 + 2000000);
	int64_t wake;
	int n;

	assert_int_equal(store_schedule_set_paused(f->st, a, true, 0, T0, f->err), 1);
	assert_int_equal(store_schedule_delete(f->st, b, f->err), 1);
	assert_int_equal(store_schedule_delete(f->st, b, f->err), 0);
	assert_int_equal(store_schedule_next_due(f->st, T0 + 9000000, &s, f->err), 0);
	assert_int_equal(store_schedule_next_wake(f->st, &wake, f->err), 0);
	assert_int_equal(wake, 0);
	assert_int_equal(store_schedule_list(f->st, &list, &n, f->err), 0);
	assert_int_equal(n, 1);
	assert_true(list[0].paused);
	assert_int_equal(list[0].next_run_us, 0);
	schedule_free(&list[0]);
	free(list);
	assert_int_equal(store_schedule_set_paused(f->st, a, false, T0 + 7000000, T0, f->err), 1);
	assert_int_equal(store_schedule_next_wake(f->st, &wake, f->err), 0);
	assert_int_equal(wake, T0 + 7000000);
	assert_int_equal(store_schedule_set_paused(f->st, 999, true, 0, T0, f->err), 0);
}

static void test_next_run_is_the_first_firing_strictly_after(void **state)
{
	struct schedule s = { .cron = (char *)"*/15 * * * *", .timezone = (char *)"UTC" };
	int64_t next;
	char err[ERR_LEN];
	(void)state;

	/* T0 is 21:04:32Z: the next quarter hour is 21:15:00Z. */
	assert_int_equal(schedule_next_run(&s, T0, &next, err), 0);
	assert_int_equal(next, T0 + (10 * 60 + 28) * 1000000LL);
	assert_int_equal(schedule_next_run(&s, next, &next, err), 0);
	assert_int_equal(next, T0 + (25 * 60 + 28) * 1000000LL);
	s.cron = (char *)"0 0 30 2 *";
	assert_int_equal(schedule_next_run(&s, T0, &next, err), -1);
	s.cron = (char *)"* * * * *";
	s.timezone = (char *)"Nowhere/Land";
	assert_int_equal(schedule_next_run(&s, T0, &next, err), -1);
	tu_assert_contains(err, "Nowhere/Land");
}

static void test_a_due_firing_follows_catch_up_and_overlap(void **state)
{
	struct schedule s = { 0 };
	(void)state;

	snprintf(s.catch_up, sizeof(s.catch_up), "none");
	snprintf(s.overlap, sizeof(s.overlap), "skip");
	assert_int_equal(schedule_decide(&s, false, false), SCHEDULE_FIRE);
	assert_int_equal(schedule_decide(&s, true, false), SCHEDULE_SKIP_MISSED);
	assert_int_equal(schedule_decide(&s, false, true), SCHEDULE_SKIP_OVERLAP);
	snprintf(s.catch_up, sizeof(s.catch_up), "once");
	assert_int_equal(schedule_decide(&s, true, false), SCHEDULE_FIRE);
	assert_int_equal(schedule_decide(&s, true, true), SCHEDULE_SKIP_OVERLAP);
	snprintf(s.overlap, sizeof(s.overlap), "allow");
	assert_int_equal(schedule_decide(&s, true, true), SCHEDULE_FIRE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_each_queue_has_its_own_head_by_priority_then_fifo,
		    tu_store_setup, tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_delayed_jobs_are_not_a_queues_head,
		    tu_store_setup, tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_queue_settings_are_made_changed_and_listed_with_counts,
		    tu_store_setup, tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_schedules_come_due_in_order_and_record_what_firing_did,
		    tu_store_setup, tu_store_teardown),
		cmocka_unit_test_setup_teardown(test_paused_and_deleted_schedules_never_come_due,
		    tu_store_setup, tu_store_teardown),
		cmocka_unit_test(test_next_run_is_the_first_firing_strictly_after),
		cmocka_unit_test(test_a_due_firing_follows_catch_up_and_overlap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
