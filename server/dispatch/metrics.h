/*
 * metrics.h — what GET /metrics (api_metrics.c) exposes in the Prometheus
 * text format:
 * jobs by state, submitted and finished counters, queue-wait and run-time
 * histograms, pool size and busy workers, draining, HTTP requests by route and code,
 * retention (jobs and output purged, bytes freed, output on disk), jobs by
 * named queue and their rate windows, schedule firings, webhook deliveries, process start time. Counters are lock-free atomics, so recording costs
 * the hot paths next to nothing.
 */
#ifndef JOBD_METRICS_H
#define JOBD_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/job.h"

#define METRICS_BUCKETS 19
#define METRICS_CODES 14
#define METRICS_MAX_ROUTES 48
extern const double metrics_bucket_bounds[METRICS_BUCKETS]; /* seconds, upper bounds */
extern const unsigned metrics_known_codes[METRICS_CODES];

struct metrics_histogram {
	uint64_t buckets[METRICS_BUCKETS]; /* non-cumulative; summed on output */
	uint64_t count;
	uint64_t sum_us;
};

/* How a webhook delivery's attempt ended (jobd_webhook_deliveries_total). */
enum metrics_hook_result { METRICS_HOOK_DELIVERED, METRICS_HOOK_RETRIED, METRICS_HOOK_FAILED,
	METRICS_HOOK_RESULTS };

/* Every counter, written and read with relaxed atomics from any thread. */
struct metrics_counters {
	struct metrics_histogram queue_hist, run_hist;
	uint64_t finished[JOB_STATE_COUNT];
	/* by route (last row: static files and unknown paths) and code (last: other) */
	uint64_t requests[METRICS_MAX_ROUTES + 1][METRICS_CODES + 1];
	double start_time_s;
	/* Retention: freed bytes by reason, [0] --retain-finished, [1] --max-output-disk. */
	uint64_t retention_jobs, retention_batches, output_purged_jobs, freed_bytes[2];
	int64_t output_disk_bytes;
	uint64_t firings[2]; /* [0] made no job, [1] made one */
	uint64_t rate_delayed; /* times a queue's rate window was found used up */
	uint64_t webhooks[METRICS_HOOK_RESULTS]; /* by enum metrics_hook_result */
};
extern struct metrics_counters metrics_counters;

void metrics_init(void);
void metrics_observe_queue(double seconds);
void metrics_observe_run(double seconds);
void metrics_count_finished(enum job_state state);
/* Retention (dispatch_retention.c): finished jobs deleted with the batches
 * they emptied, jobs whose output --max-output-disk deleted, bytes freed by
 * each, and the output on disk now. */
void metrics_count_retention(int64_t jobs, int64_t batches, int64_t freed_bytes);
void metrics_count_output_purged(int64_t jobs, int64_t freed_bytes);
void metrics_set_output_disk(int64_t bytes);
/* A schedule's due firing made a job (made) or none (overlap, catch_up, error). */
void metrics_count_firing(bool made);
/* A rate-limited queue with jobs to start found its window used up. */
void metrics_count_rate_delayed(void);
void metrics_count_webhook(enum metrics_hook_result result);
/* route: index into api_routes, or -1 for static files and unknown paths. */
void metrics_count_request(int route, unsigned status);

#endif
