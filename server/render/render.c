/*
 * render.c — struct job, batch, workers and stats to JSON (see render.h).
 * Times: RFC 3339 UTC with milliseconds; durations: milliseconds with
 * microsecond fractions; unknown values: null.
 */
#include "render.h"

#include <stdlib.h>

#include "common/clock.h"
#include "common/utf8.h"

void render_add_time(cJSON *o, const char *k, int64_t us)
{
	char buf[CLOCK_RFC3339_LEN];

	if (us <= 0) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	clock_format_rfc3339(us, buf);
	cJSON_AddStringToObject(o, k, buf);
}

void render_add_int(cJSON *o, const char *k, int64_t v, int64_t null_value)
{
	if (v == null_value)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, (double)v);
}

void render_add_ms(cJSON *o, const char *k, int64_t us)
{
	if (us < 0)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, (double)us / 1000.0);
}

void render_add_str(cJSON *o, const char *k, const char *v)
{
	if (v == NULL)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddStringToObject(o, k, v);
}

/* Stored JSON text (command, env, a schedule's job) into the tree as it is:
 * jobd wrote it with cJSON_PrintUnformatted after validating it, so parsing
 * and printing it again would give the same bytes at the cost of a tree per
 * field per job. Its bytes still pass render_print_and_free's UTF-8 check. */
void render_add_raw_json(cJSON *o, const char *k, const char *json, const char *fallback)
{
	cJSON_AddRawToObject(o, k, json != NULL && json[0] != '\0' ? json : fallback);
}

/* "slots": the worker slots the job's last attempt held, its worker's first
 * (the stored list of a multi-core job, else [worker]); null before any. */
static void add_slots(cJSON *o, const struct job *j)
{
	if (j->slots != NULL)
		render_add_raw_json(o, "slots", j->slots, "null");
	else if (j->worker < 0)
		cJSON_AddNullToObject(o, "slots");
	else {
		cJSON *a = cJSON_AddArrayToObject(o, "slots");
		if (a != NULL)
			cJSON_AddItemToArray(a, cJSON_CreateNumber(j->worker));
	}
}

cJSON *render_job_object(const struct job *j)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)j->id);
	render_add_str(o, "name", j->name);
	render_add_int(o, "batch_id", j->batch_id, 0);
	render_add_raw_json(o, "command", j->command, "null");
	render_add_raw_json(o, "env", j->env, "{}");
	render_add_str(o, "cwd", j->cwd);
	cJSON_AddStringToObject(o, "state", job_state_name(j->state));
	cJSON_AddNumberToObject(o, "priority", j->priority);
	cJSON_AddNumberToObject(o, "timeout_s", j->timeout_s);
	cJSON_AddNumberToObject(o, "max_attempts", j->max_attempts);
	cJSON_AddNumberToObject(o, "attempts", j->attempts);
	render_add_int(o, "worker", j->worker, -1);
	cJSON_AddNumberToObject(o, "cpus", j->cpus > 1 ? j->cpus : 1);
	add_slots(o, j);
	render_add_int(o, "pid", j->pid, -1);
	render_add_int(o, "exit_code", j->exit_code, -1);
	render_add_int(o, "signal", j->term_signal, -1);
	render_add_str(o, "error", j->error);
	cJSON_AddBoolToObject(o, "cancel_requested", j->cancel_requested);
	render_add_time(o, "created_at", j->created_us);
	render_add_time(o, "started_at", j->started_us);
	render_add_time(o, "finished_at", j->finished_us);
	render_add_ms(o, "queue_ms", j->started_us > 0 ? j->started_us - j->queued_us : -1);
	render_add_ms(o, "run_ms", j->run_us);
	render_add_ms(o, "cpu_user_ms", j->cpu_user_us);
	render_add_ms(o, "cpu_sys_ms", j->cpu_sys_us);
	render_add_int(o, "max_rss_kb", j->max_rss_kb, -1);
	render_add_int(o, "stdout_bytes", j->stdout_bytes, -1);
	render_add_int(o, "stderr_bytes", j->stderr_bytes, -1);
	render_add_time(o, "run_at", j->run_at_us);
	render_add_time(o, "next_attempt_at",
	    j->state == JOB_QUEUED && j->attempts > 0 ? j->wait_until_us : 0);
	if (j->retry_backoff_s > 0)
		cJSON_AddNumberToObject(o, "retry_backoff_s", j->retry_backoff_s);
	else
		cJSON_AddNullToObject(o, "retry_backoff_s");
	render_add_int(o, "rerun_of", j->rerun_of, 0);
	cJSON *after = cJSON_AddArrayToObject(o, "after");
	for (int i = 0; after != NULL && i < j->n_after; i++)
		cJSON_AddItemToArray(after, cJSON_CreateNumber((double)j->after[i]));
	/* blocked counts only while the job waits; a finished job waits for nothing. */
	cJSON_AddNumberToObject(o, "blocked_by", j->state == JOB_QUEUED ? j->blocked : 0);
	render_add_str(o, "queue", j->queue ? j->queue : "default");
	render_add_raw_json(o, "tags", j->tags, "{}");
	cJSON *lim = cJSON_AddObjectToObject(o, "limits");
	if (lim != NULL) {
		render_add_int(lim, "memory_mb", j->limits.memory_mb, 0);
		render_add_int(lim, "cpu_s", j->limits.cpu_s, 0);
		render_add_int(lim, "open_files", j->limits.open_files, 0);
		render_add_int(lim, "processes", j->limits.processes, 0);
	}
	render_add_int(o, "schedule_id", j->schedule_id, 0);
	cJSON_AddBoolToObject(o, "output_purged", j->output_purged);
	render_add_int(o, "node_id", j->node_id, 0);
	render_add_str(o, "unique_key", j->unique_key);
	cJSON *held = j->unique_key ? cJSON_AddArrayToObject(o, "unique_while")
				   : cJSON_AddNullToObject(o, "unique_while");
	for (int s = 0; j->unique_key && held != NULL && s < JOB_STATE_COUNT; s++)
		if (j->unique_while & (1u << s))
			cJSON_AddItemToArray(held, cJSON_CreateString(job_state_name((enum job_state)s)));
	render_add_raw_json(o, "notify", j->notify, "null");
	return o;
}

