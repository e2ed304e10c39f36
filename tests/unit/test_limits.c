/*
 * test_limits.c — worker/limits.c without running a job: which rlimits a
 * job gets (and that a cgroup takes memory_mb and processes over from
 * them), values capped at the worker's own hard limit, a cgroup that
 * cannot be made failing the start with nothing left behind, every DONE
 * error clause of limits.h and when it is not given, the child's failure
 * texts and the worker's start-up line. Real processes: test_run_limits.c.
 */
#include "testutil.h"

#include <signal.h>
#include <sys/resource.h>

#include "worker/limits.h"

/* A cgroup set whose controllers claim to be usable (dir may be fake). */
static struct cgroup_set fake_set(const char *dir, enum cgroup_version v)
{
	struct cgroup_set cs = { .worker = 1 };

	cs.memory.name = "memory";
	cs.pids.name = "pids";
	cs.memory.version = cs.pids.version = v;
	snprintf(cs.memory.dir, sizeof(cs.memory.dir), "%s", dir);
	snprintf(cs.pids.dir, sizeof(cs.pids.dir), "%s", dir);
	return cs;
}

static const struct rlimit *find(const struct limits_job *lj, int resource)
{
	for (int i = 0; i < lj->n_rlimits; i++)
		if (lj->rlimits[i].resource == resource)
			return &lj->rlimits[i].rl;
	return NULL;
}

static void test_limits_come_from_the_run_message(void **state)
{
	struct proto_run run = { .memory_mb = 1, .cpu_s = 2, .open_files = 3, .processes = 4 };
	struct job_limits l = limits_from_run(&run);
	(void)state;

	assert_int_equal(l.memory_mb, 1);
	assert_int_equal(l.cpu_s, 2);
	assert_int_equal(l.open_files, 3);
	assert_int_equal(l.processes, 4);
}

static void test_without_cgroups_every_limit_is_an_rlimit(void **state)
{
	struct job_limits want = { .memory_mb = 256, .cpu_s = 2, .open_files = 16, .processes = 5 };
	struct limits_job lj;
	char err[ERR_LEN];
	(void)state;

	assert_int_equal(limits_prepare(&lj, &want, NULL, 7, err), 0);
	assert_int_equal(lj.n_rlimits, 4);
	assert_int_equal(find(&lj, RLIMIT_AS)->rlim_cur, 256u << 20);
	assert_int_equal(find(&lj, RLIMIT_AS)->rlim_max, 256u << 20);
	assert_int_equal(find(&lj, RLIMIT_CPU)->rlim_cur, 2);
	assert_int_equal(find(&lj, RLIMIT_CPU)->rlim_max, 3); /* SIGXCPU, then SIGKILL */
	assert_int_equal(find(&lj, RLIMIT_NOFILE)->rlim_cur, 16);
	assert_int_equal(find(&lj, RLIMIT_NOFILE)->rlim_max, 16);
	assert_int_equal(find(&lj, RLIMIT_NPROC)->rlim_cur, 5);
	assert_false(lj.memory_by_cgroup);
	assert_false(lj.processes_by_cgroup);
	assert_int_equal(lj.cg.n, 0);
	assert_int_equal(limits_finish(&lj, NULL, err), 0);
}

static void test_no_limits_means_nothing_to_apply(void **state)
{
	struct job_limits want = { 0 };
	struct limits_job lj;
	char err[ERR_LEN];
	struct cgroup_set cs = fake_set("/nonexistent", CGROUP_V1);
	int step = -1;
	(void)state;

	assert_int_equal(limits_prepare(&lj, &want, &cs, 7, err), 0);
	assert_int_equal(lj.n_rlimits, 0);
	assert_int_equal(lj.cg.n, 0); /* no group for a job without memory or processes */
	assert_int_equal(limits_child_apply(&lj, &step), 0);
	assert_int_equal(limits_finish(&lj, NULL, err), 0);
}

static void test_an_rlimit_is_capped_at_the_workers_hard_limit(void **state)
{
	struct rlimit own;
	struct limits_job lj;
	char err[ERR_LEN];
	(void)state;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &own), 0);
	if (own.rlim_max == RLIM_INFINITY)
		return; /* nothing to cap at */
	struct job_limits want = { .open_files = (int64_t)own.rlim_max + 1000 };
	assert_int_equal(limits_prepare(&lj, &want, NULL, 7, err), 0);
	assert_int_equal(find(&lj, RLIMIT_NOFILE)->rlim_cur, own.rlim_max);
	assert_int_equal(find(&lj, RLIMIT_NOFILE)->rlim_max, own.rlim_max);
}

