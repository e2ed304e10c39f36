/*
 * api_bulk.c — POST /v1/jobs/cancel and POST /v1/jobs/rerun: a filter in
 * the body (api_filter.h's terms; at least one, so an empty body never
 * acts on every job), then the matching jobs canceled or rerun page by
 * page — one CMD_BULK per page, sent again from this handler when the
 * dispatcher answers until no page is left — and the sums answered.
 * dry_run (body, or ?dry_run=true) only counts. Pages already done stay
 * done when a later one fails; the error says so.
 */
#include "api.h"

#include <string.h>

#include "api_common.h"
#include "api_filter.h"
#include "common/log.h"
#include "render/render.h"

#define BULK_STATE_TEXT 128

struct bulk_state {
	struct cmd c;            /* first: the request's command (api_cmd_state) */
	struct api_filter af;
	cJSON *body;             /* the filter's strings point into it */
	char states[BULK_STATE_TEXT];
	int64_t matched, changed;
	int pages;
};

static void bulk_state_free(void *state)
{
	struct bulk_state *s = state;
	cJSON_Delete(s->body);
}

/* A JSON member as the text a query would give: a string as it is, an
 * integer in decimal, a list of strings joined by commas (state) or one by
 * one (tag). */
static int take_member(struct bulk_state *s, const cJSON *it, struct http_resp *r)
{
	char num[32];

	if (cJSON_IsString(it))
		return api_filter_term(&s->af, it->string, it->valuestring, r);
	if (cJSON_IsNumber(it)) {
		snprintf(num, sizeof(num), "%.17g", it->valuedouble);
		return api_filter_term(&s->af, it->string, num, r);
	}
	if (cJSON_IsArray(it) && strcmp(it->string, "tag") == 0) {
		for (const cJSON *v = it->child; v != NULL; v = v->next)
			if (!cJSON_IsString(v) || api_filter_term(&s->af, "tag", v->valuestring, r) < 0)
				goto bad;
		return 1;
	}
	if (cJSON_IsArray(it) && strcmp(it->string, "state") == 0) {
		size_t len = 0;
		for (const cJSON *v = it->child; v != NULL; v = v->next) {
			if (!cJSON_IsString(v) || len + strlen(v->valuestring) + 2 > sizeof(s->states))
				goto bad;
			len += (size_t)snprintf(s->states + len, sizeof(s->states) - len, "%s%s",
			    len ? "," : "", v->valuestring);
		}
		return api_filter_term(&s->af, "state", s->states, r);
	}
bad:
	if (r->status < 400)
		http_error(r, 400, "invalid_request", it->string,
		    "%s: see the filter of POST /v1/jobs/cancel in API.md", it->string);
	return -1;
}

/* The body into s: 0, or -1 with the 400 set in r. */
static int parse_filter(struct http_req *req, struct http_resp *r, struct bulk_state *s)
{
	const char *q = http_query(req, "dry_run");

	s->c.bulk.dry_run = q != NULL && strcmp(q, "true") == 0;
	if (q != NULL && !s->c.bulk.dry_run && strcmp(q, "false") != 0) {
		http_error(r, 400, "invalid_request", "dry_run", "dry_run must be true or false");
		return -1;
	}
	if ((s->body = api_body_json(req, r)) == NULL)
		return -1;
	if (!cJSON_IsObject(s->body)) {
		http_error(r, 400, "invalid_request", NULL, "the body must be a JSON object (a filter)");
		return -1;
	}
	for (const cJSON *it = s->body->child; it != NULL; it = it->next) {
		if (cJSON_IsNull(it))
			continue; /* null: absent (API.md, strict bodies) */
		if (strcmp(it->string, "dry_run") == 0) {
			if (!cJSON_IsBool(it)) {
				http_error(r, 400, "invalid_request", "dry_run", "dry_run must be a boolean");
				return -1;
			}
			s->c.bulk.dry_run = s->c.bulk.dry_run || cJSON_IsTrue(it);
			continue;
		}
		int taken = take_member(s, it, r);
		if (taken < 0)
			return -1;
		if (taken == 0) {
			http_error(r, 400, "invalid_request", it->string, "unknown filter field \"%s\"",
			    it->string);
			return -1;
		}
	}
	if (api_filter_check(&s->af, r) < 0)
		return -1;
	if (s->af.terms == 0) {
		http_error(r, 400, "invalid_request", "filter",
		    "give at least one of state, batch_id, schedule_id, queue, tag, name_prefix: an "
		    "empty filter would act on every job");
		return -1;
	}
	return 0;
}

static void bulk(struct http_req *req, struct http_resp *r, enum bulk_action action)
{
	struct bulk_state *s = http_cmd_result(req);
	const char *done_key = action == BULK_CANCEL ? "canceled" : "rerun";

	if (s == NULL) {
		if ((s = api_cmd_state(req, r, sizeof(*s), bulk_state_free)) == NULL ||
		    parse_filter(req, r, s) < 0)
			return;
		s->c.type = CMD_BULK;
		s->c.bulk.action = action;
		s->c.bulk.filter = s->af.f;
		http_cmd_submit(req, &s->c);
		return;
	}
	if (api_cmd_failed(&s->c, r)) {
		if (s->pages > 0)
			log_warnx("api: bulk %s stopped after %d pages (%lld jobs %s): %s", done_key,
			    s->pages, (long long)s->changed, done_key, s->c.err);
		return;
	}
	s->pages++;
	s->matched += s->c.bulk.matched;
	s->changed += s->c.bulk.changed;
	if (s->c.bulk.more) {
		s->c.bulk.filter.before_id = s->c.bulk.last_id;
		http_cmd_submit(req, &s->c);
		return;
	}
	http_json(r, 200, render_bulk(done_key, s->matched, s->changed, s->c.batch_id,
	    s->c.bulk.dry_run));
}

void api_jobs_cancel(struct http_req *req, struct http_resp *r)
{
	bulk(req, r, BULK_CANCEL);
}

void api_jobs_rerun(struct http_req *req, struct http_resp *r)
{
	bulk(req, r, BULK_RERUN);
}
