/*
 * test_cron_parse.c — server/time/cron_parse.c: every field syntax (seconds
 * too), names, steps, lists and macros, each checked on the bitsets and,
 * where it reads better, on the firings it gives; and every refusal with
 * its exact message. The search itself (days, calendar edges, DST) is
 * test_cron.c's.
 *
 * Every expected instant was computed outside this code, with Python's
 * datetime/zoneinfo, and is written next to its meaning.
 */
#include "testutil.h"

#include "testutil_cron.h"

static void assert_refused(const char *expr, const char *want)
{
	struct cron c;
	char err[ERR_LEN] = "";

	if (cron_parse(expr, &c, err) == 0)
		fail_msg("cron_parse \"%s\" accepted it", expr ? expr : "(null)");
	if (strcmp(err, want) != 0)
		fail_msg("cron_parse \"%s\": got \"%s\", want \"%s\"", expr ? expr : "(null)", err, want);
}

static uint64_t bits(int lo, int hi, int step)
{
	uint64_t b = 0;

	for (int v = lo; v <= hi; v += step)
		b |= (uint64_t)1 << v;
	return b;
}

/* ---- syntax ---- */

static void test_star_matches_every_value_of_every_field(void **state)
{
	struct cron c = parse_ok("* * * * *");
	(void)state;

	assert_true(c.second == bits(0, 0, 1));    /* five fields: second 0 */
	assert_true(c.minute == bits(0, 59, 1));
	assert_true(c.hour == bits(0, 23, 1));
	assert_true(c.dom == bits(1, 31, 1));
	assert_true(c.month == bits(1, 12, 1));
	assert_true(c.dow == bits(0, 6, 1));
	assert_true(c.dom_star && c.dow_star && c.hour_star);
}

static void test_six_fields_put_seconds_in_front(void **state)
{
	struct cron c = parse_ok("*/10 5 4 3 2 1");
	(void)state;

	assert_true(c.second == bits(0, 50, 10));
	assert_true(c.minute == bits(5, 5, 1));
	assert_true(c.hour == bits(4, 4, 1));
	assert_true(c.dom == bits(3, 3, 1));
	assert_true(c.month == bits(2, 2, 1));
	assert_true(c.dow == bits(1, 1, 1));
	assert_false(c.hour_star);
	assert_true(parse_ok("0 0 * * * *").hour_star);
	FIRINGS("UTC", "*/10 * * * * *", 1780315499 /* 2026-06-01T12:04:59 */,
	    1780315500 /* 12:05:00 */, 1780315510, 1780315520);
	FIRINGS("UTC", "30 0 9 * * *", 1780315500 /* 2026-06-01T12:05 */,
	    1780390830 /* 06-02T09:00:30 */, 1780477230 /* 06-03T09:00:30 */);
	FIRINGS("UTC", "59 59 23 31 12 *", 1780315500,
	    1798761599 /* 2026-12-31T23:59:59 */, 1830297599 /* 2027-12-31T23:59:59 */);
}

static void test_numbers_set_exactly_one_value(void **state)
{
	struct cron c = parse_ok("5 4 3 2 1");
	(void)state;

	assert_true(c.minute == bits(5, 5, 1));
	assert_true(c.hour == bits(4, 4, 1));
	assert_true(c.dom == bits(3, 3, 1));
	assert_true(c.month == bits(2, 2, 1));
	assert_true(c.dow == bits(1, 1, 1));
	assert_false(c.dom_star || c.dow_star || c.hour_star);
}

static void test_range_includes_both_ends(void **state)
{
	struct cron c = parse_ok("10-15 0-23 1-31 6-6 1-5");
	(void)state;

	assert_true(c.minute == bits(10, 15, 1));
	assert_true(c.hour == bits(0, 23, 1));
	assert_false(c.hour_star);     /* 0-23 is all hours, but not a "*" */
	assert_true(c.month == bits(6, 6, 1));
	assert_true(c.dow == bits(1, 5, 1));
}