static void test_memory_beyond_int64_bytes_is_refused(void **state)
{
	struct job_limits want = { .memory_mb = INT64_MAX / 1000 };
	struct limits_job lj;
	char err[ERR_LEN] = "";
	(void)state;

	assert_int_equal(limits_prepare(&lj, &want, NULL, 7, err), -1);
	tu_assert_contains(err, "memory_mb 9223372036854775 is too large");
}

static void test_a_usable_cgroup_takes_memory_and_processes_from_rlimits(void **state)
{
	char dir[TU_PATH_MAX], job[TU_PATH_MAX + 16], err[ERR_LEN] = "";
	struct job_limits want = { .memory_mb = 64, .cpu_s = 2, .processes = 5 };
	struct limits_job lj;
	(void)state;

	/* A plain directory has no memory.limit_in_bytes: the group is made,
	 * fails to take its limit, and is removed again. */
	tu_tmpdir(dir, sizeof(dir));
	struct cgroup_set cs = fake_set(dir, CGROUP_V1);
	assert_int_equal(limits_prepare(&lj, &want, &cs, 7, err), -1);
	assert_true(lj.memory_by_cgroup);
	assert_true(lj.processes_by_cgroup);
	assert_null(find(&lj, RLIMIT_AS));
	assert_null(find(&lj, RLIMIT_NPROC));
	assert_non_null(find(&lj, RLIMIT_CPU));
	tu_join(job, sizeof(job), dir, "job-7");
	char want_err[ERR_LEN + 2 * TU_PATH_MAX];
	snprintf(want_err, sizeof(want_err),
	    "cgroup for job 7: open %s/memory.limit_in_bytes: No such file or directory", job);
	assert_string_equal(err, want_err);
	assert_false(tu_exists(job));
	assert_int_equal(limits_finish(&lj, NULL, err), 0);
	tu_rmtree(dir);
}

/* A result as run.c fills it before limits_explain. */
static struct run_result exited(int code)
{
	struct run_result r = { .status = RUN_EXITED, .exit_code = code, .term_signal = -1 };
	return r;
}

static struct run_result signaled(int sig, int64_t cpu_us)
{
	struct run_result r = {
		.status = RUN_SIGNALED, .exit_code = -1, .term_signal = sig, .cpu_user_us = cpu_us,
	};
	snprintf(r.error, sizeof(r.error), "killed by signal %d (%s)", sig, strsignal(sig));
	return r;
}

static const struct limits_seen by_cgroup = {
	.memory_by_cgroup = true, .processes_by_cgroup = true, .counts = { 0, 0, 0 },
};

static void explain(struct job_limits want, struct limits_seen seen, struct run_result *r)
{
	limits_explain(&want, &seen, r);
}

static void test_an_oom_kill_in_the_cgroup_names_the_memory_limit(void **state)
{
	struct limits_seen seen = by_cgroup;
	struct run_result r = signaled(SIGKILL, 0);
	(void)state;

	seen.counts.oom_kills = 1;
	explain((struct job_limits){ .memory_mb = 256 }, seen, &r);
	assert_string_equal(r.error, "killed by signal 9 (Killed); memory limit 256 MB exceeded");

	/* A grandchild was killed; the job exited on its own. */
	r = exited(3);
	explain((struct job_limits){ .memory_mb = 256 }, seen, &r);
	assert_string_equal(r.error, "exit code 3; memory limit 256 MB exceeded");
}

static void test_without_an_oom_count_a_sigkill_at_the_limit_names_it(void **state)
{
	struct limits_seen seen = by_cgroup;
	struct run_result r = signaled(SIGKILL, 0);
	(void)state;

	seen.counts.oom_kills = -1; /* v1 before 4.13 */
	seen.counts.memory_hits = 4;
	explain((struct job_limits){ .memory_mb = 100 }, seen, &r);
	assert_string_equal(r.error, "killed by signal 9 (Killed); memory limit 100 MB exceeded");
	r = exited(1); /* hitting the limit is reclaim, not proof: no clause */
	explain((struct job_limits){ .memory_mb = 100 }, seen, &r);
	assert_string_equal(r.error, "");
}

static void test_a_refused_fork_names_the_processes_limit(void **state)
{
	struct limits_seen seen = by_cgroup;
	struct run_result r = exited(2);
	(void)state;

	seen.counts.fork_refusals = 15;
	explain((struct job_limits){ .processes = 5 }, seen, &r);
	assert_string_equal(r.error, "exit code 2; processes limit 5 reached (fork refused)");
}

