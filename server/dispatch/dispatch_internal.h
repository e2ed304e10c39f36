/*
 * dispatch_internal.h — shared by dispatch.c (the loop), dispatch_turn.c
 * (one group-committed transaction), dispatch_cmds.c (the client commands
 * inside it) and dispatch_end.c (the one owner of an attempt's end): the
 * dispatcher's state and the turn's helpers.
 */
#ifndef JOBD_DISPATCH_INTERNAL_H
#define JOBD_DISPATCH_INTERNAL_H

#include <pthread.h>

#include "dispatch.h"
#include "common/log.h"
#include "common/vec.h"
#include "pool/pool.h"
#include "store/store.h"
#include "store/store_queues.h"

enum report_type { REPORT_STARTED, REPORT_DONE, REPORT_LOST };

/* What a worker said (or its death), waiting for the next transaction. */
struct report {
	enum report_type type;
	int slot;
	int64_t job_id;
	int pid;
	int64_t started_us;
	struct run_result result;  /* DONE; for LOST, result.error is the cause */
};

struct claim {
	int slot;
	struct job job;
};

struct dispatch {
	const struct config *cfg;
	struct store *store;     /* the writer connection */
	struct pool *pool;
	int cmd_fd;              /* eventfd: a command is waiting */
	int64_t started_mono;
	int64_t started_wall;    /* firings due before this are "missed" */
	bool accepting;          /* atomic: read by HTTP threads */
	bool stopping;
	int64_t drain_deadline;
	int64_t retry_at;        /* after a failed commit */
	int64_t flush_at;        /* when pending STARTED reports are written anyway */
	int64_t wake_wall;       /* earliest delayed job's time (wall µs), 0 if none */
	bool wake_dirty;         /* wake_wall must be read again after the commit */
	bool ready_empty;        /* no runnable queued job until something changes */
	bool notify_ready;       /* this turn made jobs runnable (other nodes may claim) */
	bool queues_changed;     /* this turn changed a queue's settings (tell other nodes) */
	struct cluster *cluster; /* dispatch_cluster.c; NULL on SQLite */
	struct retention *retention; /* dispatch_retention.c */

	/* Guarded by mu: the command queue and the figures HTTP threads read. */
	pthread_mutex_t mu;
	struct cmd *cmd_head, *cmd_tail;
	bool closed;
	int64_t counts[JOB_STATE_COUNT];
	int64_t submitted_total, finished_total;

	/* Dispatcher thread only: this turn's work. */
	struct report *reports;
	size_t n_reports, cap_reports;
	struct claim *claims;
	size_t n_claims, cap_claims;
	char **events;           /* job JSON per change this turn, for /v1/events */
	size_t n_events, cap_events;
	int64_t *cancels;        /* running jobs to send CANCEL after commit */
	size_t n_cancels, cap_cancels;

	/* Named queues (dispatch_queues.c): settings mirrored from the store
	 * and, per pool slot, the index of the queue whose job it runs (-1). */
	struct queue_info *queues;
	int n_queues;
	size_t cap_queues;
	int *slot_queue;
	int n_slots;
};

/* What one turn changes, applied to the shared figures after its commit. */
struct turn {
	int64_t counts[JOB_STATE_COUNT];
	int64_t submitted, finished;
	int64_t output_bytes;    /* of jobs that ended, for --max-output-disk */
	int64_t now;
	char err[ERR_LEN];
};

