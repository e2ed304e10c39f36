/*
 * store_nodes.c — the cluster's rows (store_nodes.h): node registration and
 * heartbeats, the nodes whose lease ended and their jobs, LISTEN and
 * NOTIFY, the turn-taking lock of limited queues and of retention, and the
 * node list for GET /v1/workers. PostgreSQL only, except the two locks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_nodes.h"
#include "store_internal.h"
#include "common/vec.h"

#define REGISTER_TRIES 30      /* 100 ms apart: a killed node's session ends */

static void copy_col(char *dst, size_t cap, struct store_stmt *s, int i)
{
	const char *v = store_col_str(s, i);
	snprintf(dst, cap, "%s", v ? v : "");
}

bool store_shared(const struct store *st) { return (st->drv->caps & STORE_SHARED) != 0; }

/* The first column of a statement's only row as an integer: 0 or -1. */
static int step_value(struct store *st, struct store_stmt *s, int64_t *v, const char *what,
    char *err)
{
	if (store_next(st, s) != STORE_ROW) {
		store_err(st, err, what);
		store_reset(s);
		return -1;
	}
	*v = store_col_i64(s, 0, 0);
	store_reset(s);
	return 0;
}

/* 1: every live incarnation of the name has lost its session (now marked
 * dead); 0: one still has it; -1 error. */
static int bury_old_incarnations(struct store *st, const char *name, char *err)
{
	struct store_stmt *s = store_stmt(st, C_NODES_SAME_NAME);
	int64_t ids[64];
	int n = 0, rc;

	store_bind_text(s, 1, name);
	store_bind_i64(s, 2, 0);
	while ((rc = store_next(st, s)) == STORE_ROW)
		if (n < 64)
			ids[n++] = store_col_i64(s, 0, 0);
	if (rc != STORE_DONE) {
		store_err(st, err, "SELECT nodes of the same name");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int64_t got;
		struct store_stmt *l = store_stmt(st, C_NODE_TRY_LOCK);
		store_bind_i64(l, 1, ids[i]);
		if (step_value(st, l, &got, "try the node lock", err) < 0)
			return -1;
		if (!got)
			return 0;
		struct store_stmt *m = store_stmt(st, C_NODE_MARK);
		store_bind_i64(m, 1, ids[i]);
		store_bind_text(m, 2, "dead");
		if (store_step_done(st, m, "UPDATE node dead", err) < 0)
			return -1;
		struct store_stmt *u = store_stmt(st, C_NODE_UNLOCK);
		store_bind_i64(u, 1, ids[i]);
		if (step_value(st, u, &got, "node unlock", err) < 0)
			return -1;
	}
	return 1;
}

int store_node_register(struct store *st, const struct node_reg *r, int64_t *id, char *err)
{
	char sql[512];
	for (int i = 0;; i++) {
		int free_name = bury_old_incarnations(st, r->name, err);
		if (free_name < 0)
			return -1;
		if (free_name)
			break;
		if (i == REGISTER_TRIES) {
			err_set(err, "node name %s is in use by a running jobd: give each node its own"
				     " --node-name", r->name);
			return -1;
		}
		struct timespec pause = { 0, 100 * 1000 * 1000 };
		nanosleep(&pause, NULL);
	}
	struct store_stmt *s = store_stmt(st, C_NODE_REGISTER);
	store_bind_text(s, 1, r->name);
	store_bind_text(s, 2, r->host);
	store_bind_i64(s, 3, r->pid);
	store_bind_text(s, 4, r->listen);
	store_bind_i64(s, 5, r->pool_size);
	store_bind_i64(s, 6, r->lease_us);
	store_bind_i64(s, 7, r->draining ? 1 : 0);
	if (store_next(st, s) != STORE_ROW) {
		store_err(st, err, "INSERT node");
		store_reset(s);
		return -1;
	}
	*id = store_col_i64(s, 0, 0);
	store_reset(s);
	/* The name is checked by config (no quote can be in it). */
	/* try: after a reconnect the old session may still hold it for a while;
	 * it only tells a restart under this name that this node is gone. */
	snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock(" STORE_NODE_LOCK ", %lld)",
	    (long long)*id);
	if (st->drv->session(st, "node lock", sql, err) < 0)
		return -1;
	snprintf(sql, sizeof(sql),
	    "SELECT set_config('jobd.node_id', '%lld', false), set_config('jobd.node_name', '%s',"
	    " false), set_config('jobd.lease_us', '%lld', false)",
	    (long long)*id, r->name, (long long)r->lease_us);
	return st->drv->session(st, "node settings", sql, err);
}

