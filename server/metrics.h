/*
 * metrics.h — GET /metrics in the Prometheus text exposition format (0.0.4):
 * jobs by state, submitted and finished counters, queue-wait and run-time
 * histograms, pool size and busy workers, HTTP requests by route and code,
 * retention (jobs and output purged, bytes freed, output on disk), jobs by
 * named queue, schedule firings, process start time. Counters are lock-free atomics, so recording costs
 * the hot paths next to nothing.
 */
#ifndef JOBD_METRICS_H
#define JOBD_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "job.h"

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
/* route: index into http_routes, or -1 for static files and unknown paths. */
void metrics_count_request(int route, unsigned status);

void api_metrics(struct http_req *req, struct http_resp *r);

#endif
