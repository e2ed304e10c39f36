/*
 * pool.c — worker slots: spawn, talk, reap, replace (see pool.h).
 */
#include "pool_internal.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/orphans.h"
#include "common/proto.h"
#include "worker/spawn.h"

#define RESPAWN_MIN_US 100000
#define RESPAWN_MAX_US 5000000
#define QUICK_DEATH_US 1000000

static void slot_spawn(struct pool *p, int i)
{
	struct slot *s = &p->slots[i];
	struct spawn_args a = {
		.exe = p->cfg->self_exe, .slot = (unsigned)i, .output_dir = p->cfg->output_dir,
		.output_limit = p->cfg->output_limit,
		.kill_grace_ms = (int64_t)(p->cfg->kill_grace_s * 1000),
		.log_level = p->cfg->log_level, .log_format = p->cfg->log_format,
		.nofile = p->cfg->nofile_start,
		.cgroups = p->cfg->cgroups,
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
	s->job_pid = 0; /* job_id: 0, or the multi-core job this slot is held for */
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
	/* A slot held for a multi-core job stays held through its worker's
	 * replacement: the job's threads still use that core. */
	int64_t held_for = s->state == SLOT_RESERVED ? s->job_id : 0;

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
	s->job_id = held_for;
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

/* What dead workers' jobs left came to us, the subreaper: every child
 * that is not a worker is such a leftover. Called on this thread only
 * (the one that spawns), so every worker's pid is in its slot. */
static void kill_leftovers(struct pool *p)
{
	pid_t *keep = calloc((size_t)p->n + 1, sizeof(pid_t));
	size_t n_keep = 0;
	char err[ERR_LEN];

	if (keep == NULL) {
		log_warnx("pool: processes left by a dead worker's job: out of memory");
		return;
	}
	for (int i = 0; i < p->n; i++)
		if (p->slots[i].pid > 0)
			keep[n_keep++] = p->slots[i].pid;
	/* A keep list never empty: with none, orphans_kill would wait out
	 * children it cannot list; a 0 matches no pid. */
	if (n_keep == 0)
		keep[n_keep++] = 0;
	int killed = orphans_kill(keep, n_keep, err);
	if (killed < 0)
		log_warnx("pool: processes left by a dead worker's job: %s", err);
	else if (killed > 0)
		log_info("pool: killed %d process%s left by a dead worker's job", killed,
		    killed == 1 ? "" : "es");
	free(keep);
}

void pool_reap(struct pool *p)
{
	int status;
	pid_t pid;
	bool died = false;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		int i;
		for (i = 0; i < p->n; i++)
			if (p->slots[i].pid == pid)
				break;
		if (i < p->n) {
			slot_died(p, i, status);
			died = true;
		}
		/* else: an orphaned job process handed to us as subreaper */
	}
	if (pid < 0 && errno != ECHILD)
		log_warn("pool: waitpid");
	if (died)
		kill_leftovers(p);
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

int pool_idle_slots(const struct pool *p, int *out, int max)
{
	int n = 0;
	for (int i = 0; i < p->n && n < max; i++)
		if (p->slots[i].state == SLOT_IDLE)
			out[n++] = i;
	return n;
}

void pool_release_held(struct pool *p, int64_t job_id)
{
	pthread_mutex_lock(&p->mu);
	for (int i = 0; i < p->n; i++) {
		struct slot *s = &p->slots[i];
		if (s->job_id != job_id || s->state == SLOT_BUSY)
			continue;
		if (s->state == SLOT_RESERVED)
			s->state = SLOT_IDLE;
		s->job_id = 0; /* a held slot whose worker is being replaced: idle once up */
	}
	pthread_mutex_unlock(&p->mu);
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
	p->slots[slot].job_started_us = 0; /* a held slot's: /v1/workers shows the job's own */
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
	/* Workers kill what their jobs leave; one that was SIGKILLed above
	 * could not, and its leftovers are ours now. */
	kill_leftovers(p);
	pthread_mutex_destroy(&p->mu);
	free(p->slots);
	free(p);
}
