/*
 * dispatch_turn.c — one turn of the dispatcher: everything that happened
 * since the last turn (worker reports, client commands) plus the jobs
 * claimed for idle workers (dispatch_claim.c), written in ONE transaction.
 * Clients are answered and workers sent RUN only after the commit (see
 * dispatch.h).
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch_internal.h"
#include "dispatch_retention.h"
#include "webhook.h"
#include "events.h"
#include "follow.h"
#include "common/clock.h"
#include "common/log.h"
#include "render/render.h"
#include "store/store_jobs.h"

#define RETRY_AFTER_FAILED_COMMIT_US 100000
#define STARTED_FLUSH_US 5000

void dispatch_add_report(struct dispatch *d, const struct report *r) { PUSH(d, reports, *r); }

/* Renders the job as this transaction sees it, for the event stream; only
 * while someone listens. Published after the commit, dropped on rollback. */
void dispatch_note_change(struct dispatch *d, int64_t id)
{
	struct job job;
	char err[ERR_LEN];

	if (!events_have_listeners() || store_job_get(d->store, id, &job, err) != 1)
		return;
	struct job_event ev = { .job_id = id, .compact = render_job_event(&job),
		.full = events_want_full() ? render_job(&job) : NULL };
	job_free(&job);
	if (ev.compact != NULL)
		PUSH(d, events, ev);
	else
		free(ev.full);
}

/* Something may be claimable now: look again, and tell the other nodes. */
void dispatch_runnable(struct dispatch *d)
{
	d->ready_empty = false;
	d->hold_idle = 0; /* the head may have changed: look again */
	d->notify_ready = true;
}

void dispatch_move_state(struct turn *t, enum job_state from, enum job_state to)
{
	t->counts[from]--;
	t->counts[to]++;
	if (job_state_is_final(to))
		t->finished++;
}

/* The job will wait until wall_us: the timer may have to fire sooner. */
void dispatch_note_wait(struct dispatch *d, int64_t wall_us)
{
	if (d->wake_wall == 0 || wall_us < d->wake_wall)
		d->wake_wall = wall_us;
}

static int apply_report(struct dispatch *d, struct turn *t, const struct report *rep)
{
	struct job job;
	int found;

	if (rep->type == REPORT_STARTED) {
		/* Its DONE in this same turn records the pid and start anyway. */
		for (const struct report *later = rep + 1; later < d->reports + d->n_reports; later++)
			if (later->job_id == rep->job_id && later->type != REPORT_STARTED)
				return 0;
		if (store_job_set_started(d->store, rep->job_id, rep->pid, rep->started_us, t->err) < 0)
			return -1;
		dispatch_note_change(d, rep->job_id);
		return 0;
	}
	if (cluster_lock_job(d->cluster, rep->job_id, t->err) < 0)
		return -1;
	found = store_job_get(d->store, rep->job_id, &job, t->err);
	int taken = found > 0 && job.state == JOB_RUNNING
			? cluster_report(d->cluster, t, rep->slot, &job)
			: 0;
	if (found <= 0 || job.state != JOB_RUNNING || taken != 0) {
		if (found > 0)
			job_free(&job);
		if (found < 0 || taken < 0)
			return -1;
		/* Not this attempt's to record (another node took the job over): the
		 * slots it held here beside its worker's come free all the same. */
		pool_release_held(d->pool, rep->job_id);
		return 0;
	}
	int ret;
	if (rep->type == REPORT_DONE) {
		ret = dispatch_attempt_reported(d, t, &job, &rep->result);
	} else {
		struct run_result r = { .status = RUN_START_FAILED, .exit_code = -1,
			.term_signal = -1, .started_us = job.started_us, .finished_us = t->now,
			.run_us = -1, .cpu_user_us = -1, .cpu_sys_us = -1, .max_rss_kb = -1,
			.stdout_bytes = -1, .stderr_bytes = -1 };
		memcpy(r.error, rep->result.error, sizeof(r.error));
		ret = dispatch_attempt_reported(d, t, &job, &r);
	}
	job_free(&job);
	return ret;
}

void dispatch_drop_events(struct dispatch *d, size_t keep)
{
	while (d->n_events > keep)
		job_event_free(&d->events[--d->n_events]);
}

static struct cmd *take_commands(struct dispatch *d, struct turn *t)
{
	pthread_mutex_lock(&d->mu);
	struct cmd *head = d->cmd_head;
	d->cmd_head = d->cmd_tail = NULL;
	memcpy(t->counts, d->counts, sizeof(t->counts));
	pthread_mutex_unlock(&d->mu);
	return head;
}

static void answer(struct dispatch *d, struct cmd *cmds, const struct turn *t, bool committed)
{
	struct cmd *notify = NULL;

	pthread_mutex_lock(&d->mu);
	if (committed) {
		memcpy(d->counts, t->counts, sizeof(d->counts));
		d->submitted_total += t->submitted;
		d->finished_total += t->finished;
	}
	for (struct cmd *c = cmds, *next; c != NULL; c = next) {
		next = c->next; /* c may be freed by its thread once done */
		if (!committed && c->status != CMD_UNAVAILABLE) {
			c->status = CMD_FAILED;
			snprintf(c->err, sizeof(c->err), "%s", t->err);
			/* Rolled back: no job to show, and no caller frees one on failure. */
			job_free(&c->job);
		}
		dispatch_cmd_done(c, &notify);
	}
	pthread_mutex_unlock(&d->mu);
	dispatch_cmds_notify(notify);
}

