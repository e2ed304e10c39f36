/*
 * api_drain.c — POST /v1/drain and POST /v1/resume: this node (the one
 * that answers) stops claiming jobs, or claims again (dispatch_drain.c).
 * Both are idempotent and answer the state after the change:
 * {"draining", "idle", "running"} — as the `node` event does.
 */
#include "api.h"

#include "api_common.h"
#include "render/render.h"

static void drain(struct http_req *req, struct http_resp *r, enum cmd_type type)
{
	const struct cmd *c = http_cmd_result(req);
	struct stats_info s;

	if (c == NULL) {
		api_cmd_submit(req, r, &(struct cmd){ .type = type });
	} else if (!api_cmd_failed(c, r)) {
		dispatch_stats(req->app->dispatch, &s);
		http_json(r, 200, render_drain(s.draining, s.busy));
	}
}

void api_drain(struct http_req *req, struct http_resp *r)
{
	drain(req, r, CMD_DRAIN);
}

void api_resume(struct http_req *req, struct http_resp *r)
{
	drain(req, r, CMD_RESUME);
}
