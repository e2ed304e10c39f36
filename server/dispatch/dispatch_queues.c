/*
 * dispatch_queues.c — named queues in the dispatcher: the mirror of their
 * settings and the slot map (struct queues, queues.h), the choice of the
 * next job to claim — the best head (priority, then FIFO) among the queues
 * that are open, not paused, under their concurrency limit and with room
 * in their rate window, one index seek per open queue, so jobs piling up in
 * a paused, full or rate-limited queue never slow dispatch down — and the
 * dispatcher's queue policy: a job naming a
 * queue that is not there (made, or refused under --strict-queues and
 * --max-queues) and PUT /v1/queues/{name}.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch_internal.h"
#include "metrics.h"
#include "common/log.h"
#include "common/vec.h"
#include "store/store_queues.h"

/* Settings from the store into the mirror; a rate window is counted anew
 * (the settings changed, or a turn that counted it rolled back). */
static void queues_settings(struct queue_info *mirror, const struct queue_info *q)
{
	mirror->concurrency = q->concurrency;
	mirror->paused = q->paused;
	mirror->rate_limit = q->rate_limit;
	mirror->rate_period_s = q->rate_period_s;
	mirror->rate_next_us = 0;
}

int queues_load(struct queues *qs, struct store *st, int n_slots, char *err)
{
	struct queue_info *list;
	int n;

	if (store_queues_list(st, false, &list, &n, err) < 0)
		return -1;
	if (qs->slot_queue == NULL) {
		qs->n_slots = n_slots;
		if ((qs->slot_queue = malloc((size_t)qs->n_slots * sizeof(int))) == NULL) {
			free(list);
			err_set(err, "malloc %d slots: out of memory", qs->n_slots);
			return -1;
		}
		for (int i = 0; i < qs->n_slots; i++)
			qs->slot_queue[i] = -1;
	}
	/* Known queues keep their index (the slot map points at them). */
	for (int i = 0; i < n; i++) {
		int k = queues_find(qs, list[i].name);
		if (k >= 0)
			queues_settings(&qs->list[k], &list[i]);
		else if (queues_add(qs, &list[i], err) < 0) {
			free(list);
			return -1;
		}
	}
	free(list);
	return 0;
}

void queues_free(struct queues *qs)
{
	free(qs->list);
	free(qs->slot_queue);
	qs->list = NULL;
	qs->slot_queue = NULL;
}

int queues_find(const struct queues *qs, const char *name)
{
	for (int i = 0; i < qs->n; i++)
		if (strcmp(qs->list[i].name, name) == 0)
			return i;
	return -1;
}

int queues_add(struct queues *qs, const struct queue_info *q, char *err)
{
	if (VEC_RESERVE(qs->list, qs->cap, (size_t)qs->n + 1, NULL) < 0) {
		err_set(err, "queue table: out of memory");
		return -1;
	}
	qs->list[qs->n] = *q;
	return qs->n++;
}

void queues_truncate(struct queues *qs, int n)
{
	if (n < qs->n)
		qs->n = n;
}

int dispatch_queues_load(struct dispatch *d, char *err)
{
	return queues_load(&d->queues, d->store, d->cfg->workers, err);
}

