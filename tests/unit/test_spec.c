/*
 * test_spec.c — server/spec/spec.c for one job: every submission rule of API.md,
 * seen from the body a client sends: what is accepted (and the defaults
 * applied), what is rejected, as invalid_json or as invalid_request naming
 * the field. Batches (spec_batch) are in test_spec_batch.c.
 */
#include "testutil.h"

#include "spec/spec.h"

static const struct spec_limits limits = { .default_timeout_s = 3600, .max_timeout_s = 86400 };

/* Parses body and validates it as one job spec. 0 or -1 with e filled. */
static int job_from(const char *body, struct job_spec *out, struct spec_error *e)
{
	cJSON *root = spec_parse_json(body, strlen(body), e);
	int rc;

	if (root == NULL) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	rc = spec_job(root, &limits, "", out, e);
	cJSON_Delete(root);
	return rc;
}

static void assert_job_ok(const char *body, struct job_spec *out)
{
	struct spec_error e;

	if (job_from(body, out, &e) != 0)
		fail_msg("%s rejected: field \"%s\": %s", body, e.field, e.message);
}

/* Rejected as invalid_request, with field at fault. */
static void assert_job_rejected(const char *body, const char *field)
{
	struct job_spec s;
	struct spec_error e;

	if (job_from(body, &s, &e) == 0) {
		job_spec_free(&s);
		fail_msg("%s was accepted", body);
	}
	assert_int_equal(e.invalid_json, 0);
	assert_string_equal(e.field, field);
	assert_true(e.message[0] != '\0');
	assert_null(s.command);
}

static void assert_not_json(const char *body, size_t len)
{
	struct spec_error e;
	cJSON *root = spec_parse_json(body, len, &e);

	if (root != NULL) {
		cJSON_Delete(root);
		fail_msg("body of %zu bytes parsed", len);
	}
	assert_int_equal(e.invalid_json, 1);
	assert_true(e.message[0] != '\0');
}

static void test_array_command_is_kept_as_json_with_every_default(void **state)
{
	struct job_spec s;
	(void)state;

	assert_job_ok("{\"command\": [\"echo\", \"hi there\"]}", &s);
	assert_string_equal(s.command, "[\"echo\",\"hi there\"]");
	assert_string_equal(s.env, "{}");
	assert_null(s.name);
	assert_null(s.cwd);
	assert_null(s.stdin_data);
	assert_int_equal(s.stdin_len, 0);
	assert_true(s.timeout_s == 3600);
	assert_int_equal(s.priority, 0);
	assert_int_equal(s.max_attempts, 1);
	job_spec_free(&s);
}

static void test_string_command_is_kept_as_a_json_string(void **state)
{
	struct job_spec s;
	(void)state;

	assert_job_ok("{\"command\": \"echo hi | wc -c\"}", &s);
	assert_string_equal(s.command, "\"echo hi | wc -c\"");
	job_spec_free(&s);
}

static void test_every_optional_field_is_read(void **state)
{
	struct job_spec s;
	(void)state;

	assert_job_ok("{\"command\": [\"cat\"], \"name\": \"n1\", \"env\": {\"K\": \"V\"},"
	    " \"cwd\": \"/tmp\", \"stdin\": \"abc\\n\", \"timeout_s\": 1.5,"
	    " \"priority\": -1000, \"max_attempts\": 10}", &s);
	assert_string_equal(s.name, "n1");
	assert_string_equal(s.env, "{\"K\":\"V\"}");
	assert_string_equal(s.cwd, "/tmp");
	assert_string_equal(s.stdin_data, "abc\n");
	assert_int_equal(s.stdin_len, 4);
	assert_true(s.timeout_s == 1.5);
	assert_int_equal(s.priority, -1000);
	assert_int_equal(s.max_attempts, 10);
	job_spec_free(&s);
}

static void test_null_fields_count_as_absent(void **state)
{
	struct job_spec s;
	(void)state;

	assert_job_ok("{\"command\": \"true\", \"name\": null, \"env\": null, \"cwd\": null,"
	    " \"stdin\": null, \"timeout_s\": null, \"priority\": null, \"max_attempts\": null}", &s);
	assert_null(s.name);
	assert_string_equal(s.env, "{}");
	assert_true(s.timeout_s == 3600);
	assert_int_equal(s.max_attempts, 1);
	job_spec_free(&s);
	assert_job_rejected("{\"command\": null}", "command");
}

