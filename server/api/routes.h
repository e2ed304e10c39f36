/*
 * routes.h — every route jobd answers, declared once: method, pattern,
 * handler (api.h) and whether it takes a JSON body. routes.c builds
 * http_routes from the list; metrics.c sizes its per-route counters by
 * API_ROUTE_COUNT, so adding a route here can never overflow them.
 */
#ifndef JOBD_ROUTES_H
#define JOBD_ROUTES_H

#define API_ROUTE_LIST(X) \
	X("POST", "/v1/jobs", api_job_submit, true) \
	X("GET", "/v1/jobs", api_job_list, false) \
	X("GET", "/v1/jobs/{id}", api_job_get, false) \
	X("GET", "/v1/jobs/{id}/stdout", api_job_stdout, false) \
	X("GET", "/v1/jobs/{id}/stderr", api_job_stderr, false) \
	X("GET", "/v1/jobs/{id}/deliveries", api_job_deliveries, false) \
	X("POST", "/v1/jobs/{id}/cancel", api_job_cancel, false) \
	X("POST", "/v1/jobs/{id}/rerun", api_job_rerun, false) \
	X("POST", "/v1/jobs/cancel", api_jobs_cancel, true) \
	X("POST", "/v1/jobs/rerun", api_jobs_rerun, true) \
	X("POST", "/v1/batches", api_batch_submit, true) \
	X("GET", "/v1/batches", api_batch_list, false) \
	X("GET", "/v1/batches/{id}", api_batch_get, false) \
	X("GET", "/v1/batches/{id}/deliveries", api_batch_deliveries, false) \
	X("POST", "/v1/batches/{id}/rerun", api_batch_rerun, false) \
	X("GET", "/v1/queues", api_queue_list, false) \
	X("GET", "/v1/queues/{name}", api_queue_get, false) \
	X("PUT", "/v1/queues/{name}", api_queue_put, true) \
	X("POST", "/v1/schedules", api_schedule_create, true) \
	X("GET", "/v1/schedules", api_schedule_list, false) \
	X("GET", "/v1/schedules/{id}", api_schedule_get, false) \
	X("DELETE", "/v1/schedules/{id}", api_schedule_delete, false) \
	X("POST", "/v1/schedules/{id}/pause", api_schedule_pause, false) \
	X("POST", "/v1/schedules/{id}/resume", api_schedule_resume, false) \
	X("GET", "/v1/workers", api_workers, false) \
	X("GET", "/v1/stats", api_stats, false) \
	X("POST", "/v1/drain", api_drain, false) \
	X("POST", "/v1/resume", api_resume, false) \
	X("GET", "/v1/whoami", api_whoami, false) \
	X("GET", "/v1/events", api_events, false) \
	X("GET", "/healthz", api_health, false) \
	X("GET", "/metrics", api_metrics, false) \
	X("GET", "/openapi.json", api_openapi, false)

#define API_ROUTE_ONE(method, pattern, handler, json_body) +1
enum { API_ROUTE_COUNT = 0 API_ROUTE_LIST(API_ROUTE_ONE) };

#endif
