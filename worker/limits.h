/*
 * limits.h — a job's resource limits (struct job_limits, spec field
 * `limits`) from the RUN message to the job's process and back into the
 * DONE error text. run.c prepares them before the job starts, start.c
 * applies them in the vforked child, run.c explains and cleans up after the
 * job's process group is gone.
 *
 * How each limit is enforced (0 = none):
 *   memory_mb   a per-job cgroup (cgroup.h) when this worker has a usable
 *               memory controller: memory.max / memory.limit_in_bytes, swap
 *               capped alike, covering every process the job starts; the
 *               kernel OOM-kills inside the group. Otherwise RLIMIT_AS per
 *               process — address space, not memory: allocations fail
 *               (ENOMEM, MemoryError, std::bad_alloc) long before RAM runs
 *               out for runtimes that reserve much (JVM, Go). Never both:
 *               an address-space limit would make allocations fail before
 *               the cgroup could say why.
 *   cpu_s       RLIMIT_CPU: soft cpu_s (SIGXCPU), hard cpu_s + 1 (SIGKILL),
 *               per process — a job spreading work over many processes
 *               can use more in total.
 *   open_files  RLIMIT_NOFILE, soft = hard: per process; fd numbers up to
 *               open_files - 1 (open fails with EMFILE beyond).
 *   processes   the per-job cgroup's pids.max when there is a usable pids
 *               controller — it counts tasks (threads too), the job's own
 *               process included. Otherwise RLIMIT_NPROC, which counts every
 *               process of the job's user on the machine and does nothing
 *               for root (CAP_SYS_RESOURCE): the worker says so at start.
 * An rlimit above the worker's own hard limit is lowered to it: the job can
 * never get more than the worker has. Every job gets a cgroup where one can
 * be made, to contain it; only memory_mb and processes set limits in it;
 * cgroup.h says where.
 *
 * DONE error texts. A limit that ended an attempt keeps its status (EXITED
 * with the code, SIGNALED with the signal); only the error text says why.
 * It is "<how it ended>; <clause>[; <clause>]", where <how it ended> is the
 * text the job would have had anyway ("killed by signal 9 (Killed)", or
 * "exit code N" for an exit that had none), and a clause is added only for
 * an attempt that did not succeed (an exit code other than 0, or a signal)
 * and ended by itself (not timed out or canceled):
 *   "memory limit N MB exceeded"
 *       the job's memory cgroup counted an OOM kill (memory.events /
 *       memory.oom_control "oom_kill" > 0); on an old v1 kernel without
 *       that count, a SIGKILLed job whose group hit its limit (failcnt).
 *   "processes limit N reached (fork refused)"
 *       the job's pids cgroup refused a fork (pids.events "max" > 0); the
 *       job usually then exits non-zero on its own.
 *   "cpu limit N s exceeded"
 *       killed by SIGXCPU; or by SIGKILL, with no OOM kill counted, having
 *       used at least N s of CPU (the hard limit); or exit code 152
 *       (128 + SIGXCPU: a shell whose command was killed by SIGXCPU).
 *   "memory limit N MB may have been exceeded (address-space rlimit, not confirmed)"
 *       memory_mb is enforced by RLIMIT_AS only and no other clause
 *       applies: the kernel does not count rlimit refusals, so this is a
 *       hint, not a finding.
 * e.g. "killed by signal 9 (Killed); memory limit 256 MB exceeded",
 *      "exit code 2; processes limit 5 reached (fork refused)".
 * open_files gets no clause: nothing counts EMFILE, and the job's own
 * stderr ("Too many open files") says it better than a guess would.
 *
 * Start failures (RUN_START_FAILED):
 *   "setrlimit RLIMIT_AS: <strerror>"            (RLIMIT_CPU, _NOFILE, _NPROC)
 *   "join cgroup <dir>: <strerror>"              (the child's write to cgroup.procs)
 *   "cgroup for job N: <what failed>"            (making the group)
 *   "memory_mb N is too large"
 */
#ifndef JOBD_LIMITS_H
#define JOBD_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

#include "cgroup.h"
#include "common/job.h"
#include "common/proto.h"

#define LIMITS_RLIMITS_MAX 4

/* One job's limits, ready for the child: everything computed beforehand. */
struct limits_job {
	struct job_limits want;
	int n_rlimits;
	struct {
		int resource;
		struct rlimit rl;
	} rlimits[LIMITS_RLIMITS_MAX];
	struct cgroup_job cg;
	bool memory_by_cgroup, processes_by_cgroup;
	char warning[ERR_LEN];        /* "" or why a job without cgroup limits has no group */
};

/* What the kernel saw of a job's limits, for limits_explain. */
struct limits_seen {
	bool memory_by_cgroup, processes_by_cgroup;
	struct cgroup_counts counts;  /* -1 where unknown or not used */
};

struct job_limits limits_from_run(const struct proto_run *run);

/* Computes the rlimits and makes the cgroup (cs NULL or without usable
 * controllers: rlimits only). 0, or -1 with err; lj needs limits_finish
 * either way. */
int limits_prepare(struct limits_job *lj, const struct job_limits *want,
    const struct cgroup_set *cs, int64_t job_id, char *err);

/* In the vforked child, after its stdio is in place (an open_files limit of
 * 2 must not stop dup2 onto fd 2): joins the cgroup, sets the rlimits.
 * System calls only. 0, or -1 with errno set and *step for
 * limits_describe_step. */
int limits_child_apply(const struct limits_job *lj, int *step);
void limits_describe_step(const struct limits_job *lj, int step, int errnum, char *buf,
    size_t len);

/* When the job's main process has ended: SIGKILLs what is left in its
 * cgroup, if it has one (limits_finish then removes the group). */
void limits_kill(const struct limits_job *lj);

/* After the job's process group is gone: adds the clauses above to
 * res->error (when res is not NULL), then removes the cgroup. 0, or -1
 * with err when the cgroup could not be removed (the result stands). */
int limits_finish(struct limits_job *lj, struct run_result *res, char *err);

/* Pure: the clauses, for what was seen. */
void limits_explain(const struct job_limits *want, const struct limits_seen *seen,
    struct run_result *res);
/* Pure: the worker's one start-up line on how limits will be enforced. */
void limits_describe_setup(const struct cgroup_set *cs, bool root, char *buf, size_t len);

#endif
