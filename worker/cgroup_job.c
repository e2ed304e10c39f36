/*
 * cgroup_job.c — one job's control groups (cgroup.h): made with their
 * limits and their cgroup.procs opened before the job starts, joined by the
 * job's process, read for what the kernel counted, and removed after it
 * ends. Runs in the single-threaded worker; only cgroup_job_enter runs in
 * a vforked child, and it makes nothing but write(2) calls on fds opened
 * here beforehand.
 */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup_fs.h"

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
	for (int i = 0; i < cj->n; i++)
		if (strcmp(cj->dir[i], dir) == 0)
			return i;
	if (mkdir(dir, 0755) < 0) {
		int e = errno;
		if (e != ENOENT && e != EEXIST) {
			err_set(err, "mkdir %s: %s", dir, strerror(e));
			return -1;
		}
		/* ENOENT: jobd-w<pid> (cgroup_init's) was removed under us.
		 * EEXIST: an earlier attempt's group whose removal failed; nothing
		 * in it belongs to a running job any more. */
		if ((e == ENOENT ? cgroup_fs_make_parent(ctl, ctl->version, err)
				 : cgroup_fs_remove_group(dir, err)) < 0)
			return -1;
		if (mkdir(dir, 0755) < 0) {
			err_set(err, "mkdir %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	memcpy(cj->dir[cj->n], dir, sizeof(dir));
	cj->version[cj->n] = ctl->version;
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
		return cgroup_fs_write(dir, "memory.max", num, err) < 0 ||
			       (cgroup_fs_exists(dir, "memory.swap.max") &&
				   cgroup_fs_write(dir, "memory.swap.max", "0", err) < 0)
			   ? -1
			   : 0;
	/* v1: memsw (memory + swap) may never be below the memory limit, so
	 * the memory limit goes first. */
	return cgroup_fs_write(dir, "memory.limit_in_bytes", num, err) < 0 ||
		       (cgroup_fs_exists(dir, "memory.memsw.limit_in_bytes") &&
			   cgroup_fs_write(dir, "memory.memsw.limit_in_bytes", num, err) < 0)
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
		if (cgroup_fs_write(cj->dir[cj->pids], "pids.max", num, err) < 0)
			goto fail;
	}
	/* No limit asked: a group all the same, to contain the job. */
	if (cj->n == 0 && add_group(cj, cs->pids.version != CGROUP_NONE ? &cs->pids : &cs->memory,
			      job_id, err) < 0)
		goto fail;
	for (int i = 0; i < cj->n; i++) {
		char path[CGROUP_FILE_PATH_MAX];
		if (!cgroup_fs_join(path, sizeof(path), cj->dir[i], "cgroup.procs") ||
		    (cj->procs_fd[i] = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
			err_set(err, "open %s/cgroup.procs: %s", cj->dir[i], strerror(errno));
			goto fail;
		}
	}
	return 0;
fail:
	cgroup_job_remove(cj, e2);
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
		t = cgroup_fs_read(cj->dir[cj->mem], "memory.events", e);
		cgroup_read_key(t, "oom_kill", &c->oom_kills);
		cgroup_read_key(t, "max", &c->memory_hits);
		free(t);
	} else if (cj->mem >= 0) {
		t = cgroup_fs_read(cj->dir[cj->mem], "memory.oom_control", e); /* "oom_kill" since 4.13 */
		cgroup_read_key(t, "oom_kill", &c->oom_kills);
		free(t);
		static const char *const fail_counts[] = { "memory.failcnt", "memory.memsw.failcnt" };
		for (int i = 0; i < 2; i++) {
			if ((t = cgroup_fs_read(cj->dir[cj->mem], fail_counts[i], e)) != NULL) {
				long long n = strtoll(t, NULL, 10);
				if (n > c->memory_hits)
					c->memory_hits = n;
			}
			free(t);
		}
	}
	if (cj->pids >= 0) {
		t = cgroup_fs_read(cj->dir[cj->pids], "pids.events", e);
		cgroup_read_key(t, "max", &c->fork_refusals);
		free(t);
	}
}

void cgroup_job_kill(const struct cgroup_job *cj)
{
	char e[ERR_LEN];

	for (int i = 0; i < cj->n; i++) {
		/* cgroup.kill (5.14+) kills the whole group at once, forks in
		 * flight included; without it, pid by pid. */
		if (cj->version[i] == CGROUP_V2 && cgroup_fs_exists(cj->dir[i], "cgroup.kill") &&
		    cgroup_fs_write(cj->dir[i], "cgroup.kill", "1", e) == 0)
			continue;
		cgroup_fs_kill_members(cj->dir[i]);
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
	for (int i = 0; i < cj->n; i++)
		if (cgroup_fs_remove_group(cj->dir[i], ret == 0 ? err : NULL) < 0)
			ret = -1;
	cj->n = 0;
	cj->mem = cj->pids = -1;
	return ret;
}
