/*
 * render_nodes.c — GET /v1/workers on a cluster node: the local pool as on
 * a single node, plus "node" (this one) and "nodes": every live node and
 * those stopped in the last day, with their busy slots (API.md); and
 * /v1/stats with the cluster's size.
 */
#include <string.h>

#include "render.h"
#include "store/store_nodes.h"

static cJSON *node_object(const struct node_info *x, const struct node_busy *busy, int n_busy)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)x->id);
	cJSON_AddStringToObject(o, "name", x->name);
	cJSON_AddStringToObject(o, "host", x->host);
	cJSON_AddNumberToObject(o, "pid", x->pid);
	cJSON_AddStringToObject(o, "listen", x->listen);
	cJSON_AddNumberToObject(o, "pool_size", x->pool_size);
	cJSON_AddStringToObject(o, "state", x->state);
	cJSON_AddBoolToObject(o, "draining", x->draining);
	render_add_time(o, "started_at", x->started_us);
	render_add_time(o, "heartbeat_at", x->heartbeat_us);
	render_add_time(o, "lease_until", x->lease_until_us);
	render_add_time(o, "stopped_at", x->stopped_us);
	cJSON *arr = cJSON_AddArrayToObject(o, "busy");
	int n = 0;
	for (int i = 0; i < n_busy; i++) {
		if (busy[i].node_id != x->id)
			continue;
		cJSON *b = cJSON_CreateObject();
		cJSON_AddNumberToObject(b, "slot", busy[i].slot);
		cJSON_AddNumberToObject(b, "job_id", (double)busy[i].job_id);
		cJSON_AddItemToArray(arr, b);
		n++;
	}
	cJSON_AddNumberToObject(o, "busy_count", n);
	return o;
}

char *render_cluster_workers(const struct worker_info *w, int n, const char *size_source,
    int64_t self_id, const struct node_info *nodes, int n_nodes, const struct node_busy *busy,
    int n_busy)
{
	cJSON *o = render_workers_object(w, n, size_source);
	cJSON *arr = cJSON_CreateArray();

	for (int i = 0; i < n_nodes; i++) {
		cJSON *x = node_object(&nodes[i], busy, n_busy);
		if (nodes[i].id == self_id)
			cJSON_AddItemToObject(o, "node", cJSON_Duplicate(x, true));
		cJSON_AddItemToArray(arr, x);
	}
	cJSON_AddItemToObject(o, "nodes", arr);
	return render_print_and_free(o);
}

char *render_cluster_stats(const struct stats_info *s, const struct node_info *nodes,
    int n_nodes, int n_busy)
{
	cJSON *o = render_stats_object(s);
	cJSON *c = cJSON_AddObjectToObject(o, "cluster");
	int alive = 0, workers = 0;

	for (int i = 0; i < n_nodes; i++) {
		if (strcmp(nodes[i].state, "alive") != 0)
			continue;
		alive++;
		workers += nodes[i].pool_size;
	}
	cJSON_AddNumberToObject(c, "nodes", alive);
	cJSON_AddNumberToObject(c, "workers", workers);
	cJSON_AddNumberToObject(c, "busy", n_busy);
	return render_print_and_free(o);
}
