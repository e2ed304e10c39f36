/*
 * cgroup.h — per-job control groups, for the two limits no process can set
 * on itself for its whole tree: a memory cap and a task cap that cover the
 * job's grandchildren and stay exact when the worker runs as root (which
 * RLIMIT_NPROC ignores). limits.c decides what to ask for; this module only
 * finds, makes, reads and removes groups: cgroup.c the worker's (init and
 * fini), cgroup_job.c each job's, both through cgroup_fs.c's file
 * operations (cgroup_fs.h, internal), and cgroup_locate.c the pure parsing.
 *
 * Layout, in every hierarchy that holds a controller we use (cgroup v1:
 * one per controller, e.g. /sys/fs/cgroup/memory and /sys/fs/cgroup/pids;
 * cgroup v2: one unified tree):
 *
 *   <the worker's own group>/jobd-w<worker pid>/job-<job id>
 *
 * The worker itself stays in its own group; jobd-w<pid> holds no process
 * (so on v2 it may enable controllers for its children). It lives as long
 * as the worker (cgroup_init makes it, cgroup_fini removes it): made once,
 * not per job, since a cgroup's mkdir and rmdir cost more than a trivial
 * job. job-<id> exists only while its job runs — every job, limits or not,
 * is contained in a group of its own (cgroup_job_create says where) so
 * nothing it starts outlives it: made before it starts, removed after it
 * ends. A worker killed (SIGKILL, a crash) leaves its jobd-w<pid>, with the
 * group of the job it ran and maybe orphans of the job in it; they are
 * named after the worker's pid so that the next worker started in the same
 * group recognises them: cgroup_init kills what is left in every
 * jobd-w<pid> whose pid is dead and removes it.
 * A pid reused by an unrelated live process keeps its stale group until
 * that process is gone; a pid that lives in another pid namespace is not
 * told apart — one jobd per cgroup subtree is assumed.
 *
 * The job's process joins its group itself, between vfork and exec, by
 * writing "0" (the writer) to the cgroup.procs file the worker opened for
 * it: no pid to format, nothing the job runs before it is capped.
 *
 * Ownership: struct cgroup_set belongs to the worker (cgroup_init at start,
 * cgroup_fini at exit); struct cgroup_job to one run, whose fds it closes
 * and whose groups it removes in cgroup_job_remove. Nothing here logs.
 */
#ifndef JOBD_CGROUP_H
#define JOBD_CGROUP_H

#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

#define CGROUP_PATH_MAX 512
#define CGROUP_RMDIR_TRIES 100   /* 10 ms apart: killed members take a moment to exit */

enum cgroup_version { CGROUP_NONE, CGROUP_V1, CGROUP_V2 };

/* Where one controller (memory or pids) lives for this worker. */
struct cgroup_ctl {
	const char *name;             /* "memory" or "pids" */
	enum cgroup_version version;  /* CGROUP_NONE: not usable, why says why */
	char own[CGROUP_PATH_MAX];    /* the worker's own group, as a directory */
	char dir[CGROUP_PATH_MAX];    /* own/jobd-w<pid>: job groups go in here */
	char why[ERR_LEN];
};

struct cgroup_set {
	pid_t worker;
	struct cgroup_ctl memory, pids;
	char warning[ERR_LEN];        /* first problem that did not stop us, or "" */
};

/* One job's groups: one on v2, up to two (memory, pids) on v1. */
struct cgroup_job {
	int n;
	char dir[2][CGROUP_PATH_MAX];
	enum cgroup_version version[2];
	int procs_fd[2];              /* cgroup.procs, O_CLOEXEC; -1 when closed */
	int mem, pids;                /* index into dir of each controller; -1: none */
	enum cgroup_version mem_version;
};

/* What the kernel counted in a job's groups; -1 where it cannot tell. */
struct cgroup_counts {
	int64_t oom_kills;      /* memory.events / memory.oom_control "oom_kill" */
	int64_t memory_hits;    /* memory.events "max" / memory.failcnt */
	int64_t fork_refusals;  /* pids.events "max" */
};

/* The worker's groups (cgroup.c). */
/* Finds the memory and pids controllers from /proc/self/cgroup and
 * /proc/self/mountinfo, removes groups left by dead workers, and makes
 * this worker's jobd-w<worker> groups (kept until cgroup_fini). 0 when at least one
 * controller is usable (each cs->X.version says which), -1 with err (and
 * each X.why) when none. cs->warning may hold a problem that did not stop
 * it (a stale group that would not go). */
int cgroup_init(struct cgroup_set *cs, pid_t worker, char *err);
/* Removes this worker's jobd-w<pid> groups, with whatever a failed
 * removal left in them. */
int cgroup_fini(struct cgroup_set *cs, char *err);

/* One job's groups (cgroup_job.c). */
/* Makes the job's group(s) with memory.max (bytes, 0 = none) and
 * pids.max (0 = none) set, and opens their cgroup.procs. A job
 * with neither limit still gets one group, to be contained: in the pids
 * hierarchy when it is usable, else the memory one, with no limit set.
 * 0, or -1 with err and nothing left behind. */
int cgroup_job_create(const struct cgroup_set *cs, int64_t job_id, int64_t memory_bytes,
    int64_t max_tasks, struct cgroup_job *cj, char *err);
/* In the vforked child: system calls only. Moves the calling process into
 * each group. 0, or -1 with errno set and *failed the index of the group. */
int cgroup_job_enter(const struct cgroup_job *cj, int *failed);
void cgroup_job_counts(const struct cgroup_job *cj, struct cgroup_counts *c);
/* SIGKILLs every member of the job's groups now (cgroup.kill on v2 where
 * the kernel has it, else each pid in cgroup.procs), without waiting. */
void cgroup_job_kill(const struct cgroup_job *cj);
/* Closes the fds, SIGKILLs whatever is still in the groups (members that
 * escaped the job's process group), and removes them (not the worker's
 * jobd-w<pid>), retrying while the kernel still counts exiting members. 0,
 * or -1 with err. */
int cgroup_job_remove(struct cgroup_job *cj, char *err);

/* Pure helpers (cgroup_locate.c), exposed for tests. */
/* The directory of this process's group for controller ("memory", "pids"):
 * v1 when a /proc/self/cgroup line names the controller, else v2 from the
 * "0::" line; then the matching mount (its root stripped off the path). */
int cgroup_locate(const char *proc_cgroup, const char *mountinfo, const char *controller,
    enum cgroup_version *version, char *dir, size_t len, char *err);
/* The value of "key N" in a flat keyed file (memory.events, pids.events,
 * memory.oom_control). 0, or -1 when the key is missing. */
int cgroup_read_key(const char *text, const char *key, int64_t *value);
/* 1 and *pid when name is "jobd-w<pid>", else 0. */
int cgroup_worker_dir_pid(const char *name, pid_t *pid);
/* 1 when word is one of the separator-delimited tokens in list[0..len). */
int cgroup_has_token(const char *list, size_t len, char sep, const char *word);

#endif
