/*
 * test_tz_rule.c — server/time/tz_rule.c, called directly (tz_internal.h): each
 * POSIX TZ rule form (Mm.w.d with week 5, Jn, zero-based n, negative and
 * over-24-hour times, DST across the new year, DST all year, no DST, no
 * dates at all), rules that are refused, instants beyond the calendar
 * clamp, and the calendar helpers. test_tz.c covers the same rules as they
 * arrive in real and built TZif files.
 *
 * Expected instants come from Python's zoneinfo for the zones whose footer
 * each rule is, and for the Jn/n forms from glibc's TZ parsing
 * (`TZ=... date -d @t`), since Python counts the zero-based form one day
 * early. DST all year ("0/0,J365/25") follows RFC 8536 §3.3.1, as Python
 * does (glibc predates it).
 */
#include "testutil.h"

#include "time/tz_internal.h"

static struct tz_rule rule(const char *text)
{
	struct tz_rule r;

	if (tz_rule_parse(text, &r) < 0)
		fail_msg("tz_rule_parse \"%s\" refused it", text);
	return r;
}

static int offset_at(const struct tz_rule *r, int64_t t)
{
	struct tz_span s;

	tz_rule_span(r, t, &s);
	return s.offset;
}

/* Offsets one second before and at a transition. */
static void assert_jump(const struct tz_rule *r, int64_t at, int before, int after)
{
	if (offset_at(r, at - 1) != before || offset_at(r, at) != after)
		fail_msg("at %lld: %d -> %d, want %d -> %d", (long long)at, offset_at(r, at - 1),
		    offset_at(r, at), before, after);
}

static void assert_span(const struct tz_rule *r, int64_t t, int64_t start, int64_t end,
    int offset, int prev_offset)
{
	struct tz_span s;

	tz_rule_span(r, t, &s);
	if (s.start != start || s.end != end || s.offset != offset || s.prev_offset != prev_offset)
		fail_msg("span at %lld: [%lld, %lld) %d prev %d; want [%lld, %lld) %d prev %d",
		    (long long)t, (long long)s.start, (long long)s.end, s.offset, s.prev_offset,
		    (long long)start, (long long)end, offset, prev_offset);
}

/* ---- rule forms ---- */

static void test_month_week_day_rules_take_week_5_as_the_last(void **state)
{
	struct tz_rule r = rule("CET-1CEST,M3.5.0,M10.5.0/3");     /* Europe/Berlin */
	(void)state;

	assert_true(r.has_dst);
	assert_int_equal(r.std_off, 3600);
	assert_int_equal(r.dst_off, 7200);
	assert_jump(&r, 1774746000 /* 2026-03-29T01:00Z */, 3600, 7200);
	assert_jump(&r, 1792890000 /* 2026-10-25T01:00Z */, 7200, 3600);
	assert_span(&r, 1784073600 /* 2026-07-15 */, 1774746000, 1792890000, 7200, 3600);
	assert_span(&r, 1792890000, 1792890000, 1806195600 /* 2027-03-28T01:00Z */, 3600, 7200);
}

static void test_negative_and_over_24_hour_times_move_the_day(void **state)
{
	struct tz_rule r = rule("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");   /* America/Nuuk */
	(void)state;

	/* Last Sunday of March at -1:00, i.e. Saturday 23:00. */
	assert_jump(&r, 2531955600 /* 2050-03-27T01:00Z */, -7200, -3600);
	assert_jump(&r, 2550704400 /* 2050-10-30T01:00Z */, -3600, -7200);
	r = rule("IST-2IDT,M3.4.4/26,M10.5.0");                   /* Asia/Jerusalem */
	/* Fourth Thursday of March at 26:00, i.e. Friday 02:00. */
	assert_jump(&r, 2531779200 /* 2050-03-25T00:00Z */, 7200, 10800);
	assert_jump(&r, 2550697200 /* 2050-10-29T23:00Z */, 10800, 7200);
}

static void test_dst_across_the_new_year_and_by_half_an_hour(void **state)
{
	struct tz_rule r = rule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"); /* Australia/Lord_Howe */
	(void)state;

	assert_jump(&r, 1775314800 /* 2026-04-04T15:00Z */, 39600, 37800);
	assert_jump(&r, 1791041400 /* 2026-10-03T15:30Z */, 37800, 39600);
	/* December is summer: the span runs into next April. */
	assert_span(&r, 1796083200 /* 2026-12-01 */, 1791041400,
	    1806764400 /* 2027-04-03T15:00Z */, 39600, 37800);
}

static void test_julian_day_rules_never_count_february_29(void **state)
{
	struct tz_rule r = rule("AAA-1BBB,J60/2,J300/3");
	(void)state;

	/* J60 is March 1 and J300 October 27, leap year or not. */
	assert_jump(&r, 1803862800 /* 2027-03-01T01:00Z */, 3600, 7200);
	assert_jump(&r, 1824598800 /* 2027-10-27T01:00Z */, 7200, 3600);
	assert_int_equal(offset_at(&r, 1835398800 /* 2028-02-29T01:00Z */), 3600);
	assert_jump(&r, 1835485200 /* 2028-03-01T01:00Z */, 3600, 7200);
	assert_jump(&r, 1856221200 /* 2028-10-27T01:00Z */, 7200, 3600);
}

static void test_zero_based_day_rules_count_february_29(void **state)
{
	struct tz_rule r = rule("AAA-1BBB,59/2,299/3");
	(void)state;

	/* Day 59 is March 1, or February 29 in a leap year. */
	assert_jump(&r, 1803862800 /* 2027-03-01T01:00Z */, 3600, 7200);
	assert_jump(&r, 1824598800 /* 2027-10-27T01:00Z */, 7200, 3600);
	assert_jump(&r, 1835398800 /* 2028-02-29T01:00Z */, 3600, 7200);
	assert_jump(&r, 1856134800 /* 2028-10-26T01:00Z */, 7200, 3600);
}

