/*
 * cluster.h — a jobd node of a cluster sharing one PostgreSQL database, as
 * the dispatcher sees it: one opaque struct cluster, made by cluster_open
 * when the store is shared and NULL on SQLite. The dispatcher calls the
 * inline wrappers at the bottom only, at the few places where a node's
 * behaviour differs from a server alone; each gives the single-node answer
 * for NULL, so the pointer is tested here and nowhere else.
 *
 * The folder sits below the dispatcher: it includes store/, pool/, config/
 * and common/, never dispatch/. What it needs of the dispatcher (its side
 * transactions, its one owner of an attempt's end, its wake-ups) it asks
 * through the callbacks of struct cluster_host, given at open.
 *
 * Ownership: cluster_open's struct is the dispatcher's to end, with
 * cluster_close (a goodbye: the node is marked stopped) or cluster_free.
 * Everything runs on the dispatcher's thread, except cluster_node_id.
 */
#ifndef JOBD_CLUSTER_H
#define JOBD_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/job.h"
#include "config/config.h"

struct cluster;
struct pool;
struct store;
struct turn;   /* the dispatcher's; passed back to it, never read here */

/* Body of a side transaction: err is the turn's error buffer. 0, or -1. */
typedef int (*cluster_body_fn)(void *arg, struct turn *t, char *err);

/* What the node asks of the dispatcher that holds it (ctx). */
struct cluster_host {
	void *ctx;
	/* Runs body in a transaction of the dispatcher's own, kept like a
	 * turn (counts and events applied after the commit; rolled back on
	 * error): 0, or -1 with err. */
	int (*side)(void *ctx, cluster_body_fn body, void *arg, char *err);
	/* Inside body: the job counts of the whole cluster, read again into t. */
	int (*recount)(void *ctx, struct turn *t);
	/* Job id, if still running, ends its attempt: "<who> stopped while
	 * attempt N ran<suffix>"; counted into *requeued or *failed. 0, -1. */
	int (*cut_running)(void *ctx, struct turn *t, int64_t id, const char *who,
	    const char *suffix, int *requeued, int *failed);
	/* Running job ran here, and this node cannot call it finished: its
	 * attempt ends with msg (requeued or failed). 0, -1. */
	int (*cut_here)(void *ctx, struct turn *t, const struct job *job, const char *msg);
	/* A worker's report of job id waits for the next turn. */
	bool (*has_report)(void *ctx, int64_t id);
	/* Jobs may be claimable again (another node's, or a retry's). */
	void (*wake)(void *ctx);
	/* Queue settings another node changed: read them again (and wake). */
	void (*queues_changed)(void *ctx);
	/* Delays and schedules other nodes made: the timer reads them again. */
	int (*next_wake)(void *ctx, char *err);
};

/* A node when st is shared (registered, listening), else *out = NULL and 0.
 * Before the dispatcher recovers jobs. -1 with err. */
int cluster_open(struct cluster **out, struct store *st, const struct config *cfg,
    const struct cluster_host *host, char *err);
/* After the last jobs: this node is marked stopped, then freed. NULL: none. */
void cluster_close(struct cluster *c);
/* Without a goodbye (open failed). NULL: none. */
void cluster_free(struct cluster *c);

/* The node's side of each wrapper below (node.c, fence.c, output.c). */
int64_t node_self_id(const struct cluster *c);
int node_fd(const struct cluster *c);
void node_readable(struct cluster *c, struct pool *p);
int64_t node_due(const struct cluster *c, const struct pool *p);
void node_tick(struct cluster *c, struct pool *p);
int node_before_commit(struct cluster *c, bool ready, bool queues_changed,
    const int64_t *cancels, size_t n_cancels, char *err);
int node_queue_lock(struct cluster *c, const char *queue, char *err);
int node_queue_full(struct cluster *c, const char *queue, int concurrency, char *err);
int fence_lock_job(struct cluster *c, int64_t job_id, char *err);
void fence_claimed(struct cluster *c, int slot, int attempt);
int fence_report(struct cluster *c, struct turn *t, int slot, const struct job *job);
int output_keep(struct cluster *c, const struct job *job, char *err);

/* Other nodes write the same database: what this one mirrors may be stale
 * (queues another node made, an Idempotency-Key it stored, jobs it queued). */
static inline bool cluster_shared(const struct cluster *c) { return c != NULL; }

/* This node's id; 0 alone. Any thread. */
static inline int64_t cluster_node_id(const struct cluster *c) { return c ? node_self_id(c) : 0; }

/* The database's notifications: poll it (-1: none); read them when it is
 * readable, and after every turn (they may arrive with an answer). */
static inline int cluster_fd(const struct cluster *c) { return c ? node_fd(c) : -1; }
static inline void cluster_readable(struct cluster *c, struct pool *p)
{
	if (c)
		node_readable(c, p);
}

/* Monotonic µs of the next heartbeat, claim retry or output copy (0: none);
 * tick does what is due. */
static inline int64_t cluster_due(const struct cluster *c, const struct pool *p)
{
	return c ? node_due(c, p) : 0;
}
static inline void cluster_tick(struct cluster *c, struct pool *p)
{
	if (c)
		node_tick(c, p);
}

/* Inside the turn, before COMMIT: wake-ups for the other nodes (ready: this
 * turn left runnable jobs another node may claim; the queue settings
 * changed; running jobs to cancel wherever they run). 0, -1 with err. */
static inline int cluster_before_commit(struct cluster *c, bool ready, bool queues_changed,
    const int64_t *cancels, size_t n_cancels, char *err)
{
	return c ? node_before_commit(c, ready, queues_changed, cancels, n_cancels, err) : 0;
}

/* Limited queue has no room for one more job: 1 (or another node is
 * claiming from it: tried again soon), 0 room, -1 error. Alone, the jobs
 * running here are all there are. */
static inline int cluster_queue_full(struct cluster *c, const char *queue, int concurrency,
    int running_here, char *err)
{
	return c ? node_queue_full(c, queue, concurrency, err) : running_here >= concurrency;
}

/* A claimer's turn at a limited queue, held to the commit: 1 (alone: always),
 * 0 another node is claiming from it (tried again soon), -1 error. */
static inline int cluster_queue_lock(struct cluster *c, const char *queue, char *err)
{
	return c ? node_queue_lock(c, queue, err) : 1;
}

/* Fences: the row lock a report is applied under; the attempt a slot was
 * given; and a report of a running job: 1 when it was taken care of here
 * (another node or attempt owns the job now: ignored; or this node stopped
 * it for want of a lease: its attempt cut), 0 when it is to be applied as
 * usual, -1 on error (in the turn, as the dispatcher ends attempts). */
static inline int cluster_lock_job(struct cluster *c, int64_t job_id, char *err)
{
	return c ? fence_lock_job(c, job_id, err) : 0;
}
static inline void cluster_claimed(struct cluster *c, int slot, int attempt)
{
	if (c)
		fence_claimed(c, slot, attempt);
}
static inline int cluster_report(struct cluster *c, struct turn *t, int slot,
    const struct job *job)
{
	return c ? fence_report(c, t, slot, job) : 0;
}

/* A job that ended here: its output files into the database, for every
 * node to serve (what the per-second copy sent already is not sent again). */
static inline int cluster_keep_output(struct cluster *c, const struct job *job, char *err)
{
	return c ? output_keep(c, job, err) : 0;
}

#endif
