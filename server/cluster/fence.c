/*
 * fence.c — one attempt runs on one node (node.h): a worker's report is
 * applied under the job row's lock and only while the row still names this
 * node and the attempt the slot was given; jobs this node stopped because
 * it could not renew its lease are requeued (or failed), not recorded as
 * canceled; and jobs the database gives this node that no worker here runs
 * (the answer to a claim's COMMIT was lost) are handed back. Attempts end
 * through the dispatcher (struct cluster_host), their one owner.
 */
#include <stdio.h>
#include <stdlib.h>

#include "node.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/vec.h"
#include "pool/pool.h"
#include "store/store_jobs.h"

int fence_lock_job(struct cluster *c, int64_t job_id, char *err)
{
	return store_job_lock(c->store, job_id, err);
}

void fence_claimed(struct cluster *c, int slot, int attempt)
{
	if (slot >= 0 && slot < c->cfg->workers) {
		c->slot_attempt[slot] = attempt;
		/* A new attempt writes its output afresh: none of it is copied yet. */
		c->flushed[slot] = (struct flushed){ 0 };
	}
}

/* Where id is on the list of jobs stopped for want of a lease; n_stopped
 * if it is not. */
static size_t stopped_at(const struct cluster *c, int64_t id)
{
	size_t i = 0;
	while (i < c->n_stopped && c->stopped[i] != id)
		i++;
	return i;
}

/* Takes id off the list of jobs stopped for want of a lease: true if it was. */
static bool unstop(struct cluster *c, int64_t id)
{
	size_t i = stopped_at(c, id);
	if (i == c->n_stopped)
		return false;
	c->stopped[i] = c->stopped[--c->n_stopped];
	return true;
}

/* A job this node ran that it cannot call finished: its attempt is cut
 * short (by the dispatcher), saying why. */
static int interrupt(struct cluster *c, struct turn *t, const struct job *job, const char *why)
{
	char msg[300];
	snprintf(msg, sizeof(msg), "node %s %s attempt %d", c->name, why, job->attempts);
	return c->host.cut_here(c->host.ctx, t, job, msg) < 0 ? -1 : 0;
}

int fence_report(struct cluster *c, struct turn *t, int slot, const struct job *job)
{
	bool same_attempt = slot < 0 || slot >= c->cfg->workers ||
			    c->slot_attempt[slot] == job->attempts;
	if (job->node_id != c->node_id || !same_attempt) {
		unstop(c, job->id);
		log_warnx("cluster: job %lld: attempt %d is now node id %lld's: this node's result"
			  " is ignored", (long long)job->id, job->attempts, (long long)job->node_id);
		return 1;
	}
	if (!unstop(c, job->id))
		return 0;
	return interrupt(c, t, job, "could not renew its lease and stopped") < 0 ? -1 : 1;
}

static bool was_orphan(const struct cluster *c, int64_t id)
{
	for (size_t i = 0; i < c->n_orphans; i++)
		if (c->orphans[i] == id)
			return true;
	return false;
}

/* Jobs the database says this node runs while no worker here does (the
 * answer to the claim's COMMIT was lost, say): requeued, or failed, once
 * seen so at two heartbeats in a row. */
static int hand_back(struct cluster *c, struct turn *t, int64_t id, char *err)
{
	struct job job;
	int found = store_job_get(c->store, id, &job, err);

	if (found <= 0)
		return found;
	int rc = job.state == JOB_RUNNING && job.node_id == c->node_id
		     ? interrupt(c, t, &job, "had no worker running") : 0;
	job_free(&job);
	return rc;
}

struct orphans {
	struct cluster *c;
	const int64_t *ids;
	size_t n;
};

static int hand_back_all(void *arg, struct turn *t, char *err)
{
	struct orphans *o = arg;
	int rc = 0;

	for (size_t i = 0; i < o->n && rc == 0; i++)
		rc = hand_back(o->c, t, o->ids[i], err);
	return rc;
}

