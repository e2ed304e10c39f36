/*
 * dispatch_cmds.c — the client commands of one dispatcher turn (submit and
 * batch here; cancel and rerun in dispatch_control.c), each in its own savepoint of the turn's
 * transaction (see dispatch_turn.c), and what dependencies add to them:
 * unknown `after` ids are refused here, where the store is seen as it
 * commits, and a job reaching a final state unblocks or cancels its
 * dependents in the same transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch_internal.h"
#include "metrics.h"
#include "common/log.h"
#include "spec/spec.h"
#include "store/store_deps.h"
#include "store/store_jobs.h"
#include "store/store_nodes.h"

/* Counts, events, webhooks and log lines for what the store did to
 * dependents. */
static int apply_effects(struct dispatch *d, struct turn *t, const struct dep_effects *fx)
{
	for (size_t i = 0; i < fx->n_canceled; i++) {
		const struct dep_cancel *x = &fx->canceled[i];
		dispatch_move_state(t, JOB_QUEUED, JOB_CANCELED);
		metrics_count_finished(JOB_CANCELED);
		log_info("job %lld canceled: dependency %lld ended %s", (long long)x->id,
		    (long long)x->dep, job_state_name(x->dep_state));
		dispatch_note_change(d, x->id);
		if (dispatch_hooks_ended_id(d, t, x->id, JOB_CANCELED) < 0)
			return -1;
	}
	for (size_t i = 0; i < fx->n_updated; i++)
		dispatch_note_change(d, fx->updated[i]);
	if (fx->ready > 0)
		dispatch_runnable(d);
	return 0;
}

int dispatch_job_ended(struct dispatch *d, struct turn *t, int64_t id, enum job_state state)
{
	struct dep_effects fx = { 0 };
	int rc = store_deps_ended(d->store, id, state, t->now, &fx, t->err);

	if (rc == 0)
		rc = apply_effects(d, t, &fx);
	store_deps_effects_free(&fx);
	return rc;
}

static bool is_batch(const struct cmd *c)
{
	return c->type == CMD_BATCH || c->type == CMD_RERUN_BATCH || c->type == CMD_BULK;
}

/* c->field: name, or jobs[i].name in a batch. */
static void name_field(struct cmd *c, size_t i, const char *name)
{
	if (is_batch(c))
		snprintf(c->field, sizeof(c->field), "jobs[%zu].%s", i, name);
	else
		snprintf(c->field, sizeof(c->field), "%s", name);
}

/* Records the dependencies of the jobs just inserted for c (ids[i] for
 * s->specs[i]; after_index maps to ids of the same batch). An after id that
 * names no job refuses the whole command with CMD_INVALID naming the field. */
static enum cmd_status add_deps(struct dispatch *d, struct turn *t, struct cmd *c,
    const struct cmd_submit *s, const int64_t *ids)
{
	struct dep_effects fx = { 0 };
	enum cmd_status st = CMD_OK;
	size_t i = 0;
	int bad = 0;
	int r = store_deps_add_specs(d->store, s->specs, ids, s->n_specs, t->now, &fx, &i, &bad,
	    t->err);

	if (r < 0) {
		st = CMD_FAILED;
	} else if (r == 1) {
		name_field(c, i, "after");
		const struct job_spec *sp = &s->specs[i];
		int64_t id = bad < sp->n_after ? sp->after[bad]
					       : ids[sp->after_index[bad - sp->n_after]];
		snprintf(c->err, sizeof(c->err), "%s[%d]: no job %lld", c->field, bad, (long long)id);
		st = CMD_INVALID;
	}
	if (st == CMD_OK && apply_effects(d, t, &fx) < 0)
		st = CMD_FAILED;
	store_deps_effects_free(&fx);
	return st;
}

/* CMD_OK when no job holds spec's unique_key (checked before each insert,
 * so a batch's own earlier jobs count). Else a single job answers the
 * holder (CMD_EXISTING, c->unique_existing), and a batch is refused whole
 * (CMD_CONFLICT naming jobs[i].unique_key): its jobs belong together, and
 * a job of another batch cannot stand in for one of them. */
static enum cmd_status unique_check(struct dispatch *d, struct turn *t, struct cmd *c,
    const struct job_spec *spec, size_t i)
{
	int64_t id;
	int r = store_job_find_unique(d->store, spec->unique_key, &id, t->err);

	if (r <= 0)
		return r < 0 ? CMD_FAILED : CMD_OK;
	if (store_job_get(d->store, id, &c->job, t->err) != 1)
		return CMD_FAILED;
	name_field(c, i, "unique_key");
	snprintf(c->err, sizeof(c->err), "%s \"%s\" is held by job %lld (%s)", c->field,
	    spec->unique_key, (long long)id, job_state_name(c->job.state));
	if (is_batch(c)) {
		job_free(&c->job);
		return CMD_CONFLICT;
	}
	c->unique_existing = true;
	return CMD_EXISTING;
}

