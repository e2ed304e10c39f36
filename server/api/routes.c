/*
 * routes.c — every route jobd answers, in one table. A path that matches a
 * pattern with another method gets 405 with Allow; other GETs fall through
 * to the dashboard's static files.
 */
#include "api.h"

const struct http_route api_routes[] = {
	{ "POST", "/v1/jobs", api_job_submit, true },
	{ "GET", "/v1/jobs", api_job_list, false },
	{ "GET", "/v1/jobs/{id}", api_job_get, false },
	{ "GET", "/v1/jobs/{id}/stdout", api_job_stdout, false },
	{ "GET", "/v1/jobs/{id}/stderr", api_job_stderr, false },
	{ "POST", "/v1/jobs/{id}/cancel", api_job_cancel, false },
	{ "POST", "/v1/jobs/{id}/rerun", api_job_rerun, false },
	{ "POST", "/v1/batches", api_batch_submit, true },
	{ "GET", "/v1/batches", api_batch_list, false },
	{ "GET", "/v1/batches/{id}", api_batch_get, false },
	{ "POST", "/v1/batches/{id}/rerun", api_batch_rerun, false },
	{ "GET", "/v1/queues", api_queue_list, false },
	{ "GET", "/v1/queues/{name}", api_queue_get, false },
	{ "PUT", "/v1/queues/{name}", api_queue_put, true },
	{ "POST", "/v1/schedules", api_schedule_create, true },
	{ "GET", "/v1/schedules", api_schedule_list, false },
	{ "GET", "/v1/schedules/{id}", api_schedule_get, false },
	{ "DELETE", "/v1/schedules/{id}", api_schedule_delete, false },
	{ "POST", "/v1/schedules/{id}/pause", api_schedule_pause, false },
	{ "POST", "/v1/schedules/{id}/resume", api_schedule_resume, false },
	{ "GET", "/v1/workers", api_workers, false },
	{ "GET", "/v1/stats", api_stats, false },
	{ "GET", "/v1/events", api_events, false },
	{ "GET", "/healthz", api_health, false },
	{ "GET", "/metrics", api_metrics, false },
	{ "GET", "/openapi.json", api_openapi, false },
};

const int api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);
