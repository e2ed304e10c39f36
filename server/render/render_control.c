/*
 * render_control.c — JSON for the job-control resources: named queues and
 * cron schedules (see render.h; the job JSON is in render.c).
 */
#include "render.h"

#include <stdio.h>
#include <string.h>

#include "store/store_queues.h"
#include "time/schedule.h"

static cJSON *queue_object(const struct queue_info *q)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "name", q->name);
	render_add_int(o, "concurrency", q->concurrency, 0);
	cJSON_AddBoolToObject(o, "paused", q->paused);
	cJSON_AddNumberToObject(o, "queued", (double)q->queued);
	cJSON_AddNumberToObject(o, "running", (double)q->running);
	render_add_time(o, "created_at", q->created_us);
	render_add_time(o, "updated_at", q->updated_us);
	if (q->rate_limit <= 0) {
		cJSON_AddNullToObject(o, "rate");
		cJSON_AddNullToObject(o, "rate_used");
		cJSON_AddNullToObject(o, "rate_next_at");
		return o;
	}
	cJSON *rate = cJSON_AddObjectToObject(o, "rate");
	if (rate != NULL) {
		cJSON_AddNumberToObject(rate, "limit", q->rate_limit);
		cJSON_AddNumberToObject(rate, "period_s", q->rate_period_s);
	}
	cJSON_AddNumberToObject(o, "rate_used", (double)q->rate_used);
	render_add_time(o, "rate_next_at", q->rate_next_us);
	return o;
}

char *render_queue(const struct queue_info *q) { return render_print_and_free(queue_object(q)); }

char *render_queue_list(const struct queue_info *qs, int n, bool strict)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "queues");

	for (int i = 0; arr != NULL && i < n; i++)
		cJSON_AddItemToArray(arr, queue_object(&qs[i]));
	cJSON_AddBoolToObject(o, "strict", strict);
	return render_print_and_free(o);
}

cJSON *render_schedule_object(const struct schedule *s)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)s->id);
	render_add_str(o, "name", s->name);
	render_add_str(o, "cron", s->cron);
	render_add_str(o, "timezone", s->timezone);
	cJSON_AddStringToObject(o, "overlap", s->overlap);
	cJSON_AddStringToObject(o, "catch_up", s->catch_up);
	render_add_raw_json(o, "job", s->job, "null");
	cJSON_AddBoolToObject(o, "paused", s->paused);
	render_add_time(o, "next_run_at", s->next_run_us);
	render_add_time(o, "last_run_at", s->last_run_us);
	render_add_int(o, "last_job_id", s->last_job_id, 0);
	cJSON_AddNumberToObject(o, "runs", (double)s->runs);
	cJSON_AddNumberToObject(o, "skipped", (double)s->skipped);
	render_add_str(o, "last_error", s->last_error);
	render_add_time(o, "created_at", s->created_us);
	render_add_time(o, "updated_at", s->updated_us);
	return o;
}

char *render_schedule(const struct schedule *s)
{
	return render_print_and_free(render_schedule_object(s));
}

char *render_deleted(const char *what, int64_t id)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "deleted", what);
	cJSON_AddNumberToObject(o, "id", (double)id);
	return render_print_and_free(o);
}

char *render_schedule_list(const struct schedule *s, int n)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "schedules");

	for (int i = 0; arr != NULL && i < n; i++)
		cJSON_AddItemToArray(arr, render_schedule_object(&s[i]));
	return render_print_and_free(o);
}

char *render_bulk(const char *done_key, int64_t matched, int64_t changed, int64_t batch_id,
    bool dry_run)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "matched", (double)matched);
	cJSON_AddNumberToObject(o, done_key, (double)changed);
	if (strcmp(done_key, "rerun") == 0)
		render_add_int(o, "batch_id", batch_id, 0);
	cJSON_AddBoolToObject(o, "dry_run", dry_run);
	return render_print_and_free(o);
}
