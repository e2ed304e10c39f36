/*
 * test_cron.c — server/time/cron.c: the day-of-month/day-of-week rule, calendar
 * edges (Feb 29, day 31, year ends), "strictly after" to the minute and
 * the second, the search's limits and speed, and the DST rules of cron.h in
 * America/New_York, Europe/Berlin, Australia/Lord_Howe, Asia/Kolkata and
 * Asia/Kathmandu, today and in 2050 (past the files' last transitions).
 * Syntax and refusals are test_cron_parse.c's.
 *
 * Every expected instant was computed outside this code, with Python's
 * datetime/zoneinfo, and is written next to its meaning. Zone tests read
 * the system zoneinfo (/usr/share/zoneinfo).
 */
#include "testutil.h"

#include <time.h>

#include "testutil_cron.h"

#define PERF_CALLS 10000
#define PERF_BUDGET_S 5.0           /* ~0.5 µs a call natively; generous for valgrind */

/* ---- which days ---- */

static void test_day_of_month_and_weekday_both_restricted_fire_when_either_matches(void **state)
{
	(void)state;
	/* Every Friday and every 13th: Friday 13 Feb fires once. */
	FIRINGS("UTC", "0 0 13 * 5", 1767225600 /* 2026-01-01 */,
	    1767312000 /* Fri 01-02 */, 1767916800 /* Fri 01-09 */, 1768262400 /* Tue 01-13 */,
	    1768521600 /* Fri 01-16 */, 1769126400 /* 01-23 */, 1769731200 /* 01-30 */,
	    1770336000 /* 02-06 */, 1770940800 /* Fri 02-13 */, 1771545600 /* 02-20 */);
}

static void test_day_of_month_alone_fires_whatever_the_weekday(void **state)
{
	(void)state;
	FIRINGS("UTC", "0 0 13 * *", 1767225600 /* 2026-01-01 */,
	    1768262400 /* 01-13 */, 1770940800 /* 02-13 */, 1773360000 /* 03-13 */);
}

static void test_weekday_alone_fires_every_such_weekday(void **state)
{
	(void)state;
	FIRINGS("UTC", "0 0 * * 5", 1767225600 /* 2026-01-01 */,
	    1767312000 /* 01-02 */, 1767916800 /* 01-09 */, 1768521600 /* 01-16 */);
}

static void test_star_step_day_field_keeps_both_fields_required(void **state)
{
	(void)state;
	/* "*\/2" starts with "*": odd days that are also Fridays. */
	FIRINGS("UTC", "0 0 */2 * 5", 1767225600 /* 2026-01-01 */,
	    1767916800 /* Fri 01-09 */, 1769126400 /* Fri 01-23 */, 1770940800 /* Fri 02-13 */);
}

static void test_february_29_fires_only_in_leap_years(void **state)
{
	(void)state;
	FIRINGS("UTC", "0 0 29 2 *", 1735689600 /* 2025-01-01 */,
	    1835395200 /* 2028-02-29 */, 1961625600 /* 2032-02-29 */);
}

static void test_february_29_after_2096_is_found_in_2104_across_2100(void **state)
{
	struct cron c = parse_ok("0 0 29 2 *");
	struct tz *tz = zone("UTC");
	char err[ERR_LEN] = "";
	int64_t next = 0;
	(void)state;

	/* 2100 is no leap year: the longest wait there is, eight years. */
	FIRINGS("UTC", "0 0 29 2 *", 3981312000 /* 2096-02-29, itself excluded */,
	    4233686400 /* 2104-02-29 */);
	FIRINGS("Europe/Berlin", "0 0 29 2 *", 3981308400 /* 2096-02-29 00:00 CET */,
	    4233682800 /* 2104-02-28T23:00Z = 02-29 00:00 CET */);
	/* Rarer than that is refused: a Sunday Feb 29 ("*" day-of-week makes
	 * both day fields required) comes in 2032, then 2060. */
	c = parse_ok("0 0 29 2 */7");
	assert_int_equal(cron_next(&c, tz, 1956528000 /* 2032-01-01 */, &next, err), 0);
	assert_int_equal(next, 1961625600 /* 2032-02-29 */);
	assert_int_equal(cron_next(&c, tz, next, &next, err), -1);
	assert_string_equal(err, "cron expression does not fire within 8 years");
	tz_free(tz);
}