int store_node_set_draining(struct store *st, int64_t id, bool draining, char *err)
{
	struct store_stmt *s = store_stmt(st, C_NODE_DRAIN);
	store_bind_i64(s, 1, id);
	store_bind_i64(s, 2, draining ? 1 : 0);
	return store_step_done(st, s, "UPDATE node draining", err);
}

int store_nodes_max_pool(struct store *st, int *size, char *err)
{
	int64_t n = 0;
	if (store_step_id(st, store_stmt(st, C_NODES_MAX_POOL), &n, "SELECT largest pool", err) < 0)
		return -1;
	*size = (int)n;
	return 0;
}

int store_node_mark(struct store *st, int64_t id, const char *state, char *err)
{
	struct store_stmt *s = store_stmt(st, C_NODE_MARK);
	store_bind_i64(s, 1, id);
	store_bind_text(s, 2, state);
	return store_step_done(st, s, "UPDATE node state", err);
}

int store_node_heartbeat(struct store *st, int64_t id, int64_t lease_us, bool *alive,
    struct lease_job **jobs, int *n, char *err)
{
	struct store_stmt *s = store_stmt(st, C_HEARTBEAT);
	int rc;
	size_t cap = 0;

	*jobs = NULL;
	*n = 0;
	store_bind_i64(s, 1, id);
	store_bind_i64(s, 2, lease_us);
	rc = store_next(st, s);
	if (rc != STORE_ROW && rc != STORE_DONE) {
		store_err(st, err, "UPDATE node heartbeat");
		return -1;
	}
	*alive = rc == STORE_ROW;
	store_reset(s);
	if (!*alive) /* its jobs are the others' to take over now */
		return 0;
	s = store_stmt(st, C_LEASE_RENEW);
	store_bind_i64(s, 1, id);
	store_bind_i64(s, 2, lease_us);
	while ((rc = store_next(st, s)) == STORE_ROW) {
		if (VEC_RESERVE(*jobs, cap, (size_t)*n + 1, err) < 0) {
			store_reset(s);
			return -1;
		}
		(*jobs)[*n].id = store_col_i64(s, 0, 0);
		(*jobs)[(*n)++].cancel_requested = store_col_int(s, 1) != 0;
	}
	if (rc != STORE_DONE) {
		store_err(st, err, "UPDATE job leases");
		return -1;
	}
	return 0;
}

int store_nodes_expire(struct store *st, struct dead_node **out, int *n, char *err)
{
	struct store_stmt *s = store_stmt(st, C_NODES_EXPIRE);
	int rc, cap = 0;

	*out = NULL;
	*n = 0;
	while ((rc = store_next(st, s)) == STORE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			struct dead_node *nd = realloc(*out, (size_t)cap * sizeof(*nd));
			if (nd == NULL) {
				store_reset(s);
				err_set(err, "realloc: out of memory");
				goto fail;
			}
			*out = nd;
		}
		struct dead_node *x = &(*out)[(*n)++];
		x->id = store_col_i64(s, 0, 0);
		copy_col(x->name, sizeof(x->name), s, 1);
	}
	if (rc == STORE_DONE)
		return 0;
	store_err(st, err, "UPDATE dead nodes");
fail:
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

int store_jobs_expired(struct store *st, int limit, struct expired_job **out, int *n, char *err)
{
	struct store_stmt *s = store_stmt(st, C_EXPIRED);
	int rc;

	*n = 0;
	if ((*out = calloc((size_t)limit, sizeof(**out))) == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	store_bind_i64(s, 1, limit);
	while ((rc = store_next(st, s)) == STORE_ROW && *n < limit) {
		struct expired_job *x = &(*out)[(*n)++];
		x->id = store_col_i64(s, 0, 0);
		copy_col(x->node, sizeof(x->node), s, 3);
		copy_col(x->host, sizeof(x->host), s, 4);
		x->pid = store_col_int(s, 5);
	}
	if (rc == STORE_DONE || rc == STORE_ROW) {
		store_reset(s);
		return 0;
	}
	store_err(st, err, "SELECT expired jobs");
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

int store_session(struct store *st, const char *key, const char *sql, char *err)
{
	return st->drv->session(st, key, sql, err);
}

int store_listen(struct store *st, const char *channel, char *err)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "LISTEN %s", channel);
	return st->drv->session(st, sql, sql, err);
}

