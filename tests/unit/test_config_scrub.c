/*
 * test_config_scrub.c — server/config/config_scrub.c: the tokens and a
 * database password overwritten in place where /proc shows them (argv and
 * environ), and every JOBD_* variable out of the environment.
 */
#include "testutil.h"

#include "config/config.h"

extern char **environ;

/* The bytes /proc/<pid>/cmdline and environ show: overwritten where they
 * are, same length; every JOBD_* out of the environment. */
static void test_scrub_overwrites_secrets_in_place_and_empties_jobd_env(void **state)
{
	char a0[] = "jobd", a1[] = "--token", a2[] = "t0ken", a3[] = "--db",
	     a4[] = "postgres://u:pw@h/db?password=pw2&x=1", a5[] = "--web-dir", a6[] = "--token",
	     a7[] = "--token=t1", a8[] = "--read-token", a9[] = "r3ad", a10[] = "--read-token=r4";
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, NULL };
	char e1[] = "JOBD_TOKEN=envtok", e2[] = "JOBD_DB=postgresql://me:hush@db/jobs",
	     e3[] = "JOBD_LOG_LEVEL=info", e4[] = "JOBD_NOVALUE", e5[] = "NOT_JOBD=1",
	     e6[] = "JOBD_READ_TOKEN=rtok";

	(void)state;
	assert_int_equal(putenv(e1), 0);
	assert_int_equal(putenv(e2), 0);
	assert_int_equal(putenv(e3), 0);
	assert_int_equal(putenv(e4), 0);
	assert_int_equal(putenv(e5), 0);
	assert_int_equal(putenv(e6), 0);
	config_scrub(11, argv);
	assert_string_equal(a2, "*****");
	assert_string_equal(a4, "postgres://u:**@h/db?password=***&x=1");
	assert_string_equal(a6, "--token"); /* --web-dir's value, not a flag */
	assert_string_equal(a7, "--token=**");
	assert_string_equal(a9, "****");
	assert_string_equal(a10, "--read-token=**");
	assert_string_equal(e6, "JOBD_READ_TOKEN=****");
	assert_string_equal(e1, "JOBD_TOKEN=******");
	assert_string_equal(e2, "JOBD_DB=postgresql://me:****@db/jobs");
	assert_string_equal(e3, "JOBD_LOG_LEVEL=info"); /* not secret: only unset */
	for (char **e = environ; *e != NULL; e++)
		if (strncmp(*e, "JOBD_", 5) == 0)
			fail_msg("%s is still in the environment", *e);
	assert_string_equal(getenv("NOT_JOBD"), "1");
	unsetenv("NOT_JOBD");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scrub_overwrites_secrets_in_place_and_empties_jobd_env),
	};
	return cmocka_run_group_tests_name("config_scrub", tests, NULL, NULL);
}
