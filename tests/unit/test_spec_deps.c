/*
 * test_spec_deps.c — server/spec/spec_deps.c: the `after` and `after_index`
 * fields of a spec (shape, ranges, duplicates, at most 100 entries) and the
 * batch check that every after_index names another spec and that they form
 * no cycle, naming a spec on the cycle.
 */
#include "testutil.h"

#include "spec/spec.h"

static const struct spec_limits limits = { .default_timeout_s = 60, .max_timeout_s = 120 };

static int batch_from(const char *body, struct job_spec **specs, size_t *n, struct spec_error *e)
{
	char *name = NULL;
	cJSON *root = spec_parse_json(body, strlen(body), e);

	assert_non_null(root);
	char *notify = NULL;
	int rc = spec_batch(root, &limits, &name, &notify, specs, n, e);
	cJSON_Delete(root);
	free(name);
	free(notify);
	return rc;
}

static void free_specs(struct job_spec *specs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		job_spec_free(&specs[i]);
	free(specs);
}

static void assert_batch_rejected(const char *body, const char *field, const char *words)
{
	struct job_spec *specs;
	size_t n;
	struct spec_error e;

	assert_int_equal(batch_from(body, &specs, &n, &e), -1);
	assert_string_equal(e.field, field);
	tu_assert_contains(e.message, words);
	assert_null(specs);
}

static void assert_job_rejected(const char *body, const char *field)
{
	struct spec_error e;
	struct job_spec spec;
	cJSON *root = spec_parse_json(body, strlen(body), &e);

	assert_non_null(root);
	assert_int_equal(spec_job(root, &limits, "", &spec, &e), -1);
	cJSON_Delete(root);
	assert_string_equal(e.field, field);
}

static void test_after_is_parsed_in_order(void **state)
{
	struct spec_error e;
	struct job_spec spec;
	const char *body = "{\"command\": \"x\", \"after\": [12, 7, 9007199254740992]}";
	cJSON *root = spec_parse_json(body, strlen(body), &e);
	(void)state;

	assert_int_equal(spec_job(root, &limits, "", &spec, &e), 0);
	cJSON_Delete(root);
	assert_int_equal(spec.n_after, 3);
	assert_int_equal(spec.after[0], 12);
	assert_int_equal(spec.after[1], 7);
	assert_int_equal(spec.after[2], 9007199254740992LL);
	assert_int_equal(spec.n_after_index, 0);
	job_spec_free(&spec);
}

static void test_after_rejects_bad_shapes(void **state)
{
	char body[1024];
	int len;
	(void)state;

	assert_job_rejected("{\"command\": \"x\", \"after\": 5}", "after");
	assert_job_rejected("{\"command\": \"x\", \"after\": [0]}", "after");
	assert_job_rejected("{\"command\": \"x\", \"after\": [-3]}", "after");
	assert_job_rejected("{\"command\": \"x\", \"after\": [1.5]}", "after");
	assert_job_rejected("{\"command\": \"x\", \"after\": [\"1\"]}", "after");
	assert_job_rejected("{\"command\": \"x\", \"after\": [3, 4, 3]}", "after");
	/* after_index only means something inside a batch. */
	assert_job_rejected("{\"command\": \"x\", \"after_index\": [0]}", "after_index");
	len = snprintf(body, sizeof(body), "{\"command\": \"x\", \"after\": [1");
	for (int i = 2; i <= SPEC_MAX_AFTER + 1; i++)
		len += snprintf(body + len, sizeof(body) - (size_t)len, ",%d", i);
	snprintf(body + len, sizeof(body) - (size_t)len, "]}");
	assert_job_rejected(body, "after");
}

static void test_batch_dag_is_accepted(void **state)
{
	struct job_spec *specs;
	size_t n;
	struct spec_error e;
	(void)state;

	/* 3 → {1, 2} → 0, listed in any order, plus a later spec named first. */
	assert_int_equal(batch_from("{\"jobs\": [{\"command\": \"a\"},"
	    " {\"command\": \"b\", \"after_index\": [0]},"
	    " {\"command\": \"c\", \"after_index\": [0, 1]},"
	    " {\"command\": \"d\", \"after_index\": [2, 1, 4]},"
	    " {\"command\": \"e\", \"after\": [77]}]}", &specs, &n, &e), 0);
	assert_int_equal(n, 5);
	assert_int_equal(specs[3].n_after_index, 3);
	assert_int_equal(specs[3].after_index[2], 4);
	assert_int_equal(specs[4].after[0], 77);
	free_specs(specs, n);
}

