/*
 * node.c — the dispatcher as one node of a cluster sharing a PostgreSQL
 * database (store_nodes.h): it registers this node, heartbeats every
 * lease/6 in a transaction of the dispatcher's (renewing its jobs' leases,
 * taking over the jobs of nodes whose lease ended, re-reading the cluster's
 * job counts), LISTENs for wake-ups, cancels and queue changes from other
 * nodes and NOTIFYs them; fence.c keeps each attempt on one node. Every
 * second it has running jobs' output copied into the database (output.c),
 * so any node can serve it. With SQLite there is no struct cluster, and
 * cluster.h's wrappers answer for a server alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/utf8.h"
#include "pool/pool.h"
#include "store/store_jobs.h"

#define CH_READY "jobd_ready"
#define CH_CANCEL "jobd_cancel"
#define CH_QUEUES "jobd_queues"
#define RECLAIM_BATCH 500
#define CLAIM_RETRY_US 20000 /* a limited queue another node was claiming from */
#define OUTPUT_FLUSH_US 1000000 /* running jobs' output to the database */

static int register_node(struct cluster *c, char *err)
{
	struct node_reg reg = { .name = c->name, .host = c->host_name, .listen = c->listen,
		.pid = (int)getpid(), .pool_size = c->cfg->workers, .lease_us = c->lease_us,
		.draining = c->cfg->start_drained };
	int64_t id;

	if (store_node_register(c->store, &reg, &id, err) < 0)
		return -1;
	__atomic_store_n(&c->node_id, id, __ATOMIC_RELAXED); /* HTTP threads read it */
	log_info("cluster: node %s registered as id %lld (lease %g s, heartbeat every %g s)",
	    c->name, (long long)c->node_id, (double)c->lease_us / 1e6, (double)c->beat_us / 1e6);
	return 0;
}

