/*
 * render.h — the only place jobd builds JSON: jobs, job lists, batches,
 * workers, stats and errors, exactly as API.md shows them. Each function
 * returns a malloc'd string (NULL when out of memory) that the caller frees.
 */
#ifndef JOBD_RENDER_H
#define JOBD_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/job.h"
#include "pool/pool.h"
#include "store/store_jobs.h"

struct stats_info {
	int workers, busy;
	int64_t counts[JOB_STATE_COUNT];
	int64_t submitted_total, finished_total;
	double uptime_s;
	bool draining;           /* this node claims nothing new (POST /v1/drain) */
};

struct queue_info;
struct schedule;

cJSON *render_job_object(const struct job *job);
char *render_job(const struct job *job);
/* The compact job object of a /v1/events `job` event (render_event.c). */
char *render_job_event(const struct job *job);
char *render_job_list(const struct job *jobs, int n, const char *next_url);
char *render_batch(const struct batch *b, const int64_t *job_ids, int n_ids);
/* {"batches": [batch, ...], "next": next_url or null}: each batch as render_batch
 * without job_ids. */
char *render_batch_list(const struct batch *batches, int n, const char *next_url);
/* {"deliveries": [...]}: a job's or batch's webhook deliveries with their
 * attempts (render_hooks.c). */
struct delivery;
char *render_deliveries(const struct delivery *ds, int n);
char *render_workers(const struct worker_info *w, int n, const char *size_source);
cJSON *render_workers_object(const struct worker_info *w, int n, const char *size_source);
struct node_info;
struct node_busy;
/* /v1/workers of a cluster node: this node's pool, "node" (this node) and
 * "nodes", each with its busy slots (render_nodes.c). */
char *render_cluster_workers(const struct worker_info *w, int n, const char *size_source,
    int64_t self_id, const struct node_info *nodes, int n_nodes, const struct node_busy *busy,
    int n_busy);
char *render_stats(const struct stats_info *s);
cJSON *render_stats_object(const struct stats_info *s);
/* /v1/stats of a cluster node: adds "cluster" {nodes, workers, busy} of the
 * live nodes; counts are the whole cluster's already (render_nodes.c). */
char *render_cluster_stats(const struct stats_info *s, const struct node_info *nodes,
    int n_nodes, int n_busy);
/* {"draining": b, "idle": b, "running": n}: this node's drain state, as
 * POST /v1/drain and /v1/resume answer and the `node` event carries. */
char *render_drain(bool draining, int running);
/* {"access": "read"|"write"}: what the request's token may do (whoami). */
char *render_access(bool read_only);
char *render_error(const char *code, const char *message, const char *field);
char *render_health(const char *status);

/* Queues and schedules (render_control.c). */
char *render_queue(const struct queue_info *q);
char *render_queue_list(const struct queue_info *qs, int n, bool strict);
cJSON *render_schedule_object(const struct schedule *s);
char *render_schedule(const struct schedule *s);
char *render_schedule_list(const struct schedule *s, int n);
/* {"deleted": "<what>", "id": id} */
char *render_deleted(const char *what, int64_t id);
/* A bulk action's answer: {"matched", done_key ("canceled" or "rerun"),
 * "batch_id" (rerun: the batch of the reruns, null if none), "dry_run"}. */
char *render_bulk(const char *done_key, int64_t matched, int64_t changed, int64_t batch_id,
    bool dry_run);

/* Building blocks shared by render*.c: null for the "unknown" value. */
void render_add_time(cJSON *o, const char *k, int64_t us);        /* RFC 3339; <= 0: null */
void render_add_int(cJSON *o, const char *k, int64_t v, int64_t null_value);
void render_add_ms(cJSON *o, const char *k, int64_t us);          /* < 0: null */
void render_add_str(cJSON *o, const char *k, const char *v);
void render_add_raw_json(cJSON *o, const char *k, const char *json, const char *fallback);
char *render_print_and_free(cJSON *o);

#endif