static void test_batch_after_index_must_name_another_spec(void **state)
{
	(void)state;
	assert_batch_rejected("{\"jobs\": [{\"command\": \"a\", \"after_index\": [1]}]}",
	    "jobs[0].after_index", "no spec 1");
	assert_batch_rejected("{\"jobs\": [{\"command\": \"a\"}, {\"command\": \"b\","
	    " \"after_index\": [1]}]}", "jobs[1].after_index", "itself");
	assert_batch_rejected("{\"jobs\": [{\"command\": \"a\"}, {\"command\": \"b\","
	    " \"after_index\": [0, 0]}]}", "jobs[1].after_index", "repeats");
	assert_batch_rejected("{\"jobs\": [{\"command\": \"a\"}, {\"command\": \"b\","
	    " \"after_index\": [-1]}]}", "jobs[1].after_index", "integer");
}

static void test_two_specs_waiting_for_each_other_are_a_cycle(void **state)
{
	(void)state;
	assert_batch_rejected("{\"jobs\": [{\"command\": \"a\", \"after_index\": [1]},"
	    " {\"command\": \"b\", \"after_index\": [0]}]}", "jobs[1].after_index", "cycle");
}

static void test_long_cycle_names_a_spec_on_it(void **state)
{
	struct job_spec specs[6] = { 0 };
	int edges[6][2] = { { -1 }, { 2 }, { 3 }, { 4 }, { 1 }, { 0 } }; /* 1→2→3→4→1 */
	struct spec_error e;
	(void)state;

	for (int i = 0; i < 6; i++) {
		if (edges[i][0] < 0)
			continue;
		specs[i].after_index = &edges[i][0];
		specs[i].n_after_index = 1;
	}
	assert_int_equal(spec_deps_check_batch(specs, 6, &e), -1);
	int on_cycle = 0;
	for (int i = 1; i <= 4; i++) {
		char want[32];
		snprintf(want, sizeof(want), "jobs[%d].after_index", i);
		on_cycle |= strcmp(e.field, want) == 0;
	}
	assert_true(on_cycle);
	tu_assert_contains(e.message, "cycle");
}

/* 10,000 specs in one chain: the DFS must not recurse that deep. */
static void test_ten_thousand_spec_chain_is_no_cycle(void **state)
{
	size_t n = SPEC_MAX_BATCH;
	struct job_spec *specs = calloc(n, sizeof(*specs));
	int *idx = calloc(n, sizeof(*idx));
	struct spec_error e;
	(void)state;

	assert_non_null(specs);
	assert_non_null(idx);
	for (size_t i = 1; i < n; i++) {
		idx[i] = (int)i - 1;
		specs[i].after_index = &idx[i];
		specs[i].n_after_index = 1;
	}
	assert_int_equal(spec_deps_check_batch(specs, n, &e), 0);
	idx[0] = (int)n - 1; /* close the ring */
	specs[0].after_index = &idx[0];
	specs[0].n_after_index = 1;
	assert_int_equal(spec_deps_check_batch(specs, n, &e), -1);
	tu_assert_contains(e.field, ".after_index");
	free(idx);
	free(specs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_after_is_parsed_in_order),
		cmocka_unit_test(test_after_rejects_bad_shapes),
		cmocka_unit_test(test_batch_dag_is_accepted),
		cmocka_unit_test(test_batch_after_index_must_name_another_spec),
		cmocka_unit_test(test_two_specs_waiting_for_each_other_are_a_cycle),
		cmocka_unit_test(test_long_cycle_names_a_spec_on_it),
		cmocka_unit_test(test_ten_thousand_spec_chain_is_no_cycle),
	};
	return cmocka_run_group_tests_name("spec_deps", tests, NULL, NULL);
}
