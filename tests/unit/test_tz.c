/*
 * test_tz.c — server/time/tz.c: zone names that are refused, unknown or built
 * in; the directory set by tz_set_dir, and tz_load_dir; files that are not
 * TZif or are corrupt, and the messages naming them; offsets and spans of
 * real zones around their transitions, in zones off the hour, and in 2050
 * where only the footer's POSIX rule applies; one zone shared by threads.
 * The file format in detail is test_tz_tzif.c's, the rule forms and the
 * calendar test_tz_rule.c's.
 *
 * Expected instants come from Python's zoneinfo.
 */
#include "testutil_tz.h"

#include <pthread.h>

#define SYSTEM_ZONEINFO "/usr/share/zoneinfo"
#define THREADS 4
#define THREAD_ROUNDS 20000

static void assert_load_fails(const char *name, const char *want)
{
	char err[ERR_LEN] = "";
	struct tz *tz = tz_load(name, err);

	if (tz != NULL)
		fail_msg("tz_load \"%s\" succeeded", name);
	if (strcmp(err, want) != 0)
		fail_msg("tz_load \"%s\": got \"%s\", want \"%s\"", name, err, want);
}

/* ---- a zoneinfo directory of our own, set for one test, the default after ---- */

struct zdir {
	char dir[TU_PATH_MAX];
};

static int zdir_setup(void **state)
{
	struct zdir *z = calloc(1, sizeof(*z));
	char err[ERR_LEN] = "";

	assert_non_null(z);
	tu_tmpdir(z->dir, sizeof(z->dir));
	if (tz_set_dir(z->dir, err) < 0)
		fail_msg("tz_set_dir %s: %s", z->dir, err);
	*state = z;
	return 0;
}

static int zdir_teardown(void **state)
{
	struct zdir *z = *state;

	assert_int_equal(tz_set_dir(NULL, NULL), 0);
	tu_rmtree(z->dir);
	free(z);
	return 0;
}

static void write_bytes(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		fail_msg("fopen %s: %s", path, strerror(errno));
	if (fwrite(buf, 1, len, f) != len)
		fail_msg("fwrite %s: %s", path, strerror(errno));
	fclose(f);
}

/* ---- names ---- */

static void test_utc_and_gmt_are_built_in_and_need_no_files(void **state)
{
	static const char *const names[] = { "UTC", "Etc/UTC", "GMT", "Etc/GMT" };
	(void)state;            /* the zoneinfo directory is empty */

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct tz *tz = zone(names[i]);

		assert_string_equal(tz_name(tz), names[i]);
		assert_int_equal(tz_offset_at(tz, 0), 0);
		assert_int_equal(tz_offset_at(tz, 1784073600 /* 2026-07-15 */), 0);
		tu_assert_span(tz, 1784073600, INT64_MIN, INT64_MAX, 0, 0);
		tz_free(tz);
	}
}

static void test_empty_zoneinfo_directory_makes_other_zones_unknown(void **state)
{
	(void)state;
	assert_load_fails("Europe/Berlin", "timezone \"Europe/Berlin\": unknown time zone");
}

static void test_zones_are_read_from_the_directory_set_at_start_up(void **state)
{
	struct zdir *z = *state;
	char sub[TU_PATH_MAX], path[TU_PATH_MAX];
	size_t len;
	char *data = tu_read_file(SYSTEM_ZONEINFO "/Europe/Berlin", &len);
	struct tz *tz;

	tu_join(sub, sizeof(sub), z->dir, "My");
	if (mkdir(sub, 0755) < 0)
		fail_msg("mkdir %s: %s", sub, strerror(errno));
	tu_join(path, sizeof(path), sub, "Zone");
	write_bytes(path, data, len);
	free(data);
	tz = zone("My/Zone");
	assert_string_equal(tz_name(tz), "My/Zone");
	assert_int_equal(tz_offset_at(tz, 1768435200 /* 2026-01-15 */), 3600);
	tz_free(tz);
	/* Back to the default directory, which has no My/Zone; tz_load_dir
	 * still reads any directory it is given. */
	assert_int_equal(tz_set_dir("", NULL), 0);
	assert_load_fails("My/Zone", "timezone \"My/Zone\": unknown time zone");
	tz = tz_load_dir(z->dir, "My/Zone", (char[ERR_LEN]){ 0 });
	assert_non_null(tz);
	tz_free(tz);
	tz = zone("Europe/Berlin");
	tz_free(tz);
}

