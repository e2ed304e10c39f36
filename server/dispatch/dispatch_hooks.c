/*
 * dispatch_hooks.c — the outbox side of completion webhooks: when a job
 * reaches a final state, the deliveries that follow are written in the
 * same transaction (store_hooks.h), so one exists exactly when the change
 * committed; the sender (webhook.h) is woken after the commit.
 *
 * A job whose row has neither notify nor notify_batch costs nothing here:
 * both come with the row the caller already read. A job of a notifying
 * batch counts its batch's notify_pending down; the one that takes it to
 * zero completes the batch, whose single delivery is batch.completed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dispatch_internal.h"
#include "spec/spec.h"
#include "store/store_hooks.h"
#include "store/store_jobs.h"

/* X-Jobd-Delivery: a random (version 4) UUID, made once per delivery. */
static int make_uuid(char out[STORE_HOOK_UUID_LEN + 1], char *err)
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		err_set(err, "getrandom %zu bytes: %s", sizeof(b), strerror(errno));
		return -1;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, STORE_HOOK_UUID_LEN + 1,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
	    b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
	    b[15]);
	return 0;
}

/* A delivery of event for notify (canonical JSON) when its events hold bit. */
static int add(struct dispatch *d, struct turn *t, int64_t job_id, int64_t batch_id,
    const char *notify, unsigned bit, const char *event)
{
	char uuid[STORE_HOOK_UUID_LEN + 1], *url;
	unsigned mask;
	int rc = 0;

	if (spec_notify_read(notify, &url, &mask) < 0) {
		err_set(t->err, "%s %lld: unreadable notify %s", batch_id ? "batch" : "job",
		    (long long)(batch_id ? batch_id : job_id), notify);
		return -1;
	}
	if (mask & bit) {
		rc = make_uuid(uuid, t->err) < 0 ? -1 :
		     store_hook_add(d->store, job_id, batch_id, event, url, uuid, t->now, t->err);
		if (rc > 0)
			t->hooks_added = true;
	}
	free(url);
	return rc < 0 ? -1 : 0;
}

int dispatch_hooks_ended(struct dispatch *d, struct turn *t, const struct job *job,
    enum job_state state)
{
	char event[40];

	if (job->notify != NULL) {
		snprintf(event, sizeof(event), "job.%s", job_state_name(state));
		if (add(d, t, job->id, 0, job->notify, 1u << state, event) < 0)
			return -1;
	}
	if (job->notify_batch && job->batch_id) {
		char *notify;
		int r = store_hook_batch_left(d->store, job->batch_id, &notify, t->err);
		if (r <= 0)
			return r;
		r = add(d, t, 0, job->batch_id, notify, SPEC_NOTIFY_BATCH_COMPLETED, "batch.completed");
		free(notify);
		return r;
	}
	return 0;
}

int dispatch_hooks_ended_id(struct dispatch *d, struct turn *t, int64_t id,
    enum job_state state)
{
	struct job job;
	int r = store_job_get(d->store, id, &job, t->err);

	if (r <= 0)
		return r;
	r = dispatch_hooks_ended(d, t, &job, state);
	job_free(&job);
	return r;
}
