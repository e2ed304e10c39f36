/*
 * test_seam_worker.c — the worker side's system calls made to fail: fork of
 * a worker process, vfork of a job, sendmsg of a protocol message and write
 * of captured output. Each failure comes back as an error naming the call
 * and its errno text, leaves no descriptor behind, and an interrupted call
 * (EINTR) is retried so nothing sent or captured is lost.
 *
 * fork, vfork, sendmsg and write are wrapped at link time (the Makefile
 * links this test with -Wl,--wrap=...; fork and sendmsg are testutil_seam.h's).
 * A wrapper fails while its counter is above zero, else calls the real one —
 * except vfork, whose wrapper must not return into a frame the child shares:
 * it forks instead, which the child code (system calls, then execve or
 * _exit) allows.
 */
#include "testutil.h"
#include "testutil_seam.h"

#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "common/capture.h"
#include "common/proto.h"
#include "worker/run.h"
#include "worker/spawn.h"

static struct seam vfork_seam, write_seam;

pid_t __wrap_vfork(void);
ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);

pid_t __wrap_vfork(void) { return tu_seam_fail(&vfork_seam) ? -1 : __real_fork(); }

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	return tu_seam_fail(&write_seam) ? -1 : __real_write(fd, buf, n);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static int reset(void **state)
{
	(void)state;
	fork_seam = vfork_seam = sendmsg_seam = write_seam = (struct seam){ 0 };
	return 0;
}

static void test_a_worker_fork_that_fails_is_named_and_leaks_no_socket(void **state)
{
	struct spawn_args a = { .exe = "/bin/false", .output_dir = "/tmp", .log_level = "info",
		.log_format = "text" };
	char err[ERR_LEN];
	pid_t pid = 0;
	int sock = -1, before = open_fds();

	(void)state;
	fork_seam = (struct seam){ .fails = 1, .err = EAGAIN };
	assert_int_equal(spawn_worker(&a, &pid, &sock, err), -1);
	assert_string_equal(err, "fork: Resource temporarily unavailable");
	assert_int_equal(fork_seam.calls, 1);
	assert_int_equal(sock, -1);
	assert_int_equal(open_fds(), before);
}

static void test_a_job_vfork_that_fails_ends_the_attempt_naming_vfork(void **state)
{
	const char *const argv[] = { "/bin/true", NULL };
	struct proto_run fixed = { .timeout_ms = 10000, .attempt = 1 };
	struct proto_run_view v;
	struct run_result res;
	static volatile sig_atomic_t terminate;
	char dir[TU_PATH_MAX], err[ERR_LEN], drain[4096];
	int sock[2], wake[2];
	size_t len;

	(void)state;
	tu_tmpdir(dir, sizeof(dir));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock), 0);
	assert_int_equal(pipe2(wake, O_CLOEXEC | O_NONBLOCK), 0);
	tu_wake_on_sigchld(wake[1]);
	struct run_env env = { .sock = sock[0], .wake_fd = wake[0], .terminate = &terminate,
		.output_dir = dir, .output_limit = 1 << 20, .kill_grace_ms = 500 };
	void *payload = proto_run_build(&fixed, (char *const *)argv, NULL, dir, NULL, &len);
	assert_non_null(payload);
	if (proto_run_parse(payload, len, &v, err) != 0)
		fail_msg("proto_run_parse: %s", err);
	/* A job that starts (the wrapper forks for real); start.c keeps its
	 * /dev/null open from then on. */
	assert_int_equal(run_job(&env, 7, &v, &res), RUN_OUTCOME_DONE);
	if (res.status != RUN_EXITED)
		fail_msg("job 7: status %d: %s", res.status, res.error);
	int before = open_fds();

	vfork_seam = (struct seam){ .fails = 1, .err = EAGAIN };
	assert_int_equal(run_job(&env, 8, &v, &res), RUN_OUTCOME_DONE);
	assert_int_equal(vfork_seam.calls, 1);
	assert_int_equal(res.status, RUN_START_FAILED);
	assert_string_equal(res.error, "vfork: Resource temporarily unavailable");
	assert_int_equal(open_fds(), before);

	/* The next attempt starts again. */
	assert_int_equal(run_job(&env, 9, &v, &res), RUN_OUTCOME_DONE);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 0);
	while (recv(sock[1], drain, sizeof(drain), MSG_DONTWAIT) > 0) /* STARTED */
		;
	proto_run_view_free(&v);
	free(payload);
	tu_wake_on_sigchld(-1);
	close(sock[0]);
	close(sock[1]);
	close(wake[0]);
	close(wake[1]);
	tu_rmtree(dir);
}

