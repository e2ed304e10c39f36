/*
 * test_dispatch_queues.c — server/dispatch/dispatch_queues.c's mirror of
 * named queues (struct queues, queues.h) over a fresh SQLite store: the
 * pick among open queues, the slot map that counts a limited queue's jobs,
 * settings read again without moving a queue's index, the queues a
 * rolled-back command named forgotten, and a rate-limited queue's sliding
 * window (its starts at times the test gives). A lone server (no cluster
 * node).
 */
#include "testutil_store.h"

#include "dispatch/metrics.h"
#include "dispatch/queues.h"

#define SLOTS 2

struct queues_fixture {
	struct store_fixture base;  /* first: tu_store_* take it */
	struct queues qs;
};

static int setup(void **state)
{
	struct queues_fixture *f = calloc(1, sizeof(*f));
	void *base;

	assert_non_null(f);
	tu_store_setup(&base);
	f->base = *(struct store_fixture *)base;
	free(base);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct queues_fixture *f = *state;

	queues_free(&f->qs);
	store_close(f->base.st);
	tu_rmtree(f->base.dir);
	free(f);
	return 0;
}

/* Queue name with these settings, in the store. */
static void set_queue(struct queues_fixture *f, const char *name, int concurrency, bool paused)
{
	struct queue_info q = { .concurrency = concurrency, .paused = paused };

	snprintf(q.name, sizeof(q.name), "%s", name);
	if (store_queue_set(f->base.st, &q, T0, f->base.err) != 0)
		fail_msg("store_queue_set: %s", f->base.err);
}

/* A queued job in queue name with priority; its id. */
static int64_t add_job(struct queues_fixture *f, const char *name, int priority)
{
	struct job_spec spec = { .command = (char *)"[\"true\"]", .env = (char *)"{}",
		.timeout_s = 60, .priority = priority, .max_attempts = 1, .queue = (char *)name };
	int64_t id = 0;

	if (store_queue_ensure(f->base.st, name, T0, f->base.err) != 0 ||
	    store_job_insert(f->base.st, &spec, 0, NULL, T0, &id, f->base.err) != 0)
		fail_msg("adding a job to %s: %s", name, f->base.err);
	return id;
}

static void load(struct queues_fixture *f)
{
	if (queues_load(&f->qs, f->base.st, SLOTS, f->base.err) != 0)
		fail_msg("queues_load: %s", f->base.err);
}

/* The job queues_pick would claim at now (0: none), its queue's index, and
 * when a used-up rate window has room again (0: none). */
static int64_t pick_at(struct queues_fixture *f, int64_t now, int *qi, int64_t *wake)
{
	int64_t id = 0;
	int r = queues_pick(&f->qs, f->base.st, NULL, now, &id, qi, wake, f->base.err);

	if (r < 0)
		fail_msg("queues_pick: %s", f->base.err);
	return r == 1 ? id : 0;
}

static int64_t pick(struct queues_fixture *f, int *qi)
{
	int64_t wake;
	return pick_at(f, T0, qi, &wake);
}

/* Queue name limited to limit starts per period_s. */
static void set_rate(struct queues_fixture *f, const char *name, int limit, int period_s)
{
	struct queue_info q = { .rate_limit = limit, .rate_period_s = period_s };

	snprintf(q.name, sizeof(q.name), "%s", name);
	if (store_queue_set(f->base.st, &q, T0, f->base.err) != 0)
		fail_msg("store_queue_set: %s", f->base.err);
}

/* Picks at now and, if a job of queue qi is picked, records its start. */
static int64_t start_at(struct queues_fixture *f, int64_t now, int64_t *wake)
{
	int qi = -1;
	int64_t id = pick_at(f, now, &qi, wake);

	if (id != 0 && queues_started(&f->qs, qi, f->base.st, now, f->base.err) != 0)
		fail_msg("queues_started: %s", f->base.err);
	return id;
}

static void test_a_limited_queue_at_its_limit_is_passed_over_until_its_slot_is_released(void **state)
{
	struct queues_fixture *f = *state;
	int64_t gpu = add_job(f, "gpu", 5);
	int64_t plain = add_job(f, "default", 0);
	int qi = -1, other = -1;

	set_queue(f, "gpu", 1, false);
	load(f);
	assert_int_equal(pick(f, &qi), gpu); /* the higher priority */
	assert_int_equal(qi, queues_find(&f->qs, "gpu"));
	queues_claimed(&f->qs, 1, qi);
	assert_int_equal(pick(f, &other), plain);
	assert_int_equal(other, queues_find(&f->qs, "default"));
	queues_claimed(&f->qs, 0, other);
	assert_false(queues_released(&f->qs, 0)); /* no limit: no room made */
	assert_true(queues_released(&f->qs, 1));
	assert_false(queues_released(&f->qs, 1)); /* idempotent: a replayed report */
	assert_false(queues_released(&f->qs, SLOTS)); /* another node's slot number */
	assert_int_equal(pick(f, &qi), gpu);
}

static void test_a_paused_queue_is_never_picked(void **state)
{
	struct queues_fixture *f = *state;
	int qi;

	add_job(f, "held", 9);
	set_queue(f, "held", 0, true);
	load(f);
	assert_int_equal(pick(f, &qi), 0);
}

