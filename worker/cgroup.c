/*
 * cgroup.c — makes, reads and removes the per-job control groups laid out
 * in cgroup.h (where they go is cgroup_locate.c's part). Runs in the
 * single-threaded worker, never in the server: only cgroup_job_enter runs
 * in a vforked child, and it makes nothing but write(2) calls on fds
 * opened here beforehand.
 *
 * Traps: on v2 a group with processes cannot enable controllers for its
 * children, so the worker's own group must already have them in its
 * cgroup.subtree_control — we check; we never change a group we did not
 * make. A group cannot be removed while the kernel still counts a member,
 * and a killed member takes a moment to stop counting: rmdir is retried.
 * kill_members is the one place here that signals, and it refuses any path
 * that is not a job group of ours.
 */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILE_PATH_MAX (CGROUP_PATH_MAX + 64)

static bool join(char *buf, size_t len, const char *dir, const char *name)
{
	return (size_t)snprintf(buf, len, "%s/%s", dir, name) < len;
}

static bool exists_in(const char *dir, const char *name)
{
	char path[FILE_PATH_MAX];
	return join(path, sizeof(path), dir, name) && access(path, F_OK) == 0;
}

/* The whole of a (small, virtual) file, NUL-terminated and malloc'd. */
static char *read_all(const char *path, char *err)
{
	size_t cap = 4096, got = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || buf == NULL) {
		err_set(err, "open %s: %s", path, fd < 0 ? strerror(errno) : "out of memory");
		goto fail;
	}
	for (;;) {
		if (cap - got < 2) {
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				err_set(err, "read %s: out of memory", path);
				goto fail;
			}
			buf = nb;
			cap *= 2;
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

static char *read_in(const char *dir, const char *name, char *err)
{
	char path[FILE_PATH_MAX];

	if (!join(path, sizeof(path), dir, name)) {
		err_set(err, "path %s/%s is too long", dir, name);
		return NULL;
	}
	return read_all(path, err);
}

static int write_in(const char *dir, const char *name, const char *text, char *err)
{
	char path[FILE_PATH_MAX];
	size_t n = strlen(text);
	ssize_t w;
	int fd;

	if (!join(path, sizeof(path), dir, name)) {
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
static void kill_members(const char *dir)
{
	const char *base = strrchr(dir, '/');
	char e[ERR_LEN], *pids;

	if (base == NULL || strncmp(base + 1, "job-", 4) != 0 || strstr(dir, "/jobd-w") == NULL ||
	    (pids = read_in(dir, "cgroup.procs", e)) == NULL)
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
static int remove_group(const char *dir, char *err)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };

	for (int i = 0;; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || i == CGROUP_RMDIR_TRIES) {
			err_set(err, "rmdir %s: %s", dir, strerror(errno));
			return -1;
		}
		kill_members(dir);
		nanosleep(&pause, NULL);
	}
}

/* A jobd-w<pid> directory with whatever job groups it still holds. */
static int remove_worker_dir(const char *dir, char *err)
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
		if (strncmp(e->d_name, "job-", 4) == 0 && join(sub, sizeof(sub), dir, e->d_name) &&
		    remove_group(sub, ret == 0 ? err : NULL) < 0)
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

/* Groups of workers that died in a job without cleaning up (SIGKILL, a
 * crash); their jobs' orphans still in them are killed. */
static void remove_stale(struct cgroup_set *cs, const char *own)
{
	DIR *d = opendir(own);
	char e2[ERR_LEN];

	if (d == NULL) {
		if (cs->warning[0] == '\0')
			err_set(cs->warning, "opendir %s: %s", own, strerror(errno));
		return;
	}
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		char path[CGROUP_PATH_MAX];
		pid_t pid;
		if (!cgroup_worker_dir_pid(e->d_name, &pid) || pid == cs->worker)
			continue;
		/* Alive, or not ours to signal (EPERM): not stale. */
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		if (join(path, sizeof(path), own, e->d_name) && remove_worker_dir(path, e2) < 0 &&
		    cs->warning[0] == '\0')
			err_set(cs->warning, "stale group: %s", e2);
	}
	closedir(d);
}

/* On v2 the controller must be on offer in our group and enabled for its
 * children already. */
static int v2_enabled(const char *own, const char *controller, char *why)
{
	static const char *const files[] = { "cgroup.controllers", "cgroup.subtree_control" };

	for (int i = 0; i < 2; i++) {
		char *text = read_in(own, files[i], why);
		if (text == NULL)
			return -1;
		int found = cgroup_has_token(text, strcspn(text, "\n"), ' ', controller);
		free(text);
		if (!found) {
			err_set(why, "%s is not in %s/%s", controller, own, files[i]);
			return -1;
		}
	}
	return 0;
}

