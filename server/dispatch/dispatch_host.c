/*
 * dispatch_host.c — the dispatcher as host of a cluster node: the
 * callbacks of struct cluster_host (cluster/cluster.h), through which the
 * node, a folder below the dispatcher, asks for side transactions, for
 * attempts to end (dispatch_end.c, their one owner) and for wake-ups,
 * without seeing struct dispatch.
 */
#include <stdio.h>

#include "dispatch_internal.h"
#include "store/store_jobs.h"

static int host_side(void *ctx, cluster_body_fn body, void *arg, char *err)
{
	struct dispatch *d = ctx;
	struct turn t;

	if (dispatch_side_begin(d, &t) < 0 || body(arg, &t, t.err) < 0) {
		dispatch_side_abort(d);
		goto fail;
	}
	if (dispatch_side_commit(d, &t) < 0)
		goto fail;
	return 0;
fail:
	err_set(err, "%s", t.err);
	return -1;
}

static int host_recount(void *ctx, struct turn *t)
{
	struct dispatch *d = ctx;
	return store_job_counts(d->store, t->counts, t->err);
}

static int host_cut_running(void *ctx, struct turn *t, int64_t id, const char *who,
    const char *suffix, int *requeued, int *failed)
{
	return dispatch_cut_running(ctx, t, id, who, suffix, requeued, failed);
}

static int host_cut_here(void *ctx, struct turn *t, const struct job *job, const char *msg)
{
	return dispatch_attempt_cut(ctx, t, job, msg, END_HERE) < 0 ? -1 : 0;
}

static bool host_has_report(void *ctx, int64_t id)
{
	const struct dispatch *d = ctx;

	for (size_t i = 0; i < d->n_reports; i++)
		if (d->reports[i].job_id == id)
			return true;
	return false;
}

static void host_wake(void *ctx)
{
	struct dispatch *d = ctx;
	d->ready_empty = false;
	d->hold_idle = 0;
}

static void host_queues_changed(void *ctx)
{
	struct dispatch *d = ctx;
	char err[ERR_LEN];

	if (dispatch_queues_load(d, err) < 0)
		log_warnx("cluster: re-reading queues: %s", err);
	d->ready_empty = false;
	d->hold_idle = 0;
}

static int host_next_wake(void *ctx, char *err) { return dispatch_next_wake(ctx, err); }

int dispatch_cluster_open(struct dispatch *d, char *err)
{
	struct cluster_host host = { .ctx = d, .side = host_side, .recount = host_recount,
		.cut_running = host_cut_running, .cut_here = host_cut_here,
		.has_report = host_has_report, .wake = host_wake,
		.queues_changed = host_queues_changed, .next_wake = host_next_wake };

	return cluster_open(&d->cluster, d->store, d->cfg, &host, err);
}
