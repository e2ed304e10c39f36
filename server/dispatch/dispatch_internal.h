/*
 * dispatch_internal.h — shared by the dispatcher's own files only: dispatch.c
 * (the loop), dispatch_turn.c (one group-committed transaction),
 * dispatch_cmds.c and dispatch_control.c (the client commands inside it),
 * dispatch_submit.c (how commands arrive and are answered), dispatch_end.c
 * (the one owner of an attempt's end), dispatch_queues.c,
 * dispatch_schedules.c, dispatch_retention.c, dispatch_drain.c,
 * dispatch_hooks.c and dispatch_host.c (what the cluster node may ask of the
 * dispatcher): the dispatcher's state and the turn's helpers. No file
 * outside server/dispatch/ includes it (white-box unit tests aside); the
 * cluster (cluster/cluster.h) sees the dispatcher only through the callbacks
 * dispatch_host.c gives it. */
#ifndef JOBD_DISPATCH_INTERNAL_H
#define JOBD_DISPATCH_INTERNAL_H

#include <pthread.h>

#include "dispatch.h"
#include "events.h"
#include "queues.h"
#include "cluster/cluster.h"
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
	bool draining;           /* atomic: claims nothing (dispatch_drain.c) */
	bool draining_committed; /* draining as of the last commit (undo on rollback) */
	bool idle_told;          /* the last `node` event said nothing runs here */
	bool stopping;
	int64_t drain_deadline;
	int64_t retry_at;        /* after a failed commit */
	int64_t flush_at;        /* when pending STARTED reports are written anyway */
	int64_t wake_wall;       /* earliest delayed job's time (wall µs), 0 if none */
	bool wake_dirty;         /* wake_wall must be read again after the commit */
	bool ready_empty;        /* no runnable queued job until something changes */
	int hold_idle;           /* idle slots held for a head that needs more; 0: none */
	bool notify_ready;       /* this turn made jobs runnable (other nodes may claim) */
	bool queues_changed;     /* this turn changed a queue's settings (tell other nodes) */
	struct cluster *cluster; /* a node of a cluster (cluster.h); NULL on SQLite */
	struct retention *retention; /* dispatch_retention.c */
	struct webhook *webhook;  /* the sender thread (webhook.h), woken after commits */

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
	struct job_event *events; /* per change this turn, for /v1/events */
	size_t n_events, cap_events;
	int64_t *cancels;        /* running jobs to send CANCEL after commit */
	size_t n_cancels, cap_cancels;

	struct queues queues;     /* named queues' settings and slot map (queues.h) */

	/* The `stats` event (dispatch_summary.c): the figures last sent, when
	 * the next may go, and when changed ones wait to (0: none wait). */
	struct stats_info summary_sent;
	int64_t summary_next, summary_due;
};

