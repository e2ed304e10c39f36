/*
 * test_spec_batch.c — server/spec/spec.c for POST /v1/batches: 1..10,000 specs,
 * all or nothing, errors named by their place in the batch
 * ("jobs[17].command"), and the batch's own fields.
 */
#include "testutil.h"

#include "spec/spec.h"

/* Not API.md's defaults, so a spec that gets them got them from here. */
static const struct spec_limits limits = { .default_timeout_s = 60, .max_timeout_s = 120 };

/* Batch bodies: parse and validate; *n and the specs belong to the caller. */
static int batch_from(const char *body, char **name, struct job_spec **specs, size_t *n,
    struct spec_error *e)
{
	cJSON *root = spec_parse_json(body, strlen(body), e);
	int rc;

	assert_non_null(root);
	char *notify = NULL;
	rc = spec_batch(root, &limits, name, &notify, specs, n, e);
	free(notify);
	cJSON_Delete(root);
	return rc;
}

static void free_batch(char *name, struct job_spec *specs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		job_spec_free(&specs[i]);
	free(specs);
	free(name);
}

static void assert_batch_rejected(const char *body, const char *field)
{
	char untouched[] = "untouched", *name = untouched;
	struct job_spec dummy, *specs = &dummy;
	size_t n = 99;
	struct spec_error e;

	assert_int_equal(batch_from(body, &name, &specs, &n, &e), -1);
	assert_string_equal(e.field, field);
	assert_int_equal(e.invalid_json, 0);
	/* All or nothing: nothing is handed back. */
	assert_null(name);
	assert_null(specs);
	assert_int_equal(n, 0);
}

/* {"name": "b", "jobs": [{"command": "x"} × count]} */
static char *batch_of(size_t count)
{
	static const char item[] = "{\"command\":\"x\"},";
	size_t len = 32 + count * (sizeof(item) - 1);
	char *body = malloc(len), *p;

	assert_non_null(body);
	p = body + sprintf(body, "{\"name\":\"b\",\"jobs\":[");
	for (size_t i = 0; i < count; i++)
		p += sprintf(p, "%s", item);
	if (count > 0)
		p--;
	strcpy(p, "]}");
	return body;
}

static void test_batch_yields_one_spec_per_job(void **state)
{
	char *name;
	struct job_spec *specs;
	size_t n;
	struct spec_error e;
	(void)state;

	assert_int_equal(batch_from("{\"name\": \"nightly\", \"jobs\": [{\"command\": \"a\"},"
	    " {\"command\": [\"b\"], \"priority\": 3}]}", &name, &specs, &n, &e), 0);
	assert_string_equal(name, "nightly");
	assert_int_equal(n, 2);
	assert_string_equal(specs[0].command, "\"a\"");
	assert_string_equal(specs[1].command, "[\"b\"]");
	assert_int_equal(specs[1].priority, 3);
	free_batch(name, specs, n);

	assert_int_equal(batch_from("{\"name\": null, \"jobs\": [{\"command\": \"a\"}]}",
	    &name, &specs, &n, &e), 0);
	assert_null(name);
	assert_int_equal(n, 1);
	free_batch(name, specs, n);
}

static void test_batch_specs_use_the_configured_limits(void **state)
{
	char *name;
	struct job_spec *specs;
	size_t n;
	struct spec_error e;
	(void)state;

	assert_int_equal(batch_from("{\"jobs\": [{\"command\": \"a\"},"
	    " {\"command\": \"b\", \"timeout_s\": 120}]}", &name, &specs, &n, &e), 0);
	assert_true(specs[0].timeout_s == 60);
	assert_true(specs[1].timeout_s == 120);
	free_batch(name, specs, n);
	assert_batch_rejected("{\"jobs\": [{\"command\": \"a\", \"timeout_s\": 121}]}",
	    "jobs[0].timeout_s");
}

static void test_batch_is_all_or_nothing(void **state)
{
	char *body = batch_of(500);
	(void)state;

	/* 499 good specs are built, then the last one fails: all are dropped. */
	strcpy(strrchr(body, '{'), "{\"command\":[]}]}");
	assert_batch_rejected(body, "jobs[499].command");
	free(body);
	assert_batch_rejected("[{\"command\": \"a\"}]", "");
}

static void test_batch_holds_1_to_10000_specs(void **state)
{
	char *body, *name;
	struct job_spec *specs;
	size_t n;
	struct spec_error e;
	(void)state;

	body = batch_of(0);
	assert_batch_rejected(body, "jobs");
	free(body);
	body = batch_of(SPEC_MAX_BATCH + 1);
	assert_batch_rejected(body, "jobs");
	free(body);
	body = batch_of(SPEC_MAX_BATCH);
	assert_int_equal(batch_from(body, &name, &specs, &n, &e), 0);
	assert_int_equal(n, SPEC_MAX_BATCH);
	free_batch(name, specs, n);
	free(body);
	assert_batch_rejected("{\"name\": \"b\"}", "jobs");
	assert_batch_rejected("{\"jobs\": {\"command\": \"x\"}}", "jobs");
}

static void test_batch_error_names_the_spec_and_field(void **state)
{
	(void)state;
	assert_batch_rejected("{\"jobs\": [{\"command\": \"a\"}, {\"name\": \"b\"}]}",
	    "jobs[1].command");
	assert_batch_rejected("{\"jobs\": [{\"command\": \"a\"}, {\"command\": \"b\"},"
	    " {\"command\": [\"c\", 3]}]}", "jobs[2].command[1]");
	assert_batch_rejected("{\"jobs\": [{\"command\": \"a\"}, 5]}", "jobs[1]");
	assert_batch_rejected("{\"jobs\": [{\"command\": \"a\", \"x\": 1}]}", "jobs[0].x");
}

static void test_batch_rejects_its_own_unknown_fields_and_long_name(void **state)
{
	char body[1024];
	(void)state;

	assert_batch_rejected("{\"jobs\": [{\"command\": \"a\"}], \"priority\": 1}", "priority");
	snprintf(body, sizeof(body), "{\"name\": \"%0201d\", \"jobs\": [{\"command\": \"a\"}]}", 0);
	assert_batch_rejected(body, "name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_yields_one_spec_per_job),
		cmocka_unit_test(test_batch_specs_use_the_configured_limits),
		cmocka_unit_test(test_batch_is_all_or_nothing),
		cmocka_unit_test(test_batch_holds_1_to_10000_specs),
		cmocka_unit_test(test_batch_error_names_the_spec_and_field),
		cmocka_unit_test(test_batch_rejects_its_own_unknown_fields_and_long_name),
	};
	return cmocka_run_group_tests_name("spec_batch", tests, NULL, NULL);
}
