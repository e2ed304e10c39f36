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

/* A schedule command across the dispatcher's turn: the command and the
 * schedule it reads (CREATE) and fills. */
struct schedule_state {
	struct cmd c;
	struct schedule s;
};

static void schedule_state_free(void *state)
{
	struct schedule_state *s = state;
	schedule_free(&s->s);
	api_cmd_free(&s->c);
}

/* The request's state for a command of type on schedule id; NULL with a 500. */
static struct schedule_state *schedule_state(struct http_req *req, struct http_resp *r,
    enum cmd_type type, int64_t id)
{
	struct schedule_state *s = api_cmd_state(req, r, sizeof(*s), schedule_state_free);

	if (s != NULL)
		s->c = (struct cmd){ .type = type, .sched = { .schedule = &s->s, .id = id } };
	return s;
}

void api_schedule_create(struct http_req *req, struct http_resp *r)
{
	struct spec_limits lim = api_limits(req);
	struct spec_error e;
	struct schedule_state *s = http_cmd_result(req);

	if (s != NULL) {
		if (!api_cmd_failed(&s->c, r)) {
			http_json(r, 201, render_schedule(&s->s));
			http_header(r, "Location", "/v1/schedules/%lld", (long long)s->s.id);
		}
		return;
	}
	cJSON *root = api_body_json(req, r);
	if (root == NULL || (s = schedule_state(req, r, CMD_SCHEDULE_CREATE, 0)) == NULL) {
		cJSON_Delete(root);
		return;
	}
	int ok = spec_schedule(root, &lim, &s->s, &e);
	cJSON_Delete(root);
	if (ok < 0)
		api_spec_error(r, &e);
	else
		http_cmd_submit(req, &s->c);
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
	struct schedule_state *s = http_cmd_result(req);

	if (s == NULL) {
		if ((s = schedule_state(req, r, type, req->id)) != NULL)
			http_cmd_submit(req, &s->c);
	} else if (!api_cmd_failed(&s->c, r)) {
		if (type == CMD_SCHEDULE_DELETE)
			http_json(r, 200, render_deleted("schedule", req->id));
		else
			http_json(r, 200, render_schedule(&s->s));
	}
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
