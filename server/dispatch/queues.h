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
/* The next job to claim among open queues (not paused, under their limit,
 * counted over the cluster when c is a node): 1 (*id, *qi), 0 none, -1 err. */
int queues_pick(const struct queues *qs, struct store *st, struct cluster *c, int64_t *id,
    int *qi, char *err);
void queues_claimed(struct queues *qs, int slot, int qi);
/* Slot's job ended: true when that made room in a limited queue. */
bool queues_released(struct queues *qs, int slot);

#endif
