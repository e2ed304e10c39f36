/*
 * test_cgroup.c — worker/cgroup*.c: where a controller's group is, from
 * /proc/self/cgroup and /proc/self/mountinfo texts of a cgroup v1 hybrid,
 * a pure v2 system and a container whose mounts show a subtree; the flat
 * keyed event files; worker group names; and, where this machine lets us,
 * a worker's groups tried at start and not kept, stale ones of dead
 * workers removed with the orphans in them, and a job's groups holding
 * their limits and leaving nothing behind.
 */
#include "testutil.h"

#include <signal.h>
#include <sys/wait.h>

#include "worker/cgroup.h"

/* This machine's kind: v1 memory and pids, an empty v2 "unified" tree. */
static const char hybrid_self[] =
    "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/d871\n2:cpuacct:/\n1:cpu:/\n0::/\n";
static const char hybrid_mounts[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char v2_self[] = "0::/system.slice/jobd.service\n";
static const char v2_mounts[] =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

static void assert_located(const char *self, const char *mounts, const char *controller,
    enum cgroup_version want_version, const char *want_dir)
{
	enum cgroup_version v;
	char dir[CGROUP_PATH_MAX], err[ERR_LEN] = "";

	if (cgroup_locate(self, mounts, controller, &v, dir, sizeof(dir), err) != 0)
		fail_msg("cgroup_locate %s: %s", controller, err);
	assert_int_equal(v, want_version);
	assert_string_equal(dir, want_dir);
}

static void assert_not_located(const char *self, const char *mounts, const char *controller,
    const char *why)
{
	enum cgroup_version v;
	char dir[CGROUP_PATH_MAX], err[ERR_LEN] = "";

	assert_int_equal(cgroup_locate(self, mounts, controller, &v, dir, sizeof(dir), err), -1);
	assert_int_equal(v, CGROUP_NONE);
	tu_assert_contains(err, why);
}

static void test_hybrid_v1_controllers_are_found_in_their_own_mounts(void **state)
{
	(void)state;
	assert_located(hybrid_self, hybrid_mounts, "memory", CGROUP_V1,
	    "/sys/fs/cgroup/memory/process_api/d871");
	assert_located(hybrid_self, hybrid_mounts, "pids", CGROUP_V1, "/sys/fs/cgroup/pids");
	/* cpu is not cpuacct: whole tokens only */
	assert_located(hybrid_self, hybrid_mounts, "cpu", CGROUP_V1, "/sys/fs/cgroup/cpu");
}

static void test_a_v1_line_wins_over_the_v2_line_in_any_order(void **state)
{
	(void)state;
	assert_located("0::/x\n4:memory:/m\n", hybrid_mounts, "memory", CGROUP_V1,
	    "/sys/fs/cgroup/memory/m");
}

static void test_pure_v2_uses_the_unified_line_and_mount(void **state)
{
	(void)state;
	assert_located(v2_self, v2_mounts, "memory", CGROUP_V2,
	    "/sys/fs/cgroup/system.slice/jobd.service");
	assert_located("0::/\n", v2_mounts, "pids", CGROUP_V2, "/sys/fs/cgroup");
	/* On the hybrid, a controller v1 does not hold goes to the v2 tree,
	 * where cgroup_init then finds it is not enabled. */
	assert_located(hybrid_self, hybrid_mounts, "hugetlb", CGROUP_V2, "/sys/fs/cgroup/unified");
}

static void test_a_mount_of_a_subtree_has_its_root_stripped(void **state)
{
	static const char mounts[] =
	    "50 40 0:32 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n";
	(void)state;

	assert_located("4:memory:/docker/abc\n", mounts, "memory", CGROUP_V1, "/sys/fs/cgroup/memory");
	assert_located("4:memory:/docker/abc/job\n", mounts, "memory", CGROUP_V1,
	    "/sys/fs/cgroup/memory/job");
	/* /docker/abcd is not inside /docker/abc */
	assert_not_located("4:memory:/docker/abcd\n", mounts, "memory", "no cgroup v1 mount");
}

static void test_escaped_mount_points_and_optional_fields_are_read(void **state)
{
	static const char mounts[] =
	    "50 40 0:32 / /srv/cg\\040root/mem rw shared:3 master:1 - cgroup none rw,memory,pids\n";
	(void)state;

	assert_located("4:memory,pids:/a b\n", mounts, "pids", CGROUP_V1, "/srv/cg root/mem/a b");
}

static void test_missing_lines_or_mounts_say_what_is_missing(void **state)
{
	(void)state;
	assert_not_located("4:memory:/m\n", hybrid_mounts, "pids", "no pids line in /proc/self/cgroup");
	assert_not_located(v2_self, "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", "memory",
	    "no cgroup2 mount holds the memory group /system.slice/jobd.service");
	assert_not_located("4:memory:relative\n", hybrid_mounts, "memory", "unusable memory path");
	assert_not_located("", "", "memory", "no memory line");
}

static void test_event_files_are_read_by_exact_key(void **state)
{
	static const char events[] = "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n";
	int64_t v = -1;
	(void)state;

	assert_int_equal(cgroup_read_key(events, "oom_kill", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(cgroup_read_key(events, "oom", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(cgroup_read_key(events, "max", &v), 0);
	assert_int_equal(v, 12);
	v = -1;
	assert_int_equal(cgroup_read_key(events, "oom_kil", &v), -1);
	assert_int_equal(cgroup_read_key("max\n", "max", &v), -1);
	assert_int_equal(cgroup_read_key("max x\n", "max", &v), -1);
	assert_int_equal(cgroup_read_key(NULL, "max", &v), -1);
	assert_int_equal(v, -1);
	assert_int_equal(cgroup_read_key("oom_kill_disable 0\nunder_oom 0\noom_kill 7", "oom_kill", &v),
	    0);
	assert_int_equal(v, 7);
}

static void test_worker_group_names_carry_the_pid(void **state)
{
	pid_t pid = 0;
	(void)state;

	assert_int_equal(cgroup_worker_dir_pid("jobd-w123", &pid), 1);
	assert_int_equal(pid, 123);
	assert_int_equal(cgroup_worker_dir_pid("jobd-w", &pid), 0);
	assert_int_equal(cgroup_worker_dir_pid("jobd-w0", &pid), 0);
	assert_int_equal(cgroup_worker_dir_pid("jobd-w12x", &pid), 0);
	assert_int_equal(cgroup_worker_dir_pid("jobd-w-1", &pid), 0);
	assert_int_equal(cgroup_worker_dir_pid("jobd-w99999999999999999999", &pid), 0);
	assert_int_equal(cgroup_worker_dir_pid("job-5", &pid), 0);
}

static void test_tokens_are_whole_words(void **state)
{
	static const char list[] = "cpuset cpu io memory pids";
	(void)state;

	assert_true(cgroup_has_token(list, strlen(list), ' ', "cpu"));
	assert_true(cgroup_has_token(list, strlen(list), ' ', "pids"));
	assert_true(cgroup_has_token(list, strlen(list), ' ', "cpuset"));
	assert_false(cgroup_has_token(list, strlen(list), ' ', "mem"));
	assert_false(cgroup_has_token("", 0, ' ', "memory"));
	assert_true(cgroup_has_token("rw,memory", 9, ',', "memory"));
	assert_false(cgroup_has_token("rw,memory", 8, ',', "memory"));
}

/* A pid that was alive a moment ago and is not now. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();
	int ws;

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	return pid;
}

/* A `sleep 60` in the group dir, as an orphan of a dead worker's job;
 * returns once it is in there. */
static pid_t sleeper_in(const char *dir)
{
	char path[CGROUP_PATH_MAX + 128], c;
	int ready[2];

	if (pipe2(ready, O_CLOEXEC) < 0)
		fail_msg("pipe2: %s", strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		int fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1 || write(ready[1], "r", 1) != 1)
			_exit(126);
		execl("/bin/sleep", "sleep", "60", (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static void test_init_checks_the_groups_and_removes_stale_ones(void **state)
{
	struct cgroup_set cs;
	char err[ERR_LEN], stale[CGROUP_PATH_MAX + 32], stale_job[CGROUP_PATH_MAX + 40];
	int ws;
	(void)state;

	if (cgroup_init(&cs, getpid(), err) != 0) {
		print_message("no usable cgroup here (%s): nothing to check\n", err);
		return;
	}
	const struct cgroup_ctl *ctl = cs.memory.version != CGROUP_NONE ? &cs.memory : &cs.pids;
	assert_true(tu_exists(ctl->dir)); /* made once, kept for every job */
	assert_string_equal(cs.warning, "");

	/* A worker that died during a job, whose job left an orphan. */
	snprintf(stale, sizeof(stale), "%s/jobd-w%d", ctl->own, (int)dead_pid());
	snprintf(stale_job, sizeof(stale_job), "%s/job-1", stale);
	if (mkdir(stale, 0755) < 0 || mkdir(stale_job, 0755) < 0)
		fail_msg("mkdir %s: %s", stale_job, strerror(errno));
	pid_t orphan = sleeper_in(stale_job);
	struct cgroup_set again;
	assert_int_equal(cgroup_init(&again, getpid(), err), 0);
	assert_false(tu_exists(stale));
	while (waitpid(orphan, &ws, 0) < 0 && errno == EINTR)
		;
	assert_true(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
	assert_int_equal(cgroup_fini(&cs, err), 0);
	assert_false(tu_exists(ctl->dir));
	assert_int_equal(cgroup_fini(&again, err), 0); /* nothing left to remove: fine */
}

static void test_a_job_group_holds_its_limits_and_goes_away(void **state)
{
	struct cgroup_set cs;
	struct cgroup_job cj;
	struct cgroup_counts c;
	char err[ERR_LEN], path[CGROUP_PATH_MAX + 32];
	(void)state;

	if (cgroup_init(&cs, getpid(), err) != 0 || cs.memory.version == CGROUP_NONE ||
	    cs.pids.version == CGROUP_NONE) {
		print_message("no memory and pids cgroups here: nothing to check\n");
		cgroup_fini(&cs, err);
		return;
	}
	if (cgroup_job_create(&cs, 42, 64 << 20, 7, &cj, err) != 0)
		fail_msg("cgroup_job_create: %s", err);
	snprintf(path, sizeof(path), "%s/%s", cj.dir[cj.mem],
	    cs.memory.version == CGROUP_V2 ? "memory.max" : "memory.limit_in_bytes");
	char *text = tu_read_file(path, NULL);
	assert_string_equal(text, "67108864\n");
	free(text);
	snprintf(path, sizeof(path), "%s/pids.max", cj.dir[cj.pids]);
	text = tu_read_file(path, NULL);
	assert_string_equal(text, "7\n");
	free(text);
	cgroup_job_counts(&cj, &c);
	assert_int_equal(c.oom_kills, 0);
	assert_int_equal(c.fork_refusals, 0);

	char dirs[2][CGROUP_PATH_MAX];
	int n = cj.n;
	for (int i = 0; i < n; i++)
		snprintf(dirs[i], sizeof(dirs[i]), "%s", cj.dir[i]);
	assert_true(tu_exists(cs.memory.dir));
	assert_int_equal(cgroup_job_remove(&cj, err), 0);
	for (int i = 0; i < n; i++)
		assert_false(tu_exists(dirs[i]));
	assert_true(tu_exists(cs.memory.dir)); /* the worker's, for its next job */
	assert_int_equal(cgroup_fini(&cs, err), 0);
	assert_false(tu_exists(cs.memory.dir));
	assert_false(tu_exists(cs.pids.dir));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hybrid_v1_controllers_are_found_in_their_own_mounts),
		cmocka_unit_test(test_a_v1_line_wins_over_the_v2_line_in_any_order),
		cmocka_unit_test(test_pure_v2_uses_the_unified_line_and_mount),
		cmocka_unit_test(test_a_mount_of_a_subtree_has_its_root_stripped),
		cmocka_unit_test(test_escaped_mount_points_and_optional_fields_are_read),
		cmocka_unit_test(test_missing_lines_or_mounts_say_what_is_missing),
		cmocka_unit_test(test_event_files_are_read_by_exact_key),
		cmocka_unit_test(test_worker_group_names_carry_the_pid),
		cmocka_unit_test(test_tokens_are_whole_words),
		cmocka_unit_test(test_init_checks_the_groups_and_removes_stale_ones),
		cmocka_unit_test(test_a_job_group_holds_its_limits_and_goes_away),
	};
	return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
