/*
 * test_run_limits.c — worker/run.c, start.c, limits.c and cgroup.c together
 * on real processes, the way a worker runs a job: each limit stops a job
 * that goes over it and names itself in the error, a job under its limits
 * succeeds, the memory cgroup covers grandchildren, what escaped the job's
 * process group dies with its cgroup, a limit the child cannot apply fails
 * the start with the call that failed, and no job's cgroup directory is
 * left (the worker's jobd-w<pid> stays until cgroup_fini).
 *
 * Where this machine has no usable cgroup (not root, no controller), the
 * memory tests check the RLIMIT_AS fallback instead, and the tests that need
 * a cgroup say so and pass: run.sh counts a skipped test as a failure.
 */
#include "testutil.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "common/capture.h"
#include "common/proto.h"
#include "worker/cgroup.h"
#include "worker/limits.h"
#include "worker/run.h"
#include "worker/run_internal.h"

#define PYTHON "/usr/bin/python3"
#define ALLOC_300_MB "b = bytearray(300 << 20); print(len(b))"

struct fixture {
	char dir[TU_PATH_MAX];
	struct cgroup_set cs;
	int have_cgroups;
	char why[ERR_LEN];
	int sock[2];
	struct run_env env;
};

static int wake[2] = { -1, -1 };
static volatile sig_atomic_t terminate_flag;

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tu_tmpdir(f->dir, sizeof(f->dir));
	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0)
		fail_msg("pipe2: %s", strerror(errno));
	tu_wake_on_sigchld(wake[1]);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->sock) < 0)
		fail_msg("socketpair: %s", strerror(errno));
	/* As the worker is: escaped grandchildren come back to be reaped. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fail_msg("prctl: %s", strerror(errno));
	f->have_cgroups = cgroup_init(&f->cs, getpid(), f->why) == 0;
	char line[1024];
	limits_describe_setup(&f->cs, geteuid() == 0, line, sizeof(line));
	print_message("%s\n", line);
	f->env = (struct run_env){
		.sock = f->sock[0], .wake_fd = wake[0], .terminate = &terminate_flag, .slot = 0,
		.output_dir = f->dir, .output_limit = 1 << 20, .kill_grace_ms = 500,
		.cgroups = f->have_cgroups ? &f->cs : NULL,
	};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char err[ERR_LEN];

	cgroup_fini(&f->cs, err);
	tu_wake_on_sigchld(-1);
	close(f->sock[0]);
	close(f->sock[1]);
	close(wake[0]);
	close(wake[1]);
	tu_rmtree(f->dir);
	free(f);
	return 0;
}

static void assert_group_gone(const struct cgroup_ctl *ctl, int64_t id)
{
	char path[CGROUP_PATH_MAX + 32];

	if (ctl->version == CGROUP_NONE)
		return;
	snprintf(path, sizeof(path), "%s/job-%lld", ctl->dir, (long long)id);
	if (tu_exists(path))
		fail_msg("%s is left behind", path);
}

/* Runs argv with the limits the way a worker does, to the end. */
static void run(struct fixture *f, int64_t id, const char *const *argv, struct job_limits lim,
    struct run_result *res)
{
	struct proto_run fixed = {
		.timeout_ms = 30000, .attempt = 1, .memory_mb = lim.memory_mb, .cpu_s = lim.cpu_s,
		.open_files = lim.open_files, .processes = lim.processes,
	};
	struct proto_run_view v;
	char err[ERR_LEN], drain[4096];
	size_t len;
	void *payload = proto_run_build(&fixed, (char *const *)argv, NULL, f->dir, NULL, &len);

	assert_non_null(payload);
	if (proto_run_parse(payload, len, &v, err) != 0)
		fail_msg("proto_run_parse: %s", err);
	assert_int_equal(run_job(&f->env, id, &v, res), RUN_OUTCOME_DONE);
	proto_run_view_free(&v);
	free(payload);
	while (recv(f->sock[1], drain, sizeof(drain), MSG_DONTWAIT) > 0) /* STARTED */
		;
	assert_group_gone(&f->cs.memory, id);
	assert_group_gone(&f->cs.pids, id);
}

/* Whether a child of this process may lower its hard RLIMIT_NOFILE: under
 * valgrind it may not (valgrind keeps the hard limit for itself), and the
 * job then fails to start, which is checked instead. */
static bool can_lower_nofile(void)
{
	int ws;
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit rl = { 16, 16 };
		_exit(setrlimit(RLIMIT_NOFILE, &rl) == 0 ? 0 : 1);
	}
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (!(WIFEXITED(ws) && WEXITSTATUS(ws) == 0)) {
		print_message("a child cannot lower its hard RLIMIT_NOFILE here (valgrind?)\n");
		return false;
	}
	return true;
}

