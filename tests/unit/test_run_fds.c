/*
 * test_run_fds.c — worker/fds.c and its use in start.c when close_range(2)
 * fails, as on kernels before 5.11 (ENOSYS before 5.9, EINVAL for
 * CLOSE_RANGE_CLOEXEC before 5.11): a job still inherits nothing above
 * fd 2, and the worker's start-up sweep still closes what it must.
 *
 * close_range is wrapped at link time (the Makefile links this test with
 * -Wl,--wrap=close_range), so every call in libjobd.a lands here and
 * fails with the errno the test chose.
 */
#include "testutil.h"

#include <signal.h>
#include <sys/prctl.h>

#include "common/capture.h"
#include "common/proto.h"
#include "worker/fds.h"
#include "worker/run.h"

static int close_range_errno;   /* 0: the real call */
static int close_range_calls;

int __real_close_range(unsigned int first, unsigned int last, int flags);
int __wrap_close_range(unsigned int first, unsigned int last, int flags);

/* Called in a vforked child too: touches nothing but these two ints (the
 * counter is shared with the parent until exec, which is what we want). */
int __wrap_close_range(unsigned int first, unsigned int last, int flags)
{
	close_range_calls++;
	if (close_range_errno == 0)
		return __real_close_range(first, last, flags);
	errno = close_range_errno;
	return -1;
}

struct fixture {
	char dir[TU_PATH_MAX];
	int sock[2];
	int wake[2];
	struct run_env env;
};

static volatile sig_atomic_t terminate_flag;

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tu_tmpdir(f->dir, sizeof(f->dir));
	if (pipe2(f->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		fail_msg("pipe2: %s", strerror(errno));
	tu_wake_on_sigchld(f->wake[1]);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->sock) < 0)
		fail_msg("socketpair: %s", strerror(errno));
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fail_msg("prctl: %s", strerror(errno));
	f->env = (struct run_env){
		.sock = f->sock[0], .wake_fd = f->wake[0], .terminate = &terminate_flag, .slot = 0,
		.output_dir = f->dir, .output_limit = 1 << 20, .kill_grace_ms = 500, .cgroups = NULL,
	};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tu_wake_on_sigchld(-1);
	close(f->sock[0]);
	close(f->sock[1]);
	close(f->wake[0]);
	close(f->wake[1]);
	tu_rmtree(f->dir);
	free(f);
	return 0;
}

/* A descriptor at a high number without close-on-exec, as the worker's
 * socket on fd 3 is when it arrives from the server. */
static int leak_fd(int from, int at)
{
	int fd = dup2(from, at);
	if (fd < 0)
		fail_msg("dup2 %d: %s", at, strerror(errno));
	return fd;
}

/* ls of the job's /proc/self/fd, through run_job as a worker runs a job. */
static char *job_fd_listing(struct fixture *f, int64_t id)
{
	const char *const argv[] = { "/bin/ls", "-1", "/proc/self/fd", NULL };
	struct proto_run fixed = { .timeout_ms = 10000, .attempt = 1 };
	struct proto_run_view v;
	struct run_result res;
	char err[ERR_LEN], path[CAPTURE_PATH_MAX], drain[4096];
	size_t len;
	void *payload = proto_run_build(&fixed, (char *const *)argv, NULL, f->dir, NULL, &len);

	assert_non_null(payload);
	if (proto_run_parse(payload, len, &v, err) != 0)
		fail_msg("proto_run_parse: %s", err);
	assert_int_equal(run_job(&f->env, id, &v, &res), RUN_OUTCOME_DONE);
	proto_run_view_free(&v);
	free(payload);
	while (recv(f->sock[1], drain, sizeof(drain), MSG_DONTWAIT) > 0) /* STARTED */
		;
	if (res.status != RUN_EXITED || res.exit_code != 0)
		fail_msg("ls failed: status %d, exit %d, %s", res.status, res.exit_code, res.error);
	capture_path(path, sizeof(path), f->dir, id, CAPTURE_STDOUT);
	return tu_read_file(path, NULL);
}

static void assert_only_stdio(struct fixture *f, int64_t id, int err)
{
	int leaked = leak_fd(f->sock[0], 40);

	close_range_errno = err;
	close_range_calls = 0;
	char *text = job_fd_listing(f, id);
	close_range_errno = 0;
	close(leaked);
	/* The job starts from a vfork child, which counts in our memory; under
	 * valgrind vfork is a fork, and the count stays in the child. */
	const char *preload = getenv("LD_PRELOAD");
	if (preload == NULL || strstr(preload, "vgpreload") == NULL)
		assert_true(close_range_calls > 0);
	/* 0-2 and ls's own directory fd, which is the lowest free: 3. */
	assert_string_equal(text, "0\n1\n2\n3\n");
	free(text);
}

static void test_no_fd_above_2_reaches_a_job_when_close_range_is_missing(void **state)
{
	assert_only_stdio(*state, 1, ENOSYS);
}

static void test_no_fd_above_2_reaches_a_job_when_close_range_cloexec_is_refused(void **state)
{
	assert_only_stdio(*state, 2, EINVAL);
}

static void test_no_fd_above_2_reaches_a_job_with_close_range(void **state)
{
	assert_only_stdio(*state, 3, 0);
}

static void test_close_from_closes_everything_above_without_close_range(void **state)
{
	struct fixture *f = *state;
	int a = leak_fd(f->sock[0], 50), b = leak_fd(f->sock[0], 51);

	close_range_errno = ENOSYS;
	assert_int_equal(fds_close_from(50), 0);
	close_range_errno = 0;
	assert_int_equal(fcntl(a, F_GETFD), -1);
	assert_int_equal(fcntl(b, F_GETFD), -1);
	assert_true(fcntl(f->sock[0], F_GETFD) >= 0); /* below: kept */
}

static void test_cloexec_from_marks_without_closing(void **state)
{
	struct fixture *f = *state;
	int a = leak_fd(f->sock[0], 60);

	close_range_errno = EINVAL;
	assert_int_equal(fds_cloexec_from(60), 0);
	close_range_errno = 0;
	assert_int_equal(fcntl(a, F_GETFD), FD_CLOEXEC);
	close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_fd_above_2_reaches_a_job_when_close_range_is_missing),
		cmocka_unit_test(test_no_fd_above_2_reaches_a_job_when_close_range_cloexec_is_refused),
		cmocka_unit_test(test_no_fd_above_2_reaches_a_job_with_close_range),
		cmocka_unit_test(test_close_from_closes_everything_above_without_close_range),
		cmocka_unit_test(test_cloexec_from_marks_without_closing),
	};
	return cmocka_run_group_tests_name("run_fds", tests, setup, teardown);
}
