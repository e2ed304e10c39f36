/*
 * pool_msgs.c — the pool's conversation with its workers (see pool.h):
 * HELLO, STARTED and DONE in, each checked against the slot's state; RUN
 * and CANCEL out. A worker that says anything out of place is replaced.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool_internal.h"
#include "run_msg.h"
#include "common/log.h"

/* The worker broke the protocol or hung up: make sure it is dead; the reap
 * loop then reports its job lost and starts a replacement. */
void pool_slot_abandon(struct pool *p, int i, const char *why)
{
	struct slot *s = &p->slots[i];

	if (why != NULL)
		log_warnx("pool: worker %d (pid %d): %s; replacing it", i, s->pid, why);
	close(s->sock);
	s->sock = -1;
	s->sock_closed = true;
	if (s->pid > 0 && kill(s->pid, SIGKILL) < 0 && errno != ESRCH)
		log_warn("pool: kill worker %d pid %d", i, s->pid);
}

static void on_message(struct pool *p, int i, const struct proto_header *h, const void *payload)
{
	struct slot *s = &p->slots[i];

	if (h->type == PROTO_HELLO) {
		struct proto_hello hello;
		memcpy(&hello, payload, sizeof(hello));
		if (hello.version != PROTO_VERSION || s->state != SLOT_STARTING) {
			pool_slot_abandon(p, i, "bad HELLO");
			return;
		}
		pthread_mutex_lock(&p->mu);
		s->state = s->job_id != 0 ? SLOT_RESERVED : SLOT_IDLE; /* still held: slot_died */
		pthread_mutex_unlock(&p->mu);
		return;
	}
	if (s->state != SLOT_BUSY || h->job_id != s->job_id) {
		pool_slot_abandon(p, i, "message about a job it does not run");
		return;
	}
	if (h->type == PROTO_STARTED) {
		struct proto_started st;
		memcpy(&st, payload, sizeof(st));
		pthread_mutex_lock(&p->mu);
		s->job_pid = st.pid;
		s->job_started_us = st.started_us;
		pthread_mutex_unlock(&p->mu);
		p->ev.started(p->ev.ctx, i, h->job_id, st.pid, st.started_us);
	} else if (h->type == PROTO_DONE) {
		struct proto_done d;
		struct run_result r;
		memcpy(&d, payload, sizeof(d));
		proto_done_to_result(&d, &r);
		r.pid = s->job_pid;
		pthread_mutex_lock(&p->mu);
		s->state = SLOT_IDLE;
		s->job_id = 0;
		s->job_pid = 0;
		s->jobs_done++;
		s->backoff_us = 0;
		pthread_mutex_unlock(&p->mu);
		p->ev.done(p->ev.ctx, i, h->job_id, &r);
	} else {
		pool_slot_abandon(p, i, "unexpected message type");
	}
}

static void slot_read(struct pool *p, int i)
{
	struct slot *s = &p->slots[i];
	char err[ERR_LEN] = "";
	int r = proto_reader_fill(&s->rd, s->sock, err);

	if (r <= 0) {
		pool_slot_abandon(p, i, r < 0 ? err : NULL);
		return;
	}
	for (;;) {
		struct proto_header h;
		const void *payload;
		r = proto_reader_next(&s->rd, &h, &payload, err);
		if (r == 0)
			return;
		if (r < 0 || h.slot != (uint32_t)i) {
			pool_slot_abandon(p, i, r < 0 ? err : "wrong slot in header");
			return;
		}
		on_message(p, i, &h, payload);
		if (s->sock < 0)
			return;
	}
}

void pool_handle(struct pool *p, const struct pollfd *fds, int n)
{
	for (int k = 0; k < n; k++) {
		if (fds[k].revents == 0)
			continue;
		for (int i = 0; i < p->n; i++)
			if (p->slots[i].sock == fds[k].fd && !p->slots[i].sock_closed)
				slot_read(p, i);
	}
}

int pool_run(struct pool *p, int slot, const struct job *job, char *err)
{
	struct slot *s = &p->slots[slot];
	size_t len = 0;
	void *payload = run_msg_build(job, p->cfg->job_dir, &len, err);

	if (payload == NULL)
		return -1;
	pthread_mutex_lock(&p->mu);
	s->state = SLOT_BUSY;
	s->job_id = job->id;
	s->job_pid = 0;
	s->job_started_us = job->started_us;
	pthread_mutex_unlock(&p->mu);
	/* A failed send means the worker is gone: the reap reports the job lost. */
	if (proto_send(s->sock, PROTO_RUN, (uint32_t)slot, job->id, payload, len, err) < 0)
		pool_slot_abandon(p, slot, err);
	free(payload);
	return 0;
}

int pool_cancel(struct pool *p, int64_t job_id)
{
	char err[ERR_LEN];
	for (int i = 0; i < p->n; i++) {
		struct slot *s = &p->slots[i];
		if (s->state != SLOT_BUSY || s->job_id != job_id)
			continue;
		if (proto_send(s->sock, PROTO_CANCEL, (uint32_t)i, job_id, NULL, 0, err) < 0)
			pool_slot_abandon(p, i, err);
		return 1;
	}
	return 0;
}

