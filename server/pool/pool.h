/*
 * pool.h — the supervisor of the worker processes: N slots, each a worker
 * started by spawn.h and spoken to with proto.h. It sends RUN and CANCEL,
 * reads STARTED and DONE, reaps, and replaces a worker that dies (backing
 * off when one dies again at once), killing its job's process group.
 *
 * Called only from the dispatcher's thread, except pool_snapshot, which any
 * thread may call (it copies under a mutex).
 */
#ifndef JOBD_POOL_H
#define JOBD_POOL_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/job.h"
#include "config/config.h"

struct pool_events {
	void *ctx;
	void (*started)(void *ctx, int slot, int64_t job_id, int pid, int64_t started_us);
	void (*done)(void *ctx, int slot, int64_t job_id, const struct run_result *r);
	/* The worker running job_id died; cause says how. */
	void (*lost)(void *ctx, int slot, int64_t job_id, const char *cause);
};

struct pool;

int pool_start(struct pool **out, const struct config *cfg, const struct pool_events *ev,
    char *err);
/* SIGTERM every worker (each kills its job's group), wait up to wait_ms,
 * then SIGKILL what is left; reaps; frees. */
void pool_stop(struct pool *p, int wait_ms);

int pool_size(const struct pool *p);
/* Adds one pollfd per live worker socket at fds[0..]; returns how many. */
int pool_pollfds(struct pool *p, struct pollfd *fds, int max);
/* Reads whatever the polled sockets hold and raises the events. */
void pool_handle(struct pool *p, const struct pollfd *fds, int n);
/* Reaps exited children (after SIGCHLD) and starts due replacements. */
void pool_reap(struct pool *p);
void pool_tick(struct pool *p);
/* Monotonic µs of the next replacement due, or 0. */
int64_t pool_next_timer(const struct pool *p);

/* The idle slots (that said HELLO, run and hold nothing), lowest first,
 * into out[0..max): how many. */
int pool_idle_slots(const struct pool *p, int *out, int max);
int pool_busy_count(const struct pool *p);
/* Marks the slot busy with job and sends RUN. On -1 the slot is being
 * replaced and the job must be handled as lost. */
int pool_run(struct pool *p, int slot, const struct job *job, char *err);
/* Before a RUN is sent (e.g. its transaction failed): the slot is idle again. */
void pool_unreserve(struct pool *p, int slot);
/* Marks the slot taken by job_id: the one RUN is sent to next, or one held
 * beside it by a multi-core job (no RUN; its worker stays idle). */
void pool_reserve(struct pool *p, int slot, int64_t job_id);
/* Job job_id's attempt ended: the slots held beside the one that ran it are
 * idle again (the running one was freed by its DONE or death). A held slot
 * whose worker dies stays held when the replacement says HELLO. */
void pool_release_held(struct pool *p, int64_t job_id);
/* Sends CANCEL to the worker running job_id. 1 sent, 0 not running here. */
int pool_cancel(struct pool *p, int64_t job_id);

/* One slot as /v1/workers shows it (render.c). */
struct worker_info {
	int slot;
	int pid;             /* -1 while being replaced */
	bool busy;
	int64_t job_id;      /* 0 when idle */
	int64_t job_started_us;
	int64_t jobs_done;
	int64_t started_us;  /* when this worker process started */
};

int pool_snapshot(struct pool *p, struct worker_info *out, int max);

#endif
