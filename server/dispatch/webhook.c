/*
 * webhook.c — the sender thread of webhook.h: claim, render, POST, record,
 * schedule; sleep until the next try or a wake.
 *
 * The lease: claiming moves a delivery's next_at past the attempt (its
 * timeout and WEBHOOK_LEASE_SLACK_US), in the claim's own transaction, so
 * on PostgreSQL another node's sender skips it, and a sender killed in the
 * middle leaves it due again when the lease ends — that is how pending
 * deliveries are resumed after kill -9 (a clean stop records its attempt).
 *
 * Started on demand: the thread and its connection come with the first
 * wake — a commit that wrote a delivery, or the dispatcher finding pending
 * ones at start — so a server that never sends a webhook has neither (the
 * idle-RSS goal). On a cluster a node's sender, once started, also takes
 * other nodes' due deliveries (a dead node's after its lease).
 */
#include "webhook.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "common/clock.h"
#include "common/log.h"
#include "render/render.h"
#include "store/store_hooks.h"
#include "store/store_jobs.h"

#define WEBHOOK_LEASE_SLACK_US 5000000
#define WEBHOOK_RETRY_US 1000000    /* after a store error */
/* A cluster's other nodes add deliveries without waking this one; their
 * own senders take them, and this one looks at least this often in case
 * such a node died. */
#define WEBHOOK_MAX_SLEEP_US 60000000

struct webhook {
	const struct config *cfg;
	struct store *store;
	pthread_t thread;
	bool started;
	bool stop;              /* atomic: also aborts an attempt in flight */
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* on CLOCK_MONOTONIC */
	bool kicked;            /* under mu */
};

/* The body: the job or batch as GET /v1/jobs/{id} or /v1/batches/{id}
 * returns it now. NULL with err when it is gone or cannot be rendered. */
static char *render_body(struct webhook *w, const struct delivery *dl, char *err)
{
	char *body = NULL;
	int found;

	if (dl->batch_id) {
		struct batch b;
		if ((found = store_batch_get(w->store, dl->batch_id, &b, err)) == 1) {
			body = render_batch(&b, NULL, 0);
			batch_free(&b);
		}
	} else {
		struct job job;
		if ((found = store_job_get(w->store, dl->job_id, &job, err)) == 1) {
			body = render_job(&job);
			job_free(&job);
		}
	}
	if (found == 0)
		err_set(err, "%s %lld no longer exists", dl->batch_id ? "batch" : "job",
		    (long long)(dl->batch_id ? dl->batch_id : dl->job_id));
	else if (found == 1 && body == NULL)
		err_set(err, "rendering the body: out of memory");
	return body;
}

/* One attempt at dl, recorded with its outcome. */
static void attempt(struct webhook *w, const struct delivery *dl)
{
	struct webhook_result res = { 0 };
	struct hook_attempt a = { .at_us = clock_wall_us() };
	char sig[80] = "", err[ERR_LEN];
	char *body = render_body(w, dl, res.error);

	if (body != NULL && w->cfg->webhook_secret[0] &&
	    webhook_signature(w->cfg->webhook_secret, body, strlen(body), sig, sizeof(sig),
		res.error) < 0) {
		free(body);
		body = NULL;
	}
	if (body != NULL) {
		struct webhook_request q = { .url = dl->url, .event = dl->event, .uuid = dl->uuid,
			.signature = sig, .body = body, .body_len = strlen(body),
			.timeout_s = w->cfg->webhook_timeout_s };
		webhook_post(&q, &w->stop, &res);
		free(body);
	}
	a.status = res.status;
	a.error = res.error[0] ? res.error : NULL;
	a.duration_us = res.duration_us;

	const char *state = "delivered";
	int64_t next = 0;
	enum metrics_hook_result m = METRICS_HOOK_DELIVERED;
	if (res.error[0]) {
		next = a.at_us + a.duration_us +
		       webhook_backoff_us(dl->attempts + 1, w->cfg->webhook_backoff_s,
			   (double)random() / RAND_MAX);
		bool give_up = next > dl->created_us + (int64_t)(w->cfg->webhook_retry_for_s * 1e6);
		state = give_up ? "failed" : "pending";
		m = give_up ? METRICS_HOOK_FAILED : METRICS_HOOK_RETRIED;
	}
	if (store_hook_record(w->store, dl->id, &a, state, next, err) < 0) {
		/* The lease ends and the delivery is tried again. */
		log_warnx("webhook: delivery %lld: %s", (long long)dl->id, err);
		return;
	}
	metrics_count_webhook(m);
	if (m == METRICS_HOOK_DELIVERED)
		log_info("webhook %s %s delivered to %s (attempt %d, HTTP %d)", dl->uuid, dl->event,
		    dl->url, dl->attempts + 1, res.status);
	else
		log_warnx("webhook %s %s to %s: attempt %d: %s; %s", dl->uuid, dl->event, dl->url,
		    dl->attempts + 1, res.error, m == METRICS_HOOK_FAILED ? "giving up" : "retrying");
}

