/*
 * dispatch_cluster.c — the dispatcher as one node of a cluster sharing a
 * PostgreSQL database (store_nodes.h): it registers this node, heartbeats
 * every lease/6 in its own transaction (renewing its jobs' leases, taking
 * over the jobs of nodes whose lease ended, re-reading the cluster's job
 * counts), LISTENs for wake-ups, cancels and queue changes from other
 * nodes and NOTIFYs them; dispatch_fence.c keeps each attempt on one node.
 * Every second it has running jobs' output copied into the database
 * (dispatch_output.c), so any node can serve it. With SQLite, d->cluster is
 * NULL and all of this is a no-op.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch_cluster.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/utf8.h"
#include "store/store_jobs.h"

#define CH_READY "jobd_ready"
#define CH_CANCEL "jobd_cancel"
#define CH_QUEUES "jobd_queues"
#define RECLAIM_BATCH 500
#define CLAIM_RETRY_US 20000 /* a limited queue another node was claiming from */
#define OUTPUT_FLUSH_US 1000000 /* running jobs' output to the database */

static int register_node(struct dispatch *d, char *err)
{
	struct cluster *c = d->cluster;
	struct node_reg reg = { .name = c->name, .host = c->host, .listen = c->listen,
		.pid = (int)getpid(), .pool_size = d->cfg->workers, .lease_us = c->lease_us };
	int64_t id;

	if (store_node_register(d->store, &reg, &id, err) < 0)
		return -1;
	__atomic_store_n(&c->node_id, id, __ATOMIC_RELAXED); /* HTTP threads read it */
	log_info("cluster: node %s registered as id %lld (lease %g s, heartbeat every %g s)",
	    c->name, (long long)c->node_id, (double)c->lease_us / 1e6, (double)c->beat_us / 1e6);
	return 0;
}

