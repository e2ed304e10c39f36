/*
 * test_run_msg.c — server/pool/run_msg.c: a stored job becomes the RUN payload a
 * worker executes, checked by decoding it with common/proto.c's parser: argv
 * from an array as is, a string through /bin/sh -c, env as "K=V", the
 * default working directory, stdin bytes, the timeout in milliseconds, the
 * job's limits.
 */
#include "testutil.h"

#include "common/proto.h"
#include "pool/run_msg.h"

/* A claimed job as the dispatcher holds it. */
static struct job claimed(const char *command, const char *env)
{
	struct job j = {
		.id = 12, .command = (char *)command, .env = (char *)env, .state = JOB_RUNNING,
		.timeout_s = 1.5, .max_attempts = 3, .attempts = 2,
	};
	return j;
}

struct decoded {
	void *payload;
	struct proto_run_view v;
};

static void build(const struct job *j, struct decoded *d)
{
	char err[ERR_LEN];
	size_t len;

	d->payload = run_msg_build(j, "/var/jobs", &len, err);
	if (d->payload == NULL)
		fail_msg("run_msg_build: %s", err);
	if (proto_run_parse(d->payload, len, &d->v, err) != 0)
		fail_msg("proto_run_parse: %s", err);
}

static void done(struct decoded *d)
{
	proto_run_view_free(&d->v);
	free(d->payload);
}

static void test_array_command_is_the_argv(void **state)
{
	struct job j = claimed("[\"printf\",\"%s\\n\",\"a b\",\"\"]", "{}");
	struct decoded d;
	(void)state;

	build(&j, &d);
	assert_int_equal(d.v.fixed.argc, 4);
	assert_string_equal(d.v.argv[0], "printf");
	assert_string_equal(d.v.argv[1], "%s\n");
	assert_string_equal(d.v.argv[2], "a b");
	assert_string_equal(d.v.argv[3], "");
	assert_null(d.v.argv[4]);
	assert_int_equal(d.v.fixed.envc, 3); /* JOBD_JOB_ID, JOBD_ATTEMPT, JOBD_CPUS */
	done(&d);
}

static void test_string_command_runs_through_sh_c(void **state)
{
	struct job j = claimed("\"echo $HOME | wc -c\"", "{}");
	struct decoded d;
	(void)state;

	build(&j, &d);
	assert_int_equal(d.v.fixed.argc, 3);
	assert_string_equal(d.v.argv[0], "/bin/sh");
	assert_string_equal(d.v.argv[1], "-c");
	assert_string_equal(d.v.argv[2], "echo $HOME | wc -c");
	done(&d);
}

static void test_env_becomes_key_equals_value_strings(void **state)
{
	struct job j = claimed("[\"env\"]", "{\"A\":\"1\",\"PATH\":\"/x:/y\",\"EMPTY\":\"\"}");
	struct decoded d;
	(void)state;

	build(&j, &d);
	assert_int_equal(d.v.fixed.envc, 6);
	assert_string_equal(d.v.envp[3], "A=1");
	assert_string_equal(d.v.envp[4], "PATH=/x:/y");
	assert_string_equal(d.v.envp[5], "EMPTY=");
	assert_null(d.v.envp[6]);
	done(&d);
}

/* Every job knows which job and which attempt it is; its own env cannot
 * pretend otherwise. */
static void test_job_id_and_attempt_come_first_and_cannot_be_overridden(void **state)
{
	struct job j = claimed("[\"env\"]", "{\"JOBD_ATTEMPT\":\"9\",\"B\":\"2\"}");
	struct decoded d;
	(void)state;

	j.id = 4242;
	j.attempts = 3;
	build(&j, &d);
	assert_int_equal(d.v.fixed.envc, 4);
	assert_string_equal(d.v.envp[0], "JOBD_JOB_ID=4242");
	assert_string_equal(d.v.envp[1], "JOBD_ATTEMPT=3");
	assert_string_equal(d.v.envp[2], "JOBD_CPUS=1");
	assert_string_equal(d.v.envp[3], "B=2");
	done(&d);
}

/* A multi-core job is told how many slots it holds (make -j"$JOBD_CPUS"),
 * whatever its own env says. */
static void test_jobd_cpus_is_the_slots_the_job_holds(void **state)
{
	struct job j = claimed("[\"make\"]", "{\"JOBD_CPUS\":\"64\"}");
	struct decoded d;
	(void)state;

	j.cpus = 3;
	build(&j, &d);
	assert_int_equal(d.v.fixed.envc, 3);
	assert_string_equal(d.v.envp[2], "JOBD_CPUS=3");
	done(&d);
}

static void test_cwd_is_the_jobs_own_or_the_default(void **state)
{
	struct job j = claimed("[\"pwd\"]", "{}");
	struct decoded d;
	(void)state;

	build(&j, &d);
	assert_string_equal(d.v.cwd, "/var/jobs");
	done(&d);
	j.cwd = (char *)"/srv/data";
	build(&j, &d);
	assert_string_equal(d.v.cwd, "/srv/data");
	done(&d);
}

