/*
 * store_queues.h — named queues: their settings (concurrency limit, paused)
 * and the head of each queue's runnable jobs. Writers are called by the
 * dispatcher inside its transactions; the list by anyone.
 */
#ifndef JOBD_STORE_QUEUES_H
#define JOBD_STORE_QUEUES_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "common/job.h"

struct queue_info {
	char name[JOB_QUEUE_NAME_MAX + 1];
	int concurrency;         /* 0: no limit */
	bool paused;
	int64_t queued, running; /* filled by store_queues_list with counts */
	int64_t created_us, updated_us;
	int rate_limit;          /* 0: no rate limit; else at most this many starts ... */
	int rate_period_s;       /* ... in any window of this many seconds */
	/* With counts, for a rate-limited queue: starts in the window ending
	 * now, and when the next may start if it is used up (0: now). */
	int64_t rate_used, rate_next_us;
	/* The dispatcher's mirror only: a head that needs more cpus than this
	 * node's pool, passed over while it stays the head (0: none). */
	int64_t passed_head;
};

/* Every queue by name; with_counts adds queued/running (O(queued + running)).
 * *out is malloc'd. */
int store_queues_list(struct store *st, bool with_counts, struct queue_info **out, int *n,
    char *err);
/* 1 found, 0 none, -1 error. with_counts adds queued/running, at the cost
 * of counting every queued and running job (keep it off the dispatcher). */
int store_queue_get(struct store *st, const char *name, bool with_counts, struct queue_info *q,
    char *err);
/* How many queues exist (rows of queues, this transaction's included). */
int store_queue_total(struct store *st, int64_t *n, char *err);
/* Makes the queue's row if there is none (a queue named by a job). */
int store_queue_ensure(struct store *st, const char *name, int64_t now_us, char *err);
/* Creates or updates q's concurrency, paused and rate. */
int store_queue_set(struct store *st, const struct queue_info *q, int64_t now_us, char *err);
/* The queue's next runnable job by priority, then FIFO, in O(log n):
 * 1 with *id and *priority, 0 none runnable, -1 error. */
int store_queue_head(struct store *st, const char *name, int64_t *id, int *priority, char *err);

/* Sliding window of a rate-limited queue: at most limit starts in any
 * period_us. 1 when a start at now would exceed it, with *next_us the first
 * time one may (the limit-th most recent start + period_us); 0 when there
 * is room; -1 error. O(log n). */
int store_queue_rate_full(struct store *st, const char *name, int limit, int64_t period_us,
    int64_t now_us, int64_t *next_us, char *err);
/* Records a start at now_us in the queue's window and forgets those
 * before the newest limit (they cannot matter any more). */
int store_queue_rate_start(struct store *st, const char *name, int limit, int64_t now_us,
    char *err);

#endif
