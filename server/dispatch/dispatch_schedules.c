/*
 * dispatch_schedules.c — cron schedules inside the dispatcher: firing the
 * due ones in the turn's transaction (each firing an ordinary submit, in
 * its own savepoint, with schedule_id set), and the schedule commands
 * (create, pause, resume, delete). The dispatcher sleeps until the earliest
 * of the next delayed job and the next firing; no polling.
 *
 * A firing that fell due before this server started was missed (jobd was
 * down): catch_up "none" skips it, "once" makes one job for all of them.
 * Either way the next firing is the first one after now.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch_internal.h"
#include "metrics.h"
#include "common/log.h"
#include "common/utf8.h"
#include "spec/spec.h"
#include "store/store_jobs.h"
#include "store/store_schedules.h"

#define SCHEDULE_FIRES_PER_TURN 100

int dispatch_next_wake(struct dispatch *d, char *err)
{
	int64_t jobs_at, sched_at = 0;

	if (store_next_wake(d->store, &jobs_at, err) < 0)
		return -1;
	if (d->accepting && store_schedule_next_wake(d->store, &sched_at, err) < 0)
		return -1;
	d->wake_wall = jobs_at;
	if (sched_at != 0)
		dispatch_note_wait(d, sched_at);
	int64_t rate_at = queues_rate_wake(&d->queues);
	if (rate_at != 0)
		dispatch_note_wait(d, rate_at);
	return 0;
}

/* Submits the schedule's job: its id, or 0 with why in msg. */
static int64_t submit_job(struct dispatch *d, struct turn *t, const struct schedule *s,
    char *msg, size_t cap)
{
	struct spec_limits lim = spec_limits_of(d->cfg);
	struct spec_error e;
	struct job_spec spec;
	cJSON *root = cJSON_Parse(s->job);
	int ok = root ? spec_job(root, &lim, "job.", &spec, &e) : -1;

	cJSON_Delete(root);
	if (ok < 0) {
		const char *field = root ? e.field : "unreadable JSON", *why = root ? e.message : "";
		snprintf(msg, cap, "the job spec is no longer valid: %.*s%s%.*s",
		    (int)utf8_cut(field, 60), field, root ? ": " : "", (int)utf8_cut(why, 150), why);
		return 0;
	}
	spec.schedule_id = s->id;
	struct cmd c = { .type = CMD_SUBMIT, .submit = { .specs = &spec, .n_specs = 1 } };
	dispatch_apply_command(d, t, &c);
	job_spec_free(&spec);
	int64_t id = c.status == CMD_OK ? c.job.id : 0;
	job_free(&c.job); /* also the holder of its unique_key (CMD_EXISTING) */
	if (c.status != CMD_OK) {
		const char *why = c.err[0] ? c.err : c.status == CMD_FULL ? "the queue is full" : "refused";
		snprintf(msg, cap, "could not submit its job: %.*s", (int)utf8_cut(why, 200), why);
	}
	return id;
}

/* 1 if the job of the schedule's last firing is queued or running. */
static int last_unfinished(struct dispatch *d, struct turn *t, const struct schedule *s)
{
	struct job j;

	if (s->last_job_id == 0)
		return 0;
	int r = store_job_get(d->store, s->last_job_id, &j, t->err);
	if (r <= 0)
		return r; /* gone (retention): finished long ago */
	int unfinished = !job_state_is_final(j.state);
	job_free(&j);
	return unfinished;
}

static int fire(struct dispatch *d, struct turn *t, const struct schedule *s)
{
	char msg[ERR_LEN] = "";
	int64_t next = 0, job_id = 0;
	bool missed = s->next_run_us < d->started_wall;
	int unfinished = last_unfinished(d, t, s);

	if (unfinished < 0)
		return -1;
	switch (schedule_decide(s, missed, unfinished)) {
	case SCHEDULE_FIRE:
		job_id = submit_job(d, t, s, msg, sizeof(msg));
		break;
	case SCHEDULE_SKIP_MISSED:
		snprintf(msg, sizeof(msg), "firing missed while jobd was down (catch_up \"none\")");
		break;
	case SCHEDULE_SKIP_OVERLAP:
		snprintf(msg, sizeof(msg), "job %lld of the last firing is unfinished (overlap \"skip\")",
		    (long long)s->last_job_id);
		break;
	}
	char why[ERR_LEN];
	if (schedule_next_run(s, t->now, &next, why) < 0) {
		next = 0;
		snprintf(msg, sizeof(msg), "stopped: %.*s", (int)utf8_cut(why, 240), why);
	}
	if (store_schedule_fired(d->store, s->id, next, s->next_run_us, job_id, msg, t->err) < 0)
		return -1;
	metrics_count_firing(job_id > 0);
	if (job_id > 0)
		log_info("schedule %lld fired: job %lld", (long long)s->id, (long long)job_id);
	else
		log_info("schedule %lld: no job this time: %s", (long long)s->id, msg);
	return 0;
}