static void test_stdin_timeout_and_attempt_are_carried(void **state)
{
	struct job j = claimed("[\"cat\"]", "{}");
	struct decoded d;
	(void)state;

	j.stdin_data = (char *)"line\n\0bin";
	j.stdin_len = 9;
	build(&j, &d);
	assert_int_equal(d.v.fixed.stdin_len, 9);
	assert_memory_equal(d.v.stdin_data, "line\n\0bin", 9);
	assert_int_equal(d.v.fixed.timeout_ms, 1500);
	assert_int_equal(d.v.fixed.attempt, 2);
	done(&d);
}

static void test_tiny_timeout_rounds_up_to_one_millisecond(void **state)
{
	struct job j = claimed("[\"true\"]", "{}");
	struct decoded d;
	(void)state;

	j.timeout_s = 0.0001;
	build(&j, &d);
	assert_int_equal(d.v.fixed.timeout_ms, 1);
	done(&d);
	j.timeout_s = 86400;
	build(&j, &d);
	assert_int_equal(d.v.fixed.timeout_ms, 86400000);
	done(&d);
}

static void test_limits_are_carried_and_absent_ones_are_zero(void **state)
{
	struct job j = claimed("[\"true\"]", "{}");
	struct decoded d;
	(void)state;

	build(&j, &d);
	assert_int_equal(d.v.fixed.memory_mb, 0);
	assert_int_equal(d.v.fixed.cpu_s, 0);
	assert_int_equal(d.v.fixed.open_files, 0);
	assert_int_equal(d.v.fixed.processes, 0);
	done(&d);
	j.limits = (struct job_limits){ .memory_mb = 256, .cpu_s = 2, .open_files = 16, .processes = 5 };
	build(&j, &d);
	assert_int_equal(d.v.fixed.memory_mb, 256);
	assert_int_equal(d.v.fixed.cpu_s, 2);
	assert_int_equal(d.v.fixed.open_files, 16);
	assert_int_equal(d.v.fixed.processes, 5);
	done(&d);
}

static void test_unreadable_stored_command_is_an_error(void **state)
{
	static const char *const bad[] = { "not json", "[]", "42", "{\"a\":1}" };
	char err[ERR_LEN];
	size_t len;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct job j = claimed(bad[i], "{}");
		err[0] = '\0';
		assert_null(run_msg_build(&j, "/", &len, err));
		tu_assert_contains(err, "job 12");
	}
}

static size_t built_len(const struct job *j)
{
	char err[ERR_LEN];
	size_t len;
	void *payload = run_msg_build(j, "/var/jobs", &len, err);

	if (payload == NULL)
		fail_msg("run_msg_build: %s", err);
	free(payload);
	return len;
}

/* run_msg_size is what submit checks against the protocol's limit: never
 * below what run_msg_build makes, for small jobs (its cheap bound) and for
 * one over the limit (parsed, exact but for the id and attempt digits). */
static void test_size_bounds_the_built_message_small_and_huge(void **state)
{
	struct job j = claimed("[\"printf\",\"%s\\n\",\"\\u00e9\"]", "{\"A\":\"1\",\"B\":\"\\t\"}");
	(void)state;

	assert_true(run_msg_size(&j, "/var/jobs") >= built_len(&j));
	assert_true(run_msg_size(&j, "/var/jobs") <= run_msg_max());
	j = claimed("\"true\"", "{}");
	j.cwd = "/srv";
	j.stdin_data = "in";
	j.stdin_len = 2;
	assert_true(run_msg_size(&j, "/var/jobs") >= built_len(&j));

	size_t n = run_msg_max();
	char *env = malloc(n + 16);
	assert_non_null(env);
	memcpy(env, "{\"BIG\":\"", 8);
	memset(env + 8, 'v', n);
	memcpy(env + 8 + n, "\"}", 3);
	j = claimed("[\"true\"]", env);
	size_t size = run_msg_size(&j, "/var/jobs");
	assert_true(size > run_msg_max());
	size_t len = built_len(&j);
	assert_true(size >= len);
	assert_true(size - len < 64); /* the longest JOBD_JOB_ID, JOBD_ATTEMPT and JOBD_CPUS */
	free(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_array_command_is_the_argv),
		cmocka_unit_test(test_string_command_runs_through_sh_c),
		cmocka_unit_test(test_env_becomes_key_equals_value_strings),
		cmocka_unit_test(test_job_id_and_attempt_come_first_and_cannot_be_overridden),
		cmocka_unit_test(test_jobd_cpus_is_the_slots_the_job_holds),
		cmocka_unit_test(test_cwd_is_the_jobs_own_or_the_default),
		cmocka_unit_test(test_stdin_timeout_and_attempt_are_carried),
		cmocka_unit_test(test_tiny_timeout_rounds_up_to_one_millisecond),
		cmocka_unit_test(test_limits_are_carried_and_absent_ones_are_zero),
		cmocka_unit_test(test_unreadable_stored_command_is_an_error),
		cmocka_unit_test(test_size_bounds_the_built_message_small_and_huge),
	};
	return cmocka_run_group_tests_name("run_msg", tests, NULL, NULL);
}
