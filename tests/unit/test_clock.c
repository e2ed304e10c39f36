/*
 * test_clock.c — common/clock.c's poll timeout: the one computation the
 * dispatcher's and the worker's loops sleep by. A plain (int) cast of a
 * wake-up 30 days away wrapped to poll(..., -1702967297), which waits
 * forever; the timeout must be in [0, CLOCK_POLL_MAX_MS] for any distance.
 */
#include "testutil.h"

#include <limits.h>

#include "common/clock.h"

#define MS 1000LL
#define DAY_US (86400LL * 1000000)

static void test_due_or_past_polls_without_waiting(void **state)
{
	(void)state;
	assert_int_equal(clock_poll_timeout_ms(0), 0);
	assert_int_equal(clock_poll_timeout_ms(-1), 0);
	assert_int_equal(clock_poll_timeout_ms(-30 * DAY_US), 0);
	assert_int_equal(clock_poll_timeout_ms(INT64_MIN), 0);
}

static void test_near_times_round_up_to_the_next_millisecond(void **state)
{
	(void)state;
	assert_int_equal(clock_poll_timeout_ms(1), 1); /* never 0 before it is due */
	assert_int_equal(clock_poll_timeout_ms(999), 1);
	assert_int_equal(clock_poll_timeout_ms(1000), 1);
	assert_int_equal(clock_poll_timeout_ms(1001), 2);
	assert_int_equal(clock_poll_timeout_ms(1500 * MS), 1500);
}

static void test_the_cap_is_reached_and_never_passed(void **state)
{
	(void)state;
	assert_true(CLOCK_POLL_MAX_MS > 0 && CLOCK_POLL_MAX_MS <= INT_MAX);
	assert_int_equal(clock_poll_timeout_ms((CLOCK_POLL_MAX_MS - 1) * MS), CLOCK_POLL_MAX_MS - 1);
	assert_int_equal(clock_poll_timeout_ms(CLOCK_POLL_MAX_MS * MS - 1), CLOCK_POLL_MAX_MS);
	assert_int_equal(clock_poll_timeout_ms(CLOCK_POLL_MAX_MS * MS), CLOCK_POLL_MAX_MS);
	assert_int_equal(clock_poll_timeout_ms(CLOCK_POLL_MAX_MS * MS + 1), CLOCK_POLL_MAX_MS);
}

/* Around INT_MAX ms (24.8 days) and 2^32 ms (49.7 days), where a cast to
 * int turned negative or wrapped to a small positive number. */
static void test_far_wakeups_stay_positive_and_capped(void **state)
{
	(void)state;
	const int64_t far[] = {
		((int64_t)INT_MAX - 1) * MS, (int64_t)INT_MAX * MS, ((int64_t)INT_MAX + 1) * MS,
		30 * DAY_US, (((int64_t)1 << 32) + 5) * MS, 366 * DAY_US, INT64_MAX,
	};
	for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++)
		assert_int_equal(clock_poll_timeout_ms(far[i]), CLOCK_POLL_MAX_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_or_past_polls_without_waiting),
		cmocka_unit_test(test_near_times_round_up_to_the_next_millisecond),
		cmocka_unit_test(test_the_cap_is_reached_and_never_passed),
		cmocka_unit_test(test_far_wakeups_stay_positive_and_capped),
	};
	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