int dispatch_schedules_fire(struct dispatch *d, struct turn *t)
{
	struct schedule s;
	int r = 0;

	for (int i = 0; d->accepting && i < SCHEDULE_FIRES_PER_TURN; i++) {
		if ((r = store_schedule_next_due(d->store, t->now, &s, t->err)) <= 0)
			break;
		r = fire(d, t, &s);
		schedule_free(&s);
		if (r < 0)
			break;
	}
	return r < 0 ? -1 : 0;
}

/* Strict queues: the job's queue must exist now, as for POST /v1/jobs,
 * rather than every firing being skipped later. */
static bool unknown_queue(struct dispatch *d, const struct schedule *s, struct cmd *c)
{
	cJSON *job = d->cfg->strict_queues ? cJSON_Parse(s->job) : NULL;
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(job, "queue");
	const char *name = cJSON_IsString(q) ? q->valuestring : "default";
	bool unknown = job != NULL && queues_find(&d->queues, name) < 0;

	if (unknown) {
		snprintf(c->field, sizeof(c->field), "job.queue");
		snprintf(c->err, sizeof(c->err),
		    "job.queue: no queue \"%.*s\" (strict queues: make it with PUT /v1/queues/%.*s)",
		    (int)utf8_cut(name, 64), name, (int)utf8_cut(name, 64), name);
	}
	cJSON_Delete(job);
	return unknown;
}

/* Its job's cpus must fit a live node, as for POST /v1/jobs, rather than
 * every firing being refused later. */
static enum cmd_status cpus_fit(struct dispatch *d, struct turn *t, const struct schedule *s,
    struct cmd *c)
{
	cJSON *job = cJSON_Parse(s->job);
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(job, "cpus");
	int cpus = cJSON_IsNumber(k) ? k->valueint : 1, max = 0; /* an integer: spec_schedule */

	cJSON_Delete(job);
	snprintf(c->field, sizeof(c->field), "job.cpus");
	return dispatch_cpus_fit(d, t, c, cpus, &max);
}

static enum cmd_status create(struct dispatch *d, struct turn *t, struct cmd *c)
{
	struct schedule *s = c->sched.schedule;
	int64_t id;

	s->created_us = t->now;
	/* Checked even when made paused: one that never fires is refused now,
	 * not at its resume. */
	if (schedule_next_run(s, t->now, &s->next_run_us, c->err) < 0) {
		snprintf(c->field, sizeof(c->field), "cron");
		return CMD_INVALID;
	}
	if (s->paused)
		s->next_run_us = 0;
	if (unknown_queue(d, s, c))
		return CMD_INVALID;
	enum cmd_status fit = cpus_fit(d, t, s, c);
	if (fit != CMD_OK)
		return fit;
	if (store_schedule_insert(d->store, s, &id, t->err) < 0)
		return CMD_FAILED;
	if (s->next_run_us)
		dispatch_note_wait(d, s->next_run_us);
	c->sched.id = id;
	log_info("schedule %lld created: \"%s\" in %s", (long long)id, s->cron, s->timezone);
	return CMD_OK;
}

static enum cmd_status change(struct dispatch *d, struct turn *t, struct cmd *c)
{
	struct schedule cur;
	int64_t next = 0;
	int r = store_schedule_get(d->store, c->sched.id, &cur, t->err);

	if (r <= 0) {
		snprintf(c->err, sizeof(c->err), "no schedule %lld", (long long)c->sched.id);
		return r < 0 ? CMD_FAILED : CMD_NOT_FOUND;
	}
	if (c->type == CMD_SCHEDULE_DELETE) {
		r = store_schedule_delete(d->store, c->sched.id, t->err);
		log_info("schedule %lld deleted", (long long)c->sched.id);
	} else {
		bool pause = c->type == CMD_SCHEDULE_PAUSE;
		if (!pause && schedule_next_run(&cur, t->now, &next, c->err) < 0) {
			schedule_free(&cur);
			return CMD_CONFLICT;
		}
		r = store_schedule_set_paused(d->store, c->sched.id, pause, next, t->now, t->err);
		if (next)
			dispatch_note_wait(d, next);
		log_info("schedule %lld %s", (long long)c->sched.id, pause ? "paused" : "resumed");
	}
	schedule_free(&cur);
	return r < 0 ? CMD_FAILED : CMD_OK;
}

enum cmd_status dispatch_schedule_command(struct dispatch *d, struct turn *t, struct cmd *c)
{
	enum cmd_status st = c->type == CMD_SCHEDULE_CREATE ? create(d, t, c) : change(d, t, c);

	if (st != CMD_OK || c->type == CMD_SCHEDULE_DELETE)
		return st;
	schedule_free(c->sched.schedule);
	return store_schedule_get(d->store, c->sched.id, c->sched.schedule, t->err) == 1 ? CMD_OK
										      : CMD_FAILED;
}
