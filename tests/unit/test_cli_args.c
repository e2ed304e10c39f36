/*
 * test_cli_args.c — server/cli/cli_args.c: options into the job spec under
 * the API's field names, positional words, "--", and usage errors.
 */
#include "testutil.h"

#include "cli/cli_args.h"

#define SPEC_OPTS                                                                              \
	(CLI_OPT_BIT(OPT_NAME) | CLI_OPT_BIT(OPT_TIMEOUT) | CLI_OPT_BIT(OPT_PRIORITY) |        \
	    CLI_OPT_BIT(OPT_ENV) | CLI_OPT_BIT(OPT_AFTER) | CLI_OPT_BIT(OPT_WAIT) |             \
	    CLI_OPT_BIT(OPT_SERVER) | CLI_OPT_BIT(OPT_QUEUE) | CLI_OPT_BIT(OPT_CPUS))

static char *spec_text(const struct cli_args *a)
{
	char *s = cJSON_PrintUnformatted(a->spec);

	assert_non_null(s);
	return s;
}

static void test_spec_options_land_under_the_api_field_names(void **state)
{
	char *argv[] = { "jobd", "run", "--name", "n", "--timeout=1.5", "-w", "--priority", "-3",
		"--env", "A=1=2", "--env", "B=", "--after", "4", "--after", "5", "--queue", "q",
		"--", "echo", "-n", "x", NULL };
	char err[ERR_LEN];
	struct cli_args a;
	(void)state;

	assert_int_equal(cli_args_parse(&a, 22, argv, 2, SPEC_OPTS, true, err), 0);
	char *s = spec_text(&a);
	assert_string_equal(s, "{\"name\":\"n\",\"timeout_s\":1.5,\"priority\":-3,"
			       "\"env\":{\"A\":\"1=2\",\"B\":\"\"},\"after\":[4,5],\"queue\":\"q\"}");
	free(s);
	assert_true(a.wait);
	assert_string_equal(a.queue, "q");
	assert_true(a.dashdash);
	assert_int_equal(a.npos, 3);
	assert_string_equal(a.pos[0], "echo");
	assert_string_equal(a.pos[1], "-n");
	cli_args_free(&a);
}

static void test_the_command_may_start_without_dashdash(void **state)
{
	char *argv[] = { "jobd", "run", "-w", "sleep", "--name", NULL };
	char err[ERR_LEN];
	struct cli_args a;
	(void)state;

	assert_int_equal(cli_args_parse(&a, 5, argv, 2, SPEC_OPTS, true, err), 0);
	assert_int_equal(a.npos, 2);
	assert_string_equal(a.pos[1], "--name");
	cli_args_free(&a);
}

static void test_ids_may_come_between_options(void **state)
{
	char *argv[] = { "jobd", "show", "3", "--server", "http://x", "4", NULL };
	char err[ERR_LEN];
	struct cli_args a;
	(void)state;

	assert_int_equal(cli_args_parse(&a, 6, argv, 2, CLI_OPT_BIT(OPT_SERVER), false, err), 0);
	assert_int_equal(a.npos, 2);
	assert_string_equal(a.pos[0], "3");
	assert_string_equal(a.pos[1], "4");
	assert_string_equal(a.server, "http://x");
	cli_args_free(&a);
}

static void expect_usage_error(char **argv, int argc, const char *want)
{
	char err[ERR_LEN];
	struct cli_args a;

	assert_int_equal(cli_args_parse(&a, argc, argv, 2, SPEC_OPTS, true, err), -1);
	assert_non_null(strstr(err, want));
	cli_args_free(&a);
}

static void test_cpus_lands_as_an_integer_and_refuses_a_fraction(void **state)
{
	char *argv[] = { "jobd", "run", "--cpus", "2", "--", "make", NULL };
	char *fraction[] = { "jobd", "run", "--cpus", "1.5" };
	char err[ERR_LEN];
	struct cli_args a;
	(void)state;

	assert_int_equal(cli_args_parse(&a, 6, argv, 2, SPEC_OPTS, true, err), 0);
	char *s = spec_text(&a);
	assert_string_equal(s, "{\"cpus\":2}");
	free(s);
	cli_args_free(&a);
	expect_usage_error(fraction, 4, "--cpus 1.5: not an integer");
}

static void test_usage_errors_say_what_is_wrong(void **state)
{
	char *unknown[] = { "jobd", "run", "--stderr", "--", "true" };
	char *missing[] = { "jobd", "run", "--name" };
	char *not_num[] = { "jobd", "run", "--timeout", "soon" };
	char *not_int[] = { "jobd", "run", "--priority", "1.5" };
	char *twice[] = { "jobd", "run", "--name", "a", "--name", "b" };
	char *bad_env[] = { "jobd", "run", "--env", "=x" };
	char *bad_id[] = { "jobd", "run", "--after", "0" };
	(void)state;

	expect_usage_error(unknown, 5, "unknown option --stderr");
	expect_usage_error(missing, 3, "--name needs a value");
	expect_usage_error(not_num, 4, "not a number");
	expect_usage_error(not_int, 4, "not an integer");
	expect_usage_error(twice, 6, "--name given twice");
	expect_usage_error(bad_env, 4, "want NAME=VALUE");
	expect_usage_error(bad_id, 4, "not a job id");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_options_land_under_the_api_field_names),
		cmocka_unit_test(test_the_command_may_start_without_dashdash),
		cmocka_unit_test(test_ids_may_come_between_options),
		cmocka_unit_test(test_cpus_lands_as_an_integer_and_refuses_a_fraction),
		cmocka_unit_test(test_usage_errors_say_what_is_wrong),
	};
	return cmocka_run_group_tests_name("cli_args", tests, NULL, NULL);
}
