/*
 * dispatch_drain.c — draining this node for maintenance (POST /v1/drain,
 * /v1/resume): while draining, the dispatcher claims no job (claim_jobs in
 * dispatch_turn.c stops), so queued jobs wait for another node or for the
 * resume; running jobs finish as usual; submissions, reruns and schedule
 * firings still enqueue. The state is this process's only, never stored:
 * a restarted node serves again unless started with --start-drained.
 *
 * The dispatcher owns the change: the commands are applied in its turn,
 * before that turn's claims, so once a client has its 200 nothing new
 * starts here. HTTP threads only read the flag (dispatch_draining). Every
 * change, and the moment a draining node has nothing left running, is a
 * `node` event on /v1/events, so the dashboard updates live. On a cluster
 * the node's row says it too (nodes.draining, in the same transaction).
 */
#include "dispatch_internal.h"

#include "events.h"
#include "common/log.h"
#include "render/render.h"
#include "store/store_nodes.h"

bool dispatch_draining(const struct dispatch *d)
{
	return __atomic_load_n(&d->draining, __ATOMIC_ACQUIRE);
}

/* The `node` event of the state now; marks idle as told when it says so. */
static struct job_event node_event(struct dispatch *d)
{
	int running = pool_busy_count(d->pool);

	d->idle_told = running == 0;
	return (struct job_event){ .name = "node",
		.compact = render_drain(d->draining, running) };
}

void dispatch_drain_open(struct dispatch *d)
{
	d->draining = d->draining_committed = d->cfg->start_drained;
	if (d->draining)
		log_info("dispatch: draining from the start (--start-drained): no job starts here "
			 "until POST /v1/resume");
}

enum cmd_status dispatch_drain_command(struct dispatch *d, struct turn *t, struct cmd *c)
{
	bool on = c->type == CMD_DRAIN;

	if (d->draining == on)
		return CMD_OK; /* idempotent: no event, nothing changes */
	/* A cluster's other nodes show it in /v1/workers (their nodes list). */
	if (d->cluster != NULL &&
	    store_node_set_draining(d->store, dispatch_node_id(d), on, t->err) < 0)
		return CMD_FAILED;
	__atomic_store_n(&d->draining, on, __ATOMIC_RELEASE);
	if (!on)
		dispatch_runnable(d); /* what waited may start now */
	struct job_event ev = node_event(d);
	if (ev.compact != NULL)
		PUSH(d, events, ev);
	log_info("dispatch: %s (%d job(s) running here)",
	    on ? "draining: no new job starts here until POST /v1/resume" : "resumed",
	    pool_busy_count(d->pool));
	return CMD_OK;
}

void dispatch_drain_committed(struct dispatch *d)
{
	d->draining_committed = d->draining;
	if (!d->draining || d->idle_told || pool_busy_count(d->pool) > 0)
		return;
	struct job_event ev = node_event(d);
	log_info("dispatch: drained: nothing runs here now");
	if (ev.compact != NULL)
		events_publish(ev); /* after the commit: published at once */
}

void dispatch_drain_rolled_back(struct dispatch *d)
{
	__atomic_store_n(&d->draining, d->draining_committed, __ATOMIC_RELEASE);
}