static void test_zoneinfo_directory_too_long_to_keep_is_refused(void **state)
{
	char dir[TU_PATH_MAX + 1], err[ERR_LEN] = "";
	(void)state;

	memset(dir, 'd', sizeof(dir) - 1);
	dir[sizeof(dir) - 1] = '\0';
	assert_int_equal(tz_set_dir(dir, err), -1);
	assert_string_equal(err, "zoneinfo directory: path longer than 4095 bytes");
	/* The directory in use stays what it was. */
	tz_free(zone("Europe/Berlin"));
}

static void test_unknown_zones_say_so(void **state)
{
	(void)state;
	assert_load_fails("Foo/Bar", "timezone \"Foo/Bar\": unknown time zone");
	assert_load_fails("Europe", "timezone \"Europe\": unknown time zone");
	assert_load_fails("Europe/Berlin/x", "timezone \"Europe/Berlin/x\": unknown time zone");
	assert_load_fails("europe/berlin", "timezone \"europe/berlin\": unknown time zone");
}

static void test_names_that_could_leave_the_directory_are_refused(void **state)
{
	static const char *const bad[] = {
		"", "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd", "..", ".",
		"Europe/./Berlin", "Europe//Berlin", "Europe/Berlin/", "/", "Europe/Ber lin",
		"Europe/Berlin\n", "a.b", "Europe\\Berlin", "Zone~", "caf\xc3\xa9",
	};
	char want[ERR_LEN];
	(void)state;

	assert_load_fails("../etc/passwd", "timezone \"../etc/passwd\": not a valid zone name");
	assert_load_fails("", "timezone \"\": not a valid zone name");
	assert_load_fails(NULL, "timezone \"\": not a valid zone name");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[ERR_LEN] = "";

		assert_null(tz_load(bad[i], err));
		tu_assert_contains(err, ": not a valid zone name");
	}
	/* Control bytes and quotes never reach the message. */
	snprintf(want, sizeof(want), "timezone \"a?b?c?\": not a valid zone name");
	assert_load_fails("a\nb\"c\\", want);
}

static void test_names_longer_than_255_bytes_are_refused(void **state)
{
	char name[TZ_NAME_MAX + 2], err[ERR_LEN] = "";
	(void)state;

	memset(name, 'A', TZ_NAME_MAX);
	name[TZ_NAME_MAX] = '\0';
	assert_null(tz_load(name, err));
	tu_assert_contains(err, ": unknown time zone");   /* valid, just absent */
	tu_assert_contains(err, "AAA...\"");               /* and cut short */
	name[TZ_NAME_MAX] = 'A';
	name[TZ_NAME_MAX + 1] = '\0';
	assert_null(tz_load(name, err));
	tu_assert_contains(err, ": not a valid zone name");
}

/* ---- bad files ---- */

static void test_file_that_is_not_tzif_is_refused(void **state)
{
	struct zdir *z = *state;
	char path[TU_PATH_MAX], want[TU_PATH_MAX + ERR_LEN];

	tu_join(path, sizeof(path), z->dir, "Bogus");
	tu_write_file(path, "hello, I am not a zone file\n");
	snprintf(want, sizeof(want), "timezone \"Bogus\": %s is not a TZif file", path);
	assert_load_fails("Bogus", want);
	tu_write_file(path, "");
	assert_load_fails("Bogus", want);
	/* A FIFO must not hang the open. */
	tu_join(path, sizeof(path), z->dir, "Fifo");
	if (mkfifo(path, 0600) < 0)
		fail_msg("mkfifo %s: %s", path, strerror(errno));
	snprintf(want, sizeof(want), "timezone \"Fifo\": %s is not a TZif file", path);
	assert_load_fails("Fifo", want);
}

