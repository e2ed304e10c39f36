/*
 * metrics.h — GET /metrics in the Prometheus text exposition format (0.0.4):
 * jobs by state, submitted and finished counters, queue-wait and run-time
 * histograms, pool size and busy workers, HTTP requests by route and code,
 * process start time. Counters are lock-free atomics, so recording costs
 * the hot paths next to nothing.
 */
#ifndef JOBD_METRICS_H
#define JOBD_METRICS_H

#include <stdint.h>

#include "http.h"
#include "job.h"

void metrics_init(void);
void metrics_observe_queue(double seconds);
void metrics_observe_run(double seconds);
void metrics_count_finished(enum job_state state);
/* route: index into http_routes, or -1 for static files and unknown paths. */
void metrics_count_request(int route, unsigned status);

void api_metrics(struct http_req *req, struct http_resp *r);

#endif