static void test_star_step_fires_every_nth_value_from_the_minimum(void **state)
{
	struct cron c = parse_ok("*/15 */7 */10 */5 */2");
	(void)state;

	assert_true(c.minute == (bits(0, 0, 1) | bits(15, 15, 1) | bits(30, 30, 1) | bits(45, 45, 1)));
	assert_true(c.hour == bits(0, 21, 7));
	assert_true(c.dom == bits(1, 31, 10));
	assert_true(c.month == bits(1, 11, 5));
	assert_true(c.dow == bits(0, 6, 2));   /* 0,2,4,6 — and 8 does not exist */
	assert_true(c.hour_star && c.dom_star && c.dow_star);
}

static void test_step_in_range_fires_every_second_value(void **state)
{
	struct cron c = parse_ok("10-20/2 * * * *");
	(void)state;

	assert_true(c.minute == bits(10, 20, 2));
}

static void test_value_with_step_runs_to_the_field_maximum(void **state)
{
	struct cron c = parse_ok("50/3 20/2 25/2 10/1 5/1");
	(void)state;

	assert_true(c.minute == bits(50, 59, 3));   /* 50 53 56 59 */
	assert_true(c.hour == bits(20, 23, 2));     /* 20 22 */
	assert_true(c.dom == bits(25, 31, 2));      /* 25 27 29 31 */
	assert_true(c.month == bits(10, 12, 1));
	assert_true(c.dow == (bits(5, 6, 1) | 1));  /* 5 6 and 7 = Sunday */
}

static void test_list_combines_numbers_ranges_and_steps(void **state)
{
	struct cron c = parse_ok("1,5,10-20/2 0,12 1,15,31 1,6-8 0,3");
	(void)state;

	assert_true(c.minute == (bits(1, 1, 1) | bits(5, 5, 1) | bits(10, 20, 2)));
	assert_true(c.hour == (bits(0, 0, 1) | bits(12, 12, 1)));
	assert_true(c.dom == (bits(1, 1, 1) | bits(15, 15, 1) | bits(31, 31, 1)));
	assert_true(c.month == (bits(1, 1, 1) | bits(6, 8, 1)));
	assert_true(c.dow == (bits(0, 0, 1) | bits(3, 3, 1)));
}

static void test_month_names_are_case_insensitive_and_make_ranges(void **state)
{
	struct cron c = parse_ok("0 0 1 JAN,feb,Mar-May,oct-DEC/2 *");
	(void)state;

	assert_true(c.month == (bits(1, 5, 1) | bits(10, 12, 2)));
	/* Names fire like numbers: January and July 1st. */
	FIRINGS("UTC", "0 0 1 jul,JAN *", 1769904000 /* 2026-02-01 */,
	    1782864000 /* 2026-07-01 */, 1798761600 /* 2027-01-01 */);
}

static void test_weekday_names_are_case_insensitive_and_make_ranges(void **state)
{
	struct cron c = parse_ok("0 0 * * sun,Sat");
	(void)state;

	assert_true(c.dow == (bits(0, 0, 1) | bits(6, 6, 1)));
	c = parse_ok("0 0 * * MON-5");
	assert_true(c.dow == bits(1, 5, 1));
	/* From Saturday 2026-06-06, weekdays at 09:00 start on Monday. */
	FIRINGS("UTC", "0 9 * * mon-FRI", 1780704000 /* Sat 2026-06-06 */,
	    1780909200 /* Mon 2026-06-08T09:00 */, 1780995600 /* Tue 09:00 */);
}

static void test_seven_is_sunday_like_zero(void **state)
{
	(void)state;

	assert_true(parse_ok("0 0 * * 7").dow == bits(0, 0, 1));
	assert_true(parse_ok("0 0 * * 5-7").dow == (bits(5, 6, 1) | 1));
	assert_true(parse_ok("0 0 * * 0,7").dow == bits(0, 0, 1));
	FIRINGS("UTC", "0 12 * * 7", 1780444800 /* Wed 2026-06-03 */,
	    1780833600 /* Sun 2026-06-07T12:00 */);
}

static void test_steps_and_hours_fire_in_order_within_a_day(void **state)
{
	(void)state;
	FIRINGS("UTC", "*/20 9-17/4 * * *", 1780704000 /* 2026-06-06 00:00, any day */,
	    1780736400 /* 06-06 09:00 */, 1780737600 /* 09:20 */, 1780738800 /* 09:40 */,
	    1780750800 /* 13:00 */, 1780752000 /* 13:20 */, 1780753200 /* 13:40 */,
	    1780765200 /* 17:00 */, 1780766400 /* 17:20 */, 1780767600 /* 17:40 */,
	    1780822800 /* 06-07 09:00 */);
}