enum cmd_status dispatch_cpus_fit(struct dispatch *d, struct turn *t, struct cmd *c, int cpus,
    int *max)
{
	if (cpus <= d->cfg->workers || !cluster_shared(d->cluster))
		return CMD_OK;
	if (*max == 0 && store_nodes_max_pool(d->store, max, t->err) < 0)
		return CMD_FAILED;
	if (*max < d->cfg->workers)
		*max = d->cfg->workers; /* this node is live, whatever the table said */
	if (cpus <= *max)
		return CMD_OK;
	snprintf(c->err, sizeof(c->err),
	    "%s must be from 1 to %d (the largest worker pool among the cluster's live nodes)",
	    c->field, *max);
	return CMD_INVALID;
}

enum cmd_status dispatch_submit_specs(struct dispatch *d, struct turn *t, struct cmd *c,
    const struct cmd_submit *s, int64_t rerun_of)
{
	int64_t id, *ids;
	int r;

	if (s->idem_key != NULL) {
		r = is_batch(c) ? store_batch_find_idem(d->store, s->idem_key, &id, t->err)
					 : store_job_find_idem(d->store, s->idem_key, &id, t->err);
		if (r < 0)
			return CMD_FAILED;
		if (r == 1) {
			if (is_batch(c)) {
				c->batch_id = id;
				return CMD_EXISTING;
			}
			return store_job_get(d->store, id, &c->job, t->err) == 1 ? CMD_EXISTING
										: CMD_FAILED;
		}
	}
	if (t->counts[JOB_QUEUED] + (int64_t)s->n_specs > d->cfg->max_queued)
		return CMD_FULL;
	int max_cpus = 0;
	for (size_t i = 0; i < s->n_specs; i++) {
		/* A rerun keeps its cpus and waits for a node that large (docs/API.md). */
		if (s->specs[i].cpus > d->cfg->workers && (c->type == CMD_SUBMIT || c->type == CMD_BATCH)) {
			name_field(c, i, "cpus");
			enum cmd_status fit = dispatch_cpus_fit(d, t, c, s->specs[i].cpus, &max_cpus);
			if (fit != CMD_OK)
				return fit;
		}
		int r2 = dispatch_queue_use(d, t, s->specs[i].queue);
		if (r2 < 0)
			return CMD_FAILED;
		if (r2 > 0) {
			name_field(c, i, "queue");
			if (r2 == 1)
				snprintf(c->err, sizeof(c->err),
				    "%s: no queue \"%s\" (strict queues: make it with PUT /v1/queues/%s)",
				    c->field, s->specs[i].queue, s->specs[i].queue);
			else
				snprintf(c->err, sizeof(c->err),
				    "%s: no queue \"%s\", and %lld queues exist already (--max-queues): "
				    "name one of them (GET /v1/queues)",
				    c->field, s->specs[i].queue, (long long)d->cfg->max_queues);
			return CMD_INVALID;
		}
	}
	/* A bulk rerun's later pages join the batch its first page made. */
	if (c->type == CMD_BULK && c->batch_id > 0) {
		if (store_batch_grow(d->store, c->batch_id, (int)s->n_specs, t->err) < 0)
			return CMD_FAILED;
	} else if (is_batch(c) &&
		   store_batch_insert(d->store, s->batch_name, (int)s->n_specs, s->idem_key,
		       rerun_of, s->batch_notify, t->now, &c->batch_id, t->err) < 0) {
		return CMD_FAILED;
	}
	if ((ids = malloc(s->n_specs * sizeof(*ids))) == NULL) {
		err_set(t->err, "malloc %zu job ids: out of memory", s->n_specs);
		return CMD_FAILED;
	}
	enum cmd_status st = CMD_FAILED;
	/* A spec with a unique key goes alone, after its check (so a batch's
	 * earlier jobs count); the runs of specs between such ones together. */
	for (size_t i = 0, end; i < s->n_specs; i = end) {
		const char *key = is_batch(c) ? NULL : s->idem_key;
		int64_t batch_id = is_batch(c) ? c->batch_id : 0;
		end = i + 1;
		if (s->specs[i].unique_key != NULL &&
		    (st = unique_check(d, t, c, &s->specs[i], i)) != CMD_OK)
			goto out;
		st = CMD_FAILED;
		if (s->specs[i].unique_key != NULL || key != NULL) {
			if (store_job_insert(d->store, &s->specs[i], batch_id, key, t->now, &ids[i],
				t->err) < 0)
				goto out;
		} else {
			while (end < s->n_specs && s->specs[end].unique_key == NULL)
				end++;
			if (store_jobs_insert(d->store, &s->specs[i], end - i, batch_id, t->now, &ids[i],
				t->err) < 0)
				goto out;
		}
		for (size_t k = i; k < end; k++) {
			log_info("job %lld queued%s", (long long)ids[k],
			    s->specs[k].run_at_us > t->now ? " (delayed)" : "");
			if (s->specs[k].run_at_us > t->now)
				dispatch_note_wait(d, s->specs[k].run_at_us);
			else
				dispatch_runnable(d);
		}
	}
	t->counts[JOB_QUEUED] += (int64_t)s->n_specs;
	t->submitted += (int64_t)s->n_specs;
	/* After every insert: an after_index may name a later spec. */
	if ((st = add_deps(d, t, c, s, ids)) != CMD_OK)
		goto out;
	for (size_t i = 0; i < s->n_specs; i++)
		dispatch_note_change(d, ids[i]);
	if (!is_batch(c) && store_job_get(d->store, ids[0], &c->job, t->err) != 1)
		st = CMD_FAILED;
out:
	free(ids);
	return st;
}