int dispatch_queues_full(struct dispatch *d, struct turn *t)
{
	int64_t n;

	/* Counted in the store, not the mirror: in a cluster other nodes make
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
	if (queues_find(&d->queues, name) >= 0)
		return 0;
	struct queue_info q = { .created_us = t->now, .updated_us = t->now };
	if (cluster_shared(d->cluster)) {
		/* Another node may have made it, with its settings. */
		int found = store_queue_get(d->store, name, false, &q, t->err);
		if (found < 0)
			return -1;
		if (found == 1) {
			snprintf(q.name, sizeof(q.name), "%s", name);
			return queues_add(&d->queues, &q, t->err) < 0 ? -1 : 0;
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
	if (queues_add(&d->queues, &q, t->err) < 0)
		return -1;
	log_info("queue %s created by its first job", name);
	return 0;
}

static int running_in(const struct queues *qs, int qi)
{
	int n = 0;
	for (int s = 0; s < qs->n_slots; s++)
		n += qs->slot_queue[s] == qi;
	return n;
}

static int64_t period_us(const struct queue_info *q) { return (int64_t)q->rate_period_s * 1000000; }

int queues_may_start(struct queues *qs, int qi, struct store *st, struct cluster *c,
    int64_t now, int64_t *next_us, char *err)
{
	struct queue_info *q = &qs->list[qi];

	*next_us = 0;
	if (q->paused)
		return 0;
	if (q->concurrency > 0) {
		/* A cluster counts every node's jobs, the slot map only ours. */
		int full = cluster_queue_full(c, q->name, q->concurrency, running_in(qs, qi), err);
		if (full != 0)
			return full < 0 ? -1 : 0;
	}
	if (q->rate_limit <= 0)
		return 1;
	if (q->rate_next_us > now) { /* used up when last asked: not asked again before */
		*next_us = q->rate_next_us;
		return 0;
	}
	int locked = cluster_queue_lock(c, q->name, err);
	if (locked <= 0)
		return locked;
	int full = store_queue_rate_full(st, q->name, q->rate_limit, period_us(q), now,
	    &q->rate_next_us, err);
	if (full < 0)
		return -1;
	if (full) {
		*next_us = q->rate_next_us;
		metrics_count_rate_delayed();
	}
	return !full;
}

int queues_pick(struct queues *qs, struct store *st, struct cluster *c, int64_t now,
    int64_t *id, int *qi, int64_t *wake_us, char *err)
{
	int best = -1, best_prio = 0;
	int64_t best_id = 0;

	*wake_us = 0;
	for (int i = 0; i < qs->n; i++) {
		int64_t head, next;
		int prio;
		int may = queues_may_start(qs, i, st, c, now, &next, err);
		if (may < 0)
			return -1;
		if (next != 0 && (*wake_us == 0 || next < *wake_us))
			*wake_us = next;
		if (may == 0)
			continue;
		int r = store_queue_head(st, qs->list[i].name, &head, &prio, err);
		if (r < 0)
			return -1;
		if (r == 1 && head == qs->list[i].passed_head)
			continue; /* too big for this node: its queue waits for another */
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

void queues_pass_over(struct queues *qs, int qi, int64_t head) { qs->list[qi].passed_head = head; }

int queues_started(const struct queues *qs, int qi, struct store *st, int64_t now, char *err)
{
	const struct queue_info *q = &qs->list[qi];
	return q->rate_limit > 0 ? store_queue_rate_start(st, q->name, q->rate_limit, now, err) : 0;
}

bool queues_rate_due(struct queues *qs, int64_t now)
{
	bool any = false;
	for (int i = 0; i < qs->n; i++) {
		if (qs->list[i].rate_next_us != 0 && qs->list[i].rate_next_us <= now) {
			qs->list[i].rate_next_us = 0;
			any = true;
		}
	}
	return any;
}

int64_t queues_rate_wake(const struct queues *qs)
{
	int64_t at = 0;
	for (int i = 0; i < qs->n; i++) {
		int64_t t = qs->list[i].rate_next_us;
		if (t != 0 && (at == 0 || t < at))
			at = t;
	}
	return at;
}

void queues_claimed(struct queues *qs, int slot, int qi)
{
	if (slot >= 0 && slot < qs->n_slots)
		qs->slot_queue[slot] = qi;
}

bool queues_released(struct queues *qs, int slot)
{
	if (slot < 0 || slot >= qs->n_slots || qs->slot_queue[slot] < 0)
		return false;
	bool room = qs->list[qs->slot_queue[slot]].concurrency > 0;
	qs->slot_queue[slot] = -1;
	return room;
}

void dispatch_queue_released(struct dispatch *d, int slot)
{
	/* A full queue just got room: its jobs may be claimed again. */
	if (queues_released(&d->queues, slot))
		dispatch_runnable(d);
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
	if (c->queue_set.rate_limit >= 0) {
		cur.rate_limit = c->queue_set.rate_limit;
		cur.rate_period_s = c->queue_set.rate_period_s;
	}
	if (store_queue_set(d->store, &cur, t->now, t->err) < 0)
		return CMD_FAILED;
	int k = queues_find(&d->queues, cur.name);
	if (k < 0 && (k = queues_add(&d->queues, &cur, t->err)) < 0)
		return CMD_FAILED;
	queues_settings(&d->queues.list[k], &cur);
	d->queues_changed = true; /* other nodes re-read them (cluster/node.c) */
	dispatch_runnable(d);
	log_info("queue %s: concurrency %s%.0d, rate %s%.0d%s%.0d%s, %s", cur.name,
	    cur.concurrency ? "" : "unlimited", cur.concurrency, cur.rate_limit ? "" : "unlimited",
	    cur.rate_limit, cur.rate_limit ? " per " : "", cur.rate_period_s,
	    cur.rate_limit ? " s" : "", cur.paused ? "paused" : "running");
	/* The answer's counts are read by the HTTP thread, not here: counting
	 * costs every queued job, and the dispatcher must not wait on that. */
	return store_queue_get(d->store, cur.name, false, q, t->err) == 1 ? CMD_OK : CMD_FAILED;
}