static void assert_same_cron(struct cron a, struct cron b)
{
	assert_true(a.minute == b.minute);
	assert_true(a.hour == b.hour);
	assert_true(a.dom == b.dom);
	assert_true(a.month == b.month);
	assert_true(a.dow == b.dow);
	assert_true(a.dom_star == b.dom_star);
	assert_true(a.dow_star == b.dow_star);
	assert_true(a.hour_star == b.hour_star);
}

static void test_macros_are_their_five_field_expressions(void **state)
{
	static const char *const pairs[][2] = {
		{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" },
		{ "@monthly", "0 0 1 * *" }, { "@weekly", "0 0 * * 0" },
		{ "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
		{ "@hourly", "0 * * * *" }, { "  @Daily\t ", "0 0 * * *" },
		{ "@HOURLY", "0 * * * *" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		assert_same_cron(parse_ok(pairs[i][0]), parse_ok(pairs[i][1]));
	FIRINGS("UTC", "@hourly", 1780489800 /* Wed 2026-06-03T12:30 */, 1780491600 /* 13:00 */);
	FIRINGS("UTC", "@daily", 1780489800, 1780531200 /* 06-04 */);
	FIRINGS("UTC", "@weekly", 1780489800, 1780790400 /* Sun 06-07 */);
	FIRINGS("UTC", "@monthly", 1780489800, 1782864000 /* 07-01 */);
	FIRINGS("UTC", "@yearly", 1780489800, 1798761600 /* 2027-01-01 */);
}

static void test_blanks_and_tabs_around_and_between_fields_are_fine(void **state)
{
	(void)state;
	assert_same_cron(parse_ok("  0\t0   *  * \t*  "), parse_ok("0 0 * * *"));
}

/* ---- refusals ---- */

static void test_wrong_field_counts_are_refused(void **state)
{
	(void)state;
	assert_refused("", "expected 5 fields (6 with seconds first), got 0");
	assert_refused(NULL, "expected 5 fields (6 with seconds first), got 0");
	assert_refused("   ", "expected 5 fields (6 with seconds first), got 0");
	assert_refused("* * * *", "expected 5 fields (6 with seconds first), got 4");
	assert_refused("* * * * * * *", "expected 5 fields (6 with seconds first), got 7");
	/* A year on the end reads as six fields, and is caught there. */
	assert_refused("0 0 * * * 2026", "day-of-week field: 2026 is out of range 0-7");
}

static void test_values_out_of_range_are_refused_naming_the_field(void **state)
{
	(void)state;
	assert_refused("61 * * * *", "minute field: 61 is out of range 0-59");
	assert_refused("60 * * * * *", "second field: 60 is out of range 0-59");
	assert_refused("0 60 * * * *", "minute field: 60 is out of range 0-59");
	assert_refused("60 * * * *", "minute field: 60 is out of range 0-59");
	assert_refused("* 24 * * *", "hour field: 24 is out of range 0-23");
	assert_refused("* * 0 * *", "day-of-month field: 0 is out of range 1-31");
	assert_refused("* * 32 * *", "day-of-month field: 32 is out of range 1-31");
	assert_refused("* * * 0 *", "month field: 0 is out of range 1-12");
	assert_refused("* * * 13 *", "month field: 13 is out of range 1-12");
	assert_refused("* * * * 8", "day-of-week field: 8 is out of range 0-7");
	assert_refused("1-70 * * * *", "minute field: 70 is out of range 0-59");
	assert_refused("99999999999 * * * *", "minute field: 99999999999 is out of range 0-59");
}

static void test_reversed_ranges_are_refused(void **state)
{
	(void)state;
	assert_refused("* * 20-10 * *", "day-of-month field: range 20-10 is reversed");
	assert_refused("* * * * FRI-MON", "day-of-week field: range FRI-MON is reversed");
	assert_refused("* * * * 7-0", "day-of-week field: range 7-0 is reversed");
	assert_refused("* * * DEC-JAN *", "month field: range DEC-JAN is reversed");
}

static void test_bad_steps_are_refused(void **state)
{
	(void)state;
	assert_refused("* */0 * * *", "hour field: step must be at least 1");
	assert_refused("*/0 * * * * *", "second field: step must be at least 1");
	assert_refused("1-5/0 * * * *", "minute field: step must be at least 1");
	assert_refused("*/61 * * * *", "minute field: step 61 is out of range 1-60");
	assert_refused("* * * */13 *", "month field: step 13 is out of range 1-12");
	assert_refused("*/ * * * *", "minute field: missing step after \"/\" in \"*/\"");
	assert_refused("*/x * * * *", "minute field: missing step after \"/\" in \"*/x\"");
}

static void test_empty_list_items_are_refused(void **state)
{
	(void)state;
	assert_refused("1,,2 * * * *", "minute field: empty list item");
	assert_refused("1, * * * *", "minute field: empty list item");
	assert_refused("* ,1 * * *", "hour field: empty list item");
}

static void test_junk_and_unsupported_syntax_are_refused(void **state)
{
	(void)state;
	assert_refused("5x * * * *", "minute field: unexpected \"x\" in \"5x\"");
	assert_refused("1-2-3 * * * *", "minute field: unexpected \"-3\" in \"1-2-3\"");
	assert_refused("*-5 * * * *", "minute field: unexpected \"-5\" in \"*-5\"");
	assert_refused("-5 * * * *", "minute field: unexpected \"-5\"");
	assert_refused("* * ? * *", "day-of-month field: unexpected \"?\"");
	assert_refused("* * L * *", "day-of-month field: \"L\" is not a number");
	assert_refused("* * 15W * *", "day-of-month field: unexpected \"W\" in \"15W\"");
	assert_refused("* * * * 5#2", "day-of-week field: unexpected \"#2\" in \"5#2\"");
	assert_refused("* * * * 5L", "day-of-week field: unexpected \"L\" in \"5L\"");
	assert_refused("MON * * * *", "minute field: \"MON\" is not a number");
	assert_refused("* * * JANUARY *", "month field: \"JANUARY\" is not a month name");
	assert_refused("* * * MON *", "month field: \"MON\" is not a month name");
	assert_refused("* * * * FOO", "day-of-week field: \"FOO\" is not a weekday name");
	assert_refused("* * * * \x01", "day-of-week field: unexpected \"?\"");
}

static void test_reboot_and_unknown_macros_are_refused(void **state)
{
	(void)state;
	assert_refused("@reboot",
	    "@reboot is not supported: schedules fire at times, not at start-up");
	assert_refused("@fortnightly", "unknown macro \"@fortnightly\"");
	assert_refused("@", "unknown macro \"@\"");
	assert_refused("@daily 5", "unexpected \"5\" after @daily");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_star_matches_every_value_of_every_field),
		cmocka_unit_test(test_six_fields_put_seconds_in_front),
		cmocka_unit_test(test_numbers_set_exactly_one_value),
		cmocka_unit_test(test_range_includes_both_ends),
		cmocka_unit_test(test_star_step_fires_every_nth_value_from_the_minimum),
		cmocka_unit_test(test_step_in_range_fires_every_second_value),
		cmocka_unit_test(test_value_with_step_runs_to_the_field_maximum),
		cmocka_unit_test(test_list_combines_numbers_ranges_and_steps),
		cmocka_unit_test(test_month_names_are_case_insensitive_and_make_ranges),
		cmocka_unit_test(test_weekday_names_are_case_insensitive_and_make_ranges),
		cmocka_unit_test(test_seven_is_sunday_like_zero),
		cmocka_unit_test(test_steps_and_hours_fire_in_order_within_a_day),
		cmocka_unit_test(test_macros_are_their_five_field_expressions),
		cmocka_unit_test(test_blanks_and_tabs_around_and_between_fields_are_fine),
		cmocka_unit_test(test_wrong_field_counts_are_refused),
		cmocka_unit_test(test_values_out_of_range_are_refused_naming_the_field),
		cmocka_unit_test(test_reversed_ranges_are_refused),
		cmocka_unit_test(test_bad_steps_are_refused),
		cmocka_unit_test(test_empty_list_items_are_refused),
		cmocka_unit_test(test_junk_and_unsupported_syntax_are_refused),
		cmocka_unit_test(test_reboot_and_unknown_macros_are_refused),
	};
	return cmocka_run_group_tests_name("cron_parse", tests, NULL, NULL);
}