static void test_sigxcpu_or_a_sigkill_past_the_cpu_limit_names_it(void **state)
{
	struct run_result r = signaled(SIGXCPU, 1100000);
	(void)state;

	explain((struct job_limits){ .cpu_s = 1 }, by_cgroup, &r);
	assert_string_equal(r.error,
	    "killed by signal 24 (CPU time limit exceeded); cpu limit 1 s exceeded");
	r = signaled(SIGKILL, 2000000); /* SIGXCPU ignored: the hard limit */
	explain((struct job_limits){ .cpu_s = 1 }, by_cgroup, &r);
	assert_string_equal(r.error, "killed by signal 9 (Killed); cpu limit 1 s exceeded");
	r = signaled(SIGKILL, 500000); /* someone else's SIGKILL */
	explain((struct job_limits){ .cpu_s = 1 }, by_cgroup, &r);
	assert_string_equal(r.error, "killed by signal 9 (Killed)");
	r = exited(128 + SIGXCPU); /* sh -c 'busy; echo': the shell reports it */
	explain((struct job_limits){ .cpu_s = 1 }, by_cgroup, &r);
	assert_string_equal(r.error, "exit code 152; cpu limit 1 s exceeded");
}

static void test_an_oom_sigkill_is_not_blamed_on_the_cpu_limit(void **state)
{
	struct limits_seen seen = by_cgroup;
	struct run_result r = signaled(SIGKILL, 5000000);
	(void)state;

	seen.counts.oom_kills = 1;
	explain((struct job_limits){ .memory_mb = 10, .cpu_s = 1 }, seen, &r);
	assert_string_equal(r.error, "killed by signal 9 (Killed); memory limit 10 MB exceeded");
}

static void test_two_limits_at_once_are_both_named(void **state)
{
	struct limits_seen seen = by_cgroup;
	struct run_result r = exited(1);
	(void)state;

	seen.counts.oom_kills = 2;
	seen.counts.fork_refusals = 1;
	explain((struct job_limits){ .memory_mb = 10, .processes = 3 }, seen, &r);
	assert_string_equal(r.error, "exit code 1; memory limit 10 MB exceeded; "
				     "processes limit 3 reached (fork refused)");
}

static void test_rlimit_memory_gets_a_hint_only_when_nothing_else_is_known(void **state)
{
	struct limits_seen seen = { .counts = { -1, -1, -1 } };
	struct run_result r = exited(1);
	(void)state;

	explain((struct job_limits){ .memory_mb = 256 }, seen, &r);
	assert_string_equal(r.error, "exit code 1; memory limit 256 MB may have been exceeded "
				     "(address-space rlimit, not confirmed)");
	r = signaled(SIGXCPU, 3000000);
	explain((struct job_limits){ .memory_mb = 256, .cpu_s = 2 }, seen, &r);
	assert_string_equal(r.error,
	    "killed by signal 24 (CPU time limit exceeded); cpu limit 2 s exceeded");
}

static void test_success_timeout_and_cancel_get_no_clause(void **state)
{
	struct limits_seen seen = by_cgroup;
	struct job_limits all = { .memory_mb = 1, .cpu_s = 1, .open_files = 1, .processes = 1 };
	struct run_result r = exited(0);
	(void)state;

	seen.counts.oom_kills = seen.counts.fork_refusals = 1;
	explain(all, seen, &r);
	assert_string_equal(r.error, "");
	r = (struct run_result){ .status = RUN_TIMED_OUT, .term_signal = SIGKILL };
	snprintf(r.error, sizeof(r.error), "timed out; process group killed");
	explain(all, seen, &r);
	assert_string_equal(r.error, "timed out; process group killed");
	r = (struct run_result){ .status = RUN_CANCELED };
	explain(all, seen, &r);
	assert_string_equal(r.error, "");
	r = (struct run_result){ .status = RUN_START_FAILED };
	snprintf(r.error, sizeof(r.error), "exec nope: No such file or directory");
	explain(all, seen, &r);
	assert_string_equal(r.error, "exec nope: No such file or directory");
}

static void test_open_files_alone_gets_no_clause(void **state)
{
	struct run_result r = exited(1);
	(void)state;

	explain((struct job_limits){ .open_files = 16 }, by_cgroup, &r);
	assert_string_equal(r.error, "");
}

static void test_a_long_earlier_error_still_leaves_room_for_the_clause(void **state)
{
	struct limits_seen seen = by_cgroup;
	struct run_result r = signaled(SIGKILL, 0);
	(void)state;

	memset(r.error, 'x', sizeof(r.error) - 1);
	r.error[sizeof(r.error) - 1] = '\0';
	seen.counts.oom_kills = 1;
	explain((struct job_limits){ .memory_mb = 64 }, seen, &r);
	tu_assert_contains(r.error, "xxx; memory limit 64 MB exceeded");
}

