/*
 * dispatch.c — the dispatcher's loop and group commit (see dispatch.h).
 */
#include "dispatch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dispatch_internal.h"
#include "dispatch_retention.h"
#include "webhook.h"
#include "events.h"
#include "follow.h"
#include "common/clock.h"
#include "common/log.h"
#include "store/store_hooks.h"
#include "store/store_jobs.h"

#define POOL_STOP_WAIT_MS 3000

static int signal_pipe[2] = { -1, -1 };

void dispatch_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;
	/* full: a wake-up is pending anyway; -1 after dispatch_free */
	ssize_t n = write(__atomic_load_n(&signal_pipe[1], __ATOMIC_SEQ_CST), &c, 1);
	(void)n;
	errno = saved;
}

void dispatch_wake(void *arg)
{
	struct dispatch *d = arg;
	uint64_t one = 1;

	if (write(d->cmd_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("dispatch: eventfd write");
}

static void on_started(void *ctx, int slot, int64_t job_id, int pid, int64_t started_us)
{
	struct report r = { .type = REPORT_STARTED, .slot = slot, .job_id = job_id, .pid = pid,
		.started_us = started_us };
	dispatch_add_report(ctx, &r);
}

static void on_done(void *ctx, int slot, int64_t job_id, const struct run_result *res)
{
	struct report r = { .type = REPORT_DONE, .slot = slot, .job_id = job_id, .result = *res };
	dispatch_add_report(ctx, &r);
}

static void on_lost(void *ctx, int slot, int64_t job_id, const char *cause)
{
	struct report r = { .type = REPORT_LOST, .slot = slot, .job_id = job_id };
	snprintf(r.result.error, sizeof(r.result.error), "%s", cause);
	dispatch_add_report(ctx, &r);
}

/* Jobs the last server left running end their attempt (dispatch_end.c);
 * then the counts are read whole. */
static int recover_and_count(struct dispatch *d, char *err)
{
	struct turn t;
	int requeued, failed;

	if (dispatch_side_begin(d, &t) < 0 || dispatch_recover(d, &t, &requeued, &failed) < 0) {
		dispatch_side_abort(d);
		goto fail;
	}
	if (dispatch_side_commit(d, &t) < 0)
		goto fail;
	if (requeued || failed)
		log_info("dispatch: %d job(s) left running by the last server: %d requeued, %d failed",
		    requeued + failed, requeued, failed);
	if (dispatch_next_wake(d, err) < 0)
		return -1;
	return store_job_counts(d->store, d->counts, err);
fail:
	err_set(err, "%s", t.err);
	return -1;
}

int dispatch_open(struct dispatch **out, const struct config *cfg, char *err)
{
	struct dispatch *d = calloc(1, sizeof(*d));
	struct pool_events ev = { .ctx = d, .started = on_started, .done = on_done, .lost = on_lost };

	*out = NULL;
	if (d == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	d->cfg = cfg;
	d->cmd_fd = -1;
	d->accepting = true;
	d->started_mono = clock_mono_us();
	d->started_wall = clock_wall_us();
	pthread_mutex_init(&d->mu, NULL);
	if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		err_set(err, "pipe2: %s", strerror(errno));
		goto fail;
	}
	if ((d->cmd_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		err_set(err, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if (store_open(&d->store, cfg->db_path, STORE_WRITER, err) < 0 ||
	    dispatch_cluster_open(d, err) < 0 || recover_and_count(d, err) < 0 ||
	    dispatch_queues_load(d, err) < 0)
		goto fail;
	if (dispatch_retention_open(d, err) < 0 || webhook_start(&d->webhook, cfg, err) < 0)
		goto fail;
	/* Deliveries left pending by the last run (a crash, a stop). */
	int64_t due;
	int pending = store_hook_next_due(d->store, &due, err);
	if (pending < 0)
		goto fail;
	if (pending > 0)
		webhook_wake(d->webhook);
	if (pool_start(&d->pool, cfg, &ev, err) < 0)
		goto fail;
	dispatch_drain_open(d);
	events_set_kick(dispatch_wake, d);
	follow_set_kick(dispatch_wake, d);
	*out = d;
	return 0;
fail:
	dispatch_free(d);
	return -1;
}

void dispatch_free(struct dispatch *d)
{
	if (d == NULL)
		return;
	if (d->pool != NULL)
		pool_stop(d->pool, POOL_STOP_WAIT_MS);
	if (d->cmd_fd >= 0) {
		events_set_kick(NULL, NULL);
		follow_set_kick(NULL, NULL);
	}
	webhook_stop(d->webhook);
	dispatch_retention_close(d);
	cluster_free(d->cluster); /* when open failed; cluster_close otherwise */
	d->cluster = NULL;
	store_close(d->store);
	if (d->cmd_fd >= 0)
		close(d->cmd_fd);
	/* The handler writes to whatever signal_pipe[1] says: -1 first. */
	for (int i = 1; i >= 0; i--) {
		int fd = __atomic_exchange_n(&signal_pipe[i], -1, __ATOMIC_SEQ_CST);
		if (fd >= 0)
			close(fd);
	}
	free(d->reports);
	free(d->claims);
	queues_free(&d->queues);
	dispatch_drop_events(d, 0);
	free(d->events);
	free(d->cancels);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

const struct config *dispatch_config(const struct dispatch *d) { return d->cfg; }

int64_t dispatch_node_id(struct dispatch *d) { return cluster_node_id(d->cluster); }

bool dispatch_accepting(const struct dispatch *d)
{
	return __atomic_load_n(&d->accepting, __ATOMIC_ACQUIRE);
}

void dispatch_stats(struct dispatch *d, struct stats_info *s)
{
	struct worker_info w[CONFIG_MAX_WORKERS];
	int n = dispatch_workers(d, w, CONFIG_MAX_WORKERS);

	memset(s, 0, sizeof(*s));
	s->workers = n;
	for (int i = 0; i < n; i++)
		s->busy += w[i].busy;
	pthread_mutex_lock(&d->mu);
	memcpy(s->counts, d->counts, sizeof(s->counts));
	s->submitted_total = d->submitted_total;
	s->finished_total = d->finished_total;
	pthread_mutex_unlock(&d->mu);
	s->uptime_s = (double)(clock_mono_us() - d->started_mono) / 1e6;
	s->draining = dispatch_draining(d);
}

int dispatch_workers(struct dispatch *d, struct worker_info *out, int max)
{
	return pool_snapshot(d->pool, out, max);
}

static void begin_shutdown(struct dispatch *d)
{
	if (d->stopping)
		return;
	d->stopping = true;
	__atomic_store_n(&d->accepting, false, __ATOMIC_RELEASE);
	d->drain_deadline = clock_mono_us() + (int64_t)(d->cfg->shutdown_grace_s * 1e6);
	log_info("dispatch: stopping: no new jobs; %d running job(s) get %g s to finish",
	    pool_busy_count(d->pool), d->cfg->shutdown_grace_s);
}

static void handle_signals(struct dispatch *d)
{
	unsigned char sigs[64];
	ssize_t n;

	while ((n = read(signal_pipe[0], sigs, sizeof(sigs))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (sigs[i] == SIGCHLD)
				pool_reap(d->pool);
			else if (sigs[i] == SIGTERM || sigs[i] == SIGINT)
				begin_shutdown(d);
		}
	}
}

static int poll_timeout_ms(struct dispatch *d)
{
	int64_t now = clock_mono_us(), next = pool_next_timer(d->pool);

	if (d->retry_at && (next == 0 || d->retry_at < next))
		next = d->retry_at;
	if (d->flush_at && (next == 0 || d->flush_at < next))
		next = d->flush_at;
	int64_t cluster = cluster_due(d->cluster, d->pool);
	if (cluster && (next == 0 || cluster < next))
		next = cluster;
	int64_t retention = dispatch_retention_due(d);
	if (retention && (next == 0 || retention < next))
		next = retention;
	if (d->summary_due && (next == 0 || d->summary_due < next))
		next = d->summary_due;
	int64_t ping = events_ping_due(); /* the event streams' pings: no thread of their own */
	if (ping && (next == 0 || ping < next))
		next = ping;
	int64_t recheck = follow_due(); /* output followers look again: no thread of their own */
	if (recheck && (next == 0 || recheck < next))
		next = recheck;
	if (d->wake_wall) {
		/* The earliest delayed job: a wall-clock time, slept in monotonic time. */
		int64_t wake = now + (d->wake_wall - clock_wall_us());
		if (next == 0 || wake < next)
			next = wake;
	}
	if (d->stopping && (next == 0 || d->drain_deadline < next))
		next = d->drain_deadline;
	if (next == 0)
		return -1;
	return clock_poll_timeout_ms(next - now);
}

/* After SIGTERM: workers stop (killing their jobs' groups); jobs they did
 * not finish are requeued, or failed when no attempts remain. */
static void finish_shutdown(struct dispatch *d)
{
	struct turn t;
	int requeued = 0, failed = 0;

	dispatch_close_commands(d);
	dispatch_turn(d); /* record what the workers reported last */
	pool_stop(d->pool, POOL_STOP_WAIT_MS);
	d->pool = NULL;
	bool recorded = dispatch_side_begin(d, &t) == 0 &&
			dispatch_recover(d, &t, &requeued, &failed) == 0;
	if (!recorded)
		dispatch_side_abort(d);
	else
		recorded = dispatch_side_commit(d, &t) == 0;
	cluster_close(d->cluster);
	d->cluster = NULL;
	if (!recorded)
		log_warnx("dispatch: recording interrupted jobs: %s (the next start will)", t.err);
	else
		log_info("dispatch: stopped; %d interrupted job(s) requeued, %d failed", requeued,
		    failed);
}

int dispatch_run(struct dispatch *d)
{
	struct pollfd fds[3 + CONFIG_MAX_WORKERS];

	while (!(d->stopping && (pool_busy_count(d->pool) == 0 ||
				    clock_mono_us() >= d->drain_deadline))) {
		fds[0] = (struct pollfd){ signal_pipe[0], POLLIN, 0 };
		fds[1] = (struct pollfd){ d->cmd_fd, POLLIN, 0 };
		/* The database's notifications (a cluster); fd -1 is skipped by poll. */
		fds[2] = (struct pollfd){ cluster_fd(d->cluster), POLLIN, 0 };
		int nw = pool_pollfds(d->pool, fds + 3, CONFIG_MAX_WORKERS);
		if (poll(fds, (nfds_t)(3 + nw), poll_timeout_ms(d)) < 0 && errno != EINTR) {
			log_warn("dispatch: poll");
			continue;
		}
		if (fds[0].revents)
			handle_signals(d);
		if (fds[1].revents) {
			uint64_t v;
			if (read(d->cmd_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				log_warn("dispatch: eventfd read");
		}
		if (fds[2].revents)
			cluster_readable(d->cluster, d->pool);
		pool_handle(d->pool, fds + 3, nw);
		pool_tick(d->pool);
		cluster_tick(d->cluster, d->pool);
		if (d->retry_at && clock_mono_us() >= d->retry_at)
			d->retry_at = 0;
		if (d->retry_at == 0)
			dispatch_turn(d);
		cluster_readable(d->cluster, d->pool);
		dispatch_retention_run(d); /* one short transaction at most, then round again */
		dispatch_summary(d);
		events_ping();
		follow_tick();
	}
	finish_shutdown(d);
	return 0;
}