/* jobd-w<pid>, with the controller enabled for its children on v2. */
static int make_parent(const struct cgroup_ctl *ctl, enum cgroup_version v, char *err)
{
	char plus[16];

	if (mkdir(ctl->dir, 0755) < 0 && errno != EEXIST) {
		err_set(err, "mkdir %s: %s", ctl->dir, strerror(errno));
		return -1;
	}
	if (v != CGROUP_V2)
		return 0;
	snprintf(plus, sizeof(plus), "+%s", ctl->name);
	return write_in(ctl->dir, "cgroup.subtree_control", plus, err);
}

static int remove_parent(const char *dir, char *err)
{
	if (rmdir(dir) < 0 && errno != ENOENT) {
		err_set(err, "rmdir %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static void setup_ctl(struct cgroup_set *cs, struct cgroup_ctl *ctl, const char *name,
    const char *self, const char *mounts)
{
	enum cgroup_version v;
	char e[ERR_LEN];

	ctl->name = name;
	if (cgroup_locate(self, mounts, name, &v, ctl->own, sizeof(ctl->own), ctl->why) < 0)
		return;
	if (v == CGROUP_V2 && v2_enabled(ctl->own, name, ctl->why) < 0)
		return;
	if ((size_t)snprintf(ctl->dir, sizeof(ctl->dir), "%s/jobd-w%d", ctl->own, (int)cs->worker) >=
	    sizeof(ctl->dir)) {
		err_set(ctl->why, "path %s/jobd-w%d is too long", ctl->own, (int)cs->worker);
		return;
	}
	remove_stale(cs, ctl->own);
	/* A trial run of what each job does: made now, and removed again. */
	const char *limit_file = strcmp(name, "memory") == 0 ? "memory.limit_in_bytes" : "pids.max";
	bool ok = make_parent(ctl, v, ctl->why) == 0;
	if (ok && v == CGROUP_V1 && !exists_in(ctl->dir, limit_file)) {
		err_set(ctl->why, "no %s in %s", limit_file, ctl->dir);
		ok = false;
	}
	if (remove_parent(ctl->dir, e) < 0 && cs->warning[0] == '\0')
		snprintf(cs->warning, sizeof(cs->warning), "%s", e);
	if (ok)
		ctl->version = v;
}

int cgroup_init(struct cgroup_set *cs, pid_t worker, char *err)
{
	char e[ERR_LEN];
	char *self = NULL, *mounts = NULL;

	memset(cs, 0, sizeof(*cs));
	cs->worker = worker;
	cs->memory.name = "memory";
	cs->pids.name = "pids";
	if ((self = read_all("/proc/self/cgroup", e)) == NULL ||
	    (mounts = read_all("/proc/self/mountinfo", e)) == NULL) {
		snprintf(cs->memory.why, sizeof(cs->memory.why), "%s", e);
		snprintf(cs->pids.why, sizeof(cs->pids.why), "%s", e);
	} else {
		setup_ctl(cs, &cs->memory, "memory", self, mounts);
		setup_ctl(cs, &cs->pids, "pids", self, mounts);
	}
	free(self);
	free(mounts);
	if (cs->memory.version == CGROUP_NONE && cs->pids.version == CGROUP_NONE) {
		err_set(err, "memory: %s; pids: %s", cs->memory.why, cs->pids.why);
		return -1;
	}
	return 0;
}

int cgroup_fini(struct cgroup_set *cs, char *err)
{
	int ret = 0;

	if (cs->memory.version != CGROUP_NONE && remove_worker_dir(cs->memory.dir, err) < 0)
		ret = -1;
	if (cs->pids.version != CGROUP_NONE && remove_worker_dir(cs->pids.dir, ret == 0 ? err : NULL) < 0)
		ret = -1;
	cs->memory.version = cs->pids.version = CGROUP_NONE;
	return ret;
}

/* The job's group under ctl (made, or found among those made already). */
static int add_group(struct cgroup_job *cj, const struct cgroup_ctl *ctl, int64_t job_id, char *err)
{
	char dir[CGROUP_PATH_MAX];

	if (ctl->version == CGROUP_NONE) {
		err_set(err, "no usable %s cgroup: %s", ctl->name, ctl->why);
		return -1;
	}
	if ((size_t)snprintf(dir, sizeof(dir), "%s/job-%lld", ctl->dir, (long long)job_id) >=
	    sizeof(dir)) {
		err_set(err, "path %s/job-%lld is too long", ctl->dir, (long long)job_id);
		return -1;
	}
	if (make_parent(ctl, ctl->version, err) < 0)
		return -1;
	for (int i = 0; i < cj->n; i++)
		if (strcmp(cj->dir[i], dir) == 0)
			return i;
	if (mkdir(dir, 0755) < 0) {
		/* An earlier attempt's group whose removal failed: nothing in it
		 * belongs to a running job any more. */
		if (errno != EEXIST) {
			err_set(err, "mkdir %s: %s", dir, strerror(errno));
			return -1;
		}
		if (remove_group(dir, err) < 0)
			return -1;
		if (mkdir(dir, 0755) < 0) {
			err_set(err, "mkdir %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	memcpy(cj->dir[cj->n], dir, sizeof(dir));
	return cj->n++;
}

static int set_memory(const struct cgroup_job *cj, int64_t bytes, char *err)
{
	const char *dir = cj->dir[cj->mem];
	char num[32];

	snprintf(num, sizeof(num), "%lld", (long long)bytes);
	/* Swap is capped too, or a job would page out instead of being stopped;
	 * the files exist only where the kernel accounts swap. */
	if (cj->mem_version == CGROUP_V2)
		return write_in(dir, "memory.max", num, err) < 0 ||
			       (exists_in(dir, "memory.swap.max") &&
				   write_in(dir, "memory.swap.max", "0", err) < 0)
			   ? -1
			   : 0;
	/* v1: memsw (memory + swap) may never be below the memory limit, so
	 * the memory limit goes first. */
	return write_in(dir, "memory.limit_in_bytes", num, err) < 0 ||
		       (exists_in(dir, "memory.memsw.limit_in_bytes") &&
			   write_in(dir, "memory.memsw.limit_in_bytes", num, err) < 0)
		   ? -1
		   : 0;
}

int cgroup_job_create(const struct cgroup_set *cs, int64_t job_id, int64_t memory_bytes,
    int64_t max_tasks, struct cgroup_job *cj, char *err)
{
	char num[32], e2[ERR_LEN];

	memset(cj, 0, sizeof(*cj));
	cj->procs_fd[0] = cj->procs_fd[1] = -1;
	cj->mem = cj->pids = -1;
	if (memory_bytes > 0) {
		if ((cj->mem = add_group(cj, &cs->memory, job_id, err)) < 0)
			goto fail;
		cj->mem_version = cs->memory.version;
		if (set_memory(cj, memory_bytes, err) < 0)
			goto fail;
	}
	if (max_tasks > 0) {
		if ((cj->pids = add_group(cj, &cs->pids, job_id, err)) < 0)
			goto fail;
		snprintf(num, sizeof(num), "%lld", (long long)max_tasks);
		if (write_in(cj->dir[cj->pids], "pids.max", num, err) < 0)
			goto fail;
	}
	for (int i = 0; i < cj->n; i++) {
		char path[FILE_PATH_MAX];
		if (!join(path, sizeof(path), cj->dir[i], "cgroup.procs") ||
		    (cj->procs_fd[i] = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
			err_set(err, "open %s/cgroup.procs: %s", cj->dir[i], strerror(errno));
			goto fail;
		}
	}
	return 0;
fail:
	cgroup_job_remove(cj, e2);
	/* add_group may have made a parent and then failed. */
	if (memory_bytes > 0)
		remove_parent(cs->memory.dir, e2);
	if (max_tasks > 0)
		remove_parent(cs->pids.dir, e2);
	return -1;
}

int cgroup_job_enter(const struct cgroup_job *cj, int *failed)
{
	for (int i = 0; i < cj->n; i++) {
		if (write(cj->procs_fd[i], "0", 1) != 1) {
			*failed = i;
			return -1;
		}
	}
	return 0;
}

void cgroup_job_counts(const struct cgroup_job *cj, struct cgroup_counts *c)
{
	char e[ERR_LEN], *t;

	c->oom_kills = c->memory_hits = c->fork_refusals = -1;
	if (cj->mem >= 0 && cj->mem_version == CGROUP_V2) {
		t = read_in(cj->dir[cj->mem], "memory.events", e);
		cgroup_read_key(t, "oom_kill", &c->oom_kills);
		cgroup_read_key(t, "max", &c->memory_hits);
		free(t);
	} else if (cj->mem >= 0) {
		t = read_in(cj->dir[cj->mem], "memory.oom_control", e); /* "oom_kill" since 4.13 */
		cgroup_read_key(t, "oom_kill", &c->oom_kills);
		free(t);
		static const char *const fail_counts[] = { "memory.failcnt", "memory.memsw.failcnt" };
		for (int i = 0; i < 2; i++) {
			if ((t = read_in(cj->dir[cj->mem], fail_counts[i], e)) != NULL) {
				long long n = strtoll(t, NULL, 10);
				if (n > c->memory_hits)
					c->memory_hits = n;
			}
			free(t);
		}
	}
	if (cj->pids >= 0) {
		t = read_in(cj->dir[cj->pids], "pids.events", e);
		cgroup_read_key(t, "max", &c->fork_refusals);
		free(t);
	}
}

int cgroup_job_remove(struct cgroup_job *cj, char *err)
{
	int ret = 0;

	for (int i = 0; i < 2; i++) {
		if (cj->procs_fd[i] >= 0)
			close(cj->procs_fd[i]);
		cj->procs_fd[i] = -1;
	}
	for (int i = 0; i < cj->n; i++) {
		char parent[CGROUP_PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", cj->dir[i]);
		*strrchr(parent, '/') = '\0'; /* job-<id> always has one */
		if (remove_group(cj->dir[i], ret == 0 ? err : NULL) < 0 ||
		    remove_parent(parent, ret == 0 ? err : NULL) < 0)
			ret = -1;
	}
	cj->n = 0;
	cj->mem = cj->pids = -1;
	return ret;
}
