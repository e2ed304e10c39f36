/*
 * dispatch_queues.c — the dispatcher's view of named queues: each queue's
 * limit and pause flag (mirrored from the store), which pool slot runs a job
 * of which queue, and the choice of the next job to claim: the best head
 * (priority, then FIFO) among the queues that are open — not paused and
 * under their concurrency limit. One index seek per open queue, so jobs
 * piling up in a paused or full queue never slow dispatch down.
 *
 * The slot map, not a counter, says how many jobs a queue runs: clearing a
 * slot is idempotent, so a turn that rolls back and replays its reports
 * cannot drift the count.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch_internal.h"
#include "common/log.h"
#include "common/vec.h"
#include "store/store_queues.h"

int dispatch_queues_load(struct dispatch *d, char *err)
{
	struct queue_info *qs;
	int n;

	if (store_queues_list(d->store, false, &qs, &n, err) < 0)
		return -1;
	if (d->slot_queue == NULL) {
		d->n_slots = d->cfg->workers;
		if ((d->slot_queue = malloc((size_t)d->n_slots * sizeof(int))) == NULL) {
			free(qs);
			err_set(err, "malloc %d slots: out of memory", d->n_slots);
			return -1;
		}
		for (int i = 0; i < d->n_slots; i++)
			d->slot_queue[i] = -1;
	}
	/* Known queues keep their index (the slot map points at them). */
	for (int i = 0; i < n; i++) {
		int k = dispatch_queue_find(d, qs[i].name);
		if (k >= 0) {
			d->queues[k].concurrency = qs[i].concurrency;
			d->queues[k].paused = qs[i].paused;
		} else if (dispatch_queue_add(d, &qs[i]) < 0) {
			free(qs);
			err_set(err, "queue table: out of memory");
			return -1;
		}
	}
	free(qs);
	return 0;
}

void dispatch_queues_free(struct dispatch *d)
{
	free(d->queues);
	free(d->slot_queue);
	d->queues = NULL;
	d->slot_queue = NULL;
}

int dispatch_queue_find(const struct dispatch *d, const char *name)
{
	for (int i = 0; i < d->n_queues; i++)
		if (strcmp(d->queues[i].name, name) == 0)
			return i;
	return -1;
}

int dispatch_queue_add(struct dispatch *d, const struct queue_info *q)
{
	if (VEC_RESERVE(d->queues, d->cap_queues, (size_t)d->n_queues + 1, NULL) < 0)
		return -1;
	d->queues[d->n_queues] = *q;
	return d->n_queues++;
}

int dispatch_queues_full(struct dispatch *d, struct turn *t)
{
	int64_t n;

	/* Counted in the store, not d->queues: in a cluster other nodes make
	 * queues too. Two nodes each making one at the same moment can end one
	 * over the bound; it stays a bound on what jobs can make. */
	if (store_queue_total(d->store, &n, t->err) < 0)
		return -1;
	return n >= d->cfg->max_queues;
}

int dispatch_queue_use(struct dispatch *d, struct turn *t, const char *name)
{
	if (name == NULL)
		name = "default";
	if (dispatch_queue_find(d, name) >= 0)
		return 0;
	struct queue_info q = { .created_us = t->now, .updated_us = t->now };
	if (cluster_shared(d->cluster)) {
		/* Another node may have made it, with its settings. */
		int found = store_queue_get(d->store, name, false, &q, t->err);
		if (found < 0)
			return -1;
		if (found == 1) {
			snprintf(q.name, sizeof(q.name), "%s", name);
			if (dispatch_queue_add(d, &q) < 0) {
				err_set(t->err, "queue table: out of memory");
				return -1;
			}
			return 0;
		}
	}
	if (d->cfg->strict_queues)
		return 1;
	int full = dispatch_queues_full(d, t);
	if (full != 0)
		return full < 0 ? -1 : 2;
	snprintf(q.name, sizeof(q.name), "%s", name);
	if (store_queue_ensure(d->store, name, t->now, t->err) < 0)
		return -1;
	if (dispatch_queue_add(d, &q) < 0) {
		err_set(t->err, "queue table: out of memory");
		return -1;
	}
	log_info("queue %s created by its first job", name);
	return 0;
}

