/*
 * store_hooks.h — the outbox of completion webhooks (migrations 008/003): a
 * delivery is one POST to make, at least once, with its attempts.
 *
 * Who calls what: the dispatcher adds deliveries inside its transaction
 * (store_hook_add, store_hook_batch_left), so a delivery exists exactly when
 * the state change that triggers it committed. The sender thread
 * (webhook/webhook.c) claims, records and schedules them on its own
 * connection; the API reads them on a reader's. Functions return 0 (or
 * 1 = found/changed) and -1 with err set; none decides policy or logs.
 */
#ifndef JOBD_STORE_HOOKS_H
#define JOBD_STORE_HOOKS_H

#include <stdint.h>

#include "store.h"

#define STORE_HOOK_UUID_LEN 36 /* 8-4-4-4-12 hex */

struct hook_attempt {
	int64_t at_us;
	int status;             /* HTTP status; 0: no answer (error says why) */
	char *error;            /* NULL: none */
	int64_t duration_us;
};

struct delivery {
	int64_t id, job_id, batch_id; /* one of job_id, batch_id is 0 */
	char event[40];         /* "job.succeeded", "batch.completed" */
	char *url;
	char uuid[STORE_HOOK_UUID_LEN + 1];
	char state[16];         /* pending, delivered, failed */
	int64_t created_us, next_us, finished_us; /* 0: none */
	int attempts;
	struct hook_attempt *tries; /* store_hooks_of only */
	int n_tries;
};

void delivery_free(struct delivery *d);
void deliveries_free(struct delivery *ds, int n);

/* A delivery of event to url for job_id or batch_id (the other 0), due at
 * now_us. 1 added, 0 when the batch had one already. */
int store_hook_add(struct store *st, int64_t job_id, int64_t batch_id, const char *event,
    const char *url, const char *uuid, int64_t now_us, char *err);
/* A job of notifying batch id reached a final state: 1 with *notify (the
 * batch's, malloc'd) when it was the last, 0 otherwise. */
int store_hook_batch_left(struct store *st, int64_t id, char **notify, char *err);

/* In its own transaction: the earliest due delivery (next_at <= now_us),
 * leased to the caller until lease_us. 1 with *d, 0 none due. */
int store_hook_claim(struct store *st, int64_t now_us, int64_t lease_us, struct delivery *d,
    char *err);
/* The earliest next_at of a pending delivery into *at_us; 0 when none. */
int store_hook_next_due(struct store *st, int64_t *at_us, char *err);
/* In its own transaction: attempt a of delivery id recorded, and the
 * delivery now in state (next_us its next try when pending). */
int store_hook_record(struct store *st, int64_t id, const struct hook_attempt *a,
    const char *state, int64_t next_us, char *err);
/* A job's (batch_id 0) or a batch's deliveries, oldest first, each with its
 * attempts. *ds calloc'd (deliveries_free). */
int store_hooks_of(struct store *st, int64_t job_id, int64_t batch_id, struct delivery **ds,
    int *n, char *err);

#endif
