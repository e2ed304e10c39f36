/*
 * store_nodes.h — a cluster of jobd nodes on one PostgreSQL database: each
 * node registers an incarnation, heartbeats to renew its lease and the
 * leases of the jobs it runs, and takes over the running jobs of nodes whose
 * lease ran out. Nodes wake each other with NOTIFY; claimers of a limited
 * queue take turns on its row. On SQLite (store_shared() false) only
 * store_queue_try_lock and store_retention_try_lock may be called (they
 * always succeed).
 */
#ifndef JOBD_STORE_NODES_H
#define JOBD_STORE_NODES_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* A notification from LISTEN: its channel and payload. */
typedef void (*store_notify_fn)(void *ctx, const char *channel, const char *payload);

struct node_reg {
	const char *name; /* [A-Za-z0-9._:-]{1,64}: config checks it */
	const char *host;
	const char *listen;
	int pid;
	int pool_size;
	int64_t lease_us;
	bool draining;    /* --start-drained */
};

/* Registers this node's new incarnation and makes its session claim for it.
 * Earlier incarnations of the name whose session is gone are marked dead
 * (dispatch_recover then takes their jobs); a name that a live session
 * still holds is refused. Outside a transaction. */
int store_node_register(struct store *st, const struct node_reg *r, int64_t *id, char *err);
/* Node id's drain state as /v1/workers shows it (POST /v1/drain). */
int store_node_set_draining(struct store *st, int64_t id, bool draining, char *err);
/* The largest pool_size among the live nodes (0: none), the bound of a
 * spec's cpus on a cluster. */
int store_nodes_max_pool(struct store *st, int *size, char *err);
/* "stopped" at a clean exit. */
int store_node_mark(struct store *st, int64_t id, const char *state, char *err);

struct lease_job {
	int64_t id;
	bool cancel_requested;
};
/* In a transaction: renews the node's lease and its running jobs' leases.
 * *alive is false when other nodes declared this incarnation dead; *jobs
 * (malloc'd) are the jobs the database says this node runs. */
int store_node_heartbeat(struct store *st, int64_t id, int64_t lease_us, bool *alive,
    struct lease_job **jobs, int *n, char *err);

struct dead_node {
	int64_t id;
	char name[72];
};
/* In a transaction: marks the nodes whose lease ended dead and returns them
 * (*out malloc'd, NULL when none). */
int store_nodes_expire(struct store *st, struct dead_node **out, int *n, char *err);

struct expired_job {
	int64_t id;
	char node[72];  /* the node that ran it: name, host and pid */
	char host[256];
	int pid;
};
/* In a transaction: up to limit running jobs whose node's lease ended,
 * their rows locked to the commit (skipping rows another node holds);
 * *out malloc'd. The dispatcher ends their attempts (dispatch_end.c). */
int store_jobs_expired(struct store *st, int limit, struct expired_job **out, int *n, char *err);

/* Runs sql now and in every new session after a reconnect (settings). */
int store_session(struct store *st, const char *key, const char *sql, char *err);
int store_listen(struct store *st, const char *channel, char *err);
/* Delivered at commit when sent inside a transaction. */
int store_notify(struct store *st, const char *channel, const char *payload, char *err);
int store_listen_fd(struct store *st); /* -1: none now */
int store_notifications(struct store *st, store_notify_fn fn, void *ctx);

/* Locks the job's row to the end of the transaction (a report applied). */
int store_job_lock(struct store *st, int64_t job_id, char *err);
/* 1: this transaction may claim from the limited queue (others wait for its
 * commit); 0: another node is claiming from it now; -1 error. */
int store_queue_try_lock(struct store *st, const char *name, char *err);
/* Jobs of the queue running on any node. */
int store_queue_running(struct store *st, const char *name, int64_t *n, char *err);
/* 1: this transaction may purge (one node at a time); 0: another does. */
int store_retention_try_lock(struct store *st, char *err);

/* A finished job's output (stream 1 stdout, 2 stderr) kept in the database
 * for the other nodes; get: 1 found (*data malloc'd), 0 none, -1 error. */
int store_output_put(struct store *st, int64_t job_id, int stream, const void *data, size_t len,
    char *err);
int store_output_get(struct store *st, int64_t job_id, int stream, char **data, size_t *len,
    char *err);

struct node_info {
	int64_t id;
	char name[72];
	char host[256];
	char listen[72];
	char state[16];
	int pid;
	int pool_size;
	int64_t started_us, heartbeat_us, lease_until_us, stopped_us;
	bool draining;
};
struct node_busy {
	int64_t node_id;
	int slot;
	int64_t job_id;
};
/* Live nodes and those stopped in the last day; the running jobs by node. */
int store_nodes_list(struct store *st, struct node_info **nodes, int *n, struct node_busy **busy,
    int *n_busy, char *err);

#endif
