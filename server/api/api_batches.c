/*
 * api_batches.c — /v1/batches: submit many specs all-or-nothing in one
 * transaction, read a batch's progress, makespan and speedup, and list the
 * newest batches with theirs (keyset pages, as GET /v1/jobs).
 */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_common.h"
#include "render/render.h"
#include "store/store_jobs.h"

/* Renders batch id with its job ids, or the error, into r. */
static void render_batch_by_id(struct http_req *req, struct http_resp *r, int64_t id,
    unsigned status, bool with_ids)
{
	char err[ERR_LEN];
	struct batch b;
	int64_t *ids = NULL;
	int n = 0;
	struct store *st = api_reader(req, r);

	if (st == NULL)
		return;
	int found = store_batch_get(st, id, &b, err);
	if (found == 1 && with_ids && store_batch_job_ids(st, id, &ids, &n, err) < 0)
		found = -1;
	api_reader_done(req, st);
	if (found < 0)
		http_internal(r, err);
	else if (found == 0)
		http_error(r, 404, "not_found", NULL, "no batch %lld", (long long)id);
	else
		http_json(r, status, render_batch(&b, with_ids ? ids : NULL, n));
	if (found == 1)
		batch_free(&b);
	free(ids);
}

/* A batch across the dispatcher's turn: the command, its specs and name. */
struct batch_state {
	struct cmd c;
	char *name;
	char *notify;
};

static void batch_state_free(void *state)
{
	struct batch_state *s = state;
	for (size_t i = 0; i < s->c.submit.n_specs; i++)
		job_spec_free(&s->c.submit.specs[i]);
	free(s->c.submit.specs);
	free(s->name);
	free(s->notify);
	api_cmd_free(&s->c);
}

/* The answer to a batch command: the new batch with its job ids. */
static void render_new_batch(struct http_req *req, struct http_resp *r, const struct cmd *c)
{
	if (api_cmd_failed(c, r))
		return;
	render_batch_by_id(req, r, c->batch_id, c->status == CMD_EXISTING ? 200 : 201, true);
	http_header(r, "Location", "/v1/batches/%lld", (long long)c->batch_id);
}

void api_batch_submit(struct http_req *req, struct http_resp *r)
{
	struct spec_limits lim = api_limits(req);
	struct spec_error e;
	struct batch_state *s = http_cmd_result(req);

	if (s != NULL) {
		render_new_batch(req, r, &s->c);
		return;
	}
	cJSON *root = api_body_json(req, r);
	if (root == NULL || (s = api_cmd_state(req, r, sizeof(*s), batch_state_free)) == NULL) {
		cJSON_Delete(root);
		return;
	}
	s->c.type = CMD_BATCH;
	int ok = spec_batch(root, &lim, &s->name, &s->notify, &s->c.submit.specs, &s->c.submit.n_specs, &e);
	cJSON_Delete(root);
	if (ok < 0) {
		api_spec_error(r, &e);
		return;
	}
	if (api_idem_key(req, r, &s->c.submit.idem_key) == 0) {
		s->c.submit.batch_name = s->name;
		s->c.submit.batch_notify = s->notify;
		http_cmd_submit(req, &s->c);
	}
}

/* POST /v1/batches/{id}/rerun?state=failed,timed_out (the default): a new
 * batch of the jobs that ended in those states, like parallel --resume-failed. */
void api_batch_rerun(struct http_req *req, struct http_resp *r)
{
	struct cmd c = { .type = CMD_RERUN_BATCH, .rerun_batch = { .batch_id = req->id,
		.state_mask = (1u << JOB_FAILED) | (1u << JOB_TIMED_OUT) } };
	const struct cmd *done = http_cmd_result(req);
	const char *states = http_query(req, "state");

	if (done != NULL) {
		render_new_batch(req, r, done);
	} else if (states != NULL && api_parse_states(states, &c.rerun_batch.state_mask) < 0) {
		http_error(r, 400, "invalid_request", "state",
		    "state must list final states, comma-separated (e.g. failed,timed_out)");
	} else {
		api_cmd_submit(req, r, &c);
	}
}

void api_batch_get(struct http_req *req, struct http_resp *r)
{
	render_batch_by_id(req, r, req->id, 200, false);
}

/* Query parameters of the list: limit and before_id, each checked; others refused. */
struct batch_query {
	int64_t limit, before_id;
	struct http_resp *r;
	bool bad;
};

static enum MHD_Result on_batch_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct batch_query *q = cls;
	(void)kind;

	if (value == NULL)
		value = "";
	if (strcmp(key, "limit") == 0) {
		if (api_parse_int(value, 1, API_LIST_MAX_LIMIT, &q->limit) < 0) {
			http_error(q->r, 400, "invalid_request", "limit",
			    "limit must be an integer from 1 to %d", API_LIST_MAX_LIMIT);
			q->bad = true;
		}
	} else if (strcmp(key, "before_id") == 0) {
		if (api_parse_int(value, 1, INT64_MAX, &q->before_id) < 0) {
			http_error(q->r, 400, "invalid_request", key, "%s must be a positive integer", key);
			q->bad = true;
		}
	} else {
		http_error(q->r, 400, "invalid_request", key, "unknown query parameter \"%s\"", key);
		q->bad = true;
	}
	return q->bad ? MHD_NO : MHD_YES;
}

/* GET /v1/batches?limit=&before_id=: newest first, each as GET /v1/batches/{id}. */
void api_batch_list(struct http_req *req, struct http_resp *r)
{
	struct batch_query q = { .limit = API_LIST_DEFAULT_LIMIT, .r = r };
	char err[ERR_LEN], next[96];
	struct batch *batches;
	int n;
	bool more;

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, on_batch_query_arg, &q);
	if (q.bad)
		return;
	struct store *st = api_reader(req, r);
	if (st == NULL)
		return;
	int rc = store_batch_list(st, q.before_id, (int)q.limit, &batches, &n, &more, err);
	api_reader_done(req, st);
	if (rc < 0) {
		http_internal(r, err);
		return;
	}
	if (more && n > 0)
		snprintf(next, sizeof(next), "/v1/batches?limit=%lld&before_id=%lld",
		    (long long)q.limit, (long long)batches[n - 1].id);
	http_json(r, 200, render_batch_list(batches, n, more && n > 0 ? next : NULL));
	store_batch_list_free(batches, n);
}
