/*
 * test_log.c — common/log.c's line format: one call is one line whatever
 * the message quotes. A command of "x\ninfo jobd: job 424242 succeeded"
 * must not write a second, forged line; JSON lines stay valid JSON (and
 * UTF-8); a message too long for the line is cut whole, newline kept.
 */
#include "testutil.h"

#include "common/log.h"

#define LINE_CAP 2304

static char line[LINE_CAP];

static const char *text_line(const char *msg)
{
	assert_int_equal(log_set_format("text"), 0);
	size_t n = log_format_line(line, sizeof(line), "info", msg);
	assert_int_equal(n, strlen(line));
	return line;
}

static cJSON *json_line(const char *msg)
{
	assert_int_equal(log_set_format("json"), 0);
	size_t n = log_format_line(line, sizeof(line), "info", msg);
	assert_int_equal(n, strlen(line));
	assert_true(n > 0 && line[n - 1] == '\n');
	assert_null(memchr(line, '\n', n - 1));
	cJSON *o = cJSON_Parse(line);
	if (o == NULL)
		fail_msg("not JSON: %s", line);
	return o;
}

static void test_text_line_escapes_newlines_and_other_controls(void **state)
{
	(void)state;
	assert_string_equal(text_line("job 7 failed: exec x\ninfo jobd: job 424242 succeeded"),
	    "info jobd: job 7 failed: exec x\\ninfo jobd: job 424242 succeeded\n");
	assert_string_equal(text_line("a\rb\tc\x1b[2Jd\x7f" "e\x01"),
	    "info jobd: a\\rb\\tc\\x1b[2Jd\\x7fe\\x01\n");
}

static void test_text_line_keeps_utf8_and_shows_bad_bytes(void **state)
{
	(void)state;
	assert_string_equal(text_line("caf\xc3\xa9 \xe2\x82\xac"), "info jobd: caf\xc3\xa9 \xe2\x82\xac\n");
	assert_string_equal(text_line("exec /\xc3"), "info jobd: exec /\\xc3\n");
}

static void test_json_line_is_one_valid_object(void **state)
{
	(void)state;
	cJSON *o = json_line("x\ninfo jobd: \"forged\" \\ \x7f \xc3");
	cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "msg");
	assert_true(cJSON_IsString(msg));
	assert_string_equal(msg->valuestring, "x\ninfo jobd: \"forged\" \\ \x7f \xef\xbf\xbd");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "level")->valuestring, "info");
	cJSON_Delete(o);
}

/* A message of newlines escapes to twice its length: the line is cut, on
 * an escape's boundary, and still ends the way its format ends. */
static void test_long_messages_are_cut_whole_and_keep_the_line_end(void **state)
{
	char msg[2048];
	(void)state;

	memset(msg, '\n', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	const char *t = text_line(msg);
	size_t n = strlen(t);
	assert_true(n < LINE_CAP);
	assert_int_equal(t[n - 1], '\n');
	assert_null(memchr(t, '\n', n - 1));
	assert_int_equal(t[n - 2], 'n');
	assert_int_equal(t[n - 3], '\\');

	for (size_t i = 0; i + 2 < sizeof(msg); i += 2)
		memcpy(msg + i, "\xc3\xa9", 2);
	cJSON_Delete(json_line(msg));
	memset(msg, '"', sizeof(msg) - 1);
	cJSON_Delete(json_line(msg));
	assert_int_equal(log_set_format("text"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_line_escapes_newlines_and_other_controls),
		cmocka_unit_test(test_text_line_keeps_utf8_and_shows_bad_bytes),
		cmocka_unit_test(test_json_line_is_one_valid_object),
		cmocka_unit_test(test_long_messages_are_cut_whole_and_keep_the_line_end),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
