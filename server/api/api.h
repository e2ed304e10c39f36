/*
 * api.h — the handlers behind the route table (routes.c), one file per
 * resource: api_jobs.c, api_output.c, api_batches.c, api_status.c,
 * api_drain.c.
 */
#ifndef JOBD_API_H
#define JOBD_API_H

#include "http/http.h"

void api_job_submit(struct http_req *req, struct http_resp *r);
void api_job_list(struct http_req *req, struct http_resp *r);
void api_job_get(struct http_req *req, struct http_resp *r);
void api_job_cancel(struct http_req *req, struct http_resp *r);
void api_job_rerun(struct http_req *req, struct http_resp *r);
void api_batch_rerun(struct http_req *req, struct http_resp *r);
void api_jobs_cancel(struct http_req *req, struct http_resp *r); /* api_bulk.c */
void api_jobs_rerun(struct http_req *req, struct http_resp *r);
void api_job_stdout(struct http_req *req, struct http_resp *r);
void api_job_stderr(struct http_req *req, struct http_resp *r);
void api_batch_submit(struct http_req *req, struct http_resp *r);
void api_batch_get(struct http_req *req, struct http_resp *r);
void api_batch_list(struct http_req *req, struct http_resp *r);
void api_workers(struct http_req *req, struct http_resp *r);
void api_stats(struct http_req *req, struct http_resp *r);
void api_health(struct http_req *req, struct http_resp *r);
void api_queue_list(struct http_req *req, struct http_resp *r);
void api_queue_get(struct http_req *req, struct http_resp *r);
void api_queue_put(struct http_req *req, struct http_resp *r);
void api_schedule_create(struct http_req *req, struct http_resp *r);
void api_schedule_list(struct http_req *req, struct http_resp *r);
void api_schedule_get(struct http_req *req, struct http_resp *r);
void api_schedule_pause(struct http_req *req, struct http_resp *r);
void api_schedule_resume(struct http_req *req, struct http_resp *r);
void api_schedule_delete(struct http_req *req, struct http_resp *r);
void api_openapi(struct http_req *req, struct http_resp *r);
void api_whoami(struct http_req *req, struct http_resp *r);
void api_drain(struct http_req *req, struct http_resp *r);  /* api_drain.c */
void api_resume(struct http_req *req, struct http_resp *r);
void api_job_deliveries(struct http_req *req, struct http_resp *r);   /* api_hooks.c */
void api_batch_deliveries(struct http_req *req, struct http_resp *r);

/* Every route of the API (routes.c): main hands it to the HTTP front. */
extern const struct http_route api_routes[];
extern const int api_routes_count;

void api_events(struct http_req *req, struct http_resp *r);  /* api_events.c */
void api_metrics(struct http_req *req, struct http_resp *r); /* api_metrics.c */

#endif