/* Sends whatever is due now; the earliest next try after (0: none known). */
static int64_t work(struct webhook *w)
{
	char err[ERR_LEN];
	int64_t lease = (int64_t)(w->cfg->webhook_timeout_s * 1e6) + WEBHOOK_LEASE_SLACK_US;

	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		struct delivery dl;
		int64_t now = clock_wall_us();
		int r = store_hook_claim(w->store, now, now + lease, &dl, err);
		if (r < 0) {
			log_warnx("webhook: %s (again in %d ms)", err, WEBHOOK_RETRY_US / 1000);
			return clock_wall_us() + WEBHOOK_RETRY_US;
		}
		if (r == 0)
			break;
		attempt(w, &dl);
		delivery_free(&dl);
	}
	int64_t next;
	if (store_hook_next_due(w->store, &next, err) < 0) {
		log_warnx("webhook: %s (again in %d ms)", err, WEBHOOK_RETRY_US / 1000);
		return clock_wall_us() + WEBHOOK_RETRY_US;
	}
	return next;
}

/* The thread's connection, opened on its first round: 0, or the wall time
 * to try again. */
static int64_t open_store(struct webhook *w)
{
	char err[ERR_LEN];

	if (w->store != NULL)
		return 0;
	if (store_open(&w->store, w->cfg->db_path, STORE_READER, err) == 0)
		return 0;
	log_warnx("webhook: %s (again in %d ms)", err, WEBHOOK_RETRY_US / 1000);
	return clock_wall_us() + WEBHOOK_RETRY_US;
}

static void *run(void *arg)
{
	struct webhook *w = arg;

	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		int64_t next = open_store(w);
		if (next == 0)
			next = work(w);
		int64_t wait = WEBHOOK_MAX_SLEEP_US;
		if (next != 0) {
			int64_t in = next - clock_wall_us();
			wait = in < 0 ? 0 : in < wait ? in : wait;
		}
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		int64_t ns = ts.tv_nsec + (wait % 1000000) * 1000;
		ts.tv_sec += (time_t)(wait / 1000000 + ns / 1000000000);
		ts.tv_nsec = (long)(ns % 1000000000);
		pthread_mutex_lock(&w->mu);
		while (!w->kicked && !__atomic_load_n(&w->stop, __ATOMIC_RELAXED) &&
		       pthread_cond_timedwait(&w->cv, &w->mu, &ts) == 0)
			;
		w->kicked = false;
		pthread_mutex_unlock(&w->mu);
	}
	return NULL;
}

int webhook_start(struct webhook **out, const struct config *cfg, char *err)
{
	struct webhook *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;

	*out = NULL;
	if (w == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	w->cfg = cfg;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	*out = w;
	return 0;
}

/* Under w->mu. A failure is logged and tried again at the next wake (the
 * deliveries wait in the outbox meanwhile). */
static void start_thread(struct webhook *w)
{
	sigset_t all, old;
	int rc;

	/* Signals stay with the main thread (their handlers write its pipe). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&w->thread, NULL, run, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		log_warnx("webhook: pthread_create of the sender: %s", strerror(rc));
	else
		w->started = true;
}

void webhook_wake(struct webhook *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	if (!w->started && !__atomic_load_n(&w->stop, __ATOMIC_RELAXED))
		start_thread(w);
	w->kicked = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void webhook_stop(struct webhook *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	__atomic_store_n(&w->stop, true, __ATOMIC_RELAXED);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->started) {
		int rc = pthread_join(w->thread, NULL);
		if (rc != 0)
			log_warnx("webhook: pthread_join: %s", strerror(rc));
	}
	store_close(w->store);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