static void test_day_31_skips_months_without_one(void **state)
{
	(void)state;
	FIRINGS("UTC", "0 0 31 * *", 1769817600 /* 2026-01-31, itself excluded */,
	    1774915200 /* 03-31 */, 1780185600 /* 05-31 */, 1785456000 /* 07-31 */,
	    1788134400 /* 08-31 */, 1793404800 /* 10-31 */, 1798675200 /* 12-31 */,
	    1801353600 /* 2027-01-31 */);
}

static void test_february_30_never_fires(void **state)
{
	struct cron c = parse_ok("0 0 30 2 *");
	struct tz *tz = zone("UTC");
	char err[ERR_LEN] = "";
	int64_t next = 0;
	(void)state;

	assert_int_equal(cron_next(&c, tz, 1767225600, &next, err), -1);
	assert_string_equal(err, "cron expression does not fire within 8 years");
	c = parse_ok("0 0 31 4,6,9,11 *");
	assert_int_equal(cron_next(&c, tz, 1767225600, &next, err), -1);
	tz_free(tz);
}

static void test_year_rolls_over_into_january(void **state)
{
	(void)state;
	FIRINGS("UTC", "0 0 1 1 *", 1798761599 /* 2026-12-31T23:59:59 */,
	    1798761600 /* 2027-01-01T00:00 */);
	FIRINGS("UTC", "59 23 31 12 *", 1798761540 /* 2026-12-31T23:59, itself */,
	    1830297540 /* 2027-12-31T23:59 */);
}

static void test_next_is_strictly_after_to_the_minute(void **state)
{
	(void)state;
	FIRINGS("UTC", "*/5 * * * *", 1780315499 /* 2026-06-01T12:04:59 */, 1780315500 /* 12:05 */);
	FIRINGS("UTC", "*/5 * * * *", 1780315500 /* 12:05:00, a firing */, 1780315800 /* 12:10 */);
	FIRINGS("UTC", "*/5 * * * *", 1780315501 /* 12:05:01 */, 1780315800 /* 12:10 */);
	FIRINGS("UTC", "* * * * *", 1780315500, 1780315560, 1780315620);
	FIRINGS("UTC", "* * * * * *", 1780315500, 1780315501, 1780315502);
}

static void test_times_outside_years_1_to_9999_are_refused(void **state)
{
	struct cron c = parse_ok("* * * * *");
	struct tz *tz = zone("UTC");
	char err[ERR_LEN] = "";
	int64_t next;
	(void)state;

	assert_int_equal(cron_next(&c, tz, INT64_MAX, &next, err), -1);
	tu_assert_contains(err, "is outside years 1-9999");
	assert_int_equal(cron_next(&c, tz, INT64_MIN, &next, err), -1);
	/* 1999-12-31T23:59:59 and before 1970 are fine. */
	assert_int_equal(cron_next(&c, tz, 946684799, &next, err), 0);
	assert_int_equal(next, 946684800);
	assert_int_equal(cron_next(&c, tz, -1, &next, err), 0);
	assert_int_equal(next, 0);
	tz_free(tz);
}

static void test_unparsed_struct_is_refused(void **state)
{
	struct cron c = { 0 };
	struct tz *tz = zone("UTC");
	char err[ERR_LEN] = "";
	int64_t next;
	(void)state;

	assert_int_equal(cron_next(&c, tz, 0, &next, err), -1);
	assert_string_equal(err, "cron expression was not parsed");
	tz_free(tz);
}

