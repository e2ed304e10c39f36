/*
 * test_utf8.c — common/utf8.c: what counts as a well-formed character,
 * cuts that never split one (the "/" + 200 × "é" exec error of issue 14
 * left a lone \xc3), and the sanitizer every JSON response passes through,
 * which leaves valid text alone and replaces the rest with U+FFFD.
 */
#include "testutil.h"

#include "common/utf8.h"

#define FFFD "\xef\xbf\xbd"

static void test_char_len_accepts_each_well_formed_length(void **state)
{
	(void)state;
	assert_int_equal(utf8_char_len("a", 1), 1);
	assert_int_equal(utf8_char_len("\xc3\xa9", 2), 2);         /* é */
	assert_int_equal(utf8_char_len("\xe2\x82\xac", 3), 3);     /* € */
	assert_int_equal(utf8_char_len("\xf0\x9f\x98\x80", 4), 4); /* 😀 */
	assert_int_equal(utf8_char_len("\xf4\x8f\xbf\xbf", 4), 4); /* U+10FFFF */
	assert_int_equal(utf8_char_len("\xed\x9f\xbf", 3), 3);     /* U+D7FF */
}

static void test_char_len_gives_the_ill_formed_part_to_replace(void **state)
{
	(void)state;
	assert_int_equal(utf8_char_len("\x80", 1), -1);             /* lone continuation */
	assert_int_equal(utf8_char_len("\xc0\xaf", 2), -1);         /* overlong lead */
	assert_int_equal(utf8_char_len("\xe0\x80\xaf", 3), -1);     /* overlong 3-byte */
	assert_int_equal(utf8_char_len("\xed\xa0\x80", 3), -1);     /* surrogate D800 */
	assert_int_equal(utf8_char_len("\xf4\x90\x80\x80", 4), -1); /* above U+10FFFF */
	assert_int_equal(utf8_char_len("\xf5\x80", 2), -1);
	assert_int_equal(utf8_char_len("\xff", 1), -1);
	assert_int_equal(utf8_char_len("\xc3", 1), -1);             /* cut short */
	assert_int_equal(utf8_char_len("\xe2\x82", 2), -2);
	assert_int_equal(utf8_char_len("\xf0\x9f\x98", 3), -3);
	assert_int_equal(utf8_char_len("\xe2\x82x", 3), -2);        /* interrupted */
	assert_int_equal(utf8_char_len("\xc3\0", 2), -1);
}

static void test_cut_keeps_whole_characters_only(void **state)
{
	(void)state;
	assert_int_equal(utf8_cut("abc", 2), 2);
	assert_int_equal(utf8_cut("abc", 10), 3);
	assert_int_equal(utf8_cut("", 10), 0);
	assert_int_equal(utf8_cut("a\xc3\xa9", 2), 1);   /* would keep \xc3 */
	assert_int_equal(utf8_cut("a\xc3\xa9", 3), 3);
	assert_int_equal(utf8_cut("\xe2\x82\xac!", 1), 0);
	assert_int_equal(utf8_cut("\xe2\x82\xac!", 2), 0);
	assert_int_equal(utf8_cut("\xe2\x82\xac!", 3), 3);
	assert_int_equal(utf8_cut("x\xf0\x9f\x98\x80", 4), 1);
	assert_int_equal(utf8_cut("x\xf0\x9f\x98\x80", 5), 5);
	/* Bytes that are wrong anyway are not the cut's business. */
	assert_int_equal(utf8_cut("a\x80\x80", 3), 3);
}

/* The repro: "exec /" + 200 × "é" cut by snprintf at 255 bytes. */
static void test_cut_of_a_buffer_snprintf_filled_drops_the_half_character(void **state)
{
	char path[402], buf[256];
	(void)state;

	path[0] = '/';
	for (int i = 0; i < 200; i++)
		memcpy(path + 1 + 2 * i, "\xc3\xa9", 2);
	path[401] = '\0';
	int n = snprintf(buf, sizeof(buf), "exec %s: No such file or directory", path);
	assert_true(n >= (int)sizeof(buf)); /* it was cut */
	assert_int_equal((unsigned char)buf[254], 0xc3);
	buf[utf8_cut(buf, sizeof(buf) - 1)] = '\0';
	assert_int_equal(strlen(buf), 254);
	assert_int_equal((unsigned char)buf[253], 0xa9);
	/* err_set does the same for every error buffer. */
	char err[ERR_LEN];
	err_set(err, "exec %s: No such file or directory", path);
	assert_int_equal(strlen(err), 254);
}

/* utf8_sanitize of a copy of s; the result is freed by the caller. */
static char *sanitized(const char *s)
{
	char *copy = strdup(s);
	assert_non_null(copy);
	char *out = utf8_sanitize(copy);
	assert_non_null(out);
	return out;
}

static void test_sanitize_returns_valid_text_itself(void **state)
{
	(void)state;
	const char *valid[] = { "", "plain ascii, long enough for a few words of eight",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "0123456\xc3\xa9" };
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		char *copy = strdup(valid[i]);
		assert_non_null(copy);
		assert_ptr_equal(utf8_sanitize(copy), copy);
		assert_string_equal(copy, valid[i]);
		free(copy);
	}
	assert_null(utf8_sanitize(NULL));
}

static void test_sanitize_replaces_each_ill_formed_part_with_one_fffd(void **state)
{
	(void)state;
	struct { const char *in, *want; } cases[] = {
		{ "{\"error\":\"exec /\xc3\"}", "{\"error\":\"exec /" FFFD "\"}" },
		{ "\xff", FFFD },
		{ "a\xe2\x82" "b", "a" FFFD "b" },          /* maximal subpart: one */
		{ "\xed\xa0\x80", FFFD FFFD FFFD },          /* a surrogate: three */
		{ "\xc0\xaf\xc3\xa9", FFFD FFFD "\xc3\xa9" },
		{ "12345678901234567\x80", "12345678901234567" FFFD },
		{ "\xf0\x9f\x98", FFFD },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = sanitized(cases[i].in);
		assert_string_equal(out, cases[i].want);
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_char_len_accepts_each_well_formed_length),
		cmocka_unit_test(test_char_len_gives_the_ill_formed_part_to_replace),
		cmocka_unit_test(test_cut_keeps_whole_characters_only),
		cmocka_unit_test(test_cut_of_a_buffer_snprintf_filled_drops_the_half_character),
		cmocka_unit_test(test_sanitize_returns_valid_text_itself),
		cmocka_unit_test(test_sanitize_replaces_each_ill_formed_part_with_one_fffd),
	};
	return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