static void test_dst_all_year_rule_never_changes_the_offset(void **state)
{
	struct tz_rule r = rule("EST5EDT,0/0,J365/25");
	static const int64_t times[] = {
		1893456000 /* 2030-01-01 */, 1906502400 /* 2030-06-01 */,
		1924988400 /* 2030-12-31T23:00Z */, 1925008200 /* 2031-01-01T04:30Z */,
		-315619200 /* 1960-01-01 */,
	};
	(void)state;

	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		assert_span(&r, times[i], INT64_MIN, INT64_MAX, -14400, -14400);
}

static void test_rule_without_dst_is_a_fixed_offset(void **state)
{
	struct tz_rule r = rule("<+0530>-5:30");
	(void)state;

	assert_false(r.has_dst);
	assert_span(&r, 0, INT64_MIN, INT64_MAX, 19800, 19800);
	assert_span(&r, 2537654400 /* 2050-06-01 */, INT64_MIN, INT64_MAX, 19800, 19800);
}

static void test_rule_without_dates_follows_the_us_rules(void **state)
{
	struct tz_rule r = rule("EST5EDT");     /* as tzcode does; dst is std + 1 h */
	(void)state;

	assert_int_equal(r.dst_off, -14400);
	assert_jump(&r, 1772953200 /* 2026-03-08T07:00Z */, -18000, -14400);
	assert_jump(&r, 1793512800 /* 2026-11-01T06:00Z */, -14400, -18000);
}

static void test_malformed_rules_are_refused(void **state)
{
	static const char *const bad[] = {
		"", "CE-1", "CET", "CET-25", "CET-1:60", "CET-0001", "<+05", "<+0>5", "CET-1C",
		"CET-1CEST,M13.1.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0",
		"CET-1CEST,M3.5,M10.5.0", "CET-1CEST,J0,J300", "CET-1CEST,J366,J300",
		"CET-1CEST,366,1", "CET-1CEST,M3.5.0/168,M10.5.0", "CET-1CEST,M3.5.0",
		"CET-1CEST,M3.5.0,M10.5.0,", "CET-1CEST,M3.5.0,M10.5.0/3x", "CET-1CEST,,M10.5.0",
	};
	struct tz_rule r;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tz_rule_parse(bad[i], &r) == 0)
			fail_msg("tz_rule_parse \"%s\" accepted it", bad[i]);
}

static void test_instants_beyond_the_calendar_run_to_the_ends_of_time(void **state)
{
	struct tz_rule r = rule("CET-1CEST,M3.5.0,M10.5.0/3");
	struct tz_span s;
	(void)state;

	tz_rule_span(&r, INT64_MAX, &s);
	assert_true(s.end == INT64_MAX && s.start < INT64_MAX);
	assert_true(s.offset == 3600 || s.offset == 7200);
	tz_rule_span(&r, INT64_MIN, &s);
	assert_true(s.start == INT64_MIN && s.end > INT64_MIN);
	assert_int_equal(s.prev_offset, s.offset);
}

/* ---- calendar ---- */

static void test_calendar_helpers_round_trip_and_know_leap_years(void **state)
{
	int64_t y;
	int m, d;
	(void)state;

	assert_int_equal(tz_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(tz_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(tz_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(tz_days_from_civil(1, 1, 1), -719162);
	assert_int_equal(tz_weekday(0), 4);                      /* Thursday */
	assert_int_equal(tz_weekday(-1), 3);
	assert_int_equal(tz_days_in_month(2024, 2), 29);
	assert_int_equal(tz_days_in_month(2100, 2), 28);
	assert_int_equal(tz_days_in_month(2000, 2), 29);
	assert_int_equal(tz_days_in_month(2026, 4), 30);
	assert_int_equal(tz_floor_div(-1, 60), -1);
	assert_int_equal(tz_floor_mod(-1, 60), 59);
	assert_int_equal(tz_floor_div(120, 60), 2);
	for (int64_t days = -800000; days < 3000000; days += 997) {
		tz_civil_from_days(days, &y, &m, &d);
		assert_int_equal(tz_days_from_civil(y, m, d), days);
		assert_true(m >= 1 && m <= 12 && d >= 1 && d <= tz_days_in_month(y, m));
	}
	tz_civil_from_days(11016, &y, &m, &d);
	assert_true(y == 2000 && m == 2 && d == 29);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_month_week_day_rules_take_week_5_as_the_last),
		cmocka_unit_test(test_negative_and_over_24_hour_times_move_the_day),
		cmocka_unit_test(test_dst_across_the_new_year_and_by_half_an_hour),
		cmocka_unit_test(test_julian_day_rules_never_count_february_29),
		cmocka_unit_test(test_zero_based_day_rules_count_february_29),
		cmocka_unit_test(test_dst_all_year_rule_never_changes_the_offset),
		cmocka_unit_test(test_rule_without_dst_is_a_fixed_offset),
		cmocka_unit_test(test_rule_without_dates_follows_the_us_rules),
		cmocka_unit_test(test_malformed_rules_are_refused),
		cmocka_unit_test(test_instants_beyond_the_calendar_run_to_the_ends_of_time),
		cmocka_unit_test(test_calendar_helpers_round_trip_and_know_leap_years),
	};
	return cmocka_run_group_tests_name("tz_rule", tests, NULL, NULL);
}
