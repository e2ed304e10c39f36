/*
 * api_schedules.c — /v1/schedules: create (validated by spec_schedule),
 * list, get, pause, resume and delete. Changes go through the dispatcher,
 * which owns the firing timer; reads use a reader connection.
 */
#include "api.h"

#include <stdlib.h>

#include "api_common.h"
#include "common/clock.h"
#include "render/render.h"
#include "store/store_schedules.h"

void api_schedule_create(struct http_req *req, struct http_resp *r)
{
	struct spec_limits lim = api_limits(req);
	struct spec_error e;
	struct schedule s;
	cJSON *root = api_body_json(req, r);

	if (root == NULL)
		return;
	int ok = spec_schedule(root, &lim, &s, &e);
	cJSON_Delete(root);
	if (ok < 0) {
		api_spec_error(r, &e);
		return;
	}
	struct cmd c = { .type = CMD_SCHEDULE_CREATE, .sched = { .schedule = &s } };
	dispatch_submit(req->app->dispatch, &c);
	if (!api_cmd_failed(&c, r)) {
		http_json(r, 201, render_schedule(&s));
		http_header(r, "Location", "/v1/schedules/%lld", (long long)s.id);
	}
	schedule_free(&s);
}

void api_schedule_list(struct http_req *req, struct http_resp *r)
{
	struct schedule *list;
	char err[ERR_LEN];
	int n;

	struct store *st = api_reader(req, r);
	if (st == NULL)
		return;
	int rc = store_schedule_list(st, &list, &n, err);
	api_reader_done(req, st);
	if (rc < 0) {
		http_internal(r, err);
		return;
	}
	http_json(r, 200, render_schedule_list(list, n));
	for (int i = 0; i < n; i++)
		schedule_free(&list[i]);
	free(list);
}

void api_schedule_get(struct http_req *req, struct http_resp *r)
{
	struct schedule s;
	char err[ERR_LEN];

	struct store *st = api_reader(req, r);
	if (st == NULL)
		return;
	int rc = store_schedule_get(st, req->id, &s, err);
	api_reader_done(req, st);
	if (rc < 0) {
		http_internal(r, err);
	} else if (rc == 0) {
		http_error(r, 404, "not_found", NULL, "no schedule %lld", (long long)req->id);
	} else {
		http_json(r, 200, render_schedule(&s));
		schedule_free(&s);
	}
}

static void change(struct http_req *req, struct http_resp *r, enum cmd_type type)
{
	struct schedule s = { 0 };
	struct cmd c = { .type = type, .sched = { .schedule = &s, .id = req->id } };

	dispatch_submit(req->app->dispatch, &c);
	if (!api_cmd_failed(&c, r)) {
		if (type == CMD_SCHEDULE_DELETE)
			http_json(r, 200, render_deleted("schedule", req->id));
		else
			http_json(r, 200, render_schedule(&s));
	}
	schedule_free(&s);
}

void api_schedule_pause(struct http_req *req, struct http_resp *r)
{
	change(req, r, CMD_SCHEDULE_PAUSE);
}

void api_schedule_resume(struct http_req *req, struct http_resp *r)
{
	change(req, r, CMD_SCHEDULE_RESUME);
}

void api_schedule_delete(struct http_req *req, struct http_resp *r)
{
	change(req, r, CMD_SCHEDULE_DELETE);
}
