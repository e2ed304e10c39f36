/*
 * cgroup_fs.c — the file and directory operations on cgroupfs that the
 * worker's groups (cgroup.c) and each job's groups (cgroup_job.c) are made
 * of: reading and writing a group's small virtual files, making and
 * removing jobd-w<pid> parents, and removing job groups with whatever is
 * left inside. Runs in the single-threaded worker, never in the server and
 * never in a vforked child.
 *
 * Traps: a group cannot be removed while the kernel still counts a member,
 * and a killed member takes a moment to stop counting: rmdir is retried.
 * kill_members is the one place in the cgroup code that signals, and it
 * refuses any path that is not a job group of ours.
 */
#include "cgroup_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/vec.h"

bool cgroup_fs_join(char *buf, size_t len, const char *dir, const char *name)
{
	return (size_t)snprintf(buf, len, "%s/%s", dir, name) < len;
}

bool cgroup_fs_exists(const char *dir, const char *name)
{
	char path[CGROUP_FILE_PATH_MAX];
	return cgroup_fs_join(path, sizeof(path), dir, name) && access(path, F_OK) == 0;
}

/* The whole of a (small, virtual) file, NUL-terminated and malloc'd. */
char *cgroup_fs_read_file(const char *path, char *err)
{
	size_t cap = 0, got = 0;
	char *buf = NULL, why[ERR_LEN];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		err_set(err, "open %s: %s", path, strerror(errno));
		goto fail;
	}
	for (;;) {
		if (VEC_RESERVE(buf, cap, got + 2, why) < 0) {
			err_set(err, "read %s: %s", path, why);
			goto fail;
		}
		ssize_t r = read(fd, buf + got, cap - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set(err, "read %s: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	close(fd);
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

char *cgroup_fs_read(const char *dir, const char *name, char *err)
{
	char path[CGROUP_FILE_PATH_MAX];

	if (!cgroup_fs_join(path, sizeof(path), dir, name)) {
		err_set(err, "path %s/%s is too long", dir, name);
		return NULL;
	}
	return cgroup_fs_read_file(path, err);
}

int cgroup_fs_write(const char *dir, const char *name, const char *text, char *err)
{
	char path[CGROUP_FILE_PATH_MAX];
	size_t n = strlen(text);
	ssize_t w;
	int fd;

	if (!cgroup_fs_join(path, sizeof(path), dir, name)) {
		err_set(err, "path %s/%s is too long", dir, name);
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
		err_set(err, "open %s: %s", path, strerror(errno));
		return -1;
	}
	do
		w = write(fd, text, n);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)n)
		err_set(err, "write %s to %s: %s", text, path, w < 0 ? strerror(errno) : "short write");
	close(fd); /* a cgroup file says no on write, not on close */
	return w == (ssize_t)n ? 0 : -1;
}

/* SIGKILLs every member of a job group. Refuses any other directory: a
 * wrong path here would kill the worker and the server with it. */
void cgroup_fs_kill_members(const char *dir)
{
	const char *base = strrchr(dir, '/');
	char e[ERR_LEN], *pids;

	if (base == NULL || strncmp(base + 1, "job-", 4) != 0 || strstr(dir, "/jobd-w") == NULL ||
	    (pids = cgroup_fs_read(dir, "cgroup.procs", e)) == NULL)
		return;
	for (char *p = pids, *end;; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		/* ESRCH: already gone; anything else shows as rmdir's EBUSY. */
		if (pid > 0 && pid != (long)getpid())
			kill((pid_t)pid, SIGKILL);
	}
	free(pids);
}

/* rmdir, killing what is left inside while the kernel says busy. */
int cgroup_fs_remove_group(const char *dir, char *err)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };

	for (int i = 0;; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || i == CGROUP_RMDIR_TRIES) {
			err_set(err, "rmdir %s: %s", dir, strerror(errno));
			return -1;
		}
		cgroup_fs_kill_members(dir);
		nanosleep(&pause, NULL);
	}
}

/* A jobd-w<pid> directory with whatever job groups it still holds. */
int cgroup_fs_remove_worker_dir(const char *dir, char *err)
{
	DIR *d = opendir(dir);
	int ret = 0;

	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		err_set(err, "opendir %s: %s", dir, strerror(errno));
		return -1;
	}
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		char sub[CGROUP_PATH_MAX];
		if (strncmp(e->d_name, "job-", 4) == 0 && cgroup_fs_join(sub, sizeof(sub), dir, e->d_name) &&
		    cgroup_fs_remove_group(sub, ret == 0 ? err : NULL) < 0)
			ret = -1;
	}
	closedir(d);
	if (rmdir(dir) < 0 && errno != ENOENT) {
		if (ret == 0)
			err_set(err, "rmdir %s: %s", dir, strerror(errno));
		ret = -1;
	}
	return ret;
}

/* jobd-w<pid>, with the controller enabled for its children on v2. */
int cgroup_fs_make_parent(const struct cgroup_ctl *ctl, enum cgroup_version v, char *err)
{
	char plus[16];

	if (mkdir(ctl->dir, 0755) < 0 && errno != EEXIST) {
		err_set(err, "mkdir %s: %s", ctl->dir, strerror(errno));
		return -1;
	}
	if (v != CGROUP_V2)
		return 0;
	snprintf(plus, sizeof(plus), "+%s", ctl->name);
	return cgroup_fs_write(ctl->dir, "cgroup.subtree_control", plus, err);
}

int cgroup_fs_remove_parent(const char *dir, char *err)
{
	if (rmdir(dir) < 0 && errno != ENOENT) {
		err_set(err, "rmdir %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}
