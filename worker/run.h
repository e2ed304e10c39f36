/*
 * run.h — runs one job to completion inside a worker process.
 *
 * The job gets its own process group (so a timeout or cancel reaches its
 * grandchildren), PR_SET_PDEATHSIG so it dies with its worker, its stdout and
 * stderr captured (capture.h), and the worker as child subreaper so orphaned
 * grandchildren come back to be killed and reaped. Its limits (limits.h)
 * are set before exec; a per-job cgroup, if it has one, is emptied and
 * removed before run_job returns. run_job returns only when every process
 * of the job is gone: what is left when its main process ends — in its
 * group or escaped from it — is killed then (orphans.h).
 */
#ifndef JOBD_RUN_H
#define JOBD_RUN_H

#include <signal.h>
#include <stdint.h>

#include "cgroup.h"
#include "common/job.h"
#include "common/proto.h"

struct run_env {
	int sock;                 /* to the server: CANCEL arrives here */
	int wake_fd;              /* read end of the worker's signal self-pipe: SIGCHLD,
				   * SIGTERM and SIGINT each write a byte to it, and run.c
				   * looks for an ended child only when one came */
	volatile sig_atomic_t *terminate; /* set by SIGTERM: kill the job and exit */
	uint32_t slot;
	const char *output_dir;
	int64_t output_limit;
	int64_t kill_grace_ms;
	const struct cgroup_set *cgroups; /* per-job cgroups (cgroup.h); NULL: rlimits only */
};

enum run_outcome {
	RUN_OUTCOME_DONE,         /* *res is filled: send DONE */
	RUN_OUTCOME_EXIT,         /* the server is gone or asked us to stop */
};

/* Empties the self-pipe (env->wake_fd, non-blocking). */
void run_drain_wake(int wake_fd);

/* Sends STARTED itself once the exec has succeeded. */
enum run_outcome run_job(const struct run_env *env, int64_t job_id,
    const struct proto_run_view *run, struct run_result *res);

#endif
