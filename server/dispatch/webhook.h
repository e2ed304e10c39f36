/*
 * webhook.h — the completion webhooks' sender (issue 17 section 3): one
 * thread beside the dispatcher, with its own store connection, that works
 * off the outbox (store/store_hooks.h) the dispatcher fills in its
 * transactions. It claims a due delivery (leased: on PostgreSQL another
 * node skips it), renders the job or batch as GET returns it, POSTs it
 * (webhook_post.c), records the attempt, and schedules the next try with
 * exponential backoff and jitter until --webhook-retry-for has passed since
 * the delivery was made; then it is failed. Delivery is at least once: a
 * receiver may see a delivery again (same X-Jobd-Delivery) after a crash
 * between its answer and the record.
 *
 * Ownership: the dispatcher starts and stops it (dispatch.c). The thread
 * sleeps on a condition variable until the earliest next try, or until
 * webhook_wake (after a commit that added deliveries). It never forks;
 * a worker forked meanwhile (fork + exec, safe beside threads) closes every
 * fd above its socket first thing (worker.c), so a libcurl socket or the
 * sender's database file never reaches a worker or a job.
 */
#ifndef JOBD_WEBHOOK_H
#define JOBD_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "config/config.h"

struct webhook;

/* Makes the sender; its thread and its connection to cfg->db_path come
 * with the first webhook_wake. */
int webhook_start(struct webhook **out, const struct config *cfg, char *err);
/* Deliveries were committed (or found pending at start): look now, starting
 * the thread the first time. The dispatcher's thread; NULL is ignored. */
void webhook_wake(struct webhook *w);
/* Stops the thread (an attempt in flight is aborted) and joins it. */
void webhook_stop(struct webhook *w);

/* One attempt (webhook_post.c). */
struct webhook_request {
	const char *url, *event, *uuid;
	const char *signature;   /* "sha256=…", or "" when unsigned */
	const char *body;
	size_t body_len;
	double timeout_s;
};
struct webhook_result {
	int status;              /* HTTP status; 0: none came */
	char error[ERR_LEN];     /* "" when delivered (2xx) */
	int64_t duration_us;
};
/* POSTs q; *stop set aborts it. res->error is "" exactly when delivered. */
void webhook_post(const struct webhook_request *q, const bool *stop, struct webhook_result *res);
/* "sha256=<hex HMAC-SHA256 of body under secret>" into out. 0, or -1 with err. */
int webhook_signature(const char *secret, const void *body, size_t len, char *out, size_t cap,
    char *err);
/* The wait before try attempt+1 after attempt failed (attempt >= 1):
 * base_s doubled per earlier attempt, capped at an hour, half of it
 * random by r01 in [0, 1]. */
int64_t webhook_backoff_us(int attempt, double base_s, double r01);

#endif
