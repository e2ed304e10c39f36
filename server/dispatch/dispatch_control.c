/*
 * dispatch_control.c — the commands that act on jobs already stored: cancel
 * (a queued job ends at once, a running one is asked to stop) and rerun (a
 * finished job, or a batch's jobs in some states, submitted again through
 * dispatch_submit_specs, linked by rerun_of). Bulk actions (dispatch_bulk.c)
 * run the same two, a page at a time.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dispatch_internal.h"
#include "metrics.h"
#include "common/log.h"
#include "store/store_jobs.h"

enum cmd_status dispatch_cancel_job(struct dispatch *d, struct turn *t, struct cmd *c)
{
	int r = store_job_get(d->store, c->target.job_id, &c->job, t->err);

	if (r <= 0)
		return r < 0 ? CMD_FAILED : CMD_NOT_FOUND;
	if (job_state_is_final(c->job.state))
		return CMD_CONFLICT;
	if (c->job.state == JOB_QUEUED) {
		if (dispatch_check_move(t, c->target.job_id, c->job.state, JOB_CANCELED) < 0)
			return CMD_FAILED;
		int changed = store_job_cancel_queued(d->store, c->target.job_id, t->now, t->err);
		if (changed < 0)
			return CMD_FAILED;
		if (changed == 0) { /* another node claimed it since: cancel it running */
			job_free(&c->job);
			return dispatch_cancel_job(d, t, c);
		}
		dispatch_move_state(t, JOB_QUEUED, JOB_CANCELED);
		log_info("job %lld canceled before it started", (long long)c->target.job_id);
		/* A multi-core job may be the head a node holds its idle slots for, or
		 * whose queue it passes over: every node looks for its head again. */
		if (c->job.cpus > 1)
			dispatch_runnable(d);
		metrics_count_finished(JOB_CANCELED);
		dispatch_note_change(d, c->target.job_id);
		if (dispatch_hooks_ended(d, t, &c->job, JOB_CANCELED) < 0 ||
		    dispatch_job_ended(d, t, c->target.job_id, JOB_CANCELED) < 0)
			return CMD_FAILED;
	} else {
		int changed = store_job_request_cancel(d->store, c->target.job_id, t->err);
		if (changed < 0)
			return CMD_FAILED;
		if (changed == 0) { /* it ended or was requeued (a node died) since */
			job_free(&c->job);
			return dispatch_cancel_job(d, t, c);
		}
		PUSH(d, cancels, c->target.job_id);
		log_info("job %lld: cancel requested while running", (long long)c->target.job_id);
		dispatch_note_change(d, c->target.job_id);
	}
	job_free(&c->job);
	return store_job_get(d->store, c->target.job_id, &c->job, t->err) == 1 ? CMD_OK : CMD_FAILED;
}

enum cmd_status dispatch_rerun_jobs(struct dispatch *d, struct turn *t, struct cmd *c,
    const int64_t *ids, int n_ids, unsigned state_mask, int64_t batch, int *n_rerun)
{
	struct cmd_submit s = { 0 };
	int n = 0, r;
	enum cmd_status st = CMD_FAILED;

	*n_rerun = 0;
	s.specs = calloc((size_t)n_ids + 1, sizeof(*s.specs));
	if (s.specs == NULL)
		goto out;
	for (int i = 0; i < n_ids; i++) {
		struct job job;
		if ((r = store_job_load_spec(d->store, ids[i], &job, &s.specs[n], t->err)) <= 0) {
			snprintf(c->err, sizeof(c->err), "no job %lld", (long long)ids[i]);
			st = r < 0 ? CMD_FAILED : CMD_NOT_FOUND;
			goto out;
		}
		bool take = job_state_is_final(job.state) && (state_mask & (1u << job.state));
		if (c->type == CMD_RERUN && !take)
			snprintf(c->err, sizeof(c->err), "job %lld is %s; only a finished job can be rerun",
			    (long long)ids[i], job_state_name(job.state));
		job_free(&job);
		if (take)
			n++;
		else
			job_spec_free(&s.specs[n]);
	}
	s.n_specs = (size_t)n;
	if (n == 0) {
		if (c->type == CMD_RERUN_BATCH)
			snprintf(c->err, sizeof(c->err), "batch %lld has no finished job in those states",
			    (long long)batch);
		st = CMD_CONFLICT;
		goto out;
	}
	st = dispatch_submit_specs(d, t, c, &s, batch);
	if (st == CMD_OK)
		*n_rerun = n;
out:
	for (int i = 0; s.specs && i < n; i++)
		job_spec_free(&s.specs[i]);
	free(s.specs);
	return st;
}

enum cmd_status dispatch_rerun_command(struct dispatch *d, struct turn *t, struct cmd *c)
{
	int64_t *ids = NULL;
	int n_ids, n;
	struct batch b;
	int r;

	if (c->type == CMD_RERUN)
		return dispatch_rerun_jobs(d, t, c, &c->target.job_id, 1, ~0u, 0, &n);
	if ((r = store_batch_get(d->store, c->rerun_batch.batch_id, &b, t->err)) <= 0) {
		snprintf(c->err, sizeof(c->err), "no batch %lld", (long long)c->rerun_batch.batch_id);
		return r < 0 ? CMD_FAILED : CMD_NOT_FOUND;
	}
	batch_free(&b);
	if (store_batch_job_ids(d->store, c->rerun_batch.batch_id, &ids, &n_ids, t->err) < 0)
		return CMD_FAILED;
	enum cmd_status st = dispatch_rerun_jobs(d, t, c, ids, n_ids, c->rerun_batch.state_mask,
	    c->rerun_batch.batch_id, &n);
	free(ids);
	return st;
}