/* Every JSON jobd sends passes here. cJSON copies string bytes as they
 * are, and what is stored may not be UTF-8 (a row written before cuts kept
 * characters whole, or bytes a user sent): one bad byte would make the
 * whole page undecodable, so ill-formed sequences go out as U+FFFD. */
char *render_print_and_free(cJSON *o)
{
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	return utf8_sanitize(s);
}

char *render_job(const struct job *j) { return render_print_and_free(render_job_object(j)); }

char *render_job_list(const struct job *jobs, int n, const char *next_url)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "jobs");

	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, render_job_object(&jobs[i]));
	render_add_str(o, "next", next_url);
	return render_print_and_free(o);
}

static cJSON *counts_object(const int64_t counts[JOB_STATE_COUNT])
{
	cJSON *c = cJSON_CreateObject();
	for (int s = 0; s < JOB_STATE_COUNT; s++)
		cJSON_AddNumberToObject(c, job_state_name((enum job_state)s), (double)counts[s]);
	return c;
}

static cJSON *render_batch_object(const struct batch *b)
{
	cJSON *o = cJSON_CreateObject();
	int64_t done = 0;

	if (o == NULL)
		return NULL;
	for (int s = 0; s < JOB_STATE_COUNT; s++)
		if (job_state_is_final((enum job_state)s))
			done += b->counts[s];
	bool finished = done == b->total;
	int64_t makespan = finished && b->first_start_us > 0 ? b->last_finish_us - b->first_start_us : -1;

	cJSON_AddNumberToObject(o, "id", (double)b->id);
	render_add_str(o, "name", b->name);
	cJSON_AddNumberToObject(o, "total", b->total);
	render_add_int(o, "rerun_of", b->rerun_of, 0);
	cJSON_AddItemToObject(o, "counts", counts_object(b->counts));
	render_add_time(o, "created_at", b->created_us);
	render_add_time(o, "started_at", b->first_start_us);
	render_add_time(o, "finished_at", finished ? b->last_finish_us : 0);
	render_add_ms(o, "makespan_ms", makespan);
	render_add_ms(o, "total_run_ms", b->total_run_us);
	if (makespan > 0)
		cJSON_AddNumberToObject(o, "speedup", (double)b->total_run_us / (double)makespan);
	else
		cJSON_AddNullToObject(o, "speedup");
	return o;
}

