/*
 * store_jobs.h — the job and batch queries. Writers (insert, claim, finish,
 * requeue, cancel) are called by the dispatcher only, inside its
 * transactions, and only write what it decided (dispatch_end.c); readers
 * (get, list, batch) by anyone on any connection.
 * Functions return 0 (or 1 = found/changed, 0 = not) and -1 with err set.
 */
#ifndef JOBD_STORE_JOBS_H
#define JOBD_STORE_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "common/job.h"

struct batch {
	int64_t id;
	char *name;
	int64_t rerun_of;        /* 0: an original */
	int total;
	int64_t created_us;
	int64_t counts[JOB_STATE_COUNT];
	int64_t first_start_us;  /* 0: none started */
	int64_t last_finish_us;  /* 0: none finished */
	int64_t total_run_us;
};

/* One tag a filter asks for: key = value. */
struct job_tag {
	const char *key;
	const char *value;
};

/* Every term given must hold (AND). The caller keeps the strings. */
struct job_list_filter {
	unsigned state_mask;     /* bit (1 << state); 0 = every state */
	int64_t batch_id;        /* 0 = any */
	int64_t schedule_id;     /* 0 = any; not together with batch_id */
	const char *queue;       /* NULL = any */
	const char *name_prefix; /* NULL = any; else a non-empty prefix of name */
	const struct job_tag *tags; /* n_tags tags the job must all have */
	int n_tags;
	int limit;
	int64_t before_id;       /* 0 = from the newest */
};

int store_job_insert(struct store *st, const struct job_spec *spec, int64_t batch_id,
    const char *idem_key, int64_t now_us, int64_t *id, char *err);
/* specs[0..n) as jobs of batch_id (0: none), without idempotency keys,
 * ids[i] for specs[i]: as n store_job_insert calls, but STORE_INSERT_ROWS
 * rows a statement where the driver can (SQLite). Unique keys are checked
 * by the caller before, one spec at a time. */
#define STORE_INSERT_ROWS 16
int store_jobs_insert(struct store *st, const struct job_spec *specs, size_t n,
    int64_t batch_id, int64_t now_us, int64_t *ids, char *err);
int store_job_find_idem(struct store *st, const char *key, int64_t *id, char *err);
/* The job holding unique_key key now (in one of its unique_while states):
 * 1 and *id, 0 if none, -1. */
int store_job_find_unique(struct store *st, const char *key, int64_t *id, char *err);
int store_job_get(struct store *st, int64_t id, struct job *job, char *err);

/* Marks queued job id running on slots[0] and loads it into *job, stdin
 * included (the dispatcher picks id with store_queue_head). slots are the
 * n_slots idle slots it may hold: a job of cpus k holds the first k (kept
 * in jobs.slots when k > 1). 1 claimed; 0 when it needs more than n_slots
 * (only job->cpus is kept, nothing is written); -1 with err (also when it
 * is not queued). */
int store_job_claim(struct store *st, int64_t id, const int *slots, int n_slots, int64_t now_us,
    struct job *job, char *err);
int store_job_set_started(struct store *st, int64_t id, int pid, int64_t started_us, char *err);
int store_job_finish(struct store *st, int64_t id, enum job_state state,
    const struct run_result *r, const char *error, char *err);
/* Back to the queue; wait_until_us (0: none) delays the next attempt. */
int store_job_requeue(struct store *st, int64_t id, int64_t now_us, int64_t wait_until_us,
    const char *error, char *err);
/* Delayed jobs whose time has come become runnable; *promoted says how many. */
int store_jobs_promote(struct store *st, int64_t now_us, int *promoted, char *err);
/* The earliest wait_until of a queued job (wall µs), 0 if none. */
int store_next_wake(struct store *st, int64_t *wall_us, char *err);
/* A job and a fresh spec copied from it (stdin included, rerun_of = id):
 * 1, 0 not found, -1 error. Free both on 1. */
int store_job_load_spec(struct store *st, int64_t id, struct job *job, struct job_spec *spec,
    char *err);
int store_job_cancel_queued(struct store *st, int64_t id, int64_t now_us, char *err);
int store_job_request_cancel(struct store *st, int64_t id, char *err);
int store_job_counts(struct store *st, int64_t counts[JOB_STATE_COUNT], char *err);

/* The ids of the jobs left running by this server (on PostgreSQL: by this
 * node's name, this incarnation or a dead one), for dispatch_recover;
 * *ids malloc'd. */
int store_jobs_running(struct store *st, int64_t **ids, int *n, char *err);

/* Newest first; *more says whether another page exists. *jobs is malloc'd.
 * A filter with tags or a name prefix walks the index of its first tag (or
 * of the prefix) and checks the other terms on each row it meets; a queue
 * alone walks the state (or every job) newest first the same way. */
int store_job_list(struct store *st, const struct job_list_filter *f, struct job **jobs,
    int *n, bool *more, char *err);
void store_job_list_free(struct job *jobs, int n);

/* notify: the batch's canonical notify JSON, NULL for none. */
int store_batch_insert(struct store *st, const char *name, int total, const char *idem_key,
    int64_t rerun_of, const char *notify, int64_t now_us, int64_t *id, char *err);
/* Adds n jobs to batch id's total (a bulk rerun's batch, turn by turn). */
int store_batch_grow(struct store *st, int64_t id, int n, char *err);
int store_batch_find_idem(struct store *st, const char *key, int64_t *id, char *err);
int store_batch_get(struct store *st, int64_t id, struct batch *b, char *err);
/* Newest first, ids below before_id (0: from the newest), at most limit,
 * each with its counts; *more says whether another page exists. Free with
 * store_batch_list_free. */
int store_batch_list(struct store *st, int64_t before_id, int limit, struct batch **batches,
    int *n, bool *more, char *err);
void store_batch_list_free(struct batch *batches, int n);
int store_batch_job_ids(struct store *st, int64_t batch_id, int64_t **ids, int *n, char *err);
void batch_free(struct batch *b);

#endif
