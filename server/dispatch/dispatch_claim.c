/*
 * dispatch_claim.c — the jobs a turn claims for idle workers: whether it
 * may claim at all, the claim loop (the best head among the open queues,
 * held for when it needs more slots than are idle: multi-core jobs), the
 * RUNs sent after the commit, and the claims undone when a turn rolls back.
 */
#include "dispatch_internal.h"
#include "metrics.h"
#include "common/log.h"
#include "common/utf8.h"
#include "store/store_jobs.h"

/* Queued jobs may wait: this node's counts say so, or, in a cluster, other
 * nodes may have submitted some (their NOTIFY clears ready_empty). */
static bool maybe_queued(const struct dispatch *d, const struct turn *t)
{
	return cluster_shared(d->cluster) || t->counts[JOB_QUEUED] > 0;
}

int dispatch_claim_room(const struct dispatch *d, const struct turn *t, int *idle)
{
	if (!d->accepting || d->draining || d->ready_empty || !maybe_queued(d, t))
		return 0;
	int n = pool_idle_slots(d->pool, idle, CONFIG_MAX_WORKERS);
	return n > d->hold_idle ? n : 0;
}

/* The best head, job id of queue qi, needs cpus slots and only n_idle are
 * idle. More than this pool has: the queue is passed over here (its head
 * waits for a node with that many; true: pick again). Otherwise strict
 * head-of-line reservation (docs/API.md "Multi-core jobs"): nothing else
 * starts on this node until cpus slots are idle, so 1-cpu jobs behind it
 * never overtake it; the idle ones wait for it. */
static bool hold_for_head(struct dispatch *d, int qi, int64_t id, int cpus, int n_idle)
{
	if (cpus > pool_size(d->pool)) {
		queues_pass_over(&d->queues, qi, id);
		log_info("job %lld needs %d cpus, more than this node's %d workers: its queue %s "
			 "waits for it on this node", (long long)id, cpus, pool_size(d->pool),
		    d->queues.list[qi].name);
		return true;
	}
	d->hold_idle = n_idle;
	return false;
}

int dispatch_claim_jobs(struct dispatch *d, struct turn *t)
{
	int idle[CONFIG_MAX_WORKERS], n_idle;

	while ((n_idle = dispatch_claim_room(d, t, idle)) > 0) {
		struct claim c = { .slot = idle[0] };
		int64_t id, rate_wake;
		int qi;
		int r = queues_pick(&d->queues, d->store, d->cluster, t->now, &id, &qi, &rate_wake,
		    t->err);
		if (r < 0)
			return -1;
		if (rate_wake != 0)
			dispatch_note_wait(d, rate_wake); /* a rate window has room then */
		if (r == 0) {
			d->ready_empty = true; /* waiting for their time, a dependency or room */
			return 0;
		}
		if ((r = store_job_claim(d->store, id, idle, n_idle, t->now, &c.job, t->err)) < 0)
			return -1;
		if (r == 0) {
			if (hold_for_head(d, qi, id, c.job.cpus, n_idle))
				continue;
			return 0;
		}
		if (queues_started(&d->queues, qi, d->store, t->now, t->err) < 0)
			return -1;
		d->hold_idle = 0; /* the head it held for, if any, runs now */
		queues_claimed(&d->queues, c.slot, qi);
		cluster_claimed(d->cluster, c.slot, c.job.attempts);
		for (int i = 0; i < c.job.cpus; i++)
			pool_reserve(d->pool, idle[i], c.job.id);
		log_info("job %lld running on worker %d (attempt %d)", (long long)c.job.id, c.slot,
		    c.job.attempts);
		metrics_observe_queue((double)(t->now - c.job.queued_us) / 1e6);
		dispatch_move_state(t, JOB_QUEUED, JOB_RUNNING);
		PUSH(d, claims, c);
		dispatch_note_change(d, c.job.id);
	}
	return 0;
}

/* RUN to the workers of the jobs this turn claimed. Before the clients'
 * answers: answering wakes HTTP threads (and their clients, whose next
 * request follows at once), and on a machine with few cores a worker woken
 * after them waits behind them to start its job. */
void dispatch_send_claims(struct dispatch *d)
{
	char err[ERR_LEN];

	for (size_t i = 0; i < d->n_claims; i++) {
		struct claim *c = &d->claims[i];
		if (pool_run(d->pool, c->slot, &c->job, err) < 0) {
			struct report r = { .type = REPORT_LOST, .slot = c->slot, .job_id = c->job.id };
			snprintf(r.result.error, sizeof(r.result.error), "could not send: %.*s",
			    (int)utf8_cut(err, 200), err);
			pool_unreserve(d->pool, c->slot);
			dispatch_add_report(d, &r);
		}
		job_free(&c->job);
	}
}

/* A turn rolled back: its claims are undone in the pool and the queues. */
void dispatch_forget_claims(struct dispatch *d)
{
	for (size_t i = 0; i < d->n_claims; i++) {
		pool_unreserve(d->pool, d->claims[i].slot);
		pool_release_held(d->pool, d->claims[i].job.id);
		dispatch_queue_released(d, d->claims[i].slot);
		job_free(&d->claims[i].job);
	}
}
