/*
 * api_hooks.c — GET /v1/jobs/{id}/deliveries and GET /v1/batches/{id}/
 * deliveries: the webhook deliveries of a job or a batch (store_hooks.h),
 * read on a reader connection; 404 when the job or batch does not exist.
 */
#include <stdlib.h>

#include "api.h"
#include "api_common.h"
#include "render/render.h"
#include "store/store_hooks.h"
#include "store/store_jobs.h"

/* Exists: 1, 0, -1 (err). */
static int exists(struct store *st, bool batch, int64_t id, char *err)
{
	int found;

	if (batch) {
		struct batch b;
		if ((found = store_batch_get(st, id, &b, err)) == 1)
			batch_free(&b);
	} else {
		struct job job;
		if ((found = store_job_get(st, id, &job, err)) == 1)
			job_free(&job);
	}
	return found;
}

static void deliveries(struct http_req *req, struct http_resp *r, bool batch)
{
	char err[ERR_LEN];
	struct delivery *ds = NULL;
	int n = 0;
	struct store *st = api_reader(req, r);

	if (st == NULL)
		return;
	int found = exists(st, batch, req->id, err);
	if (found == 1 && store_hooks_of(st, batch ? 0 : req->id, batch ? req->id : 0, &ds, &n,
			      err) < 0)
		found = -1;
	api_reader_done(req, st);
	if (found < 0)
		http_internal(r, err);
	else if (found == 0)
		http_error(r, 404, "not_found", NULL, "no %s %lld", batch ? "batch" : "job",
		    (long long)req->id);
	else
		http_json(r, 200, render_deliveries(ds, n));
	deliveries_free(ds, n);
}

void api_job_deliveries(struct http_req *req, struct http_resp *r) { deliveries(req, r, false); }

void api_batch_deliveries(struct http_req *req, struct http_resp *r) { deliveries(req, r, true); }
