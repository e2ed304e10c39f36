/*
 * run_internal.h — shared by run.c (watching a running job) and start.c
 * (starting it): the state of one job's process group.
 */
#ifndef JOBD_RUN_INTERNAL_H
#define JOBD_RUN_INTERNAL_H

#include <sys/resource.h>
#include <sys/types.h>

#include "limits.h"
#include "run.h"
#include "common/capture.h"

#define RUN_READ_CHUNK 65536
#define RUN_DRAIN_MS 2000 /* how long output may trail the leader's death */

struct job_proc {
	int64_t job_id;
	pid_t pid;                /* leader; also the process group id */
	const struct limits_job *lim; /* its cgroup, if any, to kill at the end */
	int out_fd, err_fd, in_fd;
	const char *stdin_data;
	size_t stdin_len, stdin_off;
	struct capture out, err;
	int64_t t0_mono;
	int64_t deadline_mono;    /* timeout; 0 once acted on */
	int64_t kill_at_mono;     /* SIGKILL due; 0 if none */
	int64_t drain_until_mono; /* after the leader's exit */
	enum run_status stop_reason; /* RUN_EXITED unless timed out/canceled */
	int leader_done;
	int wstatus;
	struct rusage ru;
};

/* Pipes, fork, limits (limits.h), exec in a new process group; sends
 * STARTED. 0, or -1 with res describing why the job could not start
 * (p->pid > 0 if a child exists). */
int run_start(const struct run_env *env, int64_t job_id, const struct proto_run_view *run,
    const struct limits_job *lim, struct job_proc *p, struct run_result *res);
void run_close_fd(int *fd);

#endif