/* Appends value to a turn array; out of memory, logs and drops it. */
#define PUSH(d, field, value)                                                         \
	do {                                                                          \
		char push_err_[ERR_LEN];                                              \
		if (VEC_RESERVE((d)->field, (d)->cap_##field, (d)->n_##field + 1,     \
			push_err_) < 0)                                               \
			log_warnx("dispatch: recording " #field ": %s", push_err_);   \
		else                                                                  \
			(d)->field[(d)->n_##field++] = (value);                       \
	} while (0)

/* Renders job id for /v1/events after the commit (only while someone listens). */
void dispatch_note_change(struct dispatch *d, int64_t id);
void dispatch_move_state(struct turn *t, enum job_state from, enum job_state to);
void dispatch_runnable(struct dispatch *d);
/* A job will wait until wall_us: the timer may have to fire sooner. */
void dispatch_note_wait(struct dispatch *d, int64_t wall_us);
void dispatch_drop_events(struct dispatch *d, size_t keep);
/* Job id reached the final state: unblock or cancel its dependents, in this
 * transaction, with their counts, events and log lines (dispatch_cmds.c). */
int dispatch_job_ended(struct dispatch *d, struct turn *t, int64_t id, enum job_state state);
/* Ending attempts (dispatch_end.c), the one owner of a running job's next
 * state: every path below checks the move against job.c's table, writes
 * it, and applies backoff, dependents, counts, metrics, events and the log
 * line in this transaction. */
enum end_cause {
	END_REPORT,    /* its worker here reported (DONE) or died */
	END_HERE,      /* it ran on this node, which cannot call it finished */
	END_ELSEWHERE, /* no slot of this pool holds it: an earlier server's, another
			* node's, or this server's after its pool stopped */
};
/* -1 with t->err when job.c's table forbids from → to. */
int dispatch_check_move(struct turn *t, int64_t id, enum job_state from, enum job_state to);
/* Running job's worker reported r (DONE, or its death as RUN_START_FAILED):
 * retried after its backoff while attempts remain, else final. */
int dispatch_attempt_reported(struct dispatch *d, struct turn *t, const struct job *job,
    const struct run_result *r);
/* Running job's attempt was cut short (msg says how): requeued at once while
 * attempts remain (1), else failed with msg (0); -1 error. */
int dispatch_attempt_cut(struct dispatch *d, struct turn *t, const struct job *job,
    const char *msg, enum end_cause cause);
/* Job id, if still running, cut short as above with the message "<who>
 * stopped while attempt N ran<suffix>" (restart recovery, reclaim); counts
 * it into *requeued or *failed. 0 (also when it is not running), -1 error. */
int dispatch_cut_running(struct dispatch *d, struct turn *t, int64_t id, const char *who,
    const char *suffix, int *requeued, int *failed);
/* Jobs left running by this server's last run (or at shutdown, by this
 * one): each cut short as above; *requeued and *failed count them. */
int dispatch_recover(struct dispatch *d, struct turn *t, int *requeued, int *failed);
/* One client command in its own savepoint (dispatch_cmds.c). */
void dispatch_apply_command(struct dispatch *d, struct turn *t, struct cmd *c);

/* Named queues (dispatch_queues.c). */
int dispatch_queues_load(struct dispatch *d, char *err);   /* at open, and after a rollback */
void dispatch_queues_free(struct dispatch *d);
int dispatch_queue_find(const struct dispatch *d, const char *name);  /* index or -1 */
int dispatch_queue_add(struct dispatch *d, const struct queue_info *q); /* index or -1 */
/* A job names queue name (NULL: default): 0 known or made now, 1 unknown
 * (strict queues), 2 unknown and --max-queues exist already, -1 error in
 * t->err. */
int dispatch_queue_use(struct dispatch *d, struct turn *t, const char *name);
/* The next job to claim among open queues: 1 (*id, *qi), 0 none, -1 error. */
int dispatch_queue_pick(struct dispatch *d, struct turn *t, int64_t *id, int *qi);
void dispatch_queue_claimed(struct dispatch *d, int slot, int qi);
void dispatch_queue_released(struct dispatch *d, int slot);  /* its job ended */
enum cmd_status dispatch_queue_command(struct dispatch *d, struct turn *t, struct cmd *c);
/* 1 when --max-queues queues exist (no new one may be made), 0 not, -1 error. */
int dispatch_queues_full(struct dispatch *d, struct turn *t);

/* Schedules (dispatch_schedules.c). */
int dispatch_schedules_fire(struct dispatch *d, struct turn *t); /* the due ones */
enum cmd_status dispatch_schedule_command(struct dispatch *d, struct turn *t, struct cmd *c);
/* wake_wall = the earliest delayed job or schedule firing (0: none). */
int dispatch_next_wake(struct dispatch *d, char *err);

/* A cluster node (dispatch_cluster.c): all no-ops when d->cluster is NULL. */
int dispatch_cluster_open(struct dispatch *d, char *err);   /* before recovery */
void dispatch_cluster_close(struct dispatch *d);            /* after the last jobs */
void dispatch_cluster_free(struct dispatch *d);             /* without a goodbye */
int dispatch_cluster_fd(struct dispatch *d);                /* poll it; -1: none */
void dispatch_cluster_readable(struct dispatch *d);         /* notifications */
int64_t dispatch_cluster_due(struct dispatch *d);           /* monotonic µs; 0: none */
void dispatch_cluster_tick(struct dispatch *d);             /* heartbeat when due */
/* Inside the turn's transaction, before COMMIT: wake-ups for other nodes. */
int dispatch_cluster_before_commit(struct dispatch *d, struct turn *t);
/* A finished job's output files into the database, for every node to serve
 * (dispatch_output.c); with seen[2] (sizes copied last), only what grew. */
int dispatch_cluster_keep_output(struct dispatch *d, struct turn *t, const struct job *job);
int dispatch_output_copy(struct dispatch *d, int64_t job_id, int64_t seen[2], char *err);
/* Fences (no-ops on SQLite): the row lock a report is applied under; the
 * attempt a slot was given; and a report of a running job: 1 when it was
 * taken care of here (another node or attempt owns the job now: ignored; or
 * this node stopped it for want of a lease: requeued or failed), 0 when it
 * is to be applied as usual, -1 on error. */
int dispatch_cluster_lock_job(struct dispatch *d, struct turn *t, int64_t job_id);
void dispatch_cluster_claimed(struct dispatch *d, int slot, int attempt);
int dispatch_cluster_report(struct dispatch *d, struct turn *t, const struct report *rep,
    const struct job *job);
/* 1: limited queue qi has no room for one more job (or another node is
 * claiming from it), 0: room, -1 error. */
int dispatch_cluster_queue_full(struct dispatch *d, struct turn *t, int qi);

/* A transaction outside the turn (recovery, a heartbeat, handing back
 * orphans), kept like one: t starts from the shared counts; after the
 * commit its counts, totals and events are applied as a turn's are. On a
 * failed commit it is rolled back (-1, t->err); abort rolls back. */
int dispatch_side_begin(struct dispatch *d, struct turn *t);
int dispatch_side_commit(struct dispatch *d, struct turn *t);
void dispatch_side_abort(struct dispatch *d);

/* Commands finished (dispatch.c), called with d->mu held: c is marked done
 * and its blocked submitter woken, or, submitted async, pushed on *notify.
 * After unlocking d->mu, dispatch_cmds_notify runs their callbacks, which
 * take the HTTP library's locks and so never run under d->mu. */
void dispatch_cmd_done(struct cmd *c, struct cmd **notify);
void dispatch_cmds_notify(struct cmd *notify);

void dispatch_add_report(struct dispatch *d, const struct report *r);
/* One transaction: reports, commands, claims; then answers and RUNs. */
void dispatch_turn(struct dispatch *d);

#endif