/* The command's own work, by its type. */
static enum cmd_status run_command(struct dispatch *d, struct turn *t, struct cmd *c)
{
	switch (c->type) {
	case CMD_SUBMIT:
	case CMD_BATCH:
		return dispatch_submit_specs(d, t, c, &c->submit, 0);
	case CMD_CANCEL:
		return dispatch_cancel_job(d, t, c);
	case CMD_RERUN:
	case CMD_RERUN_BATCH:
		return dispatch_rerun_command(d, t, c);
	case CMD_QUEUE_SET:
		return dispatch_queue_command(d, t, c);
	case CMD_SCHEDULE_CREATE:
	case CMD_SCHEDULE_PAUSE:
	case CMD_SCHEDULE_RESUME:
	case CMD_SCHEDULE_DELETE:
		return dispatch_schedule_command(d, t, c);
	case CMD_DRAIN:
	case CMD_RESUME:
		return dispatch_drain_command(d, t, c);
	case CMD_BULK:
		return dispatch_bulk_command(d, t, c);
	}
	err_set(t->err, "unknown command type %d", (int)c->type);
	return CMD_FAILED;
}

/* Whether s carries a key another node's insert may have taken first. */
static bool has_key(const struct cmd_submit *s)
{
	for (size_t i = 0; s->idem_key == NULL && i < s->n_specs; i++)
		if (s->specs[i].unique_key != NULL)
			return true;
	return s->idem_key != NULL;
}

/* Each command in its own savepoint: one failing spares the others. */
void dispatch_apply_command(struct dispatch *d, struct turn *t, struct cmd *c)
{
	if ((c->type == CMD_SUBMIT || c->type == CMD_BATCH || c->type == CMD_RERUN ||
		c->type == CMD_RERUN_BATCH ||
		(c->type == CMD_BULK && c->bulk.action == BULK_RERUN && !c->bulk.dry_run)) &&
	    !d->accepting) {
		c->status = CMD_UNAVAILABLE;
		return;
	}
	t->err[0] = '\0';
	if (store_savepoint(d->store, t->err) < 0) {
		c->status = CMD_FAILED;
	} else {
		int64_t before[JOB_STATE_COUNT], submitted = t->submitted, finished = t->finished;
		size_t events = d->n_events, cancels = d->n_cancels;
		int queues = d->queues.n;
		memcpy(before, t->counts, sizeof(before));
		c->status = run_command(d, t, c);
		if (c->status == CMD_FAILED || c->status == CMD_FULL || c->status == CMD_INVALID ||
		    c->status == CMD_CONFLICT) {
			store_rollback_to_savepoint(d->store);
			memcpy(t->counts, before, sizeof(before));
			t->submitted = submitted;
			t->finished = finished;
			dispatch_drop_events(d, events);
			d->n_cancels = cancels;
			/* Queues this command named first were rolled back with it (no
			 * slot runs their jobs yet: claims come after the commands). */
			queues_truncate(&d->queues, queues);
			/* In a cluster another node may have stored the same
			 * Idempotency-Key or unique_key a moment before: now it is
			 * there to find. */
			if (c->status == CMD_FAILED && (c->type == CMD_SUBMIT || c->type == CMD_BATCH) &&
			    has_key(&c->submit) && cluster_shared(d->cluster) && !c->retried) {
				c->retried = true;
				dispatch_apply_command(d, t, c);
				return;
			}
		} else if (store_release(d->store, t->err) < 0) {
			c->status = CMD_FAILED;
		}
	}
	if (c->status == CMD_FAILED)
		snprintf(c->err, sizeof(c->err), "%s", t->err);
}