static int running_in(const struct dispatch *d, int qi)
{
	int n = 0;
	for (int s = 0; s < d->n_slots; s++)
		n += d->slot_queue[s] == qi;
	return n;
}

int dispatch_queue_pick(struct dispatch *d, struct turn *t, int64_t *id, int *qi)
{
	int best = -1, best_prio = 0;
	int64_t best_id = 0;

	for (int i = 0; i < d->n_queues; i++) {
		const struct queue_info *q = &d->queues[i];
		int64_t head;
		int prio;
		if (q->paused)
			continue;
		if (q->concurrency > 0) {
			/* A cluster counts every node's jobs, the slot map only ours. */
			int full = cluster_queue_full(d->cluster, q->name, q->concurrency,
			    running_in(d, i), t->err);
			if (full < 0)
				return -1;
			if (full)
				continue;
		}
		int r = store_queue_head(d->store, q->name, &head, &prio, t->err);
		if (r < 0)
			return -1;
		if (r == 1 && (best < 0 || prio > best_prio || (prio == best_prio && head < best_id))) {
			best = i;
			best_prio = prio;
			best_id = head;
		}
	}
	if (best < 0)
		return 0;
	*id = best_id;
	*qi = best;
	return 1;
}

void dispatch_queue_claimed(struct dispatch *d, int slot, int qi)
{
	if (slot >= 0 && slot < d->n_slots)
		d->slot_queue[slot] = qi;
}

void dispatch_queue_released(struct dispatch *d, int slot)
{
	if (slot < 0 || slot >= d->n_slots || d->slot_queue[slot] < 0)
		return;
	/* A full queue just got room: its jobs may be claimed again. */
	if (d->queues[d->slot_queue[slot]].concurrency > 0)
		dispatch_runnable(d);
	d->slot_queue[slot] = -1;
}

enum cmd_status dispatch_queue_command(struct dispatch *d, struct turn *t, struct cmd *c)
{
	struct queue_info *q = c->queue_set.queue;
	struct queue_info cur = { .created_us = t->now };
	int r = store_queue_get(d->store, q->name, false, &cur, t->err);

	if (r < 0)
		return CMD_FAILED;
	if (r == 0) {
		int full = dispatch_queues_full(d, t);
		if (full < 0)
			return CMD_FAILED;
		if (full) {
			snprintf(c->err, sizeof(c->err),
			    "no queue \"%s\", and %lld queues exist already (--max-queues): change one "
			    "of them, or raise the bound", q->name, (long long)d->cfg->max_queues);
			return CMD_CONFLICT;
		}
	}
	snprintf(cur.name, sizeof(cur.name), "%s", q->name);
	if (c->queue_set.concurrency >= 0)
		cur.concurrency = c->queue_set.concurrency;
	if (c->queue_set.paused >= 0)
		cur.paused = c->queue_set.paused != 0;
	if (store_queue_set(d->store, &cur, t->now, t->err) < 0)
		return CMD_FAILED;
	int k = dispatch_queue_find(d, cur.name);
	if (k < 0 && (k = dispatch_queue_add(d, &cur)) < 0) {
		err_set(t->err, "queue table: out of memory");
		return CMD_FAILED;
	}
	d->queues[k].concurrency = cur.concurrency;
	d->queues[k].paused = cur.paused;
	d->queues_changed = true; /* other nodes re-read them (cluster/node.c) */
	dispatch_runnable(d);
	log_info("queue %s: concurrency %s%.0d, %s", cur.name, cur.concurrency ? "" : "unlimited",
	    cur.concurrency, cur.paused ? "paused" : "running");
	/* The answer's counts are read by the HTTP thread, not here: counting
	 * costs every queued job, and the dispatcher must not wait on that. */
	return store_queue_get(d->store, cur.name, false, q, t->err) == 1 ? CMD_OK : CMD_FAILED;
}