static void test_search_takes_microseconds_not_a_minute_by_minute_walk(void **state)
{
	struct cron yearly = parse_ok("0 0 29 2 *"), never = parse_ok("0 0 30 2 *");
	struct tz *tz = zone("Europe/Berlin");
	char err[ERR_LEN];
	struct timespec a, b;
	int64_t next;
	double took;
	(void)state;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < PERF_CALLS; i++) {
		assert_int_equal(cron_next(&yearly, tz, 1767225600 + (int64_t)i * 3600, &next, err), 0);
		assert_int_equal(cron_next(&never, tz, 1767225600 + (int64_t)i * 3600, &next, err), -1);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	if (took > PERF_BUDGET_S)
		fail_msg("%d year-long searches took %.2f s", 2 * PERF_CALLS, took);
	tz_free(tz);
}

/* ---- daylight saving time ---- */

static void test_berlin_spring_forward_fixed_hour_in_the_gap_fires_at_the_transition(void **state)
{
	(void)state;
	/* 2026-03-29 02:00 CET jumps to 03:00 CEST at 01:00Z; 02:30 never exists. */
	FIRINGS("Europe/Berlin", "30 2 * * *", 1774699200 /* 03-28T12:00Z */,
	    1774746000 /* 03-29T01:00Z = 03:00 CEST */, 1774830600 /* 03-30T00:30Z = 02:30 CEST */);
	/* Four missing times still fire once. */
	FIRINGS("Europe/Berlin", "*/15 2 * * *", 1774699200,
	    1774746000 /* 03-29T01:00Z */, 1774828800 /* 03-30T00:00Z = 02:00 CEST */);
}

static void test_berlin_spring_forward_wildcard_hour_follows_real_time(void **state)
{
	(void)state;
	FIRINGS("Europe/Berlin", "*/15 * * * *", 1774745100 /* 00:45Z = 01:45 CET */,
	    1774746000 /* 01:00Z = 03:00 CEST */, 1774746900 /* 01:15Z = 03:15 CEST */);
	/* 02:30 does not happen, and nothing is made up for it. */
	FIRINGS("Europe/Berlin", "30 * * * *", 1774742400 /* 03-29T00:00Z */,
	    1774744200 /* 00:30Z = 01:30 CET */, 1774747800 /* 01:30Z = 03:30 CEST */);
}

static void test_berlin_fall_back_fixed_hour_fires_at_the_first_occurrence_only(void **state)
{
	(void)state;
	/* 2026-10-25 03:00 CEST falls back to 02:00 CET at 01:00Z. */
	FIRINGS("Europe/Berlin", "30 2 * * *", 1792843200 /* 10-24T12:00Z */,
	    1792888200 /* 10-25T00:30Z = 02:30 CEST */, 1792978200 /* 10-26T01:30Z = 02:30 CET */);
	/* From inside the repeated hour, its first pass already happened. */
	FIRINGS("Europe/Berlin", "45 2 * * *", 1792891800 /* 01:30Z = second 02:30 */,
	    1792978200 + 900 /* 10-26T01:45Z */);
}

static void test_seconds_follow_the_same_dst_rules(void **state)
{
	(void)state;
	/* 02:30:15 does not exist on 2026-03-29 in Berlin. */
	FIRINGS("Europe/Berlin", "15 30 2 * * *", 1774699200 /* 03-28T12:00Z */,
	    1774746000 /* 03-29T01:00Z, the transition */);
	/* Every 20 real seconds across the fall-back instant 2026-10-25T01:00Z. */
	FIRINGS("Europe/Berlin", "*/20 * * * * *", 1792889970 /* 00:59:30Z = 02:59:30 CEST */,
	    1792889980 /* 02:59:40 CEST */, 1792890000 /* 02:00:00 CET */, 1792890020);
	/* A fixed hour skips the whole repeated hour, seconds and all. */
	FIRINGS("Europe/Berlin", "*/20 * 2 * * *", 1792889970,
	    1792889980 /* 02:59:40 CEST */, 1792976400 /* 10-26T01:00Z = 02:00 CET */);
}

