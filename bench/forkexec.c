/*
 * forkexec.c — the physical limit for a fork-per-job runner (issue 5, rows 1-2).
 *
 * Runs a command N times with J children in flight, using exactly what a
 * worker must do per job: fork, execv, wait4. No shell, no PATH search, no
 * output capture, so its jobs/s is the ceiling jobd's pool is compared with.
 * With -s it starts children with posix_spawn (glibc: clone(CLONE_VM |
 * CLONE_VFORK), no page-table copy) instead: the faster limit a worker that
 * spawns rather than forks could reach.
 *
 *   forkexec [-s] -j JOBS -n COUNT /abs/path/cmd [args...]
 *
 * Prints one line: "count=N seconds=S jobs_per_s=R". Exit 1 on any failure
 * (a child that exits non-zero counts as a failure: the limit is meaningless
 * if the command did not run).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

extern char **environ;

static int start_child(char **argv, int spawn)
{
	pid_t pid;
	int rc;

	if (spawn) {
		rc = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
		if (rc != 0) {
			fprintf(stderr, "forkexec: posix_spawn %s: %s\n", argv[0],
			    strerror(rc));
			return -1;
		}
		return 0;
	}
	pid = fork();

	if (pid < 0) {
		fprintf(stderr, "forkexec: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127); /* only async-signal-safe calls after fork */
	}
	return 0;
}

/* Reaps one child; returns 0 if it exited 0, -1 otherwise. */
static int reap_one(void)
{
	int status;
	struct rusage ru;
	pid_t pid;

	do
		pid = wait4(-1, &status, 0, &ru);
	while (pid < 0 && errno == EINTR);
	if (pid < 0) {
		fprintf(stderr, "forkexec: wait4: %s\n", strerror(errno));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "forkexec: child %d ended with status 0x%x\n",
		    (int)pid, status);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long jobs = 2, count = 1000, started = 0, done = 0;
	int opt, failed = 0, spawn = 0;
	double t0, secs;

	while ((opt = getopt(argc, argv, "+sj:n:")) != -1) {
		switch (opt) {
		case 's': spawn = 1; break;
		case 'j': jobs = strtol(optarg, NULL, 10); break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		default: goto usage;
		}
	}
	if (optind >= argc || jobs < 1 || count < 1 || argv[optind][0] != '/')
		goto usage;

	t0 = now_s();
	while (done < count) {
		while (started < count && started - done < jobs) {
			if (start_child(argv + optind, spawn) < 0)
				return 1;
			started++;
		}
		if (reap_one() < 0)
			failed = 1;
		done++;
	}
	secs = now_s() - t0;
	printf("count=%ld seconds=%.4f jobs_per_s=%.1f\n", count, secs,
	    (double)count / secs);
	return failed;
usage:
	fprintf(stderr, "usage: forkexec [-s] -j JOBS -n COUNT /abs/cmd [args...]\n");
	return 2;
}