static void test_missing_or_empty_command_is_rejected(void **state)
{
	(void)state;
	assert_job_rejected("{}", "command");
	assert_job_rejected("{\"name\": \"x\"}", "command");
	assert_job_rejected("{\"command\": []}", "command");
	assert_job_rejected("{\"command\": \"\"}", "command");
	assert_job_rejected("{\"command\": [\"\", \"x\"]}", "command[0]");
	assert_job_rejected("{\"command\": 7}", "command");
	assert_job_rejected("{\"command\": {\"a\": \"b\"}}", "command");
}

static void test_non_string_command_element_is_named_by_index(void **state)
{
	(void)state;
	assert_job_rejected("{\"command\": [\"echo\", 1]}", "command[1]");
	assert_job_rejected("{\"command\": [\"echo\", \"a\", null]}", "command[2]");
	assert_job_rejected("{\"command\": [[\"echo\"]]}", "command[0]");
}

static void test_name_is_limited_to_200_characters_not_bytes(void **state)
{
	char body[1024], name[900];
	struct job_spec s;
	(void)state;

	/* 200 × "é": 400 bytes, 200 characters. */
	name[0] = '\0';
	for (int i = 0; i < 200; i++)
		strcat(name, "\xc3\xa9");
	snprintf(body, sizeof(body), "{\"command\": \"x\", \"name\": \"%s\"}", name);
	assert_job_ok(body, &s);
	assert_int_equal(spec_utf8_chars(s.name), 200);
	job_spec_free(&s);

	strcat(name, "a");
	snprintf(body, sizeof(body), "{\"command\": \"x\", \"name\": \"%s\"}", name);
	assert_job_rejected(body, "name");
	assert_job_rejected("{\"command\": \"x\", \"name\": 5}", "name");
}

static void test_env_must_be_an_object_of_strings(void **state)
{
	(void)state;
	assert_job_rejected("{\"command\": \"x\", \"env\": {\"A\": \"1\", \"B\": 2}}", "env.B");
	assert_job_rejected("{\"command\": \"x\", \"env\": {\"A\": null}}", "env.A");
	assert_job_rejected("{\"command\": \"x\", \"env\": [\"A=1\"]}", "env");
	assert_job_rejected("{\"command\": \"x\", \"env\": {\"A=B\": \"1\"}}", "env.A=B");
	assert_job_rejected("{\"command\": \"x\", \"env\": {\"A\": \"1\", \"A\": \"2\"}}", "env.A");
}

/* {"command": "x", "env": {"V0": "", ..., "V<n-1>": ""}}, malloc'd; with
 * dup >= 0 the last name is "V<dup>" again instead. */
static char *env_body(int n, int dup)
{
	size_t cap = 64 + (size_t)n * 24;
	char *body = malloc(cap);
	size_t len;

	assert_non_null(body);
	len = (size_t)snprintf(body, cap, "{\"command\": \"x\", \"env\": {");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(body + len, cap - len, "%s\"V%d\": \"\"", i ? ", " : "",
		    i == n - 1 && dup >= 0 ? dup : i);
	snprintf(body + len, cap - len, "}}");
	return body;
}

static void test_env_takes_at_most_1024_variables(void **state)
{
	struct job_spec s;
	char *body = env_body(SPEC_MAX_ENV, -1);
	(void)state;

	assert_int_equal(SPEC_MAX_ENV, 1024);
	assert_job_ok(body, &s);
	job_spec_free(&s);
	free(body);
	body = env_body(SPEC_MAX_ENV + 1, -1);
	assert_job_rejected(body, "env");
	free(body);
}

static void test_env_duplicate_at_the_end_of_1024_is_named(void **state)
{
	char *body = env_body(SPEC_MAX_ENV, 7);
	struct spec_error e;
	struct job_spec s;
	(void)state;

	assert_int_equal(job_from(body, &s, &e), -1);
	assert_int_equal(e.invalid_json, 0);
	assert_string_equal(e.field, "env.V7");
	assert_non_null(strstr(e.message, "duplicate variable \"V7\""));
	free(body);
}