static void test_berlin_fall_back_wildcard_hour_fires_at_both_occurrences(void **state)
{
	(void)state;
	FIRINGS("Europe/Berlin", "30 * * * *", 1792882800 /* 10-24T23:00Z */,
	    1792884600 /* 23:30Z = 01:30 CEST */, 1792888200 /* 00:30Z = 02:30 CEST */,
	    1792891800 /* 01:30Z = 02:30 CET */, 1792895400 /* 02:30Z = 03:30 CET */);
	/* Every 15 real minutes straight through the repeated hour. */
	FIRINGS("Europe/Berlin", "*/15 * * * *", 1792886400 - 1 /* just before 00:00Z */,
	    1792886400, 1792887300, 1792888200, 1792889100, /* 02:00-02:45 CEST */
	    1792890000, 1792890900, 1792891800, 1792892700, /* 02:00-02:45 CET */
	    1792893600 /* 03:00 CET */);
}

static void test_new_york_spring_forward_fixed_and_wildcard_hours(void **state)
{
	(void)state;
	/* 2026-03-08 02:00 EST jumps to 03:00 EDT at 07:00Z. */
	FIRINGS("America/New_York", "30 2 * * *", 1772884800 /* 03-07T12:00Z */,
	    1772953200 /* 03-08T07:00Z = 03:00 EDT */, 1773037800 /* 03-09T06:30Z = 02:30 EDT */);
	FIRINGS("America/New_York", "30 * * * *", 1772949600 /* 03-08T06:00Z */,
	    1772951400 /* 06:30Z = 01:30 EST */, 1772955000 /* 07:30Z = 03:30 EDT */);
}

static void test_new_york_fall_back_fixed_and_wildcard_hours(void **state)
{
	(void)state;
	/* 2026-11-01 02:00 EDT falls back to 01:00 EST at 06:00Z. */
	FIRINGS("America/New_York", "30 1 * * *", 1793448000 /* 10-31T12:00Z */,
	    1793511000 /* 11-01T05:30Z = 01:30 EDT */, 1793601000 /* 11-02T06:30Z = 01:30 EST */);
	FIRINGS("America/New_York", "30 * * * *", 1793509200 /* 11-01T05:00Z */,
	    1793511000 /* 05:30Z = 01:30 EDT */, 1793514600 /* 06:30Z = 01:30 EST */,
	    1793518200 /* 07:30Z = 02:30 EST */);
}

static void test_lord_howe_half_hour_shifts(void **state)
{
	(void)state;
	/* 2026-10-04 02:00 +10:30 jumps to 02:30 +11 at 10-03T15:30Z. */
	FIRINGS("Australia/Lord_Howe", "15 2 * * *", 1791028800 /* 10-03T12:00Z */,
	    1791041400 /* 15:30Z = 02:30 +11 */, 1791126900 /* 10-04T15:15Z = 10-05 02:15 +11 */);
	FIRINGS("Australia/Lord_Howe", "45 2 * * *", 1791028800,
	    1791042300 /* 15:45Z = 02:45 +11, exists */);
	/* 2026-04-05 02:00 +11 falls back to 01:30 +10:30 at 04-04T15:00Z. */
	FIRINGS("Australia/Lord_Howe", "45 1 * * *", 1775304000 /* 04-04T12:00Z */,
	    1775313900 /* 14:45Z = first 01:45 */, 1775402100 /* 04-05T15:15Z = 04-06 01:45 */);
	FIRINGS("Australia/Lord_Howe", "45 * * * *", 1775304000,
	    1775306700 /* 12:45Z = 23:45 +11 */, 1775310300, 1775313900 /* first 01:45 */,
	    1775315700 /* 15:15Z = second 01:45 */, 1775319300 /* 02:45 +10:30 */);
}

