/*
 * spec_control.c — the job-control fields of a spec that say where and how
 * hard a job may run: `queue` (which named queue holds it), `limits`
 * (per-job resource limits, each bounded by the server's maxima), and
 * `unique_key` with `unique_while` (at most one such job at a time).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

struct spec_limits spec_limits_of(const struct config *cfg)
{
	return (struct spec_limits){ .default_timeout_s = cfg->default_timeout_s,
		.max_timeout_s = cfg->max_timeout_s, .max = cfg->max_limits, .job_dir = cfg->job_dir,
		/* On a cluster the largest live node's pool is the bound, checked
		 * by the dispatcher (dispatch_cmds.c) for specs above this one's. */
		.max_cpus = config_db_is_url(cfg->db_path) ? CONFIG_MAX_WORKERS : cfg->workers };
}

int spec_word_valid(const char *s, size_t max, const char *punct)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || strchr(punct, *p) != NULL))
			return 0;
	return 1;
}

int spec_queue_name_valid(const char *name)
{
	return spec_word_valid(name, SPEC_MAX_QUEUE_NAME, "_.:-");
}

int spec_queue_get(const cJSON *obj, const char *prefix, struct job_spec *out,
    struct spec_error *e)
{
	const cJSON *v = spec_field(obj, "queue");

	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) || !spec_queue_name_valid(v->valuestring))
		return spec_fail(e, prefix, "queue",
		    "queue must be a name of 1 to %d letters, digits, '_', '.', ':' or '-'",
		    SPEC_MAX_QUEUE_NAME);
	if ((out->queue = strdup(v->valuestring)) == NULL)
		return spec_fail(e, prefix, "queue", "out of memory");
	return 0;
}

/* With no maximum configured, limits still stay below absurd values. */
#define SPEC_LIMIT_CEILING ((int64_t)1 << 40)

static const char *const limit_fields[] = {
	"memory_mb", "cpu_s", "open_files", "processes", NULL,
};

static int get_limit(const cJSON *limits, const char *name, int64_t max, int64_t *out,
    const char *prefix, struct spec_error *e)
{
	const cJSON *v = spec_field(limits, name);
	char path[64];

	snprintf(path, sizeof(path), "limits.%s", name);
	*out = 0;
	if (v == NULL)
		return 0;
	if (max <= 0)
		max = SPEC_LIMIT_CEILING;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
		return spec_fail(e, prefix, path, "%s must be an integer", path);
	if (v->valuedouble < 1 || v->valuedouble > (double)max)
		return spec_fail(e, prefix, path,
		    "%s must be from 1 to %lld (the server's maximum)", path, (long long)max);
	*out = (int64_t)v->valuedouble;
	return 0;
}

int spec_job_limits_get(const cJSON *obj, const struct spec_limits *lim, const char *prefix,
    struct job_spec *out, struct spec_error *e)
{
	const cJSON *v = spec_field(obj, "limits");
	char sub[180];

	if (v == NULL)
		return 0;
	if (!cJSON_IsObject(v))
		return spec_fail(e, prefix, "limits",
		    "limits must be an object with memory_mb, cpu_s, open_files or processes");
	snprintf(sub, sizeof(sub), "%slimits.", prefix);
	if (spec_check_keys(v, limit_fields, sub, e) < 0 ||
	    get_limit(v, "memory_mb", lim->max.memory_mb, &out->limits.memory_mb, prefix, e) < 0 ||
	    get_limit(v, "cpu_s", lim->max.cpu_s, &out->limits.cpu_s, prefix, e) < 0 ||
	    get_limit(v, "open_files", lim->max.open_files, &out->limits.open_files, prefix, e) < 0 ||
	    get_limit(v, "processes", lim->max.processes, &out->limits.processes, prefix, e) < 0)
		return -1;
	return 0;
}

#define UNIQUE_KEY_CHARS "_.:/@=+-"

static int get_unique_while(const cJSON *v, const char *prefix, struct job_spec *out,
    struct spec_error *e)
{
	const cJSON *item;

	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return spec_fail(e, prefix, "unique_while", "unique_while must be a non-empty array "
		    "of job states");
	out->unique_while = 0;
	cJSON_ArrayForEach(item, v) {
		enum job_state st;
		if (!cJSON_IsString(item) || job_state_parse(item->valuestring, &st) < 0)
			return spec_fail(e, prefix, "unique_while", "unique_while: each entry must be "
			    "a job state: queued, running, succeeded, failed, timed_out or canceled");
		out->unique_while |= 1u << st;
	}
	if (!job_unique_while_valid(out->unique_while))
		return spec_fail(e, prefix, "unique_while", "unique_while must include queued and "
		    "running (a job is submitted queued, and a retry moves it from running back "
		    "to queued); add any of the final states");
	return 0;
}

int spec_unique_get(const cJSON *obj, const char *prefix, struct job_spec *out,
    struct spec_error *e)
{
	const cJSON *key = spec_field(obj, "unique_key"), *held = spec_field(obj, "unique_while");

	if (key == NULL) {
		if (held != NULL)
			return spec_fail(e, prefix, "unique_while", "unique_while needs a unique_key");
		return 0;
	}
	if (!cJSON_IsString(key) || !spec_word_valid(key->valuestring, JOB_UNIQUE_KEY_MAX,
					 UNIQUE_KEY_CHARS))
		return spec_fail(e, prefix, "unique_key", "unique_key must be 1 to %d letters, "
		    "digits or any of '%s'", JOB_UNIQUE_KEY_MAX, UNIQUE_KEY_CHARS);
	out->unique_while = JOB_UNIQUE_WHILE_DEFAULT;
	if (held != NULL && get_unique_while(held, prefix, out, e) < 0)
		return -1;
	if ((out->unique_key = strdup(key->valuestring)) == NULL)
		return spec_fail(e, prefix, "unique_key", "out of memory");
	return 0;
}
