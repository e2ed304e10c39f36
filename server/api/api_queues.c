/*
 * api_queues.c — /v1/queues: list the named queues with their limits and
 * counts, read one, and create or change one (concurrency, paused, rate) through
 * the dispatcher, which applies it from its next claim on.
 */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api_common.h"
#include "render/render.h"
#include "store/store_queues.h"

#define QUEUE_MAX_CONCURRENCY 10000
#define QUEUE_MAX_RATE_LIMIT 1000000  /* as migrations/postgres/007_rate.sql checks */
#define QUEUE_MAX_RATE_PERIOD_S 86400

static bool name_ok(const struct http_req *req, struct http_resp *r)
{
	if (spec_queue_name_valid(req->name))
		return true;
	http_error(r, 400, "invalid_request", "name",
	    "a queue name is 1 to %d letters, digits, '_', '.', ':' or '-'", SPEC_MAX_QUEUE_NAME);
	return false;
}

void api_queue_list(struct http_req *req, struct http_resp *r)
{
	struct queue_info *qs;
	char err[ERR_LEN];
	int n;

	struct store *st = api_reader(req, r);
	if (st == NULL)
		return;
	int rc = store_queues_list(st, true, &qs, &n, err);
	api_reader_done(req, st);
	if (rc < 0) {
		http_internal(r, err);
		return;
	}
	http_json(r, 200, render_queue_list(qs, n, req->app->cfg->strict_queues));
	free(qs);
}

void api_queue_get(struct http_req *req, struct http_resp *r)
{
	struct queue_info q;
	char err[ERR_LEN];

	if (!name_ok(req, r))
		return;
	struct store *st = api_reader(req, r);
	if (st == NULL)
		return;
	int rc = store_queue_get(st, req->name, true, &q, err);
	api_reader_done(req, st);
	if (rc < 0)
		http_internal(r, err);
	else if (rc == 0)
		http_error(r, 404, "not_found", NULL, "no queue \"%s\"", req->name);
	else
		http_json(r, 200, render_queue(&q));
}

static const char *const queue_fields[] = { "concurrency", "paused", "rate", NULL };
static const char *const rate_fields[] = { "limit", "period_s", NULL };

/* An integer from lo to hi: its value, or -1. */
static int int_in(const cJSON *v, int lo, int hi)
{
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo ||
	    v->valuedouble > hi)
		return -1;
	return (int)v->valuedouble;
}

/* rate: null (none) or {"limit": N, "period_s": S}; -1 with the 400 set. */
static int parse_rate(const cJSON *rate, struct cmd *c, struct http_resp *r)
{
	struct spec_error e = { 0 };

	if (cJSON_IsNull(rate)) {
		c->queue_set.rate_limit = 0;
		return 0;
	}
	if (!cJSON_IsObject(rate)) {
		http_error(r, 400, "invalid_request", "rate",
		    "rate must be {\"limit\": N, \"period_s\": S}, or null for no rate limit");
		return -1;
	}
	if (spec_check_keys(rate, rate_fields, "rate.", &e) < 0) {
		api_spec_error(r, &e);
		return -1;
	}
	int limit = int_in(cJSON_GetObjectItemCaseSensitive(rate, "limit"), 1, QUEUE_MAX_RATE_LIMIT);
	int period = int_in(cJSON_GetObjectItemCaseSensitive(rate, "period_s"), 1,
	    QUEUE_MAX_RATE_PERIOD_S);
	if (limit < 0) {
		http_error(r, 400, "invalid_request", "rate.limit",
		    "rate.limit must be an integer from 1 to %d (job starts per period)",
		    QUEUE_MAX_RATE_LIMIT);
		return -1;
	}
	if (period < 0) {
		http_error(r, 400, "invalid_request", "rate.period_s",
		    "rate.period_s must be an integer from 1 to %d (seconds)", QUEUE_MAX_RATE_PERIOD_S);
		return -1;
	}
	c->queue_set.rate_limit = limit;
	c->queue_set.rate_period_s = period;
	return 0;
}

/* The body's changes into c: -1 with the 400 set. */
static int parse_changes(const cJSON *root, struct cmd *c, struct http_resp *r)
{
	struct spec_error e = { 0 };

	if (!cJSON_IsObject(root)) {
		http_error(r, 400, "invalid_request", NULL, "the body must be a JSON object");
		return -1;
	}
	if (spec_check_keys(root, queue_fields, "", &e) < 0) {
		api_spec_error(r, &e);
		return -1;
	}
	const cJSON *conc = cJSON_GetObjectItemCaseSensitive(root, "concurrency");
	const cJSON *paused = cJSON_GetObjectItemCaseSensitive(root, "paused");
	const cJSON *rate = cJSON_GetObjectItemCaseSensitive(root, "rate");
	if (cJSON_IsNull(conc)) {
		c->queue_set.concurrency = 0;
	} else if (conc != NULL) {
		if (int_in(conc, 1, QUEUE_MAX_CONCURRENCY) < 0) {
			http_error(r, 400, "invalid_request", "concurrency",
			    "concurrency must be an integer from 1 to %d, or null for no limit",
			    QUEUE_MAX_CONCURRENCY);
			return -1;
		}
		c->queue_set.concurrency = (int)conc->valuedouble;
	}
	if (paused != NULL) {
		if (!cJSON_IsBool(paused)) {
			http_error(r, 400, "invalid_request", "paused", "paused must be true or false");
			return -1;
		}
		c->queue_set.paused = cJSON_IsTrue(paused);
	}
	return rate != NULL ? parse_rate(rate, c, r) : 0;
}

/* A queue change across the dispatcher's turn: the command and the queue. */
struct queue_state {
	struct cmd c;
	struct queue_info q;
};

void api_queue_put(struct http_req *req, struct http_resp *r)
{
	struct queue_state *s = http_cmd_result(req);

	if (s != NULL) {
		if (api_cmd_failed(&s->c, r))
			return;
		char err[ERR_LEN];
		struct store *st = api_reader(req, r);
		if (st == NULL)
			return;
		int rc = store_queue_get(st, s->q.name, true, &s->q, err);
		api_reader_done(req, st);
		if (rc < 0)
			http_internal(r, err);
		else
			http_json(r, 200, render_queue(&s->q));
		return;
	}
	if (!name_ok(req, r))
		return;
	cJSON *root = api_body_json(req, r);
	if (root == NULL || (s = api_cmd_state(req, r, sizeof(*s), NULL)) == NULL) {
		cJSON_Delete(root);
		return;
	}
	s->c = (struct cmd){ .type = CMD_QUEUE_SET,
		.queue_set = { .queue = &s->q, .concurrency = -1, .paused = -1,
			.rate_limit = -1 } };
	int ok = parse_changes(root, &s->c, r);
	cJSON_Delete(root);
	if (ok < 0)
		return;
	snprintf(s->q.name, sizeof(s->q.name), "%.64s", req->name); /* name_ok: at most 64 */
	http_cmd_submit(req, &s->c);
}