static void test_child_failures_name_the_call(void **state)
{
	struct limits_job lj = { .n_rlimits = 2, .cg = { .n = 1, .mem = 0, .pids = -1 } };
	char buf[ERR_LEN];
	(void)state;

	snprintf(lj.cg.dir[0], sizeof(lj.cg.dir[0]), "/sys/fs/cgroup/memory/jobd-w9/job-4");
	lj.rlimits[0].resource = RLIMIT_AS;
	lj.rlimits[1].resource = RLIMIT_NOFILE;
	limits_describe_step(&lj, 0, ENODEV, buf, sizeof(buf));
	assert_string_equal(buf, "join cgroup /sys/fs/cgroup/memory/jobd-w9/job-4: No such device");
	limits_describe_step(&lj, 1, EPERM, buf, sizeof(buf));
	assert_string_equal(buf, "setrlimit RLIMIT_AS: Operation not permitted");
	limits_describe_step(&lj, 2, EINVAL, buf, sizeof(buf));
	assert_string_equal(buf, "setrlimit RLIMIT_NOFILE: Invalid argument");
	limits_describe_step(&lj, 3, EINVAL, buf, sizeof(buf));
	assert_string_equal(buf, "apply limits: Invalid argument");
}

static void test_the_start_up_line_says_how_each_limit_is_enforced(void **state)
{
	struct cgroup_set cs = fake_set("/cg/jobd-w9", CGROUP_V2);
	char buf[1024];
	(void)state;

	limits_describe_setup(&cs, true, buf, sizeof(buf));
	assert_string_equal(buf, "limits: memory_mb by cgroup v2 /cg/jobd-w9; processes by cgroup "
				 "v2 /cg/jobd-w9; cpu_s and open_files by rlimits");
	memset(&cs, 0, sizeof(cs));
	snprintf(cs.memory.why, sizeof(cs.memory.why), "no memory line in /proc/self/cgroup");
	snprintf(cs.pids.why, sizeof(cs.pids.why), "no pids line in /proc/self/cgroup");
	limits_describe_setup(&cs, true, buf, sizeof(buf));
	assert_string_equal(buf,
	    "limits: memory_mb by RLIMIT_AS only (no memory cgroup: no memory line in "
	    "/proc/self/cgroup); processes NOT enforced: RLIMIT_NPROC does not bind root (no pids "
	    "cgroup: no pids line in /proc/self/cgroup); cpu_s and open_files by rlimits");
	limits_describe_setup(&cs, false, buf, sizeof(buf));
	tu_assert_contains(buf, "processes by RLIMIT_NPROC only, counted per user (no pids cgroup");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits_come_from_the_run_message),
		cmocka_unit_test(test_without_cgroups_every_limit_is_an_rlimit),
		cmocka_unit_test(test_no_limits_means_nothing_to_apply),
		cmocka_unit_test(test_an_rlimit_is_capped_at_the_workers_hard_limit),
		cmocka_unit_test(test_memory_beyond_int64_bytes_is_refused),
		cmocka_unit_test(test_a_usable_cgroup_takes_memory_and_processes_from_rlimits),
		cmocka_unit_test(test_an_oom_kill_in_the_cgroup_names_the_memory_limit),
		cmocka_unit_test(test_without_an_oom_count_a_sigkill_at_the_limit_names_it),
		cmocka_unit_test(test_a_refused_fork_names_the_processes_limit),
		cmocka_unit_test(test_sigxcpu_or_a_sigkill_past_the_cpu_limit_names_it),
		cmocka_unit_test(test_an_oom_sigkill_is_not_blamed_on_the_cpu_limit),
		cmocka_unit_test(test_two_limits_at_once_are_both_named),
		cmocka_unit_test(test_rlimit_memory_gets_a_hint_only_when_nothing_else_is_known),
		cmocka_unit_test(test_success_timeout_and_cancel_get_no_clause),
		cmocka_unit_test(test_open_files_alone_gets_no_clause),
		cmocka_unit_test(test_a_long_earlier_error_still_leaves_room_for_the_clause),
		cmocka_unit_test(test_child_failures_name_the_call),
		cmocka_unit_test(test_the_start_up_line_says_how_each_limit_is_enforced),
	};
	return cmocka_run_group_tests_name("limits", tests, NULL, NULL);
}
