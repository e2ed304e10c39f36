/*
 * api_jobs.c — /v1/jobs: submit, get, list (keyset pages), cancel.
 * Output (stdout/stderr) is served by api_output.c.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "api_common.h"
#include "api_filter.h"
#include "common/log.h"
#include "render/render.h"
#include "store/store_jobs.h"

/* A submit across the dispatcher's turn: the command and its spec. */
struct submit_state {
	struct cmd c;
	struct job_spec spec;
};

static void submit_state_free(void *state)
{
	struct submit_state *s = state;
	job_spec_free(&s->spec);
	api_cmd_free(&s->c);
}

/* The answer to a submit or rerun: 201 and the new job, or 200 and the job
 * found by its Idempotency-Key, or holding its unique_key (which the
 * X-Jobd-Unique header tells apart). */
static void api_job_created(struct http_resp *r, const struct cmd *c)
{
	http_json(r, c->status == CMD_EXISTING ? 200 : 201, render_job(&c->job));
	http_header(r, "Location", "/v1/jobs/%lld", (long long)c->job.id);
	if (c->unique_existing)
		http_header(r, "X-Jobd-Unique", "existing");
}

void api_job_submit(struct http_req *req, struct http_resp *r)
{
	struct spec_limits lim = api_limits(req);
	struct spec_error e;
	struct job_spec spec;
	const char *key;
	struct submit_state *s = http_cmd_result(req);

	if (s != NULL) {
		if (!api_cmd_failed(&s->c, r))
			api_job_created(r, &s->c);
		return;
	}
	cJSON *root = api_body_json(req, r);
	if (root == NULL)
		return;
	int ok = spec_job(root, &lim, "", &spec, &e);
	cJSON_Delete(root);
	if (ok < 0) {
		api_spec_error(r, &e);
		return;
	}
	if (api_idem_key(req, r, &key) < 0 ||
	    (s = api_cmd_state(req, r, sizeof(*s), submit_state_free)) == NULL) {
		job_spec_free(&spec);
		return;
	}
	s->spec = spec;
	s->c = (struct cmd){ .type = CMD_SUBMIT,
		.submit = { .specs = &s->spec, .n_specs = 1, .idem_key = key } };
	http_cmd_submit(req, &s->c);
}

void api_job_get(struct http_req *req, struct http_resp *r)
{
	struct job job;

	if (api_load_job(req, r, &job)) {
		http_json(r, 200, render_job(&job));
		job_free(&job);
	}
}

void api_job_rerun(struct http_req *req, struct http_resp *r)
{
	struct cmd *c = http_cmd_result(req);

	if (c == NULL) {
		api_cmd_submit(req, r, &(struct cmd){ .type = CMD_RERUN, .target = { .job_id = req->id } });
	} else if (!api_cmd_failed(c, r)) {
		api_job_created(r, c);
	}
}

void api_job_cancel(struct http_req *req, struct http_resp *r)
{
	struct cmd *c = http_cmd_result(req);

	if (c == NULL)
		api_cmd_submit(req, r, &(struct cmd){ .type = CMD_CANCEL, .target = { .job_id = req->id } });
	else if (!api_cmd_failed(c, r))
		http_json(r, 200, render_job(&c->job));
}

/* Query parameters of the list: each checked, unknown ones refused. */
struct list_query {
	struct api_filter af;
	struct http_resp *r;
	int bad;
};

static enum MHD_Result on_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct list_query *q = cls;
	int64_t v;
	(void)kind;

	if (q->bad)
		return MHD_NO;
	if (value == NULL)
		value = "";
	int taken = api_filter_term(&q->af, key, value, q->r);
	if (taken != 0) {
		q->bad = taken < 0;
	} else if (strcmp(key, "before_id") == 0) {
		if (api_parse_int(value, 1, INT64_MAX, &v) < 0) {
			http_error(q->r, 400, "invalid_request", key, "%s must be a positive integer", key);
			q->bad = 1;
		}
		q->af.f.before_id = v;
	} else if (strcmp(key, "limit") == 0) {
		if (api_parse_int(value, 1, API_LIST_MAX_LIMIT, &v) < 0) {
			http_error(q->r, 400, "invalid_request", "limit",
			    "limit must be an integer from 1 to %d", API_LIST_MAX_LIMIT);
			q->bad = 1;
		}
		q->af.f.limit = (int)v;
	} else {
		http_error(q->r, 400, "invalid_request", key, "unknown query parameter \"%s\"", key);
		q->bad = 1;
	}
	return q->bad ? MHD_NO : MHD_YES;
}

void api_job_list(struct http_req *req, struct http_resp *r)
{
	struct list_query q = { .af = { .f = { .limit = API_LIST_DEFAULT_LIMIT } }, .r = r };
	char err[ERR_LEN], *next = NULL;
	struct job *jobs;
	int n;
	bool more;

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, on_query_arg, &q);
	if (q.bad || api_filter_check(&q.af, r) < 0)
		return;
	struct store *st = api_reader(req, r);
	if (st == NULL)
		return;
	int rc = store_job_list(st, &q.af.f, &jobs, &n, &more, err);
	api_reader_done(req, st);
	if (rc < 0) {
		http_internal(r, err);
		return;
	}
	if (more && n > 0 && (next = api_filter_next_url(&q.af, q.af.f.limit, jobs[n - 1].id)) == NULL) {
		http_internal(r, "out of memory");
	} else {
		http_json(r, 200, render_job_list(jobs, n, next));
	}
	free(next);
	store_job_list_free(jobs, n);
}
