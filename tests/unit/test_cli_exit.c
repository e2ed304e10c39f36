/*
 * test_cli_exit.c — server/cli/cli_exit.c: how a final job (its JSON as the
 * API gives it) becomes the command line's exit status.
 */
#include "testutil.h"

#include "cli/cli_exit.h"

static int status_of(const char *json)
{
	cJSON *job = cJSON_Parse(json);

	assert_non_null(job);
	int s = cli_exit_of_job(job);
	cJSON_Delete(job);
	return s;
}

static void test_a_success_is_0_and_a_jobs_own_code_passes_through(void **state)
{
	(void)state;
	assert_int_equal(status_of("{\"state\":\"succeeded\",\"exit_code\":0}"), 0);
	assert_int_equal(status_of("{\"state\":\"failed\",\"exit_code\":1,\"signal\":null}"), 1);
	assert_int_equal(status_of("{\"state\":\"failed\",\"exit_code\":2}"), 2);
	assert_int_equal(status_of("{\"state\":\"failed\",\"exit_code\":3}"), 3);
}

static void test_a_signal_is_128_plus_its_number(void **state)
{
	(void)state;
	assert_int_equal(status_of("{\"state\":\"failed\",\"exit_code\":null,\"signal\":9}"), 137);
	assert_int_equal(status_of("{\"state\":\"failed\",\"signal\":15}"), 143);
}

static void test_timed_out_canceled_and_start_failures_have_their_codes(void **state)
{
	(void)state;
	assert_int_equal(status_of("{\"state\":\"timed_out\",\"signal\":15}"), CLI_EXIT_TIMED_OUT);
	assert_int_equal(status_of("{\"state\":\"canceled\",\"signal\":15}"), CLI_EXIT_CANCELED);
	assert_int_equal(status_of("{\"state\":\"failed\",\"error\":"
				   "\"exec nope: No such file or directory\"}"), CLI_EXIT_NOT_FOUND);
	assert_int_equal(status_of("{\"state\":\"failed\",\"error\":"
				   "\"exec /etc/passwd: Permission denied\"}"), CLI_EXIT_CANNOT_RUN);
	assert_int_equal(status_of("{\"state\":\"failed\",\"error\":"
				   "\"chdir /x: No such file or directory\"}"), CLI_EXIT_CANNOT_RUN);
	assert_int_equal(status_of("{\"state\":\"failed\",\"error\":\"worker 1 died\"}"),
	    CLI_EXIT_CANNOT_RUN);
}

static void test_a_failed_job_never_passes_for_a_success(void **state)
{
	(void)state;
	assert_int_equal(status_of("{\"state\":\"failed\",\"exit_code\":0}"), CLI_EXIT_CANNOT_RUN);
	assert_int_equal(status_of("{\"state\":\"failed\",\"exit_code\":256}"), CLI_EXIT_CANNOT_RUN);
}

static void test_a_job_not_final_has_no_status(void **state)
{
	(void)state;
	assert_int_equal(status_of("{\"state\":\"queued\"}"), -1);
	assert_int_equal(status_of("{\"state\":\"running\"}"), -1);
	assert_int_equal(status_of("{}"), -1);
}

static void test_the_clis_own_statuses_never_collide_with_1_or_2_or_jobs_statuses(void **state)
{
	static const int own[] = { CLI_EXIT_USAGE, CLI_EXIT_REFUSED, CLI_EXIT_UNREACHABLE,
		CLI_EXIT_SOFTWARE, CLI_EXIT_AUTH };
	(void)state;
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		assert_true(own[i] > 2);
		assert_true(own[i] < CLI_EXIT_TIMED_OUT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_success_is_0_and_a_jobs_own_code_passes_through),
		cmocka_unit_test(test_a_signal_is_128_plus_its_number),
		cmocka_unit_test(test_timed_out_canceled_and_start_failures_have_their_codes),
		cmocka_unit_test(test_a_failed_job_never_passes_for_a_success),
		cmocka_unit_test(test_a_job_not_final_has_no_status),
		cmocka_unit_test(test_the_clis_own_statuses_never_collide_with_1_or_2_or_jobs_statuses),
	};
	return cmocka_run_group_tests_name("cli_exit", tests, NULL, NULL);
}
