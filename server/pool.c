/*
 * pool.c — worker slots: spawn, talk, reap, replace (see pool.h).
 */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../worker/proto.h"
#include "../worker/spawn.h"
#include "clock.h"
#include "log.h"
#include "run_msg.h"

#define RESPAWN_MIN_US 100000
#define RESPAWN_MAX_US 5000000
#define QUICK_DEATH_US 1000000

enum slot_state { SLOT_DOWN, SLOT_STARTING, SLOT_IDLE, SLOT_RESERVED, SLOT_BUSY };

struct slot {
	enum slot_state state;
	pid_t pid;
	int sock;
	struct proto_reader rd;
	int64_t job_id;
	int job_pid;            /* the job's process group, once STARTED */
	int64_t job_started_us;
	int64_t jobs_done;
	int64_t started_us;     /* wall clock, for /v1/workers */
	int64_t started_mono;
	int64_t respawn_at;     /* monotonic; 0 when none due */
	int64_t backoff_us;
	bool sock_closed;
};

struct pool {
	const struct config *cfg;
	struct pool_events ev;
	int n;
	struct slot *slots;
	pthread_mutex_t mu;     /* guards slots against pool_snapshot readers */
};

static void slot_spawn(struct pool *p, int i)
{
	struct slot *s = &p->slots[i];
	struct spawn_args a = {
		.exe = p->cfg->self_exe, .slot = (unsigned)i, .output_dir = p->cfg->output_dir,
		.output_limit = p->cfg->output_limit,
		.kill_grace_ms = (int64_t)(p->cfg->kill_grace_s * 1000),
		.log_level = p->cfg->log_level, .log_format = p->cfg->log_format,
	};
	char err[ERR_LEN];
	pid_t pid;
	int sock;

	if (spawn_worker(&a, &pid, &sock, err) < 0) {
		log_warnx("pool: worker %d: %s; retrying", i, err);
		s->backoff_us = s->backoff_us ? s->backoff_us * 2 : RESPAWN_MIN_US;
		if (s->backoff_us > RESPAWN_MAX_US)
			s->backoff_us = RESPAWN_MAX_US;
		s->respawn_at = clock_mono_us() + s->backoff_us;
		return;
	}
	pthread_mutex_lock(&p->mu);
	s->state = SLOT_STARTING;
	s->pid = pid;
	s->sock = sock;
	s->sock_closed = false;
	s->job_id = 0;
	s->job_pid = 0;
	s->started_us = clock_wall_us();
	s->started_mono = clock_mono_us();
	s->respawn_at = 0;
	pthread_mutex_unlock(&p->mu);
	log_debug("pool: worker %d started, pid %d", i, pid);
}

int pool_start(struct pool **out, const struct config *cfg, const struct pool_events *ev,
    char *err)
{
	struct pool *p = calloc(1, sizeof(*p));

	if (p == NULL || (p->slots = calloc((size_t)cfg->workers, sizeof(*p->slots))) == NULL) {
		free(p);
		err_set(err, "calloc: out of memory");
		return -1;
	}
	p->cfg = cfg;
	p->ev = *ev;
	p->n = cfg->workers;
	pthread_mutex_init(&p->mu, NULL);
	for (int i = 0; i < p->n; i++) {
		p->slots[i].sock = -1;
		slot_spawn(p, i);
	}
	*out = p;
	return 0;
}

int pool_size(const struct pool *p) { return p->n; }

int pool_pollfds(struct pool *p, struct pollfd *fds, int max)
{
	int k = 0;
	for (int i = 0; i < p->n && k < max; i++) {
		if (p->slots[i].sock >= 0 && !p->slots[i].sock_closed) {
			fds[k].fd = p->slots[i].sock;
			fds[k].events = POLLIN;
			fds[k].revents = 0;
			k++;
		}
	}
	return k;
}

/* The worker broke the protocol or hung up: make sure it is dead; the reap
 * loop then reports its job lost and starts a replacement. */
static void slot_abandon(struct pool *p, int i, const char *why)
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
			slot_abandon(p, i, "bad HELLO");
			return;
		}
		pthread_mutex_lock(&p->mu);
		s->state = SLOT_IDLE;
		pthread_mutex_unlock(&p->mu);
		return;
	}
	if (s->state != SLOT_BUSY || h->job_id != s->job_id) {
		slot_abandon(p, i, "message about a job it does not run");
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
		slot_abandon(p, i, "unexpected message type");
	}
}

