/*
 * test_spec_tags.c — server/spec/spec_tags.c: `tags` of a job spec and of a
 * batch (inherited by each job, a job's own winning per key), their bounds,
 * and the checks the list filters use for key and value.
 */
#include "testutil_spec.h"

#include "spec/spec.h"

static const struct spec_limits limits = { .default_timeout_s = 60, .max_timeout_s = 120 };

static int job_from(const char *body, struct job_spec *spec, struct spec_error *e)
{
	return tu_spec_job(&limits, body, spec, e);
}

static void assert_rejected(const char *body, const char *field, const char *words)
{
	tu_spec_rejected(&limits, body, field, words);
}

static void test_tags_are_kept_as_canonical_json_and_absent_or_empty_ones_are_none(void **state)
{
	struct spec_error e;
	struct job_spec spec;
	(void)state;

	assert_int_equal(job_from("{\"command\": \"x\"}", &spec, &e), 0);
	assert_null(spec.tags);
	job_spec_free(&spec);
	assert_int_equal(job_from("{\"command\": \"x\", \"tags\": {}}", &spec, &e), 0);
	assert_null(spec.tags);
	job_spec_free(&spec);
	assert_int_equal(job_from("{\"command\": \"x\", \"tags\": { \"env\" : \"prod\", "
				  "\"a.b-c_d\": \"x y:\\\"z\\\"\"}}", &spec, &e), 0);
	assert_string_equal(spec.tags, "{\"env\":\"prod\",\"a.b-c_d\":\"x y:\\\"z\\\"\"}");
	job_spec_free(&spec);
}

static void test_tags_out_of_bounds_name_the_field_and_key(void **state)
{
	(void)state;
	assert_rejected("{\"command\": \"x\", \"tags\": [\"a\"]}", "tags", "object of strings");
	assert_rejected("{\"command\": \"x\", \"tags\": {\"a b\": \"v\"}}", "tags.a b", "A-Z a-z 0-9");
	assert_rejected("{\"command\": \"x\", \"tags\": {\"\": \"v\"}}", "tags.", "1 to 64 bytes");
	assert_rejected("{\"command\": \"x\", \"tags\": {\"k\": 1}}", "tags.k", "must be a string");
	assert_rejected("{\"command\": \"x\", \"tags\": {\"k\": \"a\\tb\"}}", "tags.k", "control");
	assert_rejected("{\"command\": \"x\", \"tags\": {\"k\": \"a\\u0085b\"}}", "tags.k", "control");
	assert_rejected("{\"command\": \"x\", \"tags\": {\"k\": \"a\\u0000b\"}}", "tags.k", "control");
	assert_rejected("{\"command\": \"x\", \"tags\": {\"k\": \"1\", \"k\": \"2\"}}", "tags.k",
	    "duplicate");
	char body[4096];
	int n = snprintf(body, sizeof(body), "{\"command\": \"x\", \"tags\": {");
	for (int i = 0; i < SPEC_MAX_TAGS + 1; i++)
		n += snprintf(body + n, sizeof(body) - (size_t)n, "%s\"t%d\": \"v\"", i ? ", " : "", i);
	snprintf(body + n, sizeof(body) - (size_t)n, "}}");
	assert_rejected(body, "tags", "at most 16");
}

static void test_a_batch_tags_apply_to_each_job_and_a_job_own_tag_wins(void **state)
{
	const char *text = "{\"tags\": {\"run\": \"7\", \"env\": \"dev\"}, \"jobs\": ["
			   "{\"command\": \"a\"}, {\"command\": \"b\", \"tags\": {\"env\": \"prod\"}}]}";
	struct spec_error e;
	struct job_spec *specs;
	size_t n;
	char *name, *notify;
	(void)state;

	cJSON *root = spec_parse_json(text, strlen(text), &e);
	assert_non_null(root);
	assert_int_equal(spec_batch(root, &limits, &name, &notify, &specs, &n, &e), 0);
	assert_null(notify);
	cJSON_Delete(root);
	assert_int_equal(n, 2);
	assert_string_equal(specs[0].tags, "{\"run\":\"7\",\"env\":\"dev\"}");
	assert_string_equal(specs[1].tags, "{\"run\":\"7\",\"env\":\"prod\"}");
	for (size_t i = 0; i < n; i++)
		job_spec_free(&specs[i]);
	free(specs);
	free(name);
}

static void test_filter_keys_and_values_are_checked_as_tags_are(void **state)
{
	char value[SPEC_MAX_TAG_VALUE + 2];
	(void)state;

	assert_true(spec_tag_key_valid("env.prod-1_x"));
	assert_false(spec_tag_key_valid(""));
	assert_false(spec_tag_key_valid("a:b"));
	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	assert_false(spec_tag_value_valid(value));
	value[SPEC_MAX_TAG_VALUE] = '\0';
	assert_true(spec_tag_value_valid(value));
	assert_true(spec_tag_value_valid(""));
	assert_true(spec_tag_value_valid("ünï cödé: \"x\""));
	assert_false(spec_tag_value_valid("a\x7f"));
	assert_false(spec_tag_value_valid("\xff"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tags_are_kept_as_canonical_json_and_absent_or_empty_ones_are_none),
		cmocka_unit_test(test_tags_out_of_bounds_name_the_field_and_key),
		cmocka_unit_test(test_a_batch_tags_apply_to_each_job_and_a_job_own_tag_wins),
		cmocka_unit_test(test_filter_keys_and_values_are_checked_as_tags_are),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
