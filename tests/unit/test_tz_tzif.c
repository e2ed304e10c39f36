/*
 * test_tz_tzif.c — server/time/tz_tzif.c, called directly (tz_internal.h) on
 * bytes built here field by field as RFC 8536 §3 lays them out, and on a
 * real zone file: what is not TZif at all, each corruption with the reason
 * it is reported under, renames that are not transitions, version 1 files,
 * version 2+ files read from their 64-bit block, and footers that take over
 * after the last transition. Whatever a parse allocated is released by
 * tz_free whether the parse worked or not (valgrind holds us to that).
 * How tz.c turns these results into messages naming the file is
 * test_tz.c's.
 */
#include "testutil_tz.h"

#include "time/tz_internal.h"

#define SYSTEM_ZONEINFO "/usr/share/zoneinfo"
#define BUILD_MAX 512

/* ---- TZif bytes built here ---- */

struct build {
	uint8_t buf[BUILD_MAX];
	size_t len;
};

static void put(struct build *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->buf));
	if (n > 0) /* memcpy's source may not be NULL, even for 0 bytes */
		memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void put_be(struct build *b, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t byte = (uint8_t)(v >> (8 * (n - 1 - i)));
		put(b, &byte, 1);
	}
}

/* Header and data block: transitions at[i] to type idx[i]; types utoff[],
 * all named "ZZZ" with isdst 0, so types with one utoff differ in nothing
 * that matters to offsets. */
static void put_block(struct build *b, char version, size_t timesize, const int64_t *at,
    const uint8_t *idx, size_t n, const int32_t *utoff, size_t types)
{
	static const char chars[] = "ZZZ";
	static const uint8_t unused[15];

	put(b, "TZif", 4);
	put(b, &version, 1);
	put(b, unused, sizeof(unused));
	put_be(b, 0, 4);            /* isutcnt */
	put_be(b, 0, 4);            /* isstdcnt */
	put_be(b, 0, 4);            /* leapcnt */
	put_be(b, n, 4);
	put_be(b, types, 4);
	put_be(b, sizeof(chars), 4);
	for (size_t i = 0; i < n; i++)
		put_be(b, (uint64_t)at[i], timesize);
	put(b, idx, n);
	for (size_t i = 0; i < types; i++) {
		put_be(b, (uint32_t)utoff[i], 4);
		put_be(b, 0, 1);    /* isdst */
		put_be(b, 0, 1);    /* desigidx */
	}
	put(b, chars, sizeof(chars));
}

/* A version-2 file with no transitions, type 0 at utoff, then footer as
 * given (newlines included, so that bad footers can be built too). */
static void put_rule_file(struct build *b, int32_t utoff, const char *footer)
{
	put_block(b, '2', 4, NULL, NULL, 0, &utoff, 1);
	put_block(b, '2', 8, NULL, NULL, 0, &utoff, 1);
	put(b, footer, strlen(footer));
}

/* ---- parsing ---- */

static enum tz_tzif_result parse(const void *buf, size_t len, struct tz **out, const char **why)
{
	struct tz *tz = calloc(1, sizeof(*tz));

	assert_non_null(tz);
	*why = NULL;
	*out = tz;
	return tz_tzif_parse(tz, buf, len, why);
}

/* buf[0..len), which must parse; the caller frees the zone. */
static struct tz *parse_ok(const void *buf, size_t len)
{
	struct tz *tz;
	const char *why;
	enum tz_tzif_result r = parse(buf, len, &tz, &why);

	if (r != TZ_TZIF_OK)
		fail_msg("tz_tzif_parse: result %d (%s)", (int)r, why ? why : "no reason");
	return tz;
}

static void assert_not_tzif(const void *buf, size_t len)
{
	struct tz *tz;
	const char *why;

	assert_int_equal(parse(buf, len, &tz, &why), TZ_TZIF_NOT_TZIF);
	tz_free(tz);
}

static void assert_corrupt(const struct build *b, const char *want)
{
	struct tz *tz;
	const char *why;
	enum tz_tzif_result r = parse(b->buf, b->len, &tz, &why);

	tz_free(tz);
	if (r != TZ_TZIF_CORRUPT || why == NULL || strcmp(why, want) != 0)
		fail_msg("tz_tzif_parse: result %d (%s), want corrupt (%s)", (int)r,
		    why ? why : "no reason", want);
}

