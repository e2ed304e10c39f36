/*
 * dispatch.h — the server's heart: one thread that owns the writer
 * connection and the worker pool. HTTP threads hand it commands (submit,
 * batch, cancel) and either block until it answers or are called back; it folds every command, worker
 * report and dispatch decision of one loop turn into ONE transaction (group
 * commit), and only after that commit sends RUNs and answers the clients
 * (RUNs first: a woken client competes with the worker for the cores).
 * So a 201 is never sent before the job is durable, and a job is marked
 * running (with its attempt counted) before it can start.
 *
 * The loop sleeps in poll(2) on: the signal self-pipe, the command eventfd
 * and the worker sockets. No polling with sleeps.
 */
#ifndef JOBD_DISPATCH_H
#define JOBD_DISPATCH_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/job.h"
#include "config/config.h"
#include "render/render.h"
#include "store/store_jobs.h"
#include "store/store_queues.h"
#include "time/schedule.h"

enum cmd_type {
	CMD_SUBMIT,
	CMD_BATCH,
	CMD_CANCEL,
	CMD_RERUN,
	CMD_RERUN_BATCH,
	CMD_QUEUE_SET,
	CMD_SCHEDULE_CREATE,
	CMD_SCHEDULE_PAUSE,
	CMD_SCHEDULE_RESUME,
	CMD_SCHEDULE_DELETE,
	CMD_DRAIN,           /* this node claims nothing new (dispatch_drain.c) */
	CMD_RESUME,          /* it claims again */
	CMD_BULK,
};

enum cmd_status {
	CMD_OK,
	CMD_EXISTING,    /* idempotency key seen before: the original is returned; or
			  * unique_key held (unique_existing): the holder is */
	CMD_NOT_FOUND,
	CMD_CONFLICT,    /* cancel of a finished job; a batch job's unique_key held (err, field) */
	CMD_FULL,        /* --max-queued reached */
	CMD_UNAVAILABLE, /* shutting down */
	CMD_INVALID,     /* the request names what is not there (after: [id]); field, err */
	CMD_FAILED,      /* storage error; err says what */
};

/* What a command carries in, one struct per kind (struct cmd's union). */
struct cmd_submit {          /* CMD_SUBMIT (one spec), CMD_BATCH */
	struct job_spec *specs;
	size_t n_specs;
	const char *batch_name;  /* CMD_BATCH: its name, or NULL */
	const char *batch_notify; /* CMD_BATCH: its canonical notify (spec.h), or NULL */
	const char *idem_key;    /* the Idempotency-Key, or NULL */
};

struct cmd_target {          /* CMD_CANCEL, CMD_RERUN */
	int64_t job_id;
};

struct cmd_rerun_batch {     /* CMD_RERUN_BATCH */
	int64_t batch_id;        /* the batch whose jobs to rerun */
	unsigned state_mask;     /* which of its jobs (1 << state) */
};

struct cmd_queue_set {       /* CMD_QUEUE_SET */
	struct queue_info *queue; /* in the name, out the queue as set */
	int concurrency;         /* -1 unchanged, 0 no limit, else the limit */
	int paused;              /* -1 unchanged, 0 or 1 */
	int rate_limit;          /* -1 unchanged, 0 no rate limit, else starts ... */
	int rate_period_s;       /* ... per this many seconds */
};

struct cmd_schedule {        /* CMD_SCHEDULE_* */
	struct schedule *schedule; /* in (CREATE) and out, as stored */
	int64_t id;              /* which (out for CREATE) */
};

/* Jobs a bulk action takes per command: each page is one savepoint of one
 * turn, so the dispatcher serves others between pages. */
#define DISPATCH_BULK_PAGE 1000

enum bulk_action { BULK_CANCEL, BULK_RERUN };

struct cmd_bulk {            /* CMD_BULK: one page of a bulk action */
	struct job_list_filter filter; /* in: the page starts below filter.before_id */
	enum bulk_action action;
	bool dry_run;            /* count what it would do, change nothing */
	int64_t matched;         /* out: the page's jobs that match */
	int64_t changed;         /* out: of those, the ones canceled or rerun */
	int64_t last_id;         /* out: the page's oldest job, the next page's before_id */
	bool more;               /* out: another page follows */
};

/* A command: type says which member of the union it fills in. */
struct cmd {
	enum cmd_type type;
	/* in */
	union {
		struct cmd_submit submit;
		struct cmd_target target;
		struct cmd_rerun_batch rerun_batch;
		struct cmd_queue_set queue_set;
		struct cmd_schedule sched;
		struct cmd_bulk bulk;
	};
	/* out */
	enum cmd_status status;
	char err[ERR_LEN];
	char field[160];         /* CMD_INVALID, CMD_CONFLICT: the field at fault, e.g. jobs[3].after */
	struct job job;          /* SUBMIT and CANCEL: the job after the command */
	int64_t batch_id;        /* BATCH, RERUN_BATCH: the new batch; BULK (rerun): in and
				  * out, the batch of its reruns (0: none yet) */
	bool unique_existing;    /* SUBMIT, RERUN: job is the holder of the spec's unique_key */
	/* private to dispatch.c */
	struct cmd *next;
	bool done;
	bool retried;            /* once, after another node's Idempotency-Key won */
	pthread_cond_t done_cv;  /* only this command's thread is woken */
	void (*done_fn)(void *arg); /* dispatch_submit_async: called once when done */
	void *done_arg;
};

struct dispatch;

/* Opens the store (migrations, recovery of jobs left running), counts jobs
 * and starts the pool. Must run on the thread that will call dispatch_run. */
int dispatch_open(struct dispatch **out, const struct config *cfg, char *err);
/* Runs until SIGTERM/SIGINT has been handled: drain, stop, requeue. */
int dispatch_run(struct dispatch *d);
void dispatch_free(struct dispatch *d);

/* Signal handlers call this (async-signal-safe). */
void dispatch_signal(int sig);

/* From any thread: blocks until the command has been committed or refused. */
void dispatch_submit(struct dispatch *d, struct cmd *c);
/* dispatch_submit in its two halves, for a caller that queues several
 * commands before the dispatcher's next turn (the unit tests, to see them
 * share one commit): enqueue returns at once; wait blocks until the command
 * is answered, and must follow every enqueue (it frees what enqueue set up). */
void dispatch_enqueue(struct dispatch *d, struct cmd *c);
void dispatch_wait(struct dispatch *d, struct cmd *c);
/* From any thread, without blocking: done_fn(arg) is called exactly once
 * when the command has been committed or refused — on the dispatcher's
 * thread after its turn's COMMIT (so it must be cheap and must not call
 * back into the dispatcher), or on the caller's own thread before this
 * returns when the dispatcher has closed. Until then c (and what it points
 * to) stays the caller's to keep and the dispatcher's to fill; the caller
 * reads the outcome only after done_fn. Commands of many callers still go
 * into one transaction. */
void dispatch_submit_async(struct dispatch *d, struct cmd *c, void (*done_fn)(void *arg),
    void *arg);
bool dispatch_accepting(const struct dispatch *d);
void dispatch_stats(struct dispatch *d, struct stats_info *s);
int dispatch_workers(struct dispatch *d, struct worker_info *out, int max);
/* This node is draining (POST /v1/drain): it claims no job until resumed. */
bool dispatch_draining(const struct dispatch *d);
/* This node's id in a cluster (PostgreSQL); 0 on SQLite. */
int64_t dispatch_node_id(struct dispatch *d);
const struct config *dispatch_config(const struct dispatch *d);

#endif