static void test_kolkata_and_kathmandu_offsets_off_the_hour(void **state)
{
	(void)state;
	FIRINGS("Asia/Kolkata", "0 9 * * *", 1780228800 /* 05-31T12:00Z */,
	    1780284600 /* 06-01T03:30Z = 09:00 IST */);
	/* Every hour at :30 IST is on the hour in UTC. */
	FIRINGS("Asia/Kolkata", "30 * * * *", 1780228800, 1780232400, 1780236000);
	FIRINGS("Asia/Kathmandu", "0 0 * * *", 1780228800,
	    1780251300 /* 05-31T18:15Z = 06-01 00:00 +05:45 */);
}

static void test_far_future_dst_follows_the_footer_rule(void **state)
{
	(void)state;
	/* 2050 is past the last transition stored in any zone file. */
	FIRINGS("Europe/Berlin", "30 2 * * *", 2531908800 /* 2050-03-26T12:00Z */,
	    2531955600 /* 03-27T01:00Z, the transition */, 2532040200 /* 03-28T00:30Z */);
	FIRINGS("Europe/Berlin", "30 2 * * *", 2550657600 /* 2050-10-29T12:00Z */,
	    2550702600 /* 10-30T00:30Z = 02:30 CEST */, 2550792600 /* 10-31T01:30Z = 02:30 CET */);
	FIRINGS("America/New_York", "30 2 * * *", 2530699200 /* 2050-03-12T12:00Z */,
	    2530767600 /* 03-13T07:00Z, the transition */);
}

static void test_utc_has_no_gaps_or_repeats(void **state)
{
	(void)state;
	/* Berlin's transition days are plain days in UTC. */
	FIRINGS("UTC", "30 2 * * *", 1774699200 /* 2026-03-28T12:00Z */,
	    1774751400 /* 03-29T02:30Z */);
	FIRINGS("Etc/UTC", "30 2 * * *", 1792843200 /* 2026-10-24T12:00Z */,
	    1792895400 /* 10-25T02:30Z */, 1792981800 /* 10-26T02:30Z */);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_day_of_month_and_weekday_both_restricted_fire_when_either_matches),
		cmocka_unit_test(test_day_of_month_alone_fires_whatever_the_weekday),
		cmocka_unit_test(test_weekday_alone_fires_every_such_weekday),
		cmocka_unit_test(test_star_step_day_field_keeps_both_fields_required),
		cmocka_unit_test(test_february_29_fires_only_in_leap_years),
		cmocka_unit_test(test_february_29_after_2096_is_found_in_2104_across_2100),
		cmocka_unit_test(test_day_31_skips_months_without_one),
		cmocka_unit_test(test_february_30_never_fires),
		cmocka_unit_test(test_year_rolls_over_into_january),
		cmocka_unit_test(test_next_is_strictly_after_to_the_minute),
		cmocka_unit_test(test_times_outside_years_1_to_9999_are_refused),
		cmocka_unit_test(test_unparsed_struct_is_refused),
		cmocka_unit_test(test_search_takes_microseconds_not_a_minute_by_minute_walk),
		cmocka_unit_test(test_berlin_spring_forward_fixed_hour_in_the_gap_fires_at_the_transition),
		cmocka_unit_test(test_berlin_spring_forward_wildcard_hour_follows_real_time),
		cmocka_unit_test(test_berlin_fall_back_fixed_hour_fires_at_the_first_occurrence_only),
		cmocka_unit_test(test_berlin_fall_back_wildcard_hour_fires_at_both_occurrences),
		cmocka_unit_test(test_seconds_follow_the_same_dst_rules),
		cmocka_unit_test(test_new_york_spring_forward_fixed_and_wildcard_hours),
		cmocka_unit_test(test_new_york_fall_back_fixed_and_wildcard_hours),
		cmocka_unit_test(test_lord_howe_half_hour_shifts),
		cmocka_unit_test(test_kolkata_and_kathmandu_offsets_off_the_hour),
		cmocka_unit_test(test_far_future_dst_follows_the_footer_rule),
		cmocka_unit_test(test_utc_has_no_gaps_or_repeats),
	};
	return cmocka_run_group_tests_name("cron", tests, NULL, NULL);
}