/* ---- tests ---- */

static void test_real_zone_file_gives_its_transitions_and_its_footer_rule(void **state)
{
	size_t len;
	char *data = tu_read_file(SYSTEM_ZONEINFO "/Europe/Berlin", &len);
	struct tz *tz = parse_ok(data, len);
	(void)state;

	free(data);
	assert_true(tz->count > 0 && tz->has_rule);
	assert_int_equal(tz->rule.std_off, 3600);
	tu_assert_jump(tz, 1774746000 /* 2026-03-29T01:00Z */, 3600, 7200);
	tu_assert_jump(tz, 2550704400 /* 2050-10-30T01:00Z */, 7200, 3600);
	tz_free(tz);
}

static void test_bytes_without_the_magic_are_not_tzif(void **state)
{
	static const char header_cut_short[] = "TZif2\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
	(void)state;

	assert_not_tzif("hello, I am not a zone file\n", strlen("hello, I am not a zone file\n"));
	assert_not_tzif("", 0);
	assert_not_tzif(header_cut_short, sizeof(header_cut_short));
}

static void test_corrupt_headers_and_blocks_say_what_is_wrong(void **state)
{
	struct build b = { .len = 0 };
	int32_t types[] = { 0, 3600 }, too_far = 26 * 3600 + 1;
	int64_t at[] = { 2000000000, 1000000000 };
	uint8_t idx[] = { 1, 0 };
	(void)state;

	put_block(&b, '9', 4, NULL, NULL, 0, types, 1);
	assert_corrupt(&b, "unsupported version");
	b.len = 0;
	put_block(&b, '\0', 4, at, idx, 2, types, 2);
	b.len -= 10;
	assert_corrupt(&b, "truncated");
	b.len = 0;
	put_block(&b, '\0', 4, NULL, NULL, 0, types, 0);
	assert_corrupt(&b, "bad counts in header");
	b.len = 0;
	put_block(&b, '\0', 4, NULL, NULL, 0, &too_far, 1);
	assert_corrupt(&b, "bad local time type");
	b.len = 0;
	put_block(&b, '\0', 4, at, idx, 2, types, 2);
	assert_corrupt(&b, "transition times not ascending");
	b.len = 0;
	at[1] = 2100000000;
	idx[0] = 7;
	put_block(&b, '\0', 4, at, idx, 2, types, 2);
	assert_corrupt(&b, "bad transition type index");
}

static void test_version_2_files_need_their_second_block_and_a_closed_footer(void **state)
{
	struct build b = { .len = 0 };
	int32_t utoff = 3600;
	(void)state;

	put_block(&b, '2', 4, NULL, NULL, 0, &utoff, 1);
	assert_corrupt(&b, "missing or bad second header");
	put_block(&b, '2', 8, NULL, NULL, 0, &utoff, 1);
	b.len -= 2;
	assert_corrupt(&b, "truncated");
	b.len = 0;
	put_rule_file(&b, utoff, "CET-1\n");
	assert_corrupt(&b, "footer not enclosed in newlines");
	b.len = 0;
	put_rule_file(&b, utoff, "\nCET-1");
	assert_corrupt(&b, "footer not enclosed in newlines");
	b.len = 0;
	put_rule_file(&b, utoff, "\nCET-1CEST,M99.5.0,M10.5.0/3\n");
	assert_corrupt(&b, "bad TZ string footer");
	b.len = 0;
	put_rule_file(&b, utoff, "");
	put(&b, "\nCET-1\0\n", 8);   /* a NUL inside the footer */
	assert_corrupt(&b, "bad TZ string footer");
}

