/*
 * api_status.c — /v1/workers, /v1/stats and /healthz: figures the
 * dispatcher keeps in memory, so these never scan the jobs table.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "api_common.h"
#include "render.h"

#define MAX_WORKERS_SHOWN 1024

void api_workers(struct http_req *req, struct http_resp *r)
{
	struct worker_info *w = calloc(MAX_WORKERS_SHOWN, sizeof(*w));

	if (w == NULL) {
		http_internal(r, "out of memory");
		return;
	}
	int n = dispatch_workers(req->app->dispatch, w, MAX_WORKERS_SHOWN);
	http_json(r, 200, render_workers(w, n, req->app->cfg->workers_source));
	free(w);
}

void api_stats(struct http_req *req, struct http_resp *r)
{
	struct stats_info s;

	dispatch_stats(req->app->dispatch, &s);
	http_json(r, 200, render_stats(&s));
}

void api_health(struct http_req *req, struct http_resp *r)
{
	if (dispatch_accepting(req->app->dispatch)) {
		http_json(r, 200, render_health("ok"));
	} else {
		http_json(r, 503, render_health("stopping"));
		http_header(r, "Retry-After", "5");
	}
}

extern const char jobd_openapi_json[]; /* build/openapi.c, from docs/openapi.json */

void api_openapi(struct http_req *req, struct http_resp *r)
{
	(void)req;
	http_json(r, 200, strdup(jobd_openapi_json));
}