int dispatch_cluster_open(struct dispatch *d, char *err)
{
	if (!store_shared(d->store))
		return 0;
	struct cluster *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	d->cluster = c;
	if (gethostname(c->host, sizeof(c->host) - 1) < 0)
		snprintf(c->host, sizeof(c->host), "unknown");
	snprintf(c->listen, sizeof(c->listen), "%s:%d", d->cfg->listen_addr, d->cfg->listen_port);
	/* The host by default: a restart is the same node again, and a second
	 * node on the host is refused until it is given a name of its own. */
	const char *name = d->cfg->node_name[0] ? d->cfg->node_name : c->host;
	snprintf(c->name, sizeof(c->name), "%.*s", (int)utf8_cut(name, CONFIG_NODE_NAME_MAX), name);
	for (char *p = c->name; *p; p++) /* config checked a given name; a host name may be odd */
		if (!strchr(CONFIG_NODE_NAME_CHARS, *p))
			*p = '-';
	if ((c->flushed = calloc((size_t)d->cfg->workers, sizeof(*c->flushed))) == NULL ||
	    (c->slot_attempt = calloc((size_t)d->cfg->workers, sizeof(int))) == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	c->lease_us = (int64_t)(d->cfg->lease_s * 1e6);
	c->beat_us = c->lease_us / 6;
	c->next_beat = c->last_ok = clock_mono_us();
	int64_t grace = (int64_t)(d->cfg->kill_grace_s * 1e6);
	if (c->lease_us < grace + 2 * c->beat_us)
		log_warnx("cluster: --lease %g s is short for --kill-grace %g s: a node cut off from"
			  " the database may not stop its jobs before others take them over",
		    d->cfg->lease_s, d->cfg->kill_grace_s);
	/* No statement or lock wait may outlast a third of the lease, so the
	 * dispatcher gets back to its heartbeat and its fence in time. */
	char sql[160];
	long long limit_ms = c->lease_us / 3000 > 1000 ? c->lease_us / 3000 : 1000;
	snprintf(sql, sizeof(sql), "SET statement_timeout = %lld; SET lock_timeout = %lld", limit_ms,
	    limit_ms);
	if (store_session(d->store, "timeouts", sql, err) < 0 || register_node(d, err) < 0 ||
	    store_listen(d->store, CH_READY, err) < 0 ||
	    store_listen(d->store, CH_CANCEL, err) < 0 || store_listen(d->store, CH_QUEUES, err) < 0)
		return -1;
	c->next_beat += c->beat_us;
	return 0;
}

void dispatch_cluster_close(struct dispatch *d)
{
	char err[ERR_LEN];

	if (d->cluster == NULL)
		return;
	if (store_node_mark(d->store, d->cluster->node_id, "stopped", err) < 0)
		log_warnx("cluster: marking this node stopped: %s", err);
	dispatch_cluster_free(d);
}

int dispatch_cluster_fd(struct dispatch *d)
{
	return d->cluster ? store_listen_fd(d->store) : -1;
}

/* Queue settings another node changed (or, at a heartbeat, may have). */
static void reload_queues(struct dispatch *d)
{
	char err[ERR_LEN];

	if (dispatch_queues_load(d, err) < 0)
		log_warnx("cluster: re-reading queues: %s", err);
	d->ready_empty = false;
}

static void on_notification(void *ctx, const char *channel, const char *payload)
{
	struct dispatch *d = ctx;
	char self[24];

	snprintf(self, sizeof(self), "%lld", (long long)d->cluster->node_id);
	if (strcmp(channel, CH_READY) == 0 && strcmp(payload, self) != 0)
		d->ready_empty = false;
	else if (strcmp(channel, CH_CANCEL) == 0)
		pool_cancel(d->pool, strtoll(payload, NULL, 10)); /* a no-op unless it runs here */
	else if (strcmp(channel, CH_QUEUES) == 0 && strcmp(payload, self) != 0)
		reload_queues(d);
}

/* Also after every turn: notifications that came in with a statement's
 * answer wait inside libpq, and the socket does not say so. A failed read
 * is the next transaction's to notice and repair. */
void dispatch_cluster_readable(struct dispatch *d)
{
	if (d->cluster && store_listen_fd(d->store) >= 0)
		(void)store_notifications(d->store, on_notification, d);
}

void dispatch_cluster_free(struct dispatch *d)
{
	if (d->cluster != NULL) {
		free(d->cluster->flushed);
		free(d->cluster->slot_attempt);
		free(d->cluster->stopped);
		free(d->cluster->orphans);
	}
	free(d->cluster);
	d->cluster = NULL;
}

int64_t dispatch_cluster_due(struct dispatch *d)
{
	struct cluster *c = d->cluster;
	if (c == NULL)
		return 0;
	int64_t due = c->claim_retry && c->claim_retry < c->next_beat ? c->claim_retry : c->next_beat;
	if (pool_busy_count(d->pool) > 0 && c->next_flush < due)
		due = c->next_flush;
	return due;
}

/* Every second, what running jobs wrote since: other nodes serve it. */
static void flush_running_output(struct dispatch *d, int64_t now)
{
	struct cluster *c = d->cluster;
	struct worker_info w[CONFIG_MAX_WORKERS];
	char err[ERR_LEN];

	if (now < c->next_flush)
		return;
	c->next_flush = now + OUTPUT_FLUSH_US;
	int nw = dispatch_workers(d, w, CONFIG_MAX_WORKERS);
	for (int i = 0; i < nw; i++) {
		if (!w[i].busy || w[i].job_id <= 0 || w[i].slot < 0 || w[i].slot >= d->cfg->workers)
			continue;
		struct flushed *f = &c->flushed[w[i].slot];
		if (f->job_id != w[i].job_id)
			*f = (struct flushed){ .job_id = w[i].job_id };
		if (dispatch_output_copy(d, f->job_id, f->seen, err) < 0) {
			log_warnx("cluster: copying job %lld's output: %s", (long long)f->job_id, err);
			return;
		}
	}
}

int dispatch_cluster_queue_full(struct dispatch *d, struct turn *t, int qi)
{
	const struct queue_info *q = &d->queues[qi];
	int64_t running;

	int locked = store_queue_try_lock(d->store, q->name, t->err);
	if (locked <= 0) {
		if (locked == 0)
			d->cluster->claim_retry = clock_mono_us() + CLAIM_RETRY_US;
		return locked < 0 ? -1 : 1;
	}
	if (store_queue_running(d->store, q->name, &running, t->err) < 0)
		return -1;
	return running >= q->concurrency;
}

int dispatch_cluster_before_commit(struct dispatch *d, struct turn *t)
{
	struct cluster *c = d->cluster;
	char self[24], job[24];

	if (c == NULL)
		return 0;
	snprintf(self, sizeof(self), "%lld", (long long)c->node_id);
	/* Runnable jobs this node could not take (it ran out of idle workers,
	 * not of jobs): another node may. */
	if ((d->notify_ready || d->n_claims > 0) && !d->ready_empty &&
	    store_notify(d->store, CH_READY, self, t->err) < 0)
		return -1;
	if (d->queues_changed && store_notify(d->store, CH_QUEUES, self, t->err) < 0)
		return -1;
	for (size_t i = 0; i < d->n_cancels; i++) {
		snprintf(job, sizeof(job), "%lld", (long long)d->cancels[i]);
		if (store_notify(d->store, CH_CANCEL, job, t->err) < 0)
			return -1;
	}
	return 0;
}

/* Nodes whose lease ended are declared dead, and up to RECLAIM_BATCH of
 * their running jobs end their attempt here (dispatch_end.c). */
static int reclaim(struct dispatch *d, struct turn *t, int *requeued)
{
	struct dead_node *dead = NULL;
	struct expired_job *e = NULL;
	int n_dead = 0, n_e = 0, failed = 0, rc = 0;

	if (store_nodes_expire(d->store, &dead, &n_dead, t->err) < 0)
		return -1;
	for (int i = 0; i < n_dead; i++)
		log_warnx("cluster: node %s (id %lld) stopped heartbeating: declared dead",
		    dead[i].name, (long long)dead[i].id);
	free(dead);
	if (store_jobs_expired(d->store, RECLAIM_BATCH, &e, &n_e, t->err) < 0)
		return -1;
	for (int i = 0; i < n_e && rc == 0; i++) {
		char who[400];
		snprintf(who, sizeof(who), "node %s (%s pid %d)", e[i].node, e[i].host, e[i].pid);
		rc = dispatch_cut_running(d, t, e[i].id, who, ": its lease expired", requeued,
		    &failed);
	}
	free(e);
	return rc;
}

static int beat(struct dispatch *d, bool *alive, int *requeued, char *err)
{
	struct cluster *c = d->cluster;
	struct lease_job *mine = NULL;
	int n_mine = 0;
	struct turn t;
	char self[24];

	*requeued = 0;
	if (dispatch_side_begin(d, &t) < 0 ||
	    store_node_heartbeat(d->store, c->node_id, c->lease_us, alive, &mine, &n_mine, t.err) < 0 ||
	    reclaim(d, &t, requeued) < 0)
		goto fail;
	snprintf(self, sizeof(self), "%lld", (long long)c->node_id);
	/* The counts of the whole cluster, read again: other nodes' changes. */
	if ((*requeued > 0 && store_notify(d->store, CH_READY, self, t.err) < 0) ||
	    store_job_counts(d->store, t.counts, t.err) < 0)
		goto fail;
	if (dispatch_side_commit(d, &t) < 0)
		goto out;
	if (*alive)
		cluster_reconcile(d, mine, n_mine);
	free(mine);
	reload_queues(d); /* the safety net for a lost jobd_queues */
	return 0;
fail:
	dispatch_side_abort(d);
out:
	free(mine);
	err_set(err, "%s", t.err);
	return -1;
}

void dispatch_cluster_tick(struct dispatch *d)
{
	struct cluster *c = d->cluster;
	char err[ERR_LEN];
	bool alive = true;
	int requeued;

	if (c == NULL)
		return;
	int64_t now = clock_mono_us();
	if (c->claim_retry && now >= c->claim_retry) {
		c->claim_retry = 0;
		d->ready_empty = false;
	}
	if (pool_busy_count(d->pool) > 0)
		flush_running_output(d, now);
	if (now < c->next_beat)
		return;
	c->next_beat = now + c->beat_us;
	if (beat(d, &alive, &requeued, err) < 0) {
		log_warnx("cluster: heartbeat: %s", err);
		cluster_self_fence(d);
		return;
	}
	c->last_ok = now;
	c->fenced = false;
	d->ready_empty = false; /* the safety net for a lost wake-up */
	/* Delays and schedules other nodes made: this node's timer learns of
	 * them here, so they still fire when their node is gone. */
	if (dispatch_next_wake(d, err) < 0)
		log_warnx("cluster: %s", err);
	if (!alive) {
		/* Declared dead by the others: whatever runs here is theirs now. */
		log_warnx("cluster: this node (id %lld) was declared dead by the others",
		    (long long)c->node_id);
		cluster_stop_all_jobs(d);
		if (register_node(d, err) < 0)
			log_warnx("cluster: registering again: %s", err);
	}
}

int64_t dispatch_node_id(struct dispatch *d)
{
	/* Set before the HTTP threads start, changed only by a re-registration. */
	return d->cluster ? __atomic_load_n(&d->cluster->node_id, __ATOMIC_RELAXED) : 0;
}