static void publish_events(struct dispatch *d)
{
	for (size_t i = 0; i < d->n_events; i++)
		events_publish(d->events[i]); /* the hub owns them now */
	d->n_events = 0;
}

static void after_commit(struct dispatch *d)
{
	for (size_t i = 0; i < d->n_cancels; i++)
		pool_cancel(d->pool, d->cancels[i]);
	publish_events(d);
	follow_poke(); /* a job may have ended: its followers look again */
}

int dispatch_side_begin(struct dispatch *d, struct turn *t)
{
	*t = (struct turn){ .now = clock_wall_us() };
	pthread_mutex_lock(&d->mu);
	memcpy(t->counts, d->counts, sizeof(t->counts));
	pthread_mutex_unlock(&d->mu);
	dispatch_drop_events(d, 0);
	return store_begin(d->store, t->err);
}

int dispatch_side_commit(struct dispatch *d, struct turn *t)
{
	if (store_commit(d->store, t->err) < 0) {
		dispatch_side_abort(d);
		return -1;
	}
	pthread_mutex_lock(&d->mu);
	memcpy(d->counts, t->counts, sizeof(d->counts));
	d->finished_total += t->finished;
	pthread_mutex_unlock(&d->mu);
	dispatch_retention_committed(d, t);
	if (t->hooks_added)
		webhook_wake(d->webhook);
	publish_events(d);
	return 0;
}

void dispatch_side_abort(struct dispatch *d)
{
	store_rollback(d->store);
	dispatch_drop_events(d, 0);
}

void dispatch_turn(struct dispatch *d)
{
	struct turn t = { .now = clock_wall_us() };
	struct cmd *cmds = take_commands(d, &t);
	size_t n_reports = d->n_reports;

	bool only_started = true;
	for (size_t i = 0; i < n_reports; i++)
		only_started &= d->reports[i].type == REPORT_STARTED;
	int idle[CONFIG_MAX_WORKERS];
	bool can_claim = dispatch_claim_room(d, &t, idle) > 0;
	bool due = d->wake_wall != 0 && t.now >= d->wake_wall;
	/* A STARTED alone (the pid) can wait a moment: short jobs' DONE follows
	 * within a millisecond and then both share one commit. */
	if (cmds == NULL && !can_claim && !due && only_started) {
		if (n_reports > 0 && d->flush_at == 0)
			d->flush_at = clock_mono_us() + STARTED_FLUSH_US;
		if (n_reports == 0 || clock_mono_us() < d->flush_at)
			return;
	}
	d->flush_at = 0;
	d->n_claims = d->n_cancels = 0;
	d->notify_ready = d->queues_changed = false;
	dispatch_drop_events(d, 0);
	int queues_before = d->queues.n;
	if (store_begin(d->store, t.err) < 0)
		goto fail;
	/* Reports first: a schedule firing in this turn must see the job its
	 * last firing made as it is now (overlap "skip"). */
	for (size_t i = 0; i < n_reports; i++)
		if (apply_report(d, &t, &d->reports[i]) < 0)
			goto fail;
	if (due) {
		int promoted = 0;
		if (store_jobs_promote(d->store, t.now, &promoted, t.err) < 0)
			goto fail;
		if (promoted > 0 || queues_rate_due(&d->queues, t.now))
			dispatch_runnable(d);
		if (dispatch_schedules_fire(d, &t) < 0)
			goto fail;
		d->wake_wall = 0;
		d->wake_dirty = true;
	}
	for (struct cmd *c = cmds; c != NULL; c = c->next)
		dispatch_apply_command(d, &t, c);
	if (dispatch_claim_jobs(d, &t) < 0 ||
	    cluster_before_commit(d->cluster, (d->notify_ready || d->n_claims > 0) && !d->ready_empty,
		d->queues_changed, d->cancels, d->n_cancels, t.err) < 0 ||
	    store_commit(d->store, t.err) < 0)
		goto fail;
	d->notify_ready = false;

	/* Reports that arrived while we worked (none today: single thread) stay. */
	if (n_reports > 0) {
		memmove(d->reports, d->reports + n_reports,
		    (d->n_reports - n_reports) * sizeof(*d->reports));
		d->n_reports -= n_reports;
	}
	dispatch_send_claims(d);
	answer(d, cmds, &t, true);
	dispatch_retention_committed(d, &t);
	if (t.hooks_added)
		webhook_wake(d->webhook);
	after_commit(d);
	dispatch_drain_committed(d);
	if (d->wake_dirty) {
		if (dispatch_next_wake(d, t.err) < 0) {
			log_warnx("dispatch: %s (looking again in 1 s)", t.err);
			d->wake_wall = clock_wall_us() + 1000000;
		} else {
			d->wake_dirty = false;
		}
	}
	return;
fail:
	log_warnx("dispatch: transaction failed, retrying in %d ms: %s",
	    RETRY_AFTER_FAILED_COMMIT_US / 1000, t.err);
	store_rollback(d->store);
	dispatch_forget_claims(d);
	dispatch_drain_rolled_back(d);
	dispatch_drop_events(d, 0);
	queues_truncate(&d->queues, queues_before); /* first named in this turn: rolled back too */
	if (dispatch_queues_load(d, t.err) < 0) /* undo queue settings rolled back */
		log_warnx("dispatch: %s", t.err);
	d->ready_empty = false;
	d->hold_idle = 0;
	d->wake_dirty = true;
	d->wake_wall = clock_wall_us(); /* look again next turn */
	answer(d, cmds, &t, false);
	d->retry_at = clock_mono_us() + RETRY_AFTER_FAILED_COMMIT_US;
}
