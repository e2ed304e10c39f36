/*
 * cgroup.c — the worker's side of the per-job control groups laid out in
 * cgroup.h: at start, find each controller (where is cgroup_locate.c's
 * part), clear away groups of dead workers, and make jobd-w<pid>; at exit,
 * remove it and whatever is left in it. Each job's own groups are
 * cgroup_job.c's; the file operations both use are cgroup_fs.c's. Runs in
 * the single-threaded worker, never in the server.
 *
 * Traps: on v2 a group with processes cannot enable controllers for its
 * children, so the worker's own group must already have them in its
 * cgroup.subtree_control — we check; we never change a group we did not
 * make.
 */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_fs.h"

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
		if (cgroup_fs_join(path, sizeof(path), own, e->d_name) &&
		    cgroup_fs_remove_worker_dir(path, e2) < 0 && cs->warning[0] == '\0')
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
		char *text = cgroup_fs_read(own, files[i], why);
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
	/* Made now and kept until cgroup_fini: every job's group goes in it,
	 * and making it once is what tells us that we can. */
	const char *limit_file = strcmp(name, "memory") == 0 ? "memory.limit_in_bytes" : "pids.max";
	if (cgroup_fs_make_parent(ctl, v, ctl->why) < 0)
		return;
	if (v == CGROUP_V1 && !cgroup_fs_exists(ctl->dir, limit_file)) {
		err_set(ctl->why, "no %s in %s", limit_file, ctl->dir);
		if (cgroup_fs_remove_parent(ctl->dir, e) < 0 && cs->warning[0] == '\0')
			snprintf(cs->warning, sizeof(cs->warning), "%s", e);
		return;
	}
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
	if ((self = cgroup_fs_read_file("/proc/self/cgroup", e)) == NULL ||
	    (mounts = cgroup_fs_read_file("/proc/self/mountinfo", e)) == NULL) {
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

	if (cs->memory.version != CGROUP_NONE && cgroup_fs_remove_worker_dir(cs->memory.dir, err) < 0)
		ret = -1;
	if (cs->pids.version != CGROUP_NONE &&
	    cgroup_fs_remove_worker_dir(cs->pids.dir, ret == 0 ? err : NULL) < 0)
		ret = -1;
	cs->memory.version = cs->pids.version = CGROUP_NONE;
	return ret;
}