static bool have(const struct fixture *f, const struct cgroup_ctl *ctl, const char *what)
{
	if (ctl->version != CGROUP_NONE)
		return true;
	print_message("no %s cgroup here (%s): nothing to check\n", what,
	    f->have_cgroups ? ctl->why : f->why);
	return false;
}

static void test_memory_limit_stops_a_job_that_allocates_more(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = { PYTHON, "-c", ALLOC_300_MB, NULL };
	struct run_result res;

	run(f, 101, argv, (struct job_limits){ .memory_mb = 100 }, &res);
	if (f->cs.memory.version != CGROUP_NONE) {
		assert_int_equal(res.status, RUN_SIGNALED);
		assert_int_equal(res.term_signal, SIGKILL);
		assert_string_equal(res.error, "killed by signal 9 (Killed); memory limit 100 MB exceeded");
	} else { /* RLIMIT_AS: the allocation fails, python says MemoryError */
		assert_int_equal(res.status, RUN_EXITED);
		assert_int_equal(res.exit_code, 1);
		assert_string_equal(res.error, "exit code 1; memory limit 100 MB may have been "
					       "exceeded (address-space rlimit, not confirmed)");
	}
}

static void test_memory_cgroup_covers_grandchildren(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = {
		"/bin/sh", "-c", PYTHON " -c '" ALLOC_300_MB "'; exit 3", NULL,
	};
	struct run_result res;

	if (!have(f, &f->cs.memory, "memory"))
		return;
	run(f, 102, argv, (struct job_limits){ .memory_mb = 100 }, &res);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 3);
	assert_string_equal(res.error, "exit code 3; memory limit 100 MB exceeded");
}

static void test_job_under_its_limits_succeeds(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = {
		"/bin/sh", "-c", PYTHON " -c 'b = bytearray(20 << 20)' && ls / >/dev/null", NULL,
	};
	struct run_result res;

	run(f, 103, argv,
	    (struct job_limits){ .memory_mb = 200, .cpu_s = 10,
		.open_files = can_lower_nofile() ? 64 : 0, .processes = 20 },
	    &res);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 0);
	assert_string_equal(res.error, "");
}

static void test_cpu_limit_stops_a_busy_loop_with_sigxcpu(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = { "/bin/sh", "-c", "while :; do :; done", NULL };
	struct run_result res;

	run(f, 104, argv, (struct job_limits){ .cpu_s = 1 }, &res);
	assert_int_equal(res.status, RUN_SIGNALED);
	assert_int_equal(res.term_signal, SIGXCPU);
	/* The rlimit counts scheduler time; rusage splits it from sampled ticks,
	 * which on a loaded machine has read as 0.7 s for a 1 s limit. Half the
	 * limit still tells a CPU-limit kill from any other SIGXCPU. */
	if (res.cpu_user_us + res.cpu_sys_us < 500000)
		fail_msg("SIGXCPU after %lld us of CPU", (long long)(res.cpu_user_us + res.cpu_sys_us));
	assert_string_equal(res.error,
	    "killed by signal 24 (CPU time limit exceeded); cpu limit 1 s exceeded");
}

static void test_open_files_limit_refuses_the_file_over_it(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = {
		PYTHON, "-c", "import os\nfds = [os.open('/dev/null', os.O_RDONLY) for _ in range(50)]",
		NULL,
	};
	struct run_result res;
	char path[CAPTURE_PATH_MAX];

	run(f, 105, argv, (struct job_limits){ .open_files = 16 }, &res);
	if (!can_lower_nofile()) {
		assert_int_equal(res.status, RUN_START_FAILED);
		assert_string_equal(res.error, "setrlimit RLIMIT_NOFILE: Operation not permitted");
		return;
	}
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 1);
	assert_string_equal(res.error, ""); /* no clause: nothing counts EMFILE */
	capture_path(path, sizeof(path), f->dir, 105, CAPTURE_STDERR);
	char *text = tu_read_file(path, NULL);
	tu_assert_contains(text, "Too many open files");
	free(text);
}

static void test_processes_limit_refuses_forks_and_says_so(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = {
		"/bin/sh", "-c", "for i in $(seq 20); do sleep 5 & done; wait", NULL,
	};
	struct run_result res;

	if (!have(f, &f->cs.pids, "pids"))
		return;
	run(f, 106, argv, (struct job_limits){ .processes = 5 }, &res);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_not_equal(res.exit_code, 0);
	tu_assert_contains(res.error, "; processes limit 5 reached (fork refused)");
	assert_true(res.run_us < 4000000); /* the shell gave up; the sleeps were killed */
}

