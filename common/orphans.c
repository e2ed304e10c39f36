/*
 * orphans.c — kills and reaps what a job left behind (see orphans.h).
 *
 * Traps: orphans_any must neither reap (the caller may still want a
 * child's status) nor miss a child that reports its end with a signal other
 * than SIGCHLD (__WALL). A children file lists only the children of that thread (the server
 * has many; an orphan goes to any of them), so every task is read. It may
 * miss a child that is being born or reparented while it is read: we loop
 * until a read finds nothing, and a process that has no children left to
 * keep confirms it with waitpid(-1, WNOHANG) = ECHILD, falling back to the
 * full /proc scan if that disagrees.
 */
#include "orphans.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ORPHANS_BATCH 256

struct found {
	pid_t pids[ORPHANS_BATCH];
	size_t n;
	const pid_t *keep;
	size_t n_keep;
};

static void add(struct found *f, long pid)
{
	if (pid <= 0 || f->n == ORPHANS_BATCH)
		return;
	for (size_t i = 0; i < f->n_keep; i++)
		if (f->keep[i] == (pid_t)pid)
			return;
	f->pids[f->n++] = (pid_t)pid;
}

/* A small /proc file whole into buf; its length, or -1 with errno. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "re");

	if (fp == NULL)
		return -1;
	size_t n = fread(buf, 1, len - 1, fp);
	int failed = ferror(fp);
	fclose(fp);
	if (failed) {
		errno = EIO;
		return -1;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

/* From every thread's children file. -1 (ENOENT) where there are none. */
static int list_by_task(struct found *f, char *err)
{
	DIR *d = opendir("/proc/self/task");
	char path[64], text[8192];
	int ret = 0;

	if (d == NULL) {
		err_set(err, "opendir /proc/self/task: %s", strerror(errno));
		return -1;
	}
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.16s/children", e->d_name);
		ssize_t n = read_small(path, text, sizeof(text));
		if (n < 0) {
			int open_errno = errno;
			char dir[48];
			snprintf(dir, sizeof(dir), "/proc/self/task/%.16s", e->d_name);
			if (open_errno == ENOENT && access(dir, F_OK) == 0) {
				/* The thread is there, its file is not: a kernel
				 * without CONFIG_PROC_CHILDREN. The scan decides. */
				err_set(err, "open %s: No such file or directory", path);
				ret = -1;
				break;
			}
			continue; /* the thread ended as we read */
		}
		/* A full buffer may end inside a pid: that one waits for the
		 * next round, never killed by half its number. */
		if ((size_t)n == sizeof(text) - 1) {
			char *last = strrchr(text, ' ');
			if (last != NULL)
				*last = '\0';
		}
		for (char *p = text, *end;; p = end) {
			long pid = strtol(p, &end, 10);
			if (end == p)
				break;
			add(f, pid);
		}
	}
	closedir(d);
	return ret;
}

/* Every /proc/<pid>/stat whose parent is us. */
static int list_by_scan(struct found *f, char *err)
{
	DIR *d = opendir("/proc");
	pid_t self = getpid();
	char path[64], text[1024];

	if (d == NULL) {
		err_set(err, "opendir /proc: %s", strerror(errno));
		return -1;
	}
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/stat", e->d_name);
		if (read_small(path, text, sizeof(text)) < 0)
			continue; /* gone since readdir */
		/* "pid (comm) state ppid ...": comm may hold spaces and ')'. */
		char *close_paren = strrchr(text, ')');
		char state;
		long ppid;
		if (close_paren != NULL && sscanf(close_paren + 1, " %c %ld", &state, &ppid) == 2 &&
		    ppid == (long)self)
			add(f, strtol(e->d_name, NULL, 10));
	}
	closedir(d);
	return 0;
}

/* 1: no child at all; 0: one was reaped or lives unlisted; never blocks. */
static int none_left(bool *unlisted)
{
	int st;
	pid_t r = waitpid(-1, &st, WNOHANG);

	if (r < 0 && errno == ECHILD)
		return 1;
	if (r == 0)
		*unlisted = true;
	return 0;
}

bool orphans_any(void)
{
	siginfo_t si;

	/* __WALL: a child whatever signal it reports its end with. EINVAL
	 * (a kernel before 4.7 refuses __WALL here) says nothing: assume one. */
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) == 0 || errno != ECHILD;
}

int orphans_kill(const pid_t *keep, size_t n_keep, char *err)
{
	bool scan = false;
	int killed = 0;

	if (!orphans_any())
		return 0; /* the common case: nothing to list */
	for (;;) {
		struct found f = { .keep = keep, .n_keep = n_keep };
		if (!scan && list_by_task(&f, err) < 0) {
			scan = true;
			f.n = 0;
		}
		if (scan && list_by_scan(&f, err) < 0)
			return -1;
		if (f.n == 0) {
			bool unlisted = false;
			if (n_keep > 0 || none_left(&unlisted))
				return killed;
			if (unlisted && scan)
				return killed; /* alive, ours, and invisible: give up */
			scan = scan || unlisted;
			continue;
		}
		/* All first, then reap: a parent killed before its child hands
		 * the child to us, and the next round finds it. */
		for (size_t i = 0; i < f.n; i++)
			if (kill(f.pids[i], SIGKILL) < 0 && errno != ESRCH) {
				err_set(err, "kill %d: %s", (int)f.pids[i], strerror(errno));
				return -1;
			}
		for (size_t i = 0; i < f.n; i++)
			while (waitpid(f.pids[i], NULL, 0) < 0 && errno == EINTR)
				;
		killed += (int)f.n;
	}
}