static void test_renames_are_not_transitions(void **state)
{
	struct build b = { .len = 0 };
	const int32_t types[] = { 3600, 3600, 7200 };
	const int64_t at[] = { 1000000000, 1100000000, 1200000000 };
	const uint8_t idx[] = { 1, 0, 2 };
	struct tz *tz;
	(void)state;

	/* Types 0 and 1 differ only in what a real file would call them. */
	put_block(&b, '\0', 4, at, idx, 3, types, 3);
	tz = parse_ok(b.buf, b.len);
	assert_int_equal(tz->count, 1);
	tu_assert_span(tz, 1100000000, INT64_MIN, 1200000000, 3600, 3600);
	tu_assert_jump(tz, 1200000000, 3600, 7200);
	tz_free(tz);
}

static void test_version_1_file_keeps_its_last_type_forever(void **state)
{
	struct build b = { .len = 0 };
	const int32_t types[] = { 0, 3600, 7200 };
	const int64_t at[] = { 1000000000, 1500000000 };
	const uint8_t idx[] = { 1, 2 };
	struct tz *tz;
	(void)state;

	put_block(&b, '\0', 4, at, idx, 2, types, 3);
	tz = parse_ok(b.buf, b.len);
	tu_assert_jump(tz, 1000000000, 0, 3600);
	tu_assert_jump(tz, 1500000000, 3600, 7200);
	assert_int_equal(tz_offset_at(tz, 4102444800 /* 2100-01-01 */), 7200);
	tu_assert_span(tz, 4102444800, 1500000000, INT64_MAX, 7200, 3600);
	tu_assert_span(tz, 0, INT64_MIN, 1000000000, 0, 0);
	tz_free(tz);
}

static void test_version_2_file_is_read_from_its_64_bit_block(void **state)
{
	struct build b = { .len = 0 };
	const int32_t v1_type = -3600, types[] = { 0, 3600, 7200 };
	const int64_t at[] = { 1000000000, 4102444800 /* 2100, past 32 bits */ };
	const uint8_t idx[] = { 1, 2 };
	struct tz *tz;
	(void)state;

	/* The 32-bit block says something else; a v2 reader ignores it. */
	put_block(&b, '3', 4, NULL, NULL, 0, &v1_type, 1);
	put_block(&b, '3', 8, at, idx, 2, types, 3);
	put(&b, "\n\n", 2);     /* empty footer: no rule */
	tz = parse_ok(b.buf, b.len);
	assert_false(tz->has_rule);
	assert_int_equal(tz_offset_at(tz, 0), 0);
	tu_assert_jump(tz, 1000000000, 0, 3600);
	tu_assert_jump(tz, 4102444800, 3600, 7200);
	tz_free(tz);
}

static void test_file_without_transitions_follows_its_footer_rule(void **state)
{
	struct build b = { .len = 0 };
	struct tz *tz;
	(void)state;

	/* Type 0 says UTC; the rule, which holds from the beginning, says not. */
	put_rule_file(&b, 0, "\n<+0530>-5:30\n");
	tz = parse_ok(b.buf, b.len);
	tu_assert_span(tz, 0, INT64_MIN, INT64_MAX, 19800, 19800);
	tu_assert_span(tz, 2537654400 /* 2050-06-01 */, INT64_MIN, INT64_MAX, 19800, 19800);
	tz_free(tz);
	b.len = 0;
	put_rule_file(&b, 3600, "\nAAA-1BBB,J60/2,J300/3\n");
	tz = parse_ok(b.buf, b.len);
	tu_assert_jump(tz, 1835485200 /* 2028-03-01T01:00Z */, 3600, 7200);
	tu_assert_jump(tz, 1856221200 /* 2028-10-27T01:00Z */, 7200, 3600);
	tz_free(tz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_zone_file_gives_its_transitions_and_its_footer_rule),
		cmocka_unit_test(test_bytes_without_the_magic_are_not_tzif),
		cmocka_unit_test(test_corrupt_headers_and_blocks_say_what_is_wrong),
		cmocka_unit_test(test_version_2_files_need_their_second_block_and_a_closed_footer),
		cmocka_unit_test(test_renames_are_not_transitions),
		cmocka_unit_test(test_version_1_file_keeps_its_last_type_forever),
		cmocka_unit_test(test_version_2_file_is_read_from_its_64_bit_block),
		cmocka_unit_test(test_file_without_transitions_follows_its_footer_rule),
	};
	return cmocka_run_group_tests_name("tz_tzif", tests, NULL, NULL);
}