static void slot_read(struct pool *p, int i)
{
	struct slot *s = &p->slots[i];
	char err[ERR_LEN] = "";
	int r = proto_reader_fill(&s->rd, s->sock, err);

	if (r <= 0) {
		slot_abandon(p, i, r < 0 ? err : NULL);
		return;
	}
	for (;;) {
		struct proto_header h;
		const void *payload;
		r = proto_reader_next(&s->rd, &h, &payload, err);
		if (r == 0)
			return;
		if (r < 0 || h.slot != (uint32_t)i) {
			slot_abandon(p, i, r < 0 ? err : "wrong slot in header");
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

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended with wait status %d", status);
}

static void slot_died(struct pool *p, int i, int status)
{
	struct slot *s = &p->slots[i];
	char how[96], cause[192];
	int64_t job_id = s->state == SLOT_BUSY ? s->job_id : 0;

	describe_status(status, how, sizeof(how));
	snprintf(cause, sizeof(cause), "worker %d (pid %d) died: %s", i, s->pid, how);
	log_warnx("pool: %s", cause);
	/* Its job's group is orphaned now (and reparented to us, the subreaper,
	 * so the group id cannot be reused before we reap it). */
	if (job_id && s->job_pid > 0 && kill(-s->job_pid, SIGKILL) < 0 && errno != ESRCH)
		log_warn("pool: kill process group %d of job %lld", s->job_pid, (long long)job_id);
	if (s->sock >= 0)
		close(s->sock);
	proto_reader_free(&s->rd);
	pthread_mutex_lock(&p->mu);
	s->sock = -1;
	s->state = SLOT_DOWN;
	s->pid = -1;
	s->job_id = 0;
	s->job_pid = 0;
	pthread_mutex_unlock(&p->mu);
	if (clock_mono_us() - s->started_mono < QUICK_DEATH_US) {
		s->backoff_us = s->backoff_us ? s->backoff_us * 2 : RESPAWN_MIN_US;
		if (s->backoff_us > RESPAWN_MAX_US)
			s->backoff_us = RESPAWN_MAX_US;
		s->respawn_at = clock_mono_us() + s->backoff_us;
	} else {
		s->backoff_us = 0;
		s->respawn_at = clock_mono_us();
	}
	if (job_id)
		p->ev.lost(p->ev.ctx, i, job_id, cause);
}

void pool_reap(struct pool *p)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		int i;
		for (i = 0; i < p->n; i++)
			if (p->slots[i].pid == pid)
				break;
		if (i < p->n)
			slot_died(p, i, status);
		/* else: an orphaned job process handed to us as subreaper */
	}
	if (pid < 0 && errno != ECHILD)
		log_warn("pool: waitpid");
	pool_tick(p);
}

void pool_tick(struct pool *p)
{
	int64_t now = clock_mono_us();
	for (int i = 0; i < p->n; i++)
		if (p->slots[i].state == SLOT_DOWN && p->slots[i].respawn_at && p->slots[i].respawn_at <= now)
			slot_spawn(p, i);
}

int64_t pool_next_timer(const struct pool *p)
{
	int64_t next = 0;
	for (int i = 0; i < p->n; i++) {
		int64_t t = p->slots[i].respawn_at;
		if (p->slots[i].state == SLOT_DOWN && t && (next == 0 || t < next))
			next = t;
	}
	return next;
}

int pool_idle_slot(const struct pool *p)
{
	for (int i = 0; i < p->n; i++)
		if (p->slots[i].state == SLOT_IDLE)
			return i;
	return -1;
}

int pool_busy_count(const struct pool *p)
{
	int n = 0;
	for (int i = 0; i < p->n; i++)
		n += p->slots[i].state == SLOT_BUSY || p->slots[i].state == SLOT_RESERVED;
	return n;
}

void pool_reserve(struct pool *p, int slot, int64_t job_id)
{
	pthread_mutex_lock(&p->mu);
	p->slots[slot].state = SLOT_RESERVED;
	p->slots[slot].job_id = job_id;
	pthread_mutex_unlock(&p->mu);
}

void pool_unreserve(struct pool *p, int slot)
{
	pthread_mutex_lock(&p->mu);
	if (p->slots[slot].state == SLOT_RESERVED) {
		p->slots[slot].state = SLOT_IDLE;
		p->slots[slot].job_id = 0;
	}
	pthread_mutex_unlock(&p->mu);
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
		slot_abandon(p, slot, err);
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
			slot_abandon(p, i, err);
		return 1;
	}
	return 0;
}

int pool_snapshot(struct pool *p, struct worker_info *out, int max)
{
	int n = 0;

	pthread_mutex_lock(&p->mu);
	for (int i = 0; i < p->n && n < max; i++, n++) {
		const struct slot *s = &p->slots[i];
		bool busy = s->state == SLOT_BUSY || s->state == SLOT_RESERVED;
		out[n] = (struct worker_info){
			.slot = i, .pid = s->state == SLOT_DOWN ? -1 : s->pid, .busy = busy,
			.job_id = busy ? s->job_id : 0, .job_started_us = s->job_started_us,
			.jobs_done = s->jobs_done, .started_us = s->started_us,
		};
	}
	pthread_mutex_unlock(&p->mu);
	return n;
}

void pool_stop(struct pool *p, int wait_ms)
{
	int64_t deadline = clock_mono_us() + (int64_t)wait_ms * 1000;
	int alive;

	for (int i = 0; i < p->n; i++)
		if (p->slots[i].pid > 0 && kill(p->slots[i].pid, SIGTERM) < 0 && errno != ESRCH)
			log_warn("pool: kill worker %d", p->slots[i].pid);
	do {
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (int i = 0; i < p->n; i++)
				if (p->slots[i].pid == pid)
					p->slots[i].pid = -1;
		alive = 0;
		for (int i = 0; i < p->n; i++)
			alive += p->slots[i].pid > 0;
		if (alive)
			usleep(5000);
	} while (alive && clock_mono_us() < deadline);
	for (int i = 0; i < p->n; i++) {
		struct slot *s = &p->slots[i];
		if (s->pid > 0) {
			log_warnx("pool: worker %d (pid %d) ignored SIGTERM; killing it", i, s->pid);
			kill(s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
		}
		if (s->sock >= 0)
			close(s->sock);
		proto_reader_free(&s->rd);
	}
	pthread_mutex_destroy(&p->mu);
	free(p->slots);
	free(p);
}