int store_notify(struct store *st, const char *channel, const char *payload, char *err)
{
	struct store_stmt *s = store_stmt(st, C_NOTIFY);
	int64_t ignored;
	store_bind_text(s, 1, channel);
	store_bind_text(s, 2, payload);
	return step_value(st, s, &ignored, "NOTIFY", err);
}

int store_listen_fd(struct store *st) { return st->drv->listen_fd ? st->drv->listen_fd(st) : -1; }

int store_notifications(struct store *st, store_notify_fn fn, void *ctx)
{
	return st->drv->notifications ? st->drv->notifications(st, fn, ctx) : 0;
}

int store_queue_try_lock(struct store *st, const char *name, char *err)
{
	if (!store_shared(st))
		return 1;
	struct store_stmt *s = store_stmt(st, C_QUEUE_LOCK);
	store_bind_text(s, 1, name);
	int rc = store_next(st, s);
	store_reset(s);
	if (rc == STORE_ROW || rc == STORE_DONE)
		return rc == STORE_ROW;
	store_err(st, err, "lock queue");
	return -1;
}

int store_queue_running(struct store *st, const char *name, int64_t *n, char *err)
{
	struct store_stmt *s = store_stmt(st, C_QUEUE_RUNNING);
	store_bind_text(s, 1, name);
	return step_value(st, s, n, "count running jobs of a queue", err);
}

int store_retention_try_lock(struct store *st, char *err)
{
	if (!store_shared(st))
		return 1;
	int64_t got;
	if (step_value(st, store_stmt(st, C_RETENTION_LOCK), &got, "retention lock", err) < 0)
		return -1;
	return got != 0;
}

int store_nodes_list(struct store *st, struct node_info **nodes, int *n, struct node_busy **busy,
    int *n_busy, char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_NODES_LIST);
	int rc;
	size_t cap = 0;

	*nodes = NULL;
	*busy = NULL;
	*n = *n_busy = 0;
	while ((rc = store_next(st, s)) == STORE_ROW) {
		if (VEC_RESERVE(*nodes, cap, (size_t)*n + 1, err) < 0)
			goto oom;
		struct node_info *x = &(*nodes)[(*n)++];
		x->id = store_col_i64(s, NODE_COL_id, 0);
		copy_col(x->name, sizeof(x->name), s, NODE_COL_name);
		copy_col(x->host, sizeof(x->host), s, NODE_COL_host);
		x->pid = store_col_int(s, NODE_COL_pid);
		copy_col(x->listen, sizeof(x->listen), s, NODE_COL_listen);
		x->pool_size = store_col_int(s, NODE_COL_pool_size);
		x->started_us = store_col_i64(s, NODE_COL_started_at, 0);
		x->heartbeat_us = store_col_i64(s, NODE_COL_heartbeat_at, 0);
		x->lease_until_us = store_col_i64(s, NODE_COL_lease_until, 0);
		copy_col(x->state, sizeof(x->state), s, NODE_COL_state);
		x->stopped_us = store_col_i64(s, NODE_COL_stopped_at, 0);
		x->draining = store_col_int(s, NODE_COL_draining) != 0;
	}
	if (rc != STORE_DONE)
		goto fail;
	s = store_stmt(st, STMT_NODES_BUSY);
	cap = 0;
	while ((rc = store_next(st, s)) == STORE_ROW) {
		if (VEC_RESERVE(*busy, cap, (size_t)*n_busy + 1, err) < 0)
			goto oom;
		(*busy)[(*n_busy)++] = (struct node_busy){ .node_id = store_col_i64(s, 0, 0),
			.slot = store_col_int(s, 1), .job_id = store_col_i64(s, 2, 0) };
	}
	if (rc == STORE_DONE)
		return 0;
fail:
	store_err(st, err, "SELECT nodes");
	goto out;
oom:
	store_reset(s);
out:
	free(*nodes);
	free(*busy);
	*nodes = NULL;
	*busy = NULL;
	return -1;
}