static void test_loading_again_keeps_each_index_and_takes_the_new_settings(void **state)
{
	struct queues_fixture *f = *state;

	set_queue(f, "a", 0, false);
	set_queue(f, "b", 0, false);
	load(f);
	int a = queues_find(&f->qs, "a"), b = queues_find(&f->qs, "b");
	assert_true(a >= 0 && b >= 0);
	set_queue(f, "b", 3, true);
	set_queue(f, "c", 0, false);
	load(f);
	assert_int_equal(queues_find(&f->qs, "a"), a);
	assert_int_equal(queues_find(&f->qs, "b"), b);
	assert_int_equal(f->qs.list[b].concurrency, 3);
	assert_true(f->qs.list[b].paused);
	assert_true(queues_find(&f->qs, "c") >= 0);
	assert_int_equal(queues_find(&f->qs, "nope"), -1);
}

static void test_queues_named_after_a_mark_are_forgotten_by_truncate(void **state)
{
	struct queues_fixture *f = *state;
	struct queue_info q = { .name = "made-in-a-command" };

	load(f);
	int mark = f->qs.n;
	assert_int_equal(queues_add(&f->qs, &q, f->base.err), mark);
	queues_truncate(&f->qs, mark);
	assert_int_equal(f->qs.n, mark);
	assert_int_equal(queues_find(&f->qs, "made-in-a-command"), -1);
}

#define SEC 1000000

/* A job in queue "metered", limited to limit starts per period_s, loaded. */
static void metered_job(struct queues_fixture *f, int limit, int period_s)
{
	add_job(f, "metered", 0);
	set_rate(f, "metered", limit, period_s);
	load(f);
}

static void test_a_rate_window_allows_limit_starts_then_waits_for_the_oldest_to_leave(void **state)
{
	struct queues_fixture *f = *state;
	int64_t wake;

	metered_job(f, 2, 10);
	assert_int_not_equal(start_at(f, T0, &wake), 0);
	assert_int_equal(wake, 0);
	assert_int_not_equal(start_at(f, T0 + 4 * SEC, &wake), 0);
	/* Two starts in (T0 - 10 s, T0 + 5 s]: the third waits until the first
	 * leaves the window, at T0 + 10 s exactly, and not a µs sooner. */
	assert_int_equal(start_at(f, T0 + 5 * SEC, &wake), 0);
	assert_int_equal(wake, T0 + 10 * SEC);
	assert_int_equal(start_at(f, T0 + 10 * SEC - 1, &wake), 0);
	assert_int_equal(wake, T0 + 10 * SEC);
	assert_int_not_equal(start_at(f, T0 + 10 * SEC, &wake), 0);
	/* Now the second start (T0 + 4 s) is the oldest in the window. */
	assert_int_equal(start_at(f, T0 + 11 * SEC, &wake), 0);
	assert_int_equal(wake, T0 + 14 * SEC);
}

static void test_a_used_up_window_is_not_asked_again_until_it_has_room(void **state)
{
	struct queues_fixture *f = *state;
	int64_t wake;

	metered_job(f, 1, 10);
	assert_int_not_equal(start_at(f, T0, &wake), 0);
	uint64_t delayed = metrics_counters.rate_delayed;
	assert_int_equal(start_at(f, T0 + SEC, &wake), 0);
	assert_int_equal(metrics_counters.rate_delayed, delayed + 1); /* asked the store */
	for (int i = 2; i < 9; i++)
		assert_int_equal(start_at(f, T0 + i * SEC, &wake), 0);
	assert_int_equal(metrics_counters.rate_delayed, delayed + 1); /* the mirror said no */
	assert_int_equal(queues_rate_wake(&f->qs), T0 + 10 * SEC);
	assert_false(queues_rate_due(&f->qs, T0 + 10 * SEC - 1));
	assert_true(queues_rate_due(&f->qs, T0 + 10 * SEC));
	assert_int_equal(queues_rate_wake(&f->qs), 0);
	assert_int_not_equal(start_at(f, T0 + 10 * SEC, &wake), 0);
}

static void test_a_rate_limited_queue_does_not_hold_back_another(void **state)
{
	struct queues_fixture *f = *state;
	int64_t wake;
	int qi;

	int64_t metered = add_job(f, "metered", 5);
	int64_t plain = add_job(f, "default", 0);
	set_rate(f, "metered", 1, 60);
	load(f);
	assert_int_equal(start_at(f, T0, &wake), metered); /* the higher priority */
	assert_int_equal(pick_at(f, T0 + SEC, &qi, &wake), plain);
	assert_int_equal(qi, queues_find(&f->qs, "default"));
	assert_int_equal(wake, T0 + 60 * SEC);
}

static void test_loading_the_settings_again_forgets_a_used_up_window(void **state)
{
	struct queues_fixture *f = *state;
	int64_t wake;

	metered_job(f, 1, 60);
	assert_int_not_equal(start_at(f, T0, &wake), 0);
	assert_int_equal(start_at(f, T0 + SEC, &wake), 0);
	set_rate(f, "metered", 0, 0); /* rate: null, as a PUT or another node sets it */
	load(f);
	assert_int_equal(queues_rate_wake(&f->qs), 0);
	assert_int_not_equal(start_at(f, T0 + 2 * SEC, &wake), 0);
	assert_int_equal(wake, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_limited_queue_at_its_limit_is_passed_over_until_its_slot_is_released),
		T(test_a_paused_queue_is_never_picked),
		T(test_loading_again_keeps_each_index_and_takes_the_new_settings),
		T(test_queues_named_after_a_mark_are_forgotten_by_truncate),
		T(test_a_rate_window_allows_limit_starts_then_waits_for_the_oldest_to_leave),
		T(test_a_used_up_window_is_not_asked_again_until_it_has_room),
		T(test_a_rate_limited_queue_does_not_hold_back_another),
		T(test_loading_the_settings_again_forgets_a_used_up_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