static int open_node(struct cluster *c, char *err)
{
	const struct config *cfg = c->cfg;

	if (gethostname(c->host_name, sizeof(c->host_name) - 1) < 0)
		snprintf(c->host_name, sizeof(c->host_name), "unknown");
	snprintf(c->listen, sizeof(c->listen), "%s:%d", cfg->listen_addr, cfg->listen_port);
	/* The host by default: a restart is the same node again, and a second
	 * node on the host is refused until it is given a name of its own. */
	const char *name = cfg->node_name[0] ? cfg->node_name : c->host_name;
	snprintf(c->name, sizeof(c->name), "%.*s", (int)utf8_cut(name, CONFIG_NODE_NAME_MAX), name);
	for (char *p = c->name; *p; p++) /* config checked a given name; a host name may be odd */
		if (!strchr(CONFIG_NODE_NAME_CHARS, *p))
			*p = '-';
	if ((c->flushed = calloc((size_t)cfg->workers, sizeof(*c->flushed))) == NULL ||
	    (c->slot_attempt = calloc((size_t)cfg->workers, sizeof(int))) == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	c->lease_us = (int64_t)(cfg->lease_s * 1e6);
	c->beat_us = c->lease_us / 6;
	c->next_beat = c->last_ok = clock_mono_us();
	int64_t grace = (int64_t)(cfg->kill_grace_s * 1e6);
	if (c->lease_us < grace + 2 * c->beat_us)
		log_warnx("cluster: --lease %g s is short for --kill-grace %g s: a node cut off from"
			  " the database may not stop its jobs before others take them over",
		    cfg->lease_s, cfg->kill_grace_s);
	/* No statement or lock wait may outlast a third of the lease, so the
	 * dispatcher gets back to its heartbeat and its fence in time. */
	char sql[160];
	long long limit_ms = c->lease_us / 3000 > 1000 ? c->lease_us / 3000 : 1000;
	snprintf(sql, sizeof(sql), "SET statement_timeout = %lld; SET lock_timeout = %lld", limit_ms,
	    limit_ms);
	if (store_session(c->store, "timeouts", sql, err) < 0 || register_node(c, err) < 0 ||
	    store_listen(c->store, CH_READY, err) < 0 ||
	    store_listen(c->store, CH_CANCEL, err) < 0 || store_listen(c->store, CH_QUEUES, err) < 0)
		return -1;
	c->next_beat += c->beat_us;
	return 0;
}

int cluster_open(struct cluster **out, struct store *st, const struct config *cfg,
    const struct cluster_host *host, char *err)
{
	*out = NULL;
	if (!store_shared(st))
		return 0;
	struct cluster *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	c->store = st;
	c->cfg = cfg;
	c->host = *host;
	if (open_node(c, err) < 0) {
		cluster_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void cluster_close(struct cluster *c)
{
	char err[ERR_LEN];

	if (c == NULL)
		return;
	if (store_node_mark(c->store, c->node_id, "stopped", err) < 0)
		log_warnx("cluster: marking this node stopped: %s", err);
	cluster_free(c);
}

void cluster_free(struct cluster *c)
{
	if (c == NULL)
		return;
	free(c->flushed);
	free(c->slot_attempt);
	free(c->stopped);
	free(c->orphans);
	free(c);
}

int node_fd(const struct cluster *c) { return store_listen_fd(c->store); }

struct notified {
	struct cluster *c;
	struct pool *pool;
};

static void on_notification(void *ctx, const char *channel, const char *payload)
{
	struct notified *n = ctx;
	struct cluster *c = n->c;
	char self[24];

	snprintf(self, sizeof(self), "%lld", (long long)c->node_id);
	if (strcmp(channel, CH_READY) == 0 && strcmp(payload, self) != 0)
		c->host.wake(c->host.ctx);
	else if (strcmp(channel, CH_CANCEL) == 0)
		pool_cancel(n->pool, strtoll(payload, NULL, 10)); /* a no-op unless it runs here */
	else if (strcmp(channel, CH_QUEUES) == 0 && strcmp(payload, self) != 0)
		c->host.queues_changed(c->host.ctx);
}

/* Also after every turn: notifications that came in with a statement's
 * answer wait inside libpq, and the socket does not say so. A failed read
 * is the next transaction's to notice and repair. */
void node_readable(struct cluster *c, struct pool *p)
{
	struct notified n = { .c = c, .pool = p };

	if (store_listen_fd(c->store) >= 0)
		(void)store_notifications(c->store, on_notification, &n);
}

int64_t node_due(const struct cluster *c, const struct pool *p)
{
	int64_t due = c->claim_retry && c->claim_retry < c->next_beat ? c->claim_retry : c->next_beat;
	if (pool_busy_count(p) > 0 && c->next_flush < due)
		due = c->next_flush;
	return due;
}

/* Every second, what running jobs wrote since: other nodes serve it. */
static void flush_running_output(struct cluster *c, struct pool *p, int64_t now)
{
	struct worker_info w[CONFIG_MAX_WORKERS];
	char err[ERR_LEN];

	if (now < c->next_flush)
		return;
	c->next_flush = now + OUTPUT_FLUSH_US;
	int nw = pool_snapshot(p, w, CONFIG_MAX_WORKERS);
	for (int i = 0; i < nw; i++) {
		if (!w[i].busy || w[i].job_id <= 0 || w[i].slot < 0 || w[i].slot >= c->cfg->workers)
			continue;
		struct flushed *f = &c->flushed[w[i].slot];
		if (f->job_id != w[i].job_id)
			*f = (struct flushed){ .job_id = w[i].job_id };
		if (output_copy(c, f->job_id, f->seen, err) < 0) {
			log_warnx("cluster: copying job %lld's output: %s", (long long)f->job_id, err);
			return;
		}
	}
}

int node_queue_lock(struct cluster *c, const char *queue, char *err)
{
	int locked = store_queue_try_lock(c->store, queue, err);
	if (locked == 0)
		c->claim_retry = clock_mono_us() + CLAIM_RETRY_US;
	return locked;
}

int node_queue_full(struct cluster *c, const char *queue, int concurrency, char *err)
{
	int64_t running;

	int locked = node_queue_lock(c, queue, err);
	if (locked <= 0)
		return locked < 0 ? -1 : 1;
	if (store_queue_running(c->store, queue, &running, err) < 0)
		return -1;
	return running >= concurrency;
}

int node_before_commit(struct cluster *c, bool ready, bool queues_changed,
    const int64_t *cancels, size_t n_cancels, char *err)
{
	char self[24], job[24];

	snprintf(self, sizeof(self), "%lld", (long long)c->node_id);
	/* Runnable jobs this node could not take (it ran out of idle workers,
	 * not of jobs): another node may. */
	if (ready && store_notify(c->store, CH_READY, self, err) < 0)
		return -1;
	if (queues_changed && store_notify(c->store, CH_QUEUES, self, err) < 0)
		return -1;
	for (size_t i = 0; i < n_cancels; i++) {
		snprintf(job, sizeof(job), "%lld", (long long)cancels[i]);
		if (store_notify(c->store, CH_CANCEL, job, err) < 0)
			return -1;
	}
	return 0;
}

/* One heartbeat's transaction: what it learnt, for after the commit. */
struct beat {
	struct cluster *c;
	bool alive;
	int requeued;
	struct lease_job *mine;
	int n_mine;
};

/* Nodes whose lease ended are declared dead, and up to RECLAIM_BATCH of
 * their running jobs end their attempt here (the dispatcher's one owner). */
static int reclaim(struct cluster *c, struct turn *t, int *requeued, char *err)
{
	struct dead_node *dead = NULL;
	struct expired_job *e = NULL;
	int n_dead = 0, n_e = 0, failed = 0, rc = 0;

	if (store_nodes_expire(c->store, &dead, &n_dead, err) < 0)
		return -1;
	for (int i = 0; i < n_dead; i++)
		log_warnx("cluster: node %s (id %lld) stopped heartbeating: declared dead",
		    dead[i].name, (long long)dead[i].id);
	free(dead);
	if (store_jobs_expired(c->store, RECLAIM_BATCH, &e, &n_e, err) < 0)
		return -1;
	for (int i = 0; i < n_e && rc == 0; i++) {
		char who[400];
		snprintf(who, sizeof(who), "node %s (%s pid %d)", e[i].node, e[i].host, e[i].pid);
		rc = c->host.cut_running(c->host.ctx, t, e[i].id, who, ": its lease expired",
		    requeued, &failed);
	}
	free(e);
	return rc;
}

static int beat_body(void *arg, struct turn *t, char *err)
{
	struct beat *b = arg;
	struct cluster *c = b->c;
	char self[24];

	if (store_node_heartbeat(c->store, c->node_id, c->lease_us, &b->alive, &b->mine,
		&b->n_mine, err) < 0 ||
	    reclaim(c, t, &b->requeued, err) < 0)
		return -1;
	snprintf(self, sizeof(self), "%lld", (long long)c->node_id);
	/* The counts of the whole cluster, read again: other nodes' changes. */
	if (b->requeued > 0 && store_notify(c->store, CH_READY, self, err) < 0)
		return -1;
	return c->host.recount(c->host.ctx, t);
}

static int beat(struct cluster *c, struct pool *p, bool *alive, char *err)
{
	struct beat b = { .c = c, .alive = true };

	int rc = c->host.side(c->host.ctx, beat_body, &b, err);
	*alive = b.alive;
	if (rc == 0) {
		if (b.alive)
			fence_reconcile(c, p, b.mine, b.n_mine);
		c->host.queues_changed(c->host.ctx); /* the safety net for a lost jobd_queues */
	}
	free(b.mine);
	return rc;
}

void node_tick(struct cluster *c, struct pool *p)
{
	char err[ERR_LEN];
	bool alive = true;

	int64_t now = clock_mono_us();
	if (c->claim_retry && now >= c->claim_retry) {
		c->claim_retry = 0;
		c->host.wake(c->host.ctx);
	}
	if (pool_busy_count(p) > 0)
		flush_running_output(c, p, now);
	if (now < c->next_beat)
		return;
	c->next_beat = now + c->beat_us;
	if (beat(c, p, &alive, err) < 0) {
		log_warnx("cluster: heartbeat: %s", err);
		fence_self_fence(c, p);
		return;
	}
	c->last_ok = now;
	c->fenced = false;
	c->host.wake(c->host.ctx); /* the safety net for a lost wake-up */
	/* Delays and schedules other nodes made: this node's timer learns of
	 * them here, so they still fire when their node is gone. */
	if (c->host.next_wake(c->host.ctx, err) < 0)
		log_warnx("cluster: %s", err);
	if (!alive) {
		/* Declared dead by the others: whatever runs here is theirs now. */
		log_warnx("cluster: this node (id %lld) was declared dead by the others",
		    (long long)c->node_id);
		fence_stop_all_jobs(c, p);
		if (register_node(c, err) < 0)
			log_warnx("cluster: registering again: %s", err);
	}
}

int64_t node_self_id(const struct cluster *c)
{
	/* Set before the HTTP threads start, changed only by a re-registration. */
	return __atomic_load_n(&c->node_id, __ATOMIC_RELAXED);
}