/* What one turn changes, applied to the shared figures after its commit. */
struct turn {
	int64_t counts[JOB_STATE_COUNT];
	int64_t submitted, finished;
	int64_t output_bytes;    /* of jobs that ended, for --max-output-disk */
	bool hooks_added;        /* webhook deliveries were written: wake the sender */
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

/* Renders job id for /v1/events after the commit (only while someone
 * listens; its full JSON only while a stream asked for it). */
void dispatch_note_change(struct dispatch *d, int64_t id);
void dispatch_move_state(struct turn *t, enum job_state from, enum job_state to);
void dispatch_runnable(struct dispatch *d);
/* A job will wait until wall_us: the timer may have to fire sooner. */
void dispatch_note_wait(struct dispatch *d, int64_t wall_us);
void dispatch_drop_events(struct dispatch *d, size_t keep);
/* Claims (dispatch_claim.c). The idle slots a turn may claim for into
 * idle[] (CONFIG_MAX_WORKERS), how many; 0 when it may not claim: not
 * accepting, draining, nothing queued, or holding the idle slots for a head
 * that needs more. */
int dispatch_claim_room(const struct dispatch *d, const struct turn *t, int *idle);
/* Claims jobs for the idle slots in this turn's transaction; -1 with t->err. */
int dispatch_claim_jobs(struct dispatch *d, struct turn *t);
/* After the commit: RUN to the workers of the jobs this turn claimed. */
void dispatch_send_claims(struct dispatch *d);
/* A turn rolled back: its claims are undone in the pool and the queues. */
void dispatch_forget_claims(struct dispatch *d);
/* Job id reached the final state: unblock or cancel its dependents, in this
 * transaction, with their counts, events and log lines (dispatch_cmds.c). */
int dispatch_job_ended(struct dispatch *d, struct turn *t, int64_t id, enum job_state state);
/* Inserts the jobs of s for c (a submit, a batch, or a rerun's jobs, then
 * rerun_of the batch they rerun, 0 if none) (dispatch_cmds.c). */
enum cmd_status dispatch_submit_specs(struct dispatch *d, struct turn *t, struct cmd *c,
    const struct cmd_submit *s, int64_t rerun_of);
/* A spec's cpus (c->field names it) beyond this node's pool must fit, on a
 * cluster, the largest live node's (read once per command into *max, 0
 * until then): else CMD_INVALID with c->err. A lone server bounded it when
 * the spec was parsed. */
enum cmd_status dispatch_cpus_fit(struct dispatch *d, struct turn *t, struct cmd *c, int cpus,
    int *max);
/* Cancel and rerun (dispatch_control.c). CMD_RERUN (one job) and
 * CMD_RERUN_BATCH (a batch's jobs in its state_mask). */
enum cmd_status dispatch_rerun_command(struct dispatch *d, struct turn *t, struct cmd *c);
/* c->target.job_id canceled (queued) or asked to stop (running), c->job
 * loaded after: CMD_OK, CMD_CONFLICT when it had ended, CMD_NOT_FOUND. */
enum cmd_status dispatch_cancel_job(struct dispatch *d, struct turn *t, struct cmd *c);
/* The jobs of ids that are final and in state_mask submitted again, linked
 * by rerun_of: one job for CMD_RERUN, else a batch (rerun_of batch; a
 * bulk's c->batch_id when set). *n_rerun says how many; CMD_CONFLICT when
 * none was. */
enum cmd_status dispatch_rerun_jobs(struct dispatch *d, struct turn *t, struct cmd *c,
    const int64_t *ids, int n_ids, unsigned state_mask, int64_t batch, int *n_rerun);
/* One page of a bulk cancel or rerun (dispatch_bulk.c). */
enum cmd_status dispatch_bulk_command(struct dispatch *d, struct turn *t, struct cmd *c);
/* Webhooks (dispatch_hooks.c): job (as read before the change) reached the
 * final state: its notify's delivery, if its events hold the state, and its
 * batch's completion; written in this transaction. The _id form reads the
 * job first (dependents the store canceled). 0, or -1 with t->err. */
int dispatch_hooks_ended(struct dispatch *d, struct turn *t, const struct job *job,
    enum job_state state);
int dispatch_hooks_ended_id(struct dispatch *d, struct turn *t, int64_t id,
    enum job_state state);
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

/* Named queues (dispatch_queues.c; the mirror is queues.h's). */
int dispatch_queues_load(struct dispatch *d, char *err);   /* at open, and after a rollback */
/* A job names queue name (NULL: default): 0 known or made now, 1 unknown
 * (strict queues), 2 unknown and --max-queues exist already, -1 error in
 * t->err. */
int dispatch_queue_use(struct dispatch *d, struct turn *t, const char *name);
/* Slot's job ended: a limited queue it ran in has room (runnable again). */
void dispatch_queue_released(struct dispatch *d, int slot);
enum cmd_status dispatch_queue_command(struct dispatch *d, struct turn *t, struct cmd *c);
/* 1 when --max-queues queues exist (no new one may be made), 0 not, -1 error. */
int dispatch_queues_full(struct dispatch *d, struct turn *t);

/* Draining (dispatch_drain.c): set from --start-drained at open; CMD_DRAIN
 * and CMD_RESUME in the turn, before its claims; after the commit the
 * state is kept (and a drained node's going idle announced), after a
 * rollback the committed state comes back. */
void dispatch_drain_open(struct dispatch *d);
enum cmd_status dispatch_drain_command(struct dispatch *d, struct turn *t, struct cmd *c);
void dispatch_drain_committed(struct dispatch *d);
/* Publishes the `stats` event if it is owed (dispatch_summary.c); called
 * by the loop each round. summary_due is then when it must look again. */
void dispatch_summary(struct dispatch *d);
void dispatch_drain_rolled_back(struct dispatch *d);

/* Schedules (dispatch_schedules.c). */
int dispatch_schedules_fire(struct dispatch *d, struct turn *t); /* the due ones */
enum cmd_status dispatch_schedule_command(struct dispatch *d, struct turn *t, struct cmd *c);
/* wake_wall = the earliest delayed job, schedule firing or rate window
 * with room again (0: none). */
int dispatch_next_wake(struct dispatch *d, char *err);

/* The cluster node (cluster/cluster.h), opened before recovery when the
 * store is shared; it asks for what it needs through the callbacks that
 * dispatch_host.c gives it. d->cluster stays NULL on SQLite. */
int dispatch_cluster_open(struct dispatch *d, char *err);

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
/* Answers every command still waiting with CMD_UNAVAILABLE and refuses new
 * ones (dispatch_submit.c). */
void dispatch_close_commands(struct dispatch *d);
/* Wakes the loop from any thread (its eventfd): a command, a stream's ping. */
void dispatch_wake(void *arg);
void dispatch_cmds_notify(struct cmd *notify);

void dispatch_add_report(struct dispatch *d, const struct report *r);
/* One transaction: reports, commands, claims; then answers and RUNs. */
void dispatch_turn(struct dispatch *d);

#endif