static void test_truncated_or_corrupt_tzif_is_refused(void **state)
{
	struct zdir *z = *state;
	char path[TU_PATH_MAX], want[TU_PATH_MAX + ERR_LEN];
	size_t len;
	char *data = tu_read_file(SYSTEM_ZONEINFO "/Europe/Berlin", &len);

	/* Each reason tz_tzif.c gives is test_tz_tzif.c's; here, the message. */
	tu_join(path, sizeof(path), z->dir, "Broken");
	write_bytes(path, data, 200);
	snprintf(want, sizeof(want), "timezone \"Broken\": %s is a corrupt TZif file (truncated)",
	    path);
	assert_load_fails("Broken", want);

	memcpy(data + len - strlen("M10.5.0/3\n"), "M99.5.0/3", strlen("M99.5.0/3"));
	write_bytes(path, data, len);
	snprintf(want, sizeof(want),
	    "timezone \"Broken\": %s is a corrupt TZif file (bad TZ string footer)", path);
	assert_load_fails("Broken", want);

	data[4] = '9';
	write_bytes(path, data, len);
	snprintf(want, sizeof(want),
	    "timezone \"Broken\": %s is a corrupt TZif file (unsupported version)", path);
	assert_load_fails("Broken", want);
	free(data);
}

/* ---- offsets in real zones ---- */

static void test_berlin_is_an_hour_ahead_in_winter_and_two_in_summer(void **state)
{
	struct tz *tz = zone("Europe/Berlin");
	(void)state;

	assert_int_equal(tz_offset_at(tz, 1768435200 /* 2026-01-15 */), 3600);
	assert_int_equal(tz_offset_at(tz, 1784073600 /* 2026-07-15 */), 7200);
	tu_assert_jump(tz, 1774746000 /* 2026-03-29T01:00Z */, 3600, 7200);
	tu_assert_jump(tz, 1792890000 /* 2026-10-25T01:00Z */, 7200, 3600);
	tz_free(tz);
}

static void test_spans_describe_the_jump_at_each_transition(void **state)
{
	struct tz *tz = zone("Europe/Berlin");
	(void)state;

	/* Winter 2025/26: back from +2 at 2025-10-26T01:00Z. */
	tu_assert_span(tz, 1774745999, 1761440400, 1774746000, 3600, 7200);
	/* Summer 2026: forward from +1 (a gap) from the transition second on. */
	tu_assert_span(tz, 1774746000, 1774746000, 1792890000, 7200, 3600);
	tu_assert_span(tz, 1784073600, 1774746000, 1792890000, 7200, 3600);
	/* Winter 2026/27, to 2027-03-28T01:00Z. */
	tu_assert_span(tz, 1792890000, 1792890000, 1806195600, 3600, 7200);
	tz_free(tz);
}

static void test_far_future_offsets_come_from_the_footer_rule(void **state)
{
	struct tz *tz = zone("Europe/Berlin");
	(void)state;

	tu_assert_jump(tz, 2531955600 /* 2050-03-27T01:00Z */, 3600, 7200);
	tu_assert_jump(tz, 2550704400 /* 2050-10-30T01:00Z */, 7200, 3600);
	tu_assert_span(tz, 2537654400 /* 2050-06-01 */, 2531955600, 2550704400, 7200, 3600);
	tu_assert_span(tz, 2524608000 /* 2050-01-01 */, 2519254800 /* 2049-10-31T01:00Z */,
	    2531955600, 3600, 7200);
	tu_assert_span(tz, 2553465600 /* 2050-12-01 */, 2550704400,
	    2563405200 /* 2051-03-26T01:00Z */, 3600, 7200);
	tz_free(tz);
	tz = zone("America/New_York");
	tu_assert_jump(tz, 2530767600 /* 2050-03-13T07:00Z */, -18000, -14400);
	tu_assert_jump(tz, 2551327200 /* 2050-11-06T06:00Z */, -14400, -18000);
	tz_free(tz);
}

static void test_footer_rules_with_negative_and_over_24_hour_times(void **state)
{
	struct tz *tz = zone("America/Nuuk");   /* M3.5.0/-1: Saturday 23:00 */
	(void)state;

	tu_assert_jump(tz, 2531955600 /* 2050-03-27T01:00Z */, -7200, -3600);
	tu_assert_jump(tz, 2550704400 /* 2050-10-30T01:00Z */, -3600, -7200);
	tz_free(tz);
	tz = zone("Asia/Jerusalem");            /* M3.4.4/26: Friday 02:00 */
	tu_assert_jump(tz, 2531779200 /* 2050-03-25T00:00Z */, 7200, 10800);
	tu_assert_jump(tz, 2550697200 /* 2050-10-29T23:00Z */, 10800, 7200);
	tz_free(tz);
}

