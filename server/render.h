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

#include "job.h"
#include "store_jobs.h"

struct worker_info {
	int slot;
	int pid;             /* -1 while being replaced */
	bool busy;
	int64_t job_id;      /* 0 when idle */
	int64_t job_started_us;
	int64_t jobs_done;
	int64_t started_us;  /* when this worker process started */
};

struct stats_info {
	int workers, busy;
	int64_t counts[JOB_STATE_COUNT];
	int64_t submitted_total, finished_total;
	double uptime_s;
};

cJSON *render_job_object(const struct job *job);
char *render_job(const struct job *job);
char *render_job_list(const struct job *jobs, int n, const char *next_url);
char *render_batch(const struct batch *b, const int64_t *job_ids, int n_ids);
char *render_workers(const struct worker_info *w, int n, const char *size_source);
char *render_stats(const struct stats_info *s);
char *render_error(const char *code, const char *message, const char *field);
char *render_health(const char *status);

#endif