static void requeue_orphans(struct cluster *c, const int64_t *ids, size_t n)
{
	struct orphans o = { .c = c, .ids = ids, .n = n };
	char err[ERR_LEN];

	if (c->host.side(c->host.ctx, hand_back_all, &o, err) < 0)
		log_warnx("cluster: requeuing jobs no worker runs: %s", err);
}

static bool runs_here(const struct worker_info *w, int nw, int64_t id)
{
	for (int i = 0; i < nw; i++)
		if (w[i].busy && w[i].job_id == id)
			return true;
	return false;
}

/* Jobs this node runs that the database gives to no one or to another node
 * now are stopped; cancels requested through other nodes are carried out;
 * jobs the database gives this node that no worker here runs are handed
 * back. */
void fence_reconcile(struct cluster *c, struct pool *p, const struct lease_job *mine, int n)
{
	struct worker_info w[CONFIG_MAX_WORKERS];
	int nw = pool_snapshot(p, w, CONFIG_MAX_WORKERS);
	int64_t *lost = NULL, *back = NULL;
	size_t n_lost = 0, cap_lost = 0, n_back = 0, cap_back = 0;

	for (int i = 0; i < nw; i++) {
		if (!w[i].busy || w[i].job_id <= 0)
			continue;
		int k = 0;
		while (k < n && mine[k].id != w[i].job_id)
			k++;
		if (k == n) {
			log_warnx("cluster: job %lld is no longer this node's: stopping it",
			    (long long)w[i].job_id);
			pool_cancel(p, w[i].job_id);
		} else if (mine[k].cancel_requested) {
			pool_cancel(p, w[i].job_id);
		}
	}
	for (int k = 0; k < n; k++) {
		if (runs_here(w, nw, mine[k].id) || c->host.has_report(c->host.ctx, mine[k].id) ||
		    VEC_RESERVE(lost, cap_lost, n_lost + 1, NULL) < 0)
			continue;
		lost[n_lost++] = mine[k].id;
		/* Seen so at the last heartbeat too: handed back. */
		if (was_orphan(c, mine[k].id) &&
		    VEC_RESERVE(back, cap_back, n_back + 1, NULL) == 0)
			back[n_back++] = mine[k].id;
	}
	if (n_back > 0)
		requeue_orphans(c, back, n_back);
	free(back);
	free(c->orphans);
	c->orphans = lost;
	c->n_orphans = n_lost;
	c->cap_orphans = cap_lost;
}

/* Their reports then requeue them (fence_report), not cancel. */
void fence_stop_all_jobs(struct cluster *c, struct pool *p)
{
	struct worker_info w[CONFIG_MAX_WORKERS];
	int nw = pool_snapshot(p, w, CONFIG_MAX_WORKERS);

	for (int i = 0; i < nw; i++) {
		if (!w[i].busy || w[i].job_id <= 0)
			continue;
		pool_cancel(p, w[i].job_id);
		/* A multi-core job shows busy on each slot it holds: listed once, as
		 * its one report takes it off (a second entry would cut a later
		 * attempt of it that ran here). */
		if (stopped_at(c, w[i].job_id) == c->n_stopped &&
		    VEC_RESERVE(c->stopped, c->cap_stopped, c->n_stopped + 1, NULL) == 0)
			c->stopped[c->n_stopped++] = w[i].job_id;
	}
}

/* No heartbeat for too long: stop every job before the lease ends, so no
 * other node starts a job's next attempt while this one still runs. */
void fence_self_fence(struct cluster *c, struct pool *p)
{
	int64_t grace = (int64_t)(c->cfg->kill_grace_s * 1e6);

	if (c->fenced || clock_mono_us() - c->last_ok < c->lease_us - grace - c->beat_us)
		return;
	c->fenced = true;
	log_warnx("cluster: no heartbeat for %.1f s: stopping this node's %d running job(s)"
		  " before its lease ends", (double)(clock_mono_us() - c->last_ok) / 1e6,
	    pool_busy_count(p));
	fence_stop_all_jobs(c, p);
}
