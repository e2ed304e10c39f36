/*
 * api_jobs.c — /v1/jobs: submit, get, list (keyset pages), cancel.
 * Output (stdout/stderr) is served by api_output.c.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "api_common.h"
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
	struct job_list_filter f;
	const char *state_text;
	struct http_resp *r;
	int bad;
};

/* The filter field a positive-id query parameter sets, by its name; NULL
 * when key is none of them. */
static int64_t *id_param(struct job_list_filter *f, const char *key)
{
	if (strcmp(key, "batch_id") == 0)
		return &f->batch_id;
	if (strcmp(key, "schedule_id") == 0)
		return &f->schedule_id;
	if (strcmp(key, "before_id") == 0)
		return &f->before_id;
	return NULL;
}

static enum MHD_Result on_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct list_query *q = cls;
	int64_t v, *id;
	(void)kind;

	if (q->bad)
		return MHD_NO;
	if (value == NULL)
		value = "";
	if (strcmp(key, "state") == 0) {
		if (api_parse_states(value, &q->f.state_mask) < 0) {
			http_error(q->r, 400, "invalid_request", "state",
			    "state must list states from queued, running, succeeded, failed, "
			    "timed_out, canceled, comma-separated");
			q->bad = 1;
		}
		q->state_text = value;
	} else if ((id = id_param(&q->f, key)) != NULL) {
		if (api_parse_int(value, 1, INT64_MAX, &v) < 0) {
			http_error(q->r, 400, "invalid_request", key, "%s must be a positive integer", key);
			q->bad = 1;
		} else {
			*id = v;
		}
	} else if (strcmp(key, "limit") == 0) {
		if (api_parse_int(value, 1, API_LIST_MAX_LIMIT, &v) < 0) {
			http_error(q->r, 400, "invalid_request", "limit",
			    "limit must be an integer from 1 to %d", API_LIST_MAX_LIMIT);
			q->bad = 1;
		}
		q->f.limit = (int)v;
	} else {
		http_error(q->r, 400, "invalid_request", key, "unknown query parameter \"%s\"", key);
		q->bad = 1;
	}
	return q->bad ? MHD_NO : MHD_YES;
}

void api_job_list(struct http_req *req, struct http_resp *r)
{
	struct list_query q = { .f = { .limit = API_LIST_DEFAULT_LIMIT }, .r = r };
	char err[ERR_LEN], next[512];
	struct job *jobs;
	int n;
	bool more;

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, on_query_arg, &q);
	if (q.bad)
		return;
	if (q.f.batch_id && q.f.schedule_id) {
		http_error(r, 400, "invalid_request", "schedule_id",
		    "give batch_id or schedule_id, not both");
		return;
	}
	struct store *st = api_reader(req, r);
	if (st == NULL)
		return;
	int rc = store_job_list(st, &q.f, &jobs, &n, &more, err);
	api_reader_done(req, st);
	if (rc < 0) {
		http_internal(r, err);
		return;
	}
	if (more && n > 0) {
		int len = snprintf(next, sizeof(next), "/v1/jobs?limit=%d&before_id=%lld", q.f.limit,
		    (long long)jobs[n - 1].id);
		if (q.state_text)
			len += snprintf(next + len, sizeof(next) - (size_t)len, "&state=%.200s", q.state_text);
		if (q.f.batch_id)
			snprintf(next + len, sizeof(next) - (size_t)len, "&batch_id=%lld",
			    (long long)q.f.batch_id);
		else if (q.f.schedule_id)
			snprintf(next + len, sizeof(next) - (size_t)len, "&schedule_id=%lld",
			    (long long)q.f.schedule_id);
	}
	http_json(r, 200, render_job_list(jobs, n, more && n > 0 ? next : NULL));
	store_job_list_free(jobs, n);
}
