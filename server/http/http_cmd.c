/*
 * http_cmd.c — a request's command and its phases (see http_cmd.h and
 * http.h).
 */
#include "http_cmd.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "dispatch/dispatch.h"

enum phase {
	PHASE_NONE,      /* state taken, nothing submitted yet */
	PHASE_SUBMITTED,
	PHASE_SUSPENDED,
	PHASE_DONE,
	PHASE_ABANDONED, /* the request ended first: the callback frees */
};

struct http_cmd {
	void *state;              /* the handler's, with its struct cmd */
	void (*free_fn)(void *state);
	struct MHD_Connection *conn;
	pthread_mutex_t mu;       /* phase, between the loop thread and the dispatcher */
	enum phase phase;
	bool handed_over;         /* loop thread only: submitted on this call */
};

static void cmd_free(struct http_cmd *hc)
{
	if (hc->free_fn != NULL)
		hc->free_fn(hc->state);
	free(hc->state);
	pthread_mutex_destroy(&hc->mu);
	free(hc);
}

void *http_cmd_state(struct http_req *req, size_t size, void (*free_fn)(void *state))
{
	struct http_cmd *hc;

	if (*req->cmd != NULL || (hc = calloc(1, sizeof(*hc))) == NULL)
		return NULL;
	if ((hc->state = calloc(1, size)) == NULL) {
		free(hc);
		return NULL;
	}
	if ((errno = pthread_mutex_init(&hc->mu, NULL)) != 0) {
		log_warn("http: pthread_mutex_init for a command");
		free(hc->state);
		free(hc);
		return NULL;
	}
	hc->free_fn = free_fn;
	*req->cmd = hc;
	return hc->state;
}

/* The dispatcher's callback, on its thread after the commit: cheap. */
static void on_done(void *arg)
{
	struct http_cmd *hc = arg;

	pthread_mutex_lock(&hc->mu);
	enum phase was = hc->phase;
	hc->phase = PHASE_DONE;
	if (was == PHASE_SUSPENDED)
		MHD_resume_connection(hc->conn);
	pthread_mutex_unlock(&hc->mu);
	if (was == PHASE_ABANDONED)
		cmd_free(hc);
}

void http_cmd_submit(struct http_req *req, struct cmd *c)
{
	struct http_cmd *hc = *req->cmd;

	hc->conn = req->conn;
	hc->phase = PHASE_SUBMITTED; /* nobody else knows hc yet */
	hc->handed_over = true;
	dispatch_submit_async(req->app->dispatch, c, on_done, hc);
}

void *http_cmd_result(const struct http_req *req)
{
	struct http_cmd *hc = *req->cmd;

	/* Set by http_cmd_pending under the lock before this call. */
	return hc != NULL && hc->phase == PHASE_DONE ? hc->state : NULL;
}

bool http_cmd_pending(struct http_cmd *hc, struct MHD_Connection *conn)
{
	if (hc == NULL)
		return false;
	pthread_mutex_lock(&hc->mu);
	bool pending = hc->phase == PHASE_SUBMITTED || hc->phase == PHASE_SUSPENDED;
	if (hc->phase == PHASE_SUBMITTED) {
		hc->phase = PHASE_SUSPENDED;
		MHD_suspend_connection(conn);
	}
	pthread_mutex_unlock(&hc->mu);
	return pending;
}

bool http_cmd_handed_over(struct http_cmd *hc)
{
	if (hc == NULL || !hc->handed_over)
		return false;
	hc->handed_over = false;
	return true;
}

void http_cmd_release(struct http_cmd *hc)
{
	if (hc == NULL)
		return;
	pthread_mutex_lock(&hc->mu);
	bool held = hc->phase == PHASE_SUBMITTED || hc->phase == PHASE_SUSPENDED;
	if (held)
		hc->phase = PHASE_ABANDONED;
	pthread_mutex_unlock(&hc->mu);
	if (!held)
		cmd_free(hc);
}
