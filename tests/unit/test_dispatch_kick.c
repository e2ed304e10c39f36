/*
 * test_dispatch_kick.c — server/dispatch/dispatch_kick.c and the two hubs
 * that embed it: the dispatcher's loop is woken when a hub becomes due
 * sooner than the loop sleeps until — the first deadline, or a sooner one —
 * and not for a deadline it will reach anyway; asking the hub what is due
 * is what the loop sleeps until from then on. events.c (a parked stream's
 * ping, a publish's gathered flush) and follow.c (a parked follower's
 * re-check) wake it that way.
 */
#include "testutil.h"

#include <stdbool.h>
#include <stdint.h>

#include "dispatch/dispatch_kick.h"
#include "dispatch/events.h"
#include "dispatch/follow.h"

static int kicks, other_kicks;

static void on_kick(void *arg) { (*(int *)arg)++; }

static void noop(void *arg) { (void)arg; }

static const struct events_waker waker = { .park = noop, .wake = noop, .arg = NULL };

static int reset(void **state)
{
	(void)state;
	kicks = other_kicks = 0;
	return 0;
}

static void test_a_hub_no_loop_serves_never_kicks(void **state)
{
	struct dispatch_kick k = { 0 };

	(void)state;
	dispatch_kick_set(&k, NULL, NULL);
	assert_false(dispatch_kick_served(&k));
	dispatch_kick_at(&k, 100);
	assert_int_equal(dispatch_kick_due(&k, 100), 100);
	dispatch_kick_at(&k, 50);
	assert_int_equal(kicks, 0);
}

static void test_the_first_deadline_wakes_the_loop_once(void **state)
{
	struct dispatch_kick k = { 0 };

	(void)state;
	dispatch_kick_set(&k, on_kick, &kicks);
	assert_true(dispatch_kick_served(&k));
	dispatch_kick_at(&k, 100);
	assert_int_equal(kicks, 1);
	/* The loop is awake and will ask: the same or a later one needs no kick. */
	dispatch_kick_at(&k, 100);
	dispatch_kick_at(&k, 200);
	assert_int_equal(kicks, 1);
}

static void test_a_loop_sleeping_until_sooner_is_not_woken(void **state)
{
	struct dispatch_kick k = { 0 };

	(void)state;
	dispatch_kick_set(&k, on_kick, &kicks);
	assert_int_equal(dispatch_kick_due(&k, 100), 100);
	dispatch_kick_at(&k, 150);
	dispatch_kick_at(&k, 100);
	assert_int_equal(kicks, 0);
}

static void test_a_sooner_deadline_wakes_a_sleeping_loop(void **state)
{
	struct dispatch_kick k = { 0 };

	(void)state;
	dispatch_kick_set(&k, on_kick, &kicks);
	dispatch_kick_due(&k, 15000000);
	dispatch_kick_at(&k, 50000);
	assert_int_equal(kicks, 1);
	dispatch_kick_at(&k, 60000);
	assert_int_equal(kicks, 1);
}

static void test_after_nothing_was_due_the_next_deadline_wakes_the_loop(void **state)
{
	struct dispatch_kick k = { 0 };

	(void)state;
	dispatch_kick_set(&k, on_kick, &kicks);
	dispatch_kick_at(&k, 100);
	assert_int_equal(dispatch_kick_due(&k, 0), 0);
	dispatch_kick_at(&k, 300);
	assert_int_equal(kicks, 2);
}

static void test_a_new_loop_is_told_nothing_yet(void **state)
{
	struct dispatch_kick k = { 0 };

	(void)state;
	dispatch_kick_set(&k, on_kick, &kicks);
	dispatch_kick_due(&k, 100);
	dispatch_kick_set(&k, on_kick, &other_kicks);
	dispatch_kick_at(&k, 200);
	assert_int_equal(kicks, 0);
	assert_int_equal(other_kicks, 1);
}

static void test_work_now_wakes_a_loop_sleeping_until_sooner(void **state)
{
	struct dispatch_kick k = { 0 };

	(void)state;
	dispatch_kick_now(&k); /* no loop: nothing to wake */
	dispatch_kick_set(&k, on_kick, &kicks);
	dispatch_kick_due(&k, 100);
	dispatch_kick_now(&k);
	assert_int_equal(kicks, 1);
	assert_int_equal(k.told, 100); /* still sleeps until then after that round */
}

/* Opens an event stream and reads its opening comment; the next read parks it. */
static struct events_stream *parked_stream(void)
{
	char buf[EVENTS_BLOCK];
	struct events_stream *s = events_stream_open(NULL, 10, &(struct events_form){ 0 }, &waker);

	assert_non_null(s);
	assert_true(events_stream_read(s, buf, sizeof(buf)) > 0);
	assert_int_equal(events_stream_read(s, buf, sizeof(buf)), 0);
	return s;
}

static void test_event_streams_kick_for_the_first_ping_and_a_sooner_flush(void **state)
{
	(void)state;
	events_set_kick(on_kick, &kicks);
	struct events_stream *a = parked_stream();
	assert_int_equal(kicks, 1);
	int64_t ping = events_ping_due();
	assert_true(ping > 0);
	/* A second stream's ping comes after the first one's. */
	struct events_stream *b = parked_stream();
	assert_int_equal(kicks, 1);
	/* A publish gathers for EVENTS_COALESCE_MS, sooner than the ping. */
	events_publish((struct job_event){ .compact = strdup("{\"id\":1}") });
	assert_int_equal(kicks, 2);
	int64_t flush = events_ping_due();
	assert_true(flush > 0 && flush < ping);
	events_publish((struct job_event){ .compact = strdup("{\"id\":2}") });
	assert_int_equal(kicks, 2);
	events_stream_close(a);
	events_stream_close(b);
	events_set_kick(NULL, NULL);
}

static void test_followers_kick_for_the_first_recheck_only(void **state)
{
	(void)state;
	follow_set_kick(on_kick, &kicks);
	struct follow *a = follow_open(10, &waker), *b = follow_open(10, &waker);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(follow_park(a));
	assert_int_equal(kicks, 1);
	assert_true(follow_due() > 0);
	assert_true(follow_park(b));
	assert_int_equal(kicks, 1);
	follow_close(a);
	follow_close(b);
	assert_int_equal(follow_due(), 0);
	/* The loop sleeps without a re-check now: the next park wakes it. */
	struct follow *c = follow_open(10, &waker);
	assert_true(follow_park(c));
	assert_int_equal(kicks, 2);
	follow_close(c);
	follow_set_kick(NULL, NULL);
}

#define T(name) cmocka_unit_test_setup(name, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_hub_no_loop_serves_never_kicks),
		T(test_the_first_deadline_wakes_the_loop_once),
		T(test_a_loop_sleeping_until_sooner_is_not_woken),
		T(test_a_sooner_deadline_wakes_a_sleeping_loop),
		T(test_after_nothing_was_due_the_next_deadline_wakes_the_loop),
		T(test_a_new_loop_is_told_nothing_yet),
		T(test_work_now_wakes_a_loop_sleeping_until_sooner),
		T(test_event_streams_kick_for_the_first_ping_and_a_sooner_flush),
		T(test_followers_kick_for_the_first_recheck_only),
	};
	events_init();
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	events_free();
	return rc;
}
