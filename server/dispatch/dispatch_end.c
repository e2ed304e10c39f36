/*
 * dispatch_end.c — the one owner of "an attempt ended" (STYLE 14). However
 * the dispatcher learns of it — a worker's DONE or its death (a report), a
 * restart that finds jobs left running, this node stopping a job for want
 * of a lease or finding a job no worker here runs (the fence), another
 * node's lease ending under its jobs (reclaim) — end_attempt() below takes
 * the job from running to queued (attempts left: the retry, with its
 * backoff) or to its final state, after checking the move against job.c's
 * table, and does in the same transaction all that follows: the queue slot,
 * the dependents (unblocked or canceled, with their own counts and events),
 * the webhook deliveries (dispatch_hooks.c),
 * the turn's counts, the metrics, the output-disk tally, the event and the
 * log line. The store only writes what it is told and reports what changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch_internal.h"
#include "dispatch_retention.h"
#include "metrics.h"
#include "store/store_jobs.h"

#define BACKOFF_CAP_S 3600.0

/* Exponential backoff with "equal jitter": half the step fixed, half
 * random, so retries of many jobs that failed together spread out. */
static int64_t backoff_until(const struct job *job, int64_t now)
{
	if (job->retry_backoff_s <= 0)
		return 0;
	double step = job->retry_backoff_s;
	for (int i = 1; i < job->attempts && step < BACKOFF_CAP_S; i++)
		step *= 2;
	if (step > BACKOFF_CAP_S && job->retry_backoff_s < BACKOFF_CAP_S)
		step = BACKOFF_CAP_S;
	double delay = step / 2 + step / 2 * ((double)random() / RAND_MAX);
	return now + (int64_t)(delay * 1e6);
}

int dispatch_check_move(struct turn *t, int64_t id, enum job_state from, enum job_state to)
{
	if (job_transition_allowed(from, to))
		return 0;
	err_set(t->err, "job %lld: %s to %s is not an allowed change of state", (long long)id,
	    job_state_name(from), job_state_name(to));
	return -1;
}

/* The requeue message of a reported attempt; *wait when it is to back off. */
static void retry_message(struct dispatch *d, struct turn *t, const struct job *job,
    const struct run_result *r, int64_t *wait, char *msg, size_t cap)
{
	const char *why = r->error[0] ? r->error : "failed";

	*wait = backoff_until(job, t->now);
	if (r->status == RUN_EXITED && r->error[0] == '\0')
		snprintf(msg, cap, "attempt %d of %d exited with code %d; retrying", job->attempts,
		    job->max_attempts, r->exit_code);
	else
		snprintf(msg, cap, "attempt %d of %d: %s; retrying", job->attempts,
		    job->max_attempts, why);
	if (*wait) {
		size_t l = strlen(msg);
		snprintf(msg + l, cap - l, " in %.1f s", (double)(*wait - t->now) / 1e6);
		dispatch_note_wait(d, *wait);
	}
}

static void log_end(const struct job *job, enum job_state next, const struct run_result *r,
    enum end_cause cause, const char *msg)
{
	long long id = (long long)job->id;

	if (cause != END_REPORT)
		log_warnx("job %lld %s: %s", id, next == JOB_QUEUED ? "requeued" : "failed", msg);
	else if (next == JOB_QUEUED)
		log_info("job %lld requeued: attempt %d of %d ended %s", id, job->attempts,
		    job->max_attempts, r->error[0] ? r->error : "unsuccessfully");
	else if (r->status == RUN_EXITED)
		log_info("job %lld %s: exit code %d after %.1f ms", id, job_state_name(next),
		    r->exit_code, (double)r->run_us / 1000);
	else
		log_info("job %lld %s: %s", id, job_state_name(next), r->error[0] ? r->error : "no detail");
}

/* Running job ends its attempt in state next with result r; msg is the
 * error the row keeps (NULL: r->error), the requeue waits until wait. */
