/*
 * api_common.c — helpers shared by the /v1 handlers (see api_common.h).
 */
#include "api_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_jobs.h"

struct spec_limits api_limits(const struct http_req *req)
{
	return spec_limits_of(req->app->cfg);
}

void api_spec_error(struct http_resp *r, const struct spec_error *e)
{
	if (e->invalid_json)
		http_error(r, 400, "invalid_json", NULL, "%s", e->message);
	else
		http_error(r, 400, "invalid_request", e->field, "%s", e->message);
}

cJSON *api_body_json(const struct http_req *req, struct http_resp *r)
{
	struct spec_error e;
	cJSON *root = spec_parse_json(req->body, req->body_len, &e);

	if (root == NULL)
		api_spec_error(r, &e);
	return root;
}

int api_idem_key(const struct http_req *req, struct http_resp *r, const char **key)
{
	const char *k = http_req_header(req, "Idempotency-Key");

	*key = NULL;
	if (k == NULL)
		return 0;
	size_t len = strlen(k);
	if (len == 0 || len > API_MAX_IDEM_KEY) {
		http_error(r, 400, "invalid_request", "Idempotency-Key",
		    "Idempotency-Key must be 1 to %d characters", API_MAX_IDEM_KEY);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)k[i] < 0x21 || (unsigned char)k[i] > 0x7e) {
			http_error(r, 400, "invalid_request", "Idempotency-Key",
			    "Idempotency-Key must be printable ASCII without spaces");
			return -1;
		}
	}
	*key = k;
	return 0;
}

void api_cmd_free(void *state)
{
	struct cmd *c = state;
	job_free(&c->job);
}

void *api_cmd_state(struct http_req *req, struct http_resp *r, size_t size,
    void (*free_fn)(void *state))
{
	void *state = http_cmd_state(req, size, free_fn ? free_fn : api_cmd_free);

	if (state == NULL)
		http_internal(r, "out of memory");
	return state;
}

void api_cmd_submit(struct http_req *req, struct http_resp *r, const struct cmd *c)
{
	struct cmd *mine = api_cmd_state(req, r, sizeof(*mine), NULL);

	if (mine != NULL) {
		*mine = *c;
		http_cmd_submit(req, mine);
	}
}

int api_cmd_failed(const struct cmd *c, struct http_resp *r)
{
	switch (c->status) {
	case CMD_OK:
	case CMD_EXISTING:
		return 0;
	case CMD_NOT_FOUND:
		if (c->err[0])
			http_error(r, 404, "not_found", NULL, "%s", c->err);
		else
			http_error(r, 404, "not_found", NULL, "no job %lld", (long long)c->target.job_id);
		return 1;
	case CMD_CONFLICT:
		if (c->err[0])
			http_error(r, 409, "conflict", c->field[0] ? c->field : NULL, "%s", c->err);
		else
			http_error(r, 409, "conflict", NULL, "job %lld already finished (%s)",
			    (long long)c->target.job_id, job_state_name(c->job.state));
		return 1;
	case CMD_INVALID:
		http_error(r, 400, "invalid_request", c->field, "%s", c->err);
		return 1;
	case CMD_FULL:
		http_error(r, 503, "unavailable", NULL,
		    "the queue is at its configured maximum; retry later");
		http_header(r, "Retry-After", "1");
		return 1;
	case CMD_UNAVAILABLE:
		http_error(r, 503, "unavailable", NULL, "the server is shutting down");
		http_header(r, "Retry-After", "5");
		return 1;
	default:
		http_internal(r, c->err[0] ? c->err : "the transaction failed");
		return 1;
	}
}

struct store *api_reader(const struct http_req *req, struct http_resp *r)
{
	char err[ERR_LEN];
	struct store *st = store_pool_acquire(req->app->readers, err);

	if (st == NULL)
		http_internal(r, err);
	return st;
}

void api_reader_done(const struct http_req *req, struct store *st)
{
	store_pool_release(req->app->readers, st);
}

int api_load_job(const struct http_req *req, struct http_resp *r, struct job *job)
{
	char err[ERR_LEN];
	struct store *st = api_reader(req, r);

	if (st == NULL)
		return 0;
	int found = store_job_get(st, req->id, job, err);
	api_reader_done(req, st);
	if (found < 0)
		http_internal(r, err);
	else if (found == 0)
		http_error(r, 404, "not_found", NULL, "no job %lld", (long long)req->id);
	return found == 1;
}

int api_parse_int(const char *v, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (errno || end == v || *end || x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

int api_parse_states(const char *v, unsigned *mask)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", v);
	*mask = 0;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		enum job_state s;
		if (job_state_parse(tok, &s) < 0)
			return -1;
		*mask |= 1u << s;
	}
	return *mask ? 0 : -1;
}