static void test_relative_cwd_is_rejected(void **state)
{
	(void)state;
	assert_job_rejected("{\"command\": \"x\", \"cwd\": \"tmp\"}", "cwd");
	assert_job_rejected("{\"command\": \"x\", \"cwd\": \"\"}", "cwd");
	assert_job_rejected("{\"command\": \"x\", \"cwd\": 1}", "cwd");
}

static void test_timeout_must_be_above_zero_and_at_most_the_max(void **state)
{
	struct job_spec s;
	(void)state;

	assert_job_rejected("{\"command\": \"x\", \"timeout_s\": 0}", "timeout_s");
	assert_job_rejected("{\"command\": \"x\", \"timeout_s\": -1}", "timeout_s");
	assert_job_rejected("{\"command\": \"x\", \"timeout_s\": 86400.5}", "timeout_s");
	assert_job_rejected("{\"command\": \"x\", \"timeout_s\": \"10\"}", "timeout_s");
	assert_job_ok("{\"command\": \"x\", \"timeout_s\": 86400}", &s);
	assert_true(s.timeout_s == 86400);
	job_spec_free(&s);
	assert_job_ok("{\"command\": \"x\", \"timeout_s\": 0.001}", &s);
	assert_true(s.timeout_s == 0.001);
	job_spec_free(&s);
}

static void test_priority_is_an_integer_from_minus_1000_to_1000(void **state)
{
	struct job_spec s;
	(void)state;

	assert_job_rejected("{\"command\": \"x\", \"priority\": -1001}", "priority");
	assert_job_rejected("{\"command\": \"x\", \"priority\": 1001}", "priority");
	assert_job_rejected("{\"command\": \"x\", \"priority\": 1.5}", "priority");
	assert_job_rejected("{\"command\": \"x\", \"priority\": \"5\"}", "priority");
	assert_job_rejected("{\"command\": \"x\", \"priority\": true}", "priority");
	assert_job_rejected("{\"command\": \"x\", \"priority\": 1e300}", "priority");
	assert_job_ok("{\"command\": \"x\", \"priority\": 1000}", &s);
	assert_int_equal(s.priority, 1000);
	job_spec_free(&s);
	assert_job_ok("{\"command\": \"x\", \"priority\": 5.0}", &s);
	assert_int_equal(s.priority, 5);
	job_spec_free(&s);
}

static void test_max_attempts_is_from_1_to_10(void **state)
{
	struct job_spec s;
	(void)state;

	assert_job_rejected("{\"command\": \"x\", \"max_attempts\": 0}", "max_attempts");
	assert_job_rejected("{\"command\": \"x\", \"max_attempts\": 11}", "max_attempts");
	assert_job_rejected("{\"command\": \"x\", \"max_attempts\": 2.5}", "max_attempts");
	assert_job_ok("{\"command\": \"x\", \"max_attempts\": 1}", &s);
	job_spec_free(&s);
	assert_job_ok("{\"command\": \"x\", \"max_attempts\": 10}", &s);
	assert_int_equal(s.max_attempts, 10);
	job_spec_free(&s);
}

static void test_unknown_and_duplicate_fields_are_named(void **state)
{
	struct job_spec s;
	struct spec_error e;
	(void)state;

	assert_int_equal(job_from("{\"command\": \"x\", \"comand\": \"y\"}", &s, &e), -1);
	assert_string_equal(e.field, "comand");
	tu_assert_contains(e.message, "unknown field \"comand\"");
	assert_int_equal(job_from("{\"command\": \"x\", \"command\": \"y\"}", &s, &e), -1);
	assert_string_equal(e.field, "command");
	tu_assert_contains(e.message, "duplicate");
}

static void test_body_that_is_not_an_object_is_rejected(void **state)
{
	(void)state;
	assert_job_rejected("[\"echo\"]", "");
	assert_job_rejected("\"echo\"", "");
}

