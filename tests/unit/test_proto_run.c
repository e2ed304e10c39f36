/*
 * test_proto_run.c — common/proto.c's RUN payload: built from argv, env,
 * cwd, stdin and the job's limits and decoded back exactly, and every
 * malformed payload a broken peer could send (unterminated strings, counts
 * beyond the bytes, trailing bytes, a short fixed part, a negative limit)
 * refused with a reason.
 */
#include "testutil.h"

#include "common/proto.h"

static void test_run_build_and_parse_round_trip(void **state)
{
	struct proto_run fixed = {
		.timeout_ms = 2500, .flags = 1u, .attempt = 2, .stdin_len = 4,
		.memory_mb = 256, .cpu_s = 2, .open_files = 16, .processes = 5,
	};
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)"", NULL };
	char *envp[] = { (char *)"A=1", (char *)"EMPTY=", NULL };
	struct proto_run_view v;
	char err[ERR_LEN];
	size_t len;
	void *run = proto_run_build(&fixed, argv, envp, "/srv/jobs", "in\0x", &len);
	(void)state;

	assert_non_null(run);
	assert_int_equal(len, sizeof(fixed) + 8 + 3 + 1 + 4 + 7 + 10 + 4);
	if (proto_run_parse(run, len, &v, err) != 0)
		fail_msg("proto_run_parse: %s", err);
	assert_int_equal(v.fixed.timeout_ms, 2500);
	assert_int_equal(v.fixed.flags, 1u);
	assert_int_equal(v.fixed.attempt, 2);
	assert_int_equal(v.fixed.argc, 3);
	assert_int_equal(v.fixed.envc, 2);
	assert_int_equal(v.fixed.memory_mb, 256);
	assert_int_equal(v.fixed.cpu_s, 2);
	assert_int_equal(v.fixed.open_files, 16);
	assert_int_equal(v.fixed.processes, 5);
	for (int i = 0; i < 3; i++)
		assert_string_equal(v.argv[i], argv[i]);
	assert_null(v.argv[3]);
	assert_string_equal(v.envp[0], "A=1");
	assert_string_equal(v.envp[1], "EMPTY=");
	assert_null(v.envp[2]);
	assert_string_equal(v.cwd, "/srv/jobs");
	assert_memory_equal(v.stdin_data, "in\0x", 4);
	proto_run_view_free(&v);
	free(run);
}

static void test_run_without_env_or_cwd_parses_to_empty_and_null(void **state)
{
	struct proto_run fixed = { .timeout_ms = 1 };
	char *argv[] = { (char *)"true", NULL };
	struct proto_run_view v;
	char err[ERR_LEN];
	size_t len;
	void *run = proto_run_build(&fixed, argv, NULL, NULL, NULL, &len);
	(void)state;

	assert_int_equal(proto_run_parse(run, len, &v, err), 0);
	assert_null(v.envp[0]);
	assert_null(v.cwd);
	assert_int_equal(v.fixed.stdin_len, 0);
	assert_int_equal(v.fixed.memory_mb, 0); /* no limits */
	assert_int_equal(v.fixed.processes, 0);
	proto_run_view_free(&v);
	free(run);
}

/* A RUN payload of the fixed part then exactly tail_len bytes of tail must
 * be refused with a message containing why, and hand back nothing to free. */
static void assert_rejected(uint32_t argc, uint32_t envc, uint32_t cwd_len, uint32_t stdin_len,
    const char *tail, size_t tail_len, const char *why)
{
	struct proto_run fixed = {
		.argc = argc, .envc = envc, .cwd_len = cwd_len, .stdin_len = stdin_len,
	};
	size_t len = sizeof(fixed) + tail_len;
	char *buf = malloc(len), err[ERR_LEN] = "";
	struct proto_run_view v;

	assert_non_null(buf);
	memcpy(buf, &fixed, sizeof(fixed));
	memcpy(buf + sizeof(fixed), tail, tail_len);
	assert_int_equal(proto_run_parse(buf, len, &v, err), -1);
	tu_assert_contains(err, why);
	assert_null(v.argv);
	assert_null(v.envp);
	free(buf);
}

static void test_run_without_argv_is_rejected(void **state)
{
	(void)state;
	assert_rejected(0, 0, 0, 0, "", 0, "empty argv");
}

static void test_run_with_unterminated_strings_is_rejected(void **state)
{
	(void)state;
	assert_rejected(1, 0, 0, 0, "true", 4, "argv string 0");
	assert_rejected(2, 0, 0, 0, "a\0b", 3, "argv string 1");
	assert_rejected(1, 1, 0, 0, "a\0K=V", 5, "env string 0");
	assert_rejected(1, 0, 2, 0, "a\0/x", 4, "cwd is not terminated");
	/* Counts far beyond what the bytes could hold. */
	assert_rejected(1000, 0, 0, 0, "a\0b\0", 4, "cannot fit");
	assert_rejected(1, 1000, 0, 0, "a\0b\0", 4, "cannot fit");
	assert_rejected(3, 0, 0, 0, "a\0b\0c", 5, "argv string 2");
}

static void test_run_with_trailing_or_missing_bytes_is_rejected(void **state)
{
	(void)state;
	assert_rejected(1, 0, 0, 0, "a\0x", 3, "trailing");
	assert_rejected(1, 0, 3, 0, "a\0/x", 4, "trailing");
	assert_rejected(1, 0, 0, 2, "a\0xyz", 5, "trailing");
	assert_rejected(1, 0, 0, 2, "a\0x", 3, "trailing");
}

static void test_run_with_a_negative_limit_is_rejected(void **state)
{
	char *argv[] = { (char *)"true", NULL };
	struct proto_run_view v;
	char err[ERR_LEN];
	size_t len;
	(void)state;

	for (int i = 0; i < 4; i++) {
		struct proto_run fixed = { .timeout_ms = 1 };
		int64_t *limit[] = { &fixed.memory_mb, &fixed.cpu_s, &fixed.open_files, &fixed.processes };
		*limit[i] = -1;
		void *run = proto_run_build(&fixed, argv, NULL, NULL, NULL, &len);
		err[0] = '\0';
		assert_int_equal(proto_run_parse(run, len, &v, err), -1);
		tu_assert_contains(err, "RUN: negative limit");
		tu_assert_contains(err, "-1");
		assert_null(v.argv);
		free(run);
	}
}

static void test_run_shorter_than_its_fixed_part_is_rejected(void **state)
{
	struct proto_run_view v;
	char buf[sizeof(struct proto_run) - 1] = { 0 }, err[ERR_LEN] = "";
	(void)state;

	assert_int_equal(proto_run_parse(buf, sizeof(buf), &v, err), -1);
	tu_assert_contains(err, "too short");
	assert_null(v.argv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_build_and_parse_round_trip),
		cmocka_unit_test(test_run_without_env_or_cwd_parses_to_empty_and_null),
		cmocka_unit_test(test_run_without_argv_is_rejected),
		cmocka_unit_test(test_run_with_unterminated_strings_is_rejected),
		cmocka_unit_test(test_run_with_trailing_or_missing_bytes_is_rejected),
		cmocka_unit_test(test_run_with_a_negative_limit_is_rejected),
		cmocka_unit_test(test_run_shorter_than_its_fixed_part_is_rejected),
	};
	return cmocka_run_group_tests_name("proto_run", tests, NULL, NULL);
}
