/*
 * dispatch_bulk.c — one page of a bulk action (POST /v1/jobs/cancel,
 * /v1/jobs/rerun): the next DISPATCH_BULK_PAGE jobs of the filter, newest
 * first below filter.before_id, each canceled or rerun by the very code a
 * single job's cancel or rerun runs (dispatch_cmds.c), in the command's
 * savepoint of this turn. The HTTP side sends the pages one by one, so the
 * dispatcher claims, reports and serves other clients between them, and a
 * bulk's transactions stay bounded however many jobs match.
 *
 * Pages walk down the ids: the jobs a rerun adds are newer than the first
 * page's newest, so a bulk never meets its own reruns.
 */
#include <stdlib.h>

#include "dispatch_internal.h"

/* The page's jobs that are not final, each canceled; *n how many were. */
static enum cmd_status cancel_page(struct dispatch *d, struct turn *t, struct cmd *c,
    const struct job *jobs, int n_jobs, int64_t *n)
{
	for (int i = 0; i < n_jobs; i++) {
		if (job_state_is_final(jobs[i].state))
			continue;
		if (c->bulk.dry_run) {
			(*n)++;
			continue;
		}
		struct cmd one = { .type = CMD_CANCEL, .target = { .job_id = jobs[i].id } };
		enum cmd_status st = dispatch_cancel_job(d, t, &one);
		job_free(&one.job);
		if (st == CMD_OK)
			(*n)++;
		else if (st != CMD_CONFLICT && st != CMD_NOT_FOUND) /* it ended since it was read */
			return st;
	}
	return CMD_OK;
}

/* The page's final jobs in the filter's states (any final one if it names
 * none) rerun into one batch, the same over every page; *n how many. */
static enum cmd_status rerun_page(struct dispatch *d, struct turn *t, struct cmd *c,
    const struct job *jobs, int n_jobs, int64_t *n)
{
	unsigned mask = c->bulk.filter.state_mask ? c->bulk.filter.state_mask : ~0u;
	int64_t *ids = malloc((size_t)(n_jobs > 0 ? n_jobs : 1) * sizeof(*ids));
	int k = 0, done = 0;

	if (ids == NULL) {
		err_set(t->err, "malloc %d job ids: out of memory", n_jobs);
		return CMD_FAILED;
	}
	for (int i = 0; i < n_jobs; i++)
		if (job_state_is_final(jobs[i].state) && (mask & (1u << jobs[i].state)))
			ids[k++] = jobs[i].id;
	enum cmd_status st = CMD_OK;
	if (c->bulk.dry_run)
		done = k;
	else if (k > 0 && (st = dispatch_rerun_jobs(d, t, c, ids, k, mask, c->bulk.filter.batch_id,
			       &done)) == CMD_CONFLICT)
		st = CMD_OK; /* none was final any more */
	free(ids);
	*n += done;
	return st;
}

enum cmd_status dispatch_bulk_command(struct dispatch *d, struct turn *t, struct cmd *c)
{
	struct cmd_bulk *b = &c->bulk;
	struct job *jobs;
	int n;

	b->filter.limit = DISPATCH_BULK_PAGE;
	b->matched = b->changed = b->last_id = 0;
	if (store_job_list(d->store, &b->filter, &jobs, &n, &b->more, t->err) < 0)
		return CMD_FAILED;
	b->matched = n;
	b->last_id = n > 0 ? jobs[n - 1].id : 0;
	enum cmd_status st = b->action == BULK_CANCEL ? cancel_page(d, t, c, jobs, n, &b->changed)
						      : rerun_page(d, t, c, jobs, n, &b->changed);
	store_job_list_free(jobs, n);
	c->err[0] = '\0';
	return st;
}
