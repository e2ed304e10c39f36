/*
 * test_cpus.c — the usable-CPU count behind the default pool size
 * (server/config/cpus.c): cgroup quota parsing and rounding, and the live count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config/cpus.h"

static void test_quota_rounds_up_to_whole_cpus(void **state)
{
	(void)state;
	assert_int_equal(cpus_from_quota(150000, 100000), 2);
	assert_int_equal(cpus_from_quota(100000, 100000), 1);
	assert_int_equal(cpus_from_quota(1000, 100000), 1);
	assert_int_equal(cpus_from_quota(400000, 100000), 4);
}

static void test_no_quota_means_no_limit(void **state)
{
	(void)state;
	assert_int_equal(cpus_from_quota(-1, 100000), 0);
	assert_int_equal(cpus_parse_cpu_max("max 100000\n"), 0);
	assert_int_equal(cpus_parse_cpu_max("garbage"), 0);
	assert_int_equal(cpus_parse_cpu_max(""), 0);
}

static void test_cpu_max_text_is_parsed(void **state)
{
	(void)state;
	assert_int_equal(cpus_parse_cpu_max("50000 100000\n"), 1);
	assert_int_equal(cpus_parse_cpu_max("250000 100000\n"), 3);
}

static void test_usable_count_is_positive_and_names_its_source(void **state)
{
	const char *source = NULL;
	(void)state;
	assert_true(cpus_usable(&source) >= 1);
	assert_true(strcmp(source, "affinity") == 0 || strcmp(source, "cgroup") == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quota_rounds_up_to_whole_cpus),
		cmocka_unit_test(test_no_quota_means_no_limit),
		cmocka_unit_test(test_cpu_max_text_is_parsed),
		cmocka_unit_test(test_usable_count_is_positive_and_names_its_source),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
