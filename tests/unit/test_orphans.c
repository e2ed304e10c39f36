/*
 * test_orphans.c — common/orphans.c on real processes: as a subreaper, it
 * kills and reaps every child and what those leave (a setsid escapee, a
 * double-forked orphan), keeps the pids it is told to keep, and finds
 * children by scanning /proc when the per-thread children files cannot be
 * read, and reads nothing from /proc when no child is left (opendir of
 * /proc/self/task is counted, and made to fail, through a link-time seam:
 * the Makefile links this test with -Wl,--wrap=opendir).
 */
#include "testutil.h"

#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "common/orphans.h"

static int fail_task_dir; /* opendir("/proc/self/task") fails with ENOENT */
static int task_dir_opens; /* how often it was asked for */

DIR *__real_opendir(const char *name);
DIR *__wrap_opendir(const char *name);

DIR *__wrap_opendir(const char *name)
{
	if (strcmp(name, "/proc/self/task") == 0)
		task_dir_opens++;
	if (fail_task_dir && strcmp(name, "/proc/self/task") == 0) {
		errno = ENOENT;
		return NULL;
	}
	return __real_opendir(name);
}

static int setup(void **state)
{
	(void)state;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fail_msg("prctl PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	return 0;
}

static bool alive(pid_t pid)
{
	char path[64], text[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	char *p = strrchr(text, ')');
	return p != NULL && p[2] != 'Z';
}

/* A child that starts a setsid escapee and a double-forked orphan, then
 * sleeps; the two escapees' pids come back through the pipe. */
static pid_t start_tree(pid_t escapees[2])
{
	int fds[2];

	if (pipe(fds) < 0)
		fail_msg("pipe: %s", strerror(errno));
	pid_t top = fork();
	if (top < 0)
		fail_msg("fork: %s", strerror(errno));
	if (top == 0) {
		close(fds[0]);
		if (fork() == 0) {
			setsid();
			pid_t me = getpid();
			if (write(fds[1], &me, sizeof(me)) != sizeof(me))
				_exit(1);
			pause();
			_exit(0);
		}
		if (fork() == 0) {
			if (fork() > 0)
				_exit(0); /* the middle one goes: its child is orphaned */
			setpgid(0, 0);
			pid_t me = getpid();
			if (write(fds[1], &me, sizeof(me)) != sizeof(me))
				_exit(1);
			pause();
			_exit(0);
		}
		pause();
		_exit(0);
	}
	close(fds[1]);
	for (int i = 0; i < 2; i++)
		if (read(fds[0], &escapees[i], sizeof(pid_t)) != sizeof(pid_t))
			fail_msg("read an escapee's pid: %s", strerror(errno));
	close(fds[0]);
	return top;
}

static void assert_all_gone(pid_t top, const pid_t escapees[2], int killed)
{
	int st;

	/* top, its escapees, and maybe the middle one not yet reaped by top */
	assert_true(killed >= 3);
	assert_false(alive(top));
	assert_false(alive(escapees[0]));
	assert_false(alive(escapees[1]));
	assert_int_equal(waitpid(-1, &st, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_kills_and_reaps_every_child_and_what_they_leave(void **state)
{
	pid_t escapees[2];
	char err[ERR_LEN] = "";
	(void)state;

	pid_t top = start_tree(escapees);
	int killed = orphans_kill(NULL, 0, err);
	if (killed < 0)
		fail_msg("orphans_kill: %s", err);
	assert_all_gone(top, escapees, killed);
}

static void test_finds_children_by_scanning_proc_without_children_files(void **state)
{
	pid_t escapees[2];
	char err[ERR_LEN] = "";
	(void)state;

	pid_t top = start_tree(escapees);
	fail_task_dir = 1;
	int killed = orphans_kill(NULL, 0, err);
	fail_task_dir = 0;
	if (killed < 0)
		fail_msg("orphans_kill: %s", err);
	assert_all_gone(top, escapees, killed);
}

static void test_keeps_the_pids_it_is_told_to_keep(void **state)
{
	pid_t escapees[2];
	char err[ERR_LEN] = "";
	int st;
	(void)state;

	pid_t kept = fork();
	if (kept == 0) {
		pause();
		_exit(0);
	}
	pid_t top = start_tree(escapees);
	int killed = orphans_kill(&kept, 1, err);
	if (killed < 0)
		fail_msg("orphans_kill: %s", err);
	assert_true(killed >= 3);
	assert_true(alive(kept));
	assert_false(alive(top));
	assert_false(alive(escapees[0]));
	assert_false(alive(escapees[1]));
	kill(kept, SIGKILL);
	assert_int_equal(waitpid(kept, &st, 0), kept);
}

static void test_nothing_to_kill_is_zero(void **state)
{
	char err[ERR_LEN] = "";
	(void)state;

	assert_int_equal(orphans_kill(NULL, 0, err), 0);
}

/* The common end of a job: its main process reaped, nothing else left. */
static void test_with_no_child_left_nothing_is_read_from_proc(void **state)
{
	char err[ERR_LEN] = "";
	int st;
	(void)state;

	pid_t child = fork();
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, &st, 0), child);
	task_dir_opens = 0;
	assert_false(orphans_any());
	assert_int_equal(orphans_kill(NULL, 0, err), 0);
	assert_int_equal(task_dir_opens, 0);
}

/* An orphan a job left, reparented to us and still running, is listed and
 * killed: the one waitid lets it through to the listing. */
static void test_an_orphan_still_running_is_listed_and_killed(void **state)
{
	pid_t escapees[2];
	char err[ERR_LEN] = "";
	int st;
	(void)state;

	pid_t top = start_tree(escapees);
	kill(top, SIGKILL); /* the job's main process ends, as the worker sees it */
	assert_int_equal(waitpid(top, &st, 0), top);
	assert_true(orphans_any());
	task_dir_opens = 0;
	int killed = orphans_kill(NULL, 0, err);
	if (killed < 0)
		fail_msg("orphans_kill: %s", err);
	assert_true(killed >= 2);
	assert_true(task_dir_opens > 0);
	assert_false(alive(escapees[0]));
	assert_false(alive(escapees[1]));
	assert_false(orphans_any());
}

/* It only looks: a child that ended keeps its status for its waiter. */
static void test_orphans_any_reaps_nothing(void **state)
{
	siginfo_t si = { 0 };
	int st;
	(void)state;

	pid_t child = fork();
	if (child == 0)
		_exit(7);
	/* Until it has ended, without taking its status. */
	assert_int_equal(waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT), 0);
	assert_true(orphans_any());
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
	assert_false(orphans_any());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kills_and_reaps_every_child_and_what_they_leave),
		cmocka_unit_test(test_finds_children_by_scanning_proc_without_children_files),
		cmocka_unit_test(test_keeps_the_pids_it_is_told_to_keep),
		cmocka_unit_test(test_nothing_to_kill_is_zero),
		cmocka_unit_test(test_with_no_child_left_nothing_is_read_from_proc),
		cmocka_unit_test(test_an_orphan_still_running_is_listed_and_killed),
		cmocka_unit_test(test_orphans_any_reaps_nothing),
	};
	return cmocka_run_group_tests_name("orphans", tests, setup, NULL);
}