static void test_what_escaped_the_group_dies_with_the_cgroup(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = {
		"/bin/sh", "-c", "setsid sleep 60 >/dev/null 2>&1 </dev/null & echo started", NULL,
	};
	struct run_result res;

	if (!have(f, &f->cs.memory, "memory"))
		return;
	run(f, 107, argv, (struct job_limits){ .memory_mb = 50 }, &res); /* asserts the group went */
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 0);
	assert_string_equal(res.error, "");
}

/* run_start with a prepared limits_job whose child side must fail. */
static void assert_start_fails(struct fixture *f, const struct limits_job *lim, const char *want)
{
	const char *const argv[] = { "/bin/true", NULL };
	struct proto_run fixed = { .timeout_ms = 1000, .attempt = 1 };
	struct job_proc p = { .pid = -1, .out_fd = -1, .err_fd = -1, .in_fd = -1 };
	struct run_result res = { 0 };
	struct proto_run_view v;
	char err[ERR_LEN];
	size_t len;
	void *payload = proto_run_build(&fixed, (char *const *)argv, NULL, NULL, NULL, &len);

	if (proto_run_parse(payload, len, &v, err) != 0)
		fail_msg("proto_run_parse: %s", err);
	assert_int_equal(run_start(&f->env, 108, &v, lim, &p, &res), -1);
	assert_int_equal(res.status, RUN_START_FAILED);
	assert_string_equal(res.error, want);
	assert_true(p.pid > 0);
	int ws;
	while (waitpid(p.pid, &ws, 0) < 0 && errno == EINTR)
		;
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 127);
	run_close_fd(&p.out_fd);
	run_close_fd(&p.err_fd);
	run_close_fd(&p.in_fd);
	proto_run_view_free(&v);
	free(payload);
}

static void test_setrlimit_failure_in_the_child_fails_the_start(void **state)
{
	struct fixture *f = *state;
	struct limits_job lim = { .n_rlimits = 1, .cg = { .mem = -1, .pids = -1 } };

	lim.cg.procs_fd[0] = lim.cg.procs_fd[1] = -1;
	lim.rlimits[0].resource = RLIMIT_CPU;
	lim.rlimits[0].rl = (struct rlimit){ .rlim_cur = 10, .rlim_max = 5 }; /* soft > hard */
	assert_start_fails(f, &lim, "setrlimit RLIMIT_CPU: Invalid argument");
}

static void test_cgroup_join_failure_in_the_child_fails_the_start(void **state)
{
	struct fixture *f = *state;
	struct job_limits want = { .memory_mb = 64 };
	struct limits_job lim;
	char err[ERR_LEN], want_err[ERR_LEN + CGROUP_PATH_MAX];

	if (!have(f, &f->cs.memory, "memory"))
		return;
	if (limits_prepare(&lim, &want, &f->cs, 108, err) != 0)
		fail_msg("limits_prepare: %s", err);
	/* The group goes away under the open cgroup.procs: the write fails. */
	if (rmdir(lim.cg.dir[0]) < 0)
		fail_msg("rmdir %s: %s", lim.cg.dir[0], strerror(errno));
	snprintf(want_err, sizeof(want_err), "join cgroup %s: No such device", lim.cg.dir[0]);
	assert_start_fails(f, &lim, want_err);
	assert_int_equal(limits_finish(&lim, NULL, err), 0);
}

static void test_worker_groups_are_removed_at_fini(void **state)
{
	struct fixture *f = *state;
	char err[ERR_LEN], mem[CGROUP_PATH_MAX], pids[CGROUP_PATH_MAX];

	snprintf(mem, sizeof(mem), "%s", f->cs.memory.dir);
	snprintf(pids, sizeof(pids), "%s", f->cs.pids.dir);
	if (cgroup_fini(&f->cs, err) != 0)
		fail_msg("cgroup_fini: %s", err);
	assert_false(mem[0] != '\0' && tu_exists(mem));
	assert_false(pids[0] != '\0' && tu_exists(pids));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_limit_stops_a_job_that_allocates_more),
		cmocka_unit_test(test_memory_cgroup_covers_grandchildren),
		cmocka_unit_test(test_job_under_its_limits_succeeds),
		cmocka_unit_test(test_cpu_limit_stops_a_busy_loop_with_sigxcpu),
		cmocka_unit_test(test_open_files_limit_refuses_the_file_over_it),
		cmocka_unit_test(test_processes_limit_refuses_forks_and_says_so),
		cmocka_unit_test(test_what_escaped_the_group_dies_with_the_cgroup),
		cmocka_unit_test(test_setrlimit_failure_in_the_child_fails_the_start),
		cmocka_unit_test(test_cgroup_join_failure_in_the_child_fails_the_start),
		cmocka_unit_test(test_worker_groups_are_removed_at_fini),
	};
	return cmocka_run_group_tests_name("run_limits", tests, setup, teardown);
}
