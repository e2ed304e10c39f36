/*
 * api_batches.c — /v1/batches: submit many specs all-or-nothing in one
 * transaction, and read a batch's progress, makespan and speedup.
 */
#include "api.h"

#include <stdlib.h>

#include "api_common.h"
#include "render.h"
#include "store_jobs.h"

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

void api_batch_submit(struct http_req *req, struct http_resp *r)
{
	struct spec_limits lim = api_limits(req);
	struct spec_error e;
	struct cmd c = { .type = CMD_BATCH };
	char *name = NULL;
	cJSON *root = api_body_json(req, r);

	if (root == NULL)
		return;
	int ok = spec_batch(root, &lim, &name, &c.specs, &c.n_specs, &e);
	cJSON_Delete(root);
	if (ok < 0) {
		api_spec_error(r, &e);
		return;
	}
	if (api_idem_key(req, r, &c.idem_key) == 0) {
		c.batch_name = name;
		dispatch_submit(req->app->dispatch, &c);
		if (!api_cmd_failed(&c, r)) {
			render_batch_by_id(req, r, c.batch_id, c.status == CMD_EXISTING ? 200 : 201, true);
			http_header(r, "Location", "/v1/batches/%lld", (long long)c.batch_id);
		}
	}
	for (size_t i = 0; i < c.n_specs; i++)
		job_spec_free(&c.specs[i]);
	free(c.specs);
	free(name);
}

/* POST /v1/batches/{id}/rerun?state=failed,timed_out (the default): a new
 * batch of the jobs that ended in those states, like parallel --resume-failed. */
void api_batch_rerun(struct http_req *req, struct http_resp *r)
{
	struct cmd c = { .type = CMD_RERUN_BATCH, .rerun_batch = req->id,
		.state_mask = (1u << JOB_FAILED) | (1u << JOB_TIMED_OUT) };
	const char *states = http_query(req, "state");

	if (states != NULL && api_parse_states(states, &c.state_mask) < 0) {
		http_error(r, 400, "invalid_request", "state",
		    "state must list final states, comma-separated (e.g. failed,timed_out)");
		return;
	}
	dispatch_submit(req->app->dispatch, &c);
	if (!api_cmd_failed(&c, r)) {
		render_batch_by_id(req, r, c.batch_id, 201, true);
		http_header(r, "Location", "/v1/batches/%lld", (long long)c.batch_id);
	}
}

void api_batch_get(struct http_req *req, struct http_resp *r)
{
	render_batch_by_id(req, r, req->id, 200, false);
}
