/*
 * api_status.c — /v1/workers, /v1/stats and /healthz: figures the
 * dispatcher keeps in memory, so these never scan the jobs table; and
 * /v1/whoami, what the request's token may do (the dashboard asks it). On a
 * cluster node /v1/workers also reads the nodes and their busy slots.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "api_common.h"
#include "render/render.h"
#include "store/store_nodes.h"

struct cluster_view {
	struct node_info *nodes;
	struct node_busy *busy;
	int n_nodes, n_busy;
};

/* The cluster's nodes and busy slots; false once a 500 is answered. */
static bool read_cluster(struct http_req *req, struct http_resp *r, struct cluster_view *v)
{
	char err[ERR_LEN];
	struct store *st = api_reader(req, r);

	if (st == NULL)
		return false;
	int rc = store_nodes_list(st, &v->nodes, &v->n_nodes, &v->busy, &v->n_busy, err);
	api_reader_done(req, st);
	if (rc < 0)
		http_internal(r, err);
	return rc == 0;
}

static void free_view(struct cluster_view *v)
{
	free(v->nodes);
	free(v->busy);
}

void api_workers(struct http_req *req, struct http_resp *r)
{
	struct worker_info *w = calloc(CONFIG_MAX_WORKERS, sizeof(*w));
	const char *source = req->app->cfg->workers_source;
	struct cluster_view v;

	if (w == NULL) {
		http_internal(r, "out of memory");
		return;
	}
	int n = dispatch_workers(req->app->dispatch, w, CONFIG_MAX_WORKERS);
	int64_t self = dispatch_node_id(req->app->dispatch);
	if (self == 0) {
		http_json(r, 200, render_workers(w, n, source));
	} else if (read_cluster(req, r, &v)) {
		http_json(r, 200, render_cluster_workers(w, n, source, self, v.nodes, v.n_nodes,
		    v.busy, v.n_busy));
		free_view(&v);
	}
	free(w);
}

void api_stats(struct http_req *req, struct http_resp *r)
{
	struct stats_info s;
	struct cluster_view v;

	dispatch_stats(req->app->dispatch, &s);
	if (dispatch_node_id(req->app->dispatch) == 0) {
		http_json(r, 200, render_stats(&s));
	} else if (read_cluster(req, r, &v)) {
		http_json(r, 200, render_cluster_stats(&s, v.nodes, v.n_nodes, v.n_busy));
		free_view(&v);
	}
}

void api_health(struct http_req *req, struct http_resp *r)
{
	if (dispatch_accepting(req->app->dispatch)) {
		http_json(r, 200, render_health("ok"));
	} else {
		http_json(r, 503, render_health("stopping"));
		http_header(r, "Retry-After", "5");
	}
}

void api_whoami(struct http_req *req, struct http_resp *r)
{
	http_json(r, 200, render_access(req->read_only));
}

extern const char jobd_openapi_json[]; /* build/openapi.c, from docs/openapi.json */

void api_openapi(struct http_req *req, struct http_resp *r)
{
	(void)req;
	http_json(r, 200, strdup(jobd_openapi_json));
}
