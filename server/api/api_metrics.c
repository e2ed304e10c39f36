/*
 * api_metrics.c — GET /metrics: the counters of metrics.h, the job counts and
 * pool of the dispatcher and the named queues, in the Prometheus text
 * exposition format (0.0.4).
 */
#include "api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/vec.h"
#include "dispatch/dispatch.h"
#include "dispatch/metrics.h"
#include "store/store_queues.h"

struct out {
	char *buf;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->buf ? o->cap - o->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (o->buf && o->len + (size_t)n < o->cap) {
			o->len += (size_t)n;
			return;
		}
		if (VEC_RESERVE(o->buf, o->cap, o->len + (size_t)n + 1, NULL) < 0)
			return;
	}
}

static void put_histogram(struct out *o, const char *name, const char *help, struct metrics_histogram *h)
{
	uint64_t cum = 0;
	put(o, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (size_t i = 0; i < METRICS_BUCKETS; i++) {
		cum += __atomic_load_n(&h->buckets[i], __ATOMIC_RELAXED);
		put(o, "%s_bucket{le=\"%g\"} %llu\n", name, metrics_bucket_bounds[i], (unsigned long long)cum);
	}
	put(o, "%s_bucket{le=\"+Inf\"} %llu\n", name,
	    (unsigned long long)__atomic_load_n(&h->count, __ATOMIC_RELAXED));
	put(o, "%s_sum %.6f\n", name, (double)__atomic_load_n(&h->sum_us, __ATOMIC_RELAXED) / 1e6);
	put(o, "%s_count %llu\n", name, (unsigned long long)__atomic_load_n(&h->count, __ATOMIC_RELAXED));
}

static void put_requests(struct out *o)
{
	put(o, "# HELP jobd_http_requests_total HTTP requests answered, by route and status code.\n"
	       "# TYPE jobd_http_requests_total counter\n");
	for (size_t r = 0; r <= METRICS_MAX_ROUTES; r++) {
		for (size_t c = 0; c <= METRICS_CODES; c++) {
			uint64_t v = __atomic_load_n(&metrics_counters.requests[r][c], __ATOMIC_RELAXED);
			if (v == 0)
				continue;
			char route[96];
			if (r < (size_t)api_routes_count)
				snprintf(route, sizeof(route), "%s %s", api_routes[r].method, api_routes[r].pattern);
			else
				snprintf(route, sizeof(route), "static");
			if (c < METRICS_CODES)
				put(o, "jobd_http_requests_total{route=\"%s\",code=\"%u\"} %llu\n", route,
				    metrics_known_codes[c], (unsigned long long)v);
			else
				put(o, "jobd_http_requests_total{route=\"%s\",code=\"other\"} %llu\n", route,
				    (unsigned long long)v);
		}
	}
}

static void put_retention(struct out *o, int64_t limit)
{
	put(o, "# HELP jobd_retention_purged_jobs_total Finished jobs deleted by --retain-finished.\n"
	       "# TYPE jobd_retention_purged_jobs_total counter\njobd_retention_purged_jobs_total %llu\n",
	    (unsigned long long)__atomic_load_n(&metrics_counters.retention_jobs, __ATOMIC_RELAXED));
	put(o, "# HELP jobd_retention_purged_batches_total Batches deleted when retention had deleted"
	       " all their jobs.\n# TYPE jobd_retention_purged_batches_total counter\n"
	       "jobd_retention_purged_batches_total %llu\n",
	    (unsigned long long)__atomic_load_n(&metrics_counters.retention_batches, __ATOMIC_RELAXED));
	put(o, "# HELP jobd_output_purged_jobs_total Jobs whose output files --max-output-disk deleted.\n"
	       "# TYPE jobd_output_purged_jobs_total counter\njobd_output_purged_jobs_total %llu\n",
	    (unsigned long long)__atomic_load_n(&metrics_counters.output_purged_jobs, __ATOMIC_RELAXED));
	put(o, "# HELP jobd_retention_freed_bytes_total Output bytes deleted, by the setting that"
	       " deleted them.\n# TYPE jobd_retention_freed_bytes_total counter\n"
	       "jobd_retention_freed_bytes_total{reason=\"retain_finished\"} %llu\n"
	       "jobd_retention_freed_bytes_total{reason=\"max_output_disk\"} %llu\n",
	    (unsigned long long)__atomic_load_n(&metrics_counters.freed_bytes[0], __ATOMIC_RELAXED),
	    (unsigned long long)__atomic_load_n(&metrics_counters.freed_bytes[1], __ATOMIC_RELAXED));
	put(o, "# HELP jobd_output_disk_bytes Output files of finished jobs, by their byte counts"
	       " (at most --output-limit per stream).\n# TYPE jobd_output_disk_bytes gauge\n"
	       "jobd_output_disk_bytes %lld\n",
	    (long long)__atomic_load_n(&metrics_counters.output_disk_bytes, __ATOMIC_RELAXED));
	put(o, "# HELP jobd_output_disk_limit_bytes --max-output-disk (0: no bound).\n"
	       "# TYPE jobd_output_disk_limit_bytes gauge\njobd_output_disk_limit_bytes %lld\n",
	    (long long)limit);
}

/* Queued and running jobs per named queue, read on a reader connection;
 * left out (with a comment line) if the store cannot answer. */
static void put_queues(struct out *o, struct http_req *req)
{
	char err[ERR_LEN];
	struct queue_info *qs = NULL;
	int n = 0;
	struct store *st = store_pool_acquire(req->app->readers, err);

	if (st != NULL && store_queues_list(st, true, &qs, &n, err) < 0)
		n = -1;
	if (st != NULL)
		store_pool_release(req->app->readers, st);
	if (st == NULL || n < 0) {
		put(o, "# jobd_queue_jobs unavailable: %s\n", err);
		return;
	}
	put(o, "# HELP jobd_queue_jobs Jobs queued and running, by named queue.\n"
	       "# TYPE jobd_queue_jobs gauge\n");
	for (int i = 0; i < n; i++)
		put(o, "jobd_queue_jobs{queue=\"%s\",state=\"queued\"} %lld\n"
		       "jobd_queue_jobs{queue=\"%s\",state=\"running\"} %lld\n",
		    qs[i].name, (long long)qs[i].queued, qs[i].name, (long long)qs[i].running);
	put(o, "# HELP jobd_queue_paused 1 while a named queue is paused.\n"
	       "# TYPE jobd_queue_paused gauge\n");
	for (int i = 0; i < n; i++)
		put(o, "jobd_queue_paused{queue=\"%s\"} %d\n", qs[i].name, qs[i].paused ? 1 : 0);
	put(o, "# HELP jobd_queue_rate_limit A rate-limited queue's starts allowed per window.\n"
	       "# TYPE jobd_queue_rate_limit gauge\n");
	for (int i = 0; i < n; i++)
		if (qs[i].rate_limit > 0)
			put(o, "jobd_queue_rate_limit{queue=\"%s\"} %d\n", qs[i].name, qs[i].rate_limit);
	put(o, "# HELP jobd_queue_rate_used Starts in a rate-limited queue's window now.\n"
	       "# TYPE jobd_queue_rate_used gauge\n");
	for (int i = 0; i < n; i++)
		if (qs[i].rate_limit > 0)
			put(o, "jobd_queue_rate_used{queue=\"%s\"} %lld\n", qs[i].name,
			    (long long)qs[i].rate_used);
	put(o, "# HELP jobd_queue_rate_delayed_total Times a queue's rate window was found used up.\n"
	       "# TYPE jobd_queue_rate_delayed_total counter\njobd_queue_rate_delayed_total %llu\n",
	    (unsigned long long)__atomic_load_n(&metrics_counters.rate_delayed, __ATOMIC_RELAXED));
	free(qs);
	put(o, "# HELP jobd_schedule_firings_total Due schedule firings, by whether they made a"
	       " job.\n# TYPE jobd_schedule_firings_total counter\n"
	       "jobd_schedule_firings_total{result=\"job\"} %llu\n"
	       "jobd_schedule_firings_total{result=\"skipped\"} %llu\n",
	    (unsigned long long)__atomic_load_n(&metrics_counters.firings[1], __ATOMIC_RELAXED),
	    (unsigned long long)__atomic_load_n(&metrics_counters.firings[0], __ATOMIC_RELAXED));
	static const char *const hook_results[METRICS_HOOK_RESULTS] = {
		[METRICS_HOOK_DELIVERED] = "delivered", [METRICS_HOOK_RETRIED] = "retried",
		[METRICS_HOOK_FAILED] = "failed",
	};
	put(o, "# HELP jobd_webhook_deliveries_total Webhook delivery attempts, by outcome:"
	       " delivered, retried (another try follows), failed (retries gave up).\n"
	       "# TYPE jobd_webhook_deliveries_total counter\n");
	for (int i = 0; i < METRICS_HOOK_RESULTS; i++)
		put(o, "jobd_webhook_deliveries_total{result=\"%s\"} %llu\n", hook_results[i],
		    (unsigned long long)__atomic_load_n(&metrics_counters.webhooks[i], __ATOMIC_RELAXED));
}

void api_metrics(struct http_req *req, struct http_resp *r)
{
	struct stats_info s;
	struct out o = { 0 };

	dispatch_stats(req->app->dispatch, &s);
	put(&o, "# HELP jobd_jobs Jobs stored, by state.\n# TYPE jobd_jobs gauge\n");
	for (int i = 0; i < JOB_STATE_COUNT; i++)
		put(&o, "jobd_jobs{state=\"%s\"} %lld\n", job_state_name((enum job_state)i),
		    (long long)s.counts[i]);
	put(&o, "# HELP jobd_jobs_submitted_total Jobs accepted since the server started.\n"
		"# TYPE jobd_jobs_submitted_total counter\njobd_jobs_submitted_total %lld\n",
	    (long long)s.submitted_total);
	put(&o, "# HELP jobd_jobs_finished_total Jobs that reached a final state since start.\n"
		"# TYPE jobd_jobs_finished_total counter\n");
	for (int i = JOB_SUCCEEDED; i < JOB_STATE_COUNT; i++)
		put(&o, "jobd_jobs_finished_total{state=\"%s\"} %llu\n", job_state_name((enum job_state)i),
		    (unsigned long long)__atomic_load_n(&metrics_counters.finished[i], __ATOMIC_RELAXED));
	put_histogram(&o, "jobd_job_queue_seconds", "Time jobs waited in the queue before starting.",
	    &metrics_counters.queue_hist);
	put_histogram(&o, "jobd_job_run_seconds", "Wall time of each job attempt.", &metrics_counters.run_hist);
	put(&o, "# HELP jobd_workers Worker processes in the pool.\n# TYPE jobd_workers gauge\n"
		"jobd_workers %d\n", s.workers);
	put(&o, "# HELP jobd_workers_busy Workers running a job.\n# TYPE jobd_workers_busy gauge\n"
		"jobd_workers_busy %d\n", s.busy);
	put(&o, "# HELP jobd_draining 1 while this node is draining (POST /v1/drain): it starts no job.\n"
		"# TYPE jobd_draining gauge\njobd_draining %d\n", s.draining ? 1 : 0);
	put_retention(&o, req->app->cfg->max_output_disk);
	put_queues(&o, req);
	put_requests(&o);
	put(&o, "# HELP process_start_time_seconds Start time of the process since the Unix epoch.\n"
		"# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.3f\n",
	    metrics_counters.start_time_s);
	if (o.buf == NULL) {
		http_internal(r, "out of memory");
		return;
	}
	r->status = 200;
	r->body = o.buf;
	r->len = o.len;
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