static void test_lord_howe_shifts_by_half_an_hour(void **state)
{
	struct tz *tz = zone("Australia/Lord_Howe");
	(void)state;

	tu_assert_jump(tz, 1775314800 /* 2026-04-04T15:00Z */, 39600, 37800);
	tu_assert_jump(tz, 1791041400 /* 2026-10-03T15:30Z */, 37800, 39600);
	tu_assert_jump(tz, 2532524400 /* 2050-04-02T15:00Z */, 39600, 37800);
	tu_assert_jump(tz, 2548251000 /* 2050-10-01T15:30Z */, 37800, 39600);
	tu_assert_span(tz, 1791041400, 1791041400, 1806764400 /* 2027-04-03T15:00Z */, 39600, 37800);
	tz_free(tz);
}

static void test_kolkata_and_kathmandu_are_off_the_hour(void **state)
{
	struct tz *tz = zone("Asia/Kolkata");
	(void)state;

	assert_int_equal(tz_offset_at(tz, 1784073600 /* 2026-07-15 */), 19800);
	assert_int_equal(tz_offset_at(tz, 2537654400 /* 2050-06-01 */), 19800);
	/* Since 1945-10-14T17:30Z, back from +06:30, for good. */
	tu_assert_span(tz, 2537654400, -764145000, INT64_MAX, 19800, 23400);
	tz_free(tz);
	tz = zone("Asia/Kathmandu");
	assert_int_equal(tz_offset_at(tz, 486432000 /* 1985-06-01 */), 19800);
	assert_int_equal(tz_offset_at(tz, 517968000 /* 1986-06-01 */), 20700);
	assert_int_equal(tz_offset_at(tz, 2537654400 /* 2050-06-01 */), 20700);
	tz_free(tz);
}

/* ---- sharing ---- */

static void *offsets_in_a_thread(void *arg)
{
	const struct tz *tz = arg;
	long bad = 0;

	for (int i = 0; i < THREAD_ROUNDS; i++) {
		int64_t t = 1767225600 + (int64_t)i * 1571;      /* through 2026 */
		int want = t >= 1774746000 && t < 1792890000 ? 7200 : 3600;
		bad += tz_offset_at(tz, t) != want;
	}
	return (void *)bad;
}

static void test_one_zone_is_shared_by_many_threads(void **state)
{
	struct tz *tz = zone("Europe/Berlin");
	pthread_t th[THREADS];
	(void)state;

	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, offsets_in_a_thread, tz), 0);
	for (int i = 0; i < THREADS; i++) {
		void *bad;
		assert_int_equal(pthread_join(th[i], &bad), 0);
		assert_null(bad);
	}
	tz_free(tz);
}

static void test_free_of_null_is_harmless(void **state)
{
	(void)state;
	tz_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_utc_and_gmt_are_built_in_and_need_no_files,
		    zdir_setup, zdir_teardown),
		cmocka_unit_test_setup_teardown(test_empty_zoneinfo_directory_makes_other_zones_unknown,
		    zdir_setup, zdir_teardown),
		cmocka_unit_test_setup_teardown(test_zones_are_read_from_the_directory_set_at_start_up,
		    zdir_setup, zdir_teardown),
		cmocka_unit_test(test_zoneinfo_directory_too_long_to_keep_is_refused),
		cmocka_unit_test(test_unknown_zones_say_so),
		cmocka_unit_test(test_names_that_could_leave_the_directory_are_refused),
		cmocka_unit_test(test_names_longer_than_255_bytes_are_refused),
		cmocka_unit_test_setup_teardown(test_file_that_is_not_tzif_is_refused,
		    zdir_setup, zdir_teardown),
		cmocka_unit_test_setup_teardown(test_truncated_or_corrupt_tzif_is_refused,
		    zdir_setup, zdir_teardown),
		cmocka_unit_test(test_berlin_is_an_hour_ahead_in_winter_and_two_in_summer),
		cmocka_unit_test(test_spans_describe_the_jump_at_each_transition),
		cmocka_unit_test(test_far_future_offsets_come_from_the_footer_rule),
		cmocka_unit_test(test_footer_rules_with_negative_and_over_24_hour_times),
		cmocka_unit_test(test_lord_howe_shifts_by_half_an_hour),
		cmocka_unit_test(test_kolkata_and_kathmandu_are_off_the_hour),
		cmocka_unit_test(test_one_zone_is_shared_by_many_threads),
		cmocka_unit_test(test_free_of_null_is_harmless),
	};
	return cmocka_run_group_tests_name("tz", tests, NULL, NULL);
}
