/*
 * metrics.c — the counters and histograms (see metrics.h); api_metrics.c
 * exposes them as GET /metrics.
 */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"

const double metrics_bucket_bounds[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
	60, 300, 900, 3600,
};
const unsigned metrics_known_codes[] = {
	200, 201, 304, 400, 401, 403, 404, 405, 409, 410, 413, 415, 500, 503,
};
struct metrics_counters metrics_counters;

void metrics_init(void) { metrics_counters.start_time_s = (double)clock_wall_us() / 1e6; }

static void observe(struct metrics_histogram *h, double s)
{
	size_t i = 0;
	while (i < METRICS_BUCKETS && s > metrics_bucket_bounds[i])
		i++;
	if (i < METRICS_BUCKETS)
		__atomic_add_fetch(&h->buckets[i], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&h->count, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&h->sum_us, (uint64_t)(s > 0 ? s * 1e6 : 0), __ATOMIC_RELAXED);
}

void metrics_observe_queue(double seconds) { observe(&metrics_counters.queue_hist, seconds); }
void metrics_observe_run(double seconds) { observe(&metrics_counters.run_hist, seconds); }

void metrics_count_finished(enum job_state state)
{
	if ((unsigned)state < JOB_STATE_COUNT)
		__atomic_add_fetch(&metrics_counters.finished[state], 1, __ATOMIC_RELAXED);
}

void metrics_count_retention(int64_t jobs, int64_t batches, int64_t freed)
{
	__atomic_add_fetch(&metrics_counters.retention_jobs, (uint64_t)jobs, __ATOMIC_RELAXED);
	__atomic_add_fetch(&metrics_counters.retention_batches, (uint64_t)batches, __ATOMIC_RELAXED);
	__atomic_add_fetch(&metrics_counters.freed_bytes[0], (uint64_t)freed, __ATOMIC_RELAXED);
}

void metrics_count_output_purged(int64_t jobs, int64_t freed)
{
	__atomic_add_fetch(&metrics_counters.output_purged_jobs, (uint64_t)jobs, __ATOMIC_RELAXED);
	__atomic_add_fetch(&metrics_counters.freed_bytes[1], (uint64_t)freed, __ATOMIC_RELAXED);
}

void metrics_set_output_disk(int64_t bytes)
{
	__atomic_store_n(&metrics_counters.output_disk_bytes, bytes, __ATOMIC_RELAXED);
}

void metrics_count_firing(bool made) { __atomic_add_fetch(&metrics_counters.firings[made], 1, __ATOMIC_RELAXED); }
void metrics_count_rate_delayed(void) { __atomic_add_fetch(&metrics_counters.rate_delayed, 1, __ATOMIC_RELAXED); }

void metrics_count_webhook(enum metrics_hook_result result)
{
	if ((unsigned)result < METRICS_HOOK_RESULTS)
		__atomic_add_fetch(&metrics_counters.webhooks[result], 1, __ATOMIC_RELAXED);
}

void metrics_count_request(int route, unsigned status)
{
	size_t row = route >= 0 && route < METRICS_MAX_ROUTES ? (size_t)route : METRICS_MAX_ROUTES, col = METRICS_CODES;
	for (size_t i = 0; i < METRICS_CODES; i++)
		if (metrics_known_codes[i] == status)
			col = i;
	__atomic_add_fetch(&metrics_counters.requests[row][col], 1, __ATOMIC_RELAXED);
}