/* "[1,2,3]": ids as raw JSON (malloc'd), digits written here — cJSON
 * prints each number with a printf and reads it back with a scanf, a tenth
 * of the answer to a 10,000-job batch. */
static char *ids_json(const int64_t *ids, int n)
{
	char *text = malloc((size_t)n * 21 + 3), *p = text;

	if (text == NULL)
		return NULL;
	*p++ = '[';
	for (int i = 0; i < n; i++) {
		char digits[20];
		int k = 0;
		uint64_t v = ids[i] < 0 ? 0 : (uint64_t)ids[i]; /* ids are positive */
		do
			digits[k++] = (char)('0' + v % 10);
		while ((v /= 10) > 0);
		if (i > 0)
			*p++ = ',';
		while (k > 0)
			*p++ = digits[--k];
	}
	*p++ = ']';
	*p = '\0';
	return text;
}

char *render_batch(const struct batch *b, const int64_t *job_ids, int n_ids)
{
	cJSON *o = render_batch_object(b);

	if (o != NULL && job_ids != NULL) {
		char *ids = ids_json(job_ids, n_ids);
		if (ids == NULL || cJSON_AddRawToObject(o, "job_ids", ids) == NULL) {
			cJSON_Delete(o);
			o = NULL;
		}
		free(ids);
	}
	return render_print_and_free(o);
}

char *render_batch_list(const struct batch *batches, int n, const char *next_url)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "batches");

	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, render_batch_object(&batches[i]));
	render_add_str(o, "next", next_url);
	return render_print_and_free(o);
}

char *render_workers(const struct worker_info *w, int n, const char *size_source)
{
	return render_print_and_free(render_workers_object(w, n, size_source));
}

cJSON *render_workers_object(const struct worker_info *w, int n, const char *size_source)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *arr;

	cJSON_AddNumberToObject(o, "size", n);
	cJSON_AddStringToObject(o, "size_source", size_source);
	arr = cJSON_AddArrayToObject(o, "workers");
	for (int i = 0; i < n; i++) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "slot", w[i].slot);
		render_add_int(x, "pid", w[i].pid, -1);
		cJSON_AddStringToObject(x, "state", w[i].busy ? "busy" : "idle");
		render_add_int(x, "job_id", w[i].job_id, 0);
		render_add_time(x, "job_started_at", w[i].busy ? w[i].job_started_us : 0);
		cJSON_AddNumberToObject(x, "jobs_done", (double)w[i].jobs_done);
		render_add_time(x, "started_at", w[i].started_us);
		cJSON_AddItemToArray(arr, x);
	}
	return o;
}

char *render_stats(const struct stats_info *s)
{
	return render_print_and_free(render_stats_object(s));
}

cJSON *render_stats_object(const struct stats_info *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "workers", s->workers);
	cJSON_AddNumberToObject(o, "busy", s->busy);
	cJSON_AddItemToObject(o, "counts", counts_object(s->counts));
	cJSON_AddNumberToObject(o, "submitted_total", (double)s->submitted_total);
	cJSON_AddNumberToObject(o, "finished_total", (double)s->finished_total);
	cJSON_AddNumberToObject(o, "uptime_s", s->uptime_s);
	cJSON_AddBoolToObject(o, "draining", s->draining);
	cJSON_AddBoolToObject(o, "idle", s->busy == 0);
	return o;
}

char *render_error(const char *code, const char *message, const char *field)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *e = cJSON_AddObjectToObject(o, "error");

	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", message);
	if (field != NULL && field[0] != '\0')
		cJSON_AddStringToObject(e, "field", field);
	return render_print_and_free(o);
}

char *render_drain(bool draining, int running)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "draining", draining);
	cJSON_AddBoolToObject(o, "idle", running == 0);
	cJSON_AddNumberToObject(o, "running", running);
	return render_print_and_free(o);
}

char *render_access(bool read_only)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "access", read_only ? "read" : "write");
	return render_print_and_free(o);
}

char *render_health(const char *status)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", status);
	return render_print_and_free(o);
}