static void test_a_protocol_send_that_fails_is_named_and_eintr_is_retried(void **state)
{
	struct proto_header hdr;
	char err[ERR_LEN], want[64];
	void *payload = NULL;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	sendmsg_seam = (struct seam){ .fails = 1, .err = EPIPE };
	assert_int_equal(proto_send(sv[0], PROTO_CANCEL, 2, 9, NULL, 0, err), -1);
	snprintf(want, sizeof(want), "sendmsg fd %d: Broken pipe", sv[0]);
	assert_string_equal(err, want);

	/* Interrupted: sent again, and the peer gets the one whole message. */
	sendmsg_seam = (struct seam){ .fails = 2, .err = EINTR };
	assert_int_equal(proto_send(sv[0], PROTO_CANCEL, 2, 9, NULL, 0, err), 0);
	assert_int_equal(sendmsg_seam.calls, 3);
	assert_int_equal(proto_recv(sv[1], &hdr, &payload, err), 1);
	assert_int_equal(hdr.type, PROTO_CANCEL);
	assert_int_equal(hdr.slot, 2);
	assert_int_equal(hdr.job_id, 9);
	assert_int_equal(hdr.len, 0);
	free(payload);
	close(sv[0]);
	close(sv[1]);
}

static void test_a_capture_write_that_fails_is_named_once_and_bytes_still_count(void **state)
{
	struct capture c;
	char dir[TU_PATH_MAX], err[ERR_LEN], want[CAPTURE_PATH_MAX + 64];

	(void)state;
	tu_tmpdir(dir, sizeof(dir));
	capture_init(&c, dir, 5, CAPTURE_STDOUT, 1 << 20, 1);
	write_seam = (struct seam){ .fails = 1, .err = ENOSPC };
	assert_int_equal(capture_write(&c, "hello\n", 6, err), -1);
	snprintf(want, sizeof(want), "write %s: No space left on device", c.path);
	assert_string_equal(err, want);
	/* Said once; the job goes on and what it writes is still counted. */
	err[0] = '\0';
	assert_int_equal(capture_write(&c, "more\n", 5, err), 0);
	assert_string_equal(err, "");
	assert_int_equal(c.total, 11);
	capture_close(&c);
	tu_rmtree(dir);
}

static void test_an_interrupted_capture_write_loses_nothing(void **state)
{
	struct capture c;
	char dir[TU_PATH_MAX], err[ERR_LEN];
	size_t len;

	(void)state;
	tu_tmpdir(dir, sizeof(dir));
	capture_init(&c, dir, 6, CAPTURE_STDERR, 1 << 20, 1);
	write_seam = (struct seam){ .fails = 1, .err = EINTR };
	assert_int_equal(capture_write(&c, "all of it\n", 10, err), 0);
	assert_int_equal(write_seam.calls, 2);
	capture_close(&c);
	char *text = tu_read_file(c.path, &len);
	assert_non_null(text);
	assert_string_equal(text, "all of it\n");
	free(text);
	tu_rmtree(dir);
}

#define T(name) cmocka_unit_test_setup(name, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_worker_fork_that_fails_is_named_and_leaks_no_socket),
		T(test_a_job_vfork_that_fails_ends_the_attempt_naming_vfork),
		T(test_a_protocol_send_that_fails_is_named_and_eintr_is_retried),
		T(test_a_capture_write_that_fails_is_named_once_and_bytes_still_count),
		T(test_an_interrupted_capture_write_loses_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
