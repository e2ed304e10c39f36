/*
 * test_spec_cpus.c — `cpus` of a job or batch spec (server/spec/spec.c):
 * 1 by default, an integer from 1 to the largest pool (spec_limits
 * max_cpus), a batch's applying to each of its jobs unless a job gives its
 * own, and a refusal naming `cpus` or `jobs[i].cpus`.
 */
#include "testutil_spec.h"

static const struct spec_limits limits = { .default_timeout_s = 60, .max_timeout_s = 120,
	.max_cpus = 4 };

/* spec_batch on body: 0 with the specs' cpus into cpus[], or -1 with e. */
static int batch_cpus(const char *body, int *cpus, size_t *n, struct spec_error *e)
{
	struct job_spec *specs;
	char *name, *notify;
	cJSON *root = spec_parse_json(body, strlen(body), e);

	assert_non_null(root);
	int rc = spec_batch(root, &limits, &name, &notify, &specs, n, e);
	cJSON_Delete(root);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < *n; i++) {
		cpus[i] = specs[i].cpus;
		job_spec_free(&specs[i]);
	}
	free(specs);
	free(name);
	free(notify);
	return 0;
}

static void test_cpus_defaults_to_one_and_is_kept_when_given(void **state)
{
	struct job_spec spec;
	struct spec_error e;
	(void)state;

	assert_int_equal(tu_spec_job(&limits, "{\"command\": \"x\"}", &spec, &e), 0);
	assert_int_equal(spec.cpus, 1);
	job_spec_free(&spec);
	assert_int_equal(tu_spec_job(&limits, "{\"command\": \"x\", \"cpus\": 4}", &spec, &e), 0);
	assert_int_equal(spec.cpus, 4);
	job_spec_free(&spec);
}

static void test_cpus_out_of_range_or_not_an_integer_is_refused_naming_cpus(void **state)
{
	(void)state;

	tu_spec_rejected(&limits, "{\"command\": \"x\", \"cpus\": 5}", "cpus", "from 1 to 4");
	tu_spec_rejected(&limits, "{\"command\": \"x\", \"cpus\": 0}", "cpus", "from 1 to 4");
	tu_spec_rejected(&limits, "{\"command\": \"x\", \"cpus\": 1.5}", "cpus", "integer");
	tu_spec_rejected(&limits, "{\"command\": \"x\", \"cpus\": \"2\"}", "cpus", "integer");
}

static void test_a_batchs_cpus_applies_to_each_job_unless_it_gives_its_own(void **state)
{
	int cpus[3];
	size_t n;
	struct spec_error e;
	(void)state;

	assert_int_equal(batch_cpus("{\"cpus\": 2, \"jobs\": [{\"command\": \"a\"}, "
				    "{\"command\": \"b\", \"cpus\": 1}, {\"command\": \"c\"}]}",
			     cpus, &n, &e),
	    0);
	assert_int_equal(n, 3);
	assert_int_equal(cpus[0], 2);
	assert_int_equal(cpus[1], 1);
	assert_int_equal(cpus[2], 2);
}

static void test_a_batch_names_the_field_at_fault(void **state)
{
	int cpus[4];
	size_t n;
	struct spec_error e;
	(void)state;

	assert_int_equal(batch_cpus("{\"jobs\": [{\"command\": \"a\"}, {\"command\": \"b\"}, "
				    "{\"command\": \"c\"}, {\"command\": \"d\", \"cpus\": 9}]}",
			     cpus, &n, &e),
	    -1);
	assert_string_equal(e.field, "jobs[3].cpus");
	assert_int_equal(batch_cpus("{\"cpus\": 9, \"jobs\": [{\"command\": \"a\"}]}", cpus, &n, &e),
	    -1);
	assert_string_equal(e.field, "cpus");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpus_defaults_to_one_and_is_kept_when_given),
		cmocka_unit_test(test_cpus_out_of_range_or_not_an_integer_is_refused_naming_cpus),
		cmocka_unit_test(test_a_batchs_cpus_applies_to_each_job_unless_it_gives_its_own),
		cmocka_unit_test(test_a_batch_names_the_field_at_fault),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