static void test_invalid_utf8_is_invalid_json(void **state)
{
	static const char *const bad[] = {
		"{\"command\": \"\xff\"}",             /* not a lead byte */
		"{\"command\": \"\xc0\xaf\"}",         /* overlong "/" */
		"{\"command\": \"\xed\xa0\x80\"}",     /* UTF-16 surrogate */
		"{\"command\": \"\xf4\x90\x80\x80\"}", /* above U+10FFFF */
		"{\"command\": \"\xe2\x82\"}",         /* cut short */
		"{\"command\": \"x\"}\xe2\x82",        /* cut short at the very end */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_not_json(bad[i], strlen(bad[i]));
	assert_true(spec_utf8_valid("\xf0\x9f\x98\x80 \xe2\x82\xac \xc3\xa9", 11));
	assert_int_equal(spec_utf8_chars("\xf0\x9f\x98\x80\xe2\x82\xac\xc3\xa9x"), 4);
}

static void test_nul_bytes_are_rejected_raw_or_escaped(void **state)
{
	static const char raw[] = "{\"command\": \"a\0b\"}";
	struct spec_error e;
	struct job_spec s;
	(void)state;

	assert_not_json(raw, sizeof(raw) - 1);
	/* An escaped NUL is refused by validation, naming the field it is in. */
	assert_job_rejected("{\"command\": \"a\\u0000b\"}", "command");
	assert_job_rejected("{\"command\": [\"echo\", \"a\\u0000b\"]}", "command[1]");
	assert_job_rejected("{\"command\": \"true\", \"env\": {\"K\": \"\\u0000\"}}", "env.K");
	assert_job_rejected("{\"command\": \"true\", \"stdin\": \"x\\u0000\"}", "stdin");
	(void)e;
	/* An escaped backslash followed by "u0000" is six ordinary characters. */
	assert_job_ok("{\"command\": \"a\\\\u0000b\"}", &s);
	assert_string_equal(s.command, "\"a\\\\u0000b\"");
	job_spec_free(&s);
}

static void test_garbage_after_the_value_is_invalid_json(void **state)
{
	struct job_spec s;
	(void)state;

	assert_not_json("{\"command\": \"x\"} x", 18);
	assert_not_json("{\"command\": \"x\"}{}", 18);
	assert_not_json("{\"command\": ", 12);
	assert_not_json("", 0);
	assert_job_ok("{\"command\": \"x\"} \r\n\t", &s);
	job_spec_free(&s);
}

static void test_deep_nesting_is_invalid_json_not_a_crash(void **state)
{
	size_t depth = 100000;
	char *body = malloc(2 * depth);
	(void)state;

	assert_non_null(body);
	memset(body, '[', depth);
	memset(body + depth, ']', depth);
	assert_not_json(body, 2 * depth);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_array_command_is_kept_as_json_with_every_default),
		cmocka_unit_test(test_string_command_is_kept_as_a_json_string),
		cmocka_unit_test(test_every_optional_field_is_read),
		cmocka_unit_test(test_null_fields_count_as_absent),
		cmocka_unit_test(test_missing_or_empty_command_is_rejected),
		cmocka_unit_test(test_non_string_command_element_is_named_by_index),
		cmocka_unit_test(test_name_is_limited_to_200_characters_not_bytes),
		cmocka_unit_test(test_env_must_be_an_object_of_strings),
		cmocka_unit_test(test_env_takes_at_most_1024_variables),
		cmocka_unit_test(test_env_duplicate_at_the_end_of_1024_is_named),
		cmocka_unit_test(test_relative_cwd_is_rejected),
		cmocka_unit_test(test_timeout_must_be_above_zero_and_at_most_the_max),
		cmocka_unit_test(test_priority_is_an_integer_from_minus_1000_to_1000),
		cmocka_unit_test(test_max_attempts_is_from_1_to_10),
		cmocka_unit_test(test_unknown_and_duplicate_fields_are_named),
		cmocka_unit_test(test_body_that_is_not_an_object_is_rejected),
		cmocka_unit_test(test_invalid_utf8_is_invalid_json),
		cmocka_unit_test(test_nul_bytes_are_rejected_raw_or_escaped),
		cmocka_unit_test(test_garbage_after_the_value_is_invalid_json),
		cmocka_unit_test(test_deep_nesting_is_invalid_json_not_a_crash),
	};
	return cmocka_run_group_tests_name("spec", tests, NULL, NULL);
}
