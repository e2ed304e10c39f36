/*
 * queues.h — the dispatcher's mirror of named queues (dispatch_queues.c):
 * each queue's limit and pause flag as the store has them, which pool slot
 * runs a job of which queue, and the choice of the next job to claim among
 * the queues that are open. Held by the dispatcher as one member; its
 * thread only.
 *
 * The slot map, not a counter, says how many jobs a queue runs: clearing a
 * slot is idempotent, so a turn that rolls back and replays its reports
 * cannot drift the count. A queue's index never changes while it is known
 * (the slot map points at it); queues_truncate forgets those first named in
 * a command or turn that rolled back.
 *
 * A rate-limited queue's window is counted in the store (queue_starts, in
 * the claiming transaction, under the queue's lock in a cluster); the
 * mirror only keeps, in rate_next_us, until when a queue found used up
 * stays so — it is not asked again before then, however many jobs wait in
 * it — and that time is one of the dispatcher's timer deadlines.
 *
 * A queue whose head job needs more cpus than this node's pool has is
 * passed over while that job stays its head (passed_head): another node,
 * or none, runs it; its queue's other jobs wait behind it, here.
 */
#ifndef JOBD_DISPATCH_QUEUES_H
#define JOBD_DISPATCH_QUEUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store_queues.h"

struct cluster;
struct store;

struct queues {
	struct queue_info *list; /* by index */
	int n;
	size_t cap;
	int *slot_queue;         /* per pool slot: the index of its job's queue, -1 */
	int n_slots;
};

/* Reads the settings from st (at open, after a rollback, when another node
 * changed them); the slot map is made for n_slots at the first call. */
int queues_load(struct queues *qs, struct store *st, int n_slots, char *err);
void queues_free(struct queues *qs);
int queues_find(const struct queues *qs, const char *name);  /* index or -1 */
int queues_add(struct queues *qs, const struct queue_info *q, char *err); /* index or -1 */
/* Forgets the queues from index n on (rolled back before any slot ran them). */
void queues_truncate(struct queues *qs, int n);
/* Whether queue qi may start a job at now: not paused, under its
 * concurrency limit and with room in its rate window (counted over the
 * cluster when c is a node). 1 yes; 0 no, with *next_us when it may again
 * if its rate window is what holds it (else 0); -1 error. */
int queues_may_start(struct queues *qs, int qi, struct store *st, struct cluster *c,
    int64_t now, int64_t *next_us, char *err);
/* The next job to claim among the queues that may start one: 1 (*id,
 * *qi), 0 none, -1 err. *wake_us: the earliest time a rate-limited queue
 * that may not start now may again (0: none). */
int queues_pick(struct queues *qs, struct store *st, struct cluster *c, int64_t now,
    int64_t *id, int *qi, int64_t *wake_us, char *err);
void queues_claimed(struct queues *qs, int slot, int qi);
/* Queue qi's head job needs more cpus than this node's pool: queues_pick
 * passes the queue over while that job stays its head. */
void queues_pass_over(struct queues *qs, int qi, int64_t head);
/* Queue qi started a job at now: counted in its rate window, if it has one. */
int queues_started(const struct queues *qs, int qi, struct store *st, int64_t now, char *err);
/* Rate windows that were used up and have room again at now: true if any
 * (their jobs may be claimed again). */
bool queues_rate_due(struct queues *qs, int64_t now);
/* The earliest time a used-up rate window has room again (0: none). */
int64_t queues_rate_wake(const struct queues *qs);
/* Slot's job ended: true when that made room in a limited queue. */
bool queues_released(struct queues *qs, int slot);

#endif