static int end_attempt(struct dispatch *d, struct turn *t, const struct job *job,
    enum job_state next, const struct run_result *r, const char *msg, int64_t wait,
    enum end_cause cause)
{
	if (dispatch_check_move(t, job->id, job->state, next) < 0)
		return -1;
	if (next == JOB_QUEUED) {
		if (wait == 0)
			dispatch_runnable(d);
		if (store_job_requeue(d->store, job->id, t->now, wait, msg, t->err) < 0)
			return -1;
	} else if (store_job_finish(d->store, job->id, next, r, msg, t->err) < 0 ||
		   (cause == END_REPORT && cluster_keep_output(d->cluster, job, t->err) < 0)) {
		return -1;
	}
	/* Another node's slot numbers are not this pool's. A multi-core job's
	 * other slots come free here, with its queue's; the one it ran on did
	 * with its worker's DONE or death. */
	if (cause != END_ELSEWHERE) {
		dispatch_queue_released(d, job->worker);
		if (job->cpus > 1)
			pool_release_held(d->pool, job->id);
	}
	dispatch_move_state(t, JOB_RUNNING, next);
	if (r->run_us >= 0)
		metrics_observe_run((double)r->run_us / 1e6);
	if (job_state_is_final(next))
		metrics_count_finished(next);
	dispatch_retention_note_end(d, t, next, r);
	dispatch_note_change(d, job->id);
	if (job_state_is_final(next) && (dispatch_hooks_ended(d, t, job, next) < 0 ||
					     dispatch_job_ended(d, t, job->id, next) < 0))
		return -1;
	log_end(job, next, r, cause, msg);
	return 0;
}

int dispatch_attempt_reported(struct dispatch *d, struct turn *t, const struct job *job,
    const struct run_result *r)
{
	enum job_state next = job_next_state(job, r);
	char msg[400];
	int64_t wait = 0;

	if (next != JOB_QUEUED)
		return end_attempt(d, t, job, next, r, r->error, 0, END_REPORT);
	retry_message(d, t, job, r, &wait, msg, sizeof(msg));
	return end_attempt(d, t, job, next, r, msg, wait, END_REPORT);
}

int dispatch_attempt_cut(struct dispatch *d, struct turn *t, const struct job *job,
    const char *msg, enum end_cause cause)
{
	struct run_result r = { .status = RUN_START_FAILED, .exit_code = -1, .term_signal = -1,
		.run_us = -1, .cpu_user_us = -1, .cpu_sys_us = -1, .max_rss_kb = -1,
		.stdout_bytes = -1, .stderr_bytes = -1, .started_us = job->started_us,
		.finished_us = t->now };
	enum job_state next = job->attempts < job->max_attempts ? JOB_QUEUED : JOB_FAILED;

	if (end_attempt(d, t, job, next, &r, msg, 0, cause) < 0)
		return -1;
	return next == JOB_QUEUED;
}

int dispatch_cut_running(struct dispatch *d, struct turn *t, int64_t id, const char *who,
    const char *suffix, int *requeued, int *failed)
{
	struct job job;
	int found = store_job_get(d->store, id, &job, t->err);

	if (found <= 0 || job.state != JOB_RUNNING) {
		if (found > 0)
			job_free(&job);
		return found < 0 ? -1 : 0;
	}
	char msg[400];
	snprintf(msg, sizeof(msg), "%s stopped while attempt %d ran%s", who, job.attempts, suffix);
	int r = dispatch_attempt_cut(d, t, &job, msg, END_ELSEWHERE);
	job_free(&job);
	if (r < 0)
		return -1;
	(*(r == 1 ? requeued : failed))++;
	return 0;
}

int dispatch_recover(struct dispatch *d, struct turn *t, int *requeued, int *failed)
{
	int64_t *ids = NULL;
	int n = 0, rc = 0;

	*requeued = *failed = 0;
	if (store_jobs_running(d->store, &ids, &n, t->err) < 0)
		return -1;
	for (int i = 0; i < n && rc == 0; i++)
		rc = dispatch_cut_running(d, t, ids[i], "the server", "", requeued, failed);
	free(ids);
	return rc;
}
