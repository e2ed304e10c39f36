/*
 * node.h — a cluster node's state, shared by the folder's three files only:
 * node.c (registration, heartbeat, notifications, timers), fence.c (what
 * makes one attempt run on one node: the fences on reports, stopping jobs
 * for want of a lease, handing back jobs no worker here runs) and output.c
 * (job output copied into the database). The dispatcher sees none of it
 * (cluster.h).
 */
#ifndef JOBD_CLUSTER_NODE_H
#define JOBD_CLUSTER_NODE_H

#include "cluster.h"
#include "store/store_nodes.h"

/* What of a running job's output the database has (output.c). */
struct flushed {
	int64_t job_id;
	int64_t seen[2];
};

struct cluster {
	struct store *store;     /* the dispatcher's writer connection */
	const struct config *cfg;
	struct cluster_host host;
	int64_t node_id;
	char name[72];
	char host_name[256];
	char listen[80];
	int64_t lease_us;
	int64_t beat_us;      /* heartbeat period: lease / 6 */
	int64_t next_beat;    /* monotonic µs */
	int64_t last_ok;      /* monotonic µs of the last heartbeat that committed */
	int64_t claim_retry;  /* monotonic µs; 0: none */
	int64_t next_flush;   /* monotonic µs of the next copy of running output */
	struct flushed *flushed; /* per pool slot */
	int *slot_attempt;       /* per pool slot: the attempt it was given */
	int64_t *stopped;        /* jobs this node stopped for want of a lease */
	size_t n_stopped, cap_stopped;
	int64_t *orphans;        /* jobs the database says run here, and none does */
	size_t n_orphans, cap_orphans;
	bool fenced;          /* jobs stopped because the lease could not be renewed */
};

/* After a heartbeat: stop jobs no longer ours, carry out cancels, hand back
 * jobs the database gives us that no worker runs. */
void fence_reconcile(struct cluster *c, struct pool *p, const struct lease_job *mine, int n);
/* Stops every running job; their reports then cut their attempts. */
void fence_stop_all_jobs(struct cluster *c, struct pool *p);
/* After a failed heartbeat: stops every job once the lease is about to end. */
void fence_self_fence(struct cluster *c, struct pool *p);
/* Running job id's output files into the database; with seen[2] (sizes
 * copied last), only what grew. */
int output_copy(struct cluster *c, int64_t job_id, int64_t seen[2], char *err);

#endif
