/*
 * spec.c — validation of job and batch submissions (see spec.h).
 */
#include "spec.h"

#include "common/clock.h"
#include "common/utf8.h"
#include "pool/run_msg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int spec_fail(struct spec_error *e, const char *prefix, const char *field, const char *fmt, ...)
{
	va_list ap;

	e->invalid_json = 0;
	snprintf(e->field, sizeof(e->field), "%s%s", prefix, field);
	e->field[utf8_cut(e->field, sizeof(e->field) - 1)] = '\0';
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	e->message[utf8_cut(e->message, sizeof(e->message) - 1)] = '\0';
	return -1;
}



static int has_nul(const char *s) { return s != NULL && strstr(s, SPEC_NUL_MARK) != NULL; }

/* Rejects unknown and duplicate keys; known is NULL-terminated. */
int spec_check_keys(const cJSON *obj, const char *const *known, const char *prefix,
    struct spec_error *e)
{
	for (const cJSON *it = obj->child; it != NULL; it = it->next) {
		int ok = 0;
		for (const char *const *k = known; *k != NULL; k++)
			ok |= strcmp(it->string, *k) == 0;
		if (!ok)
			return spec_fail(e, prefix, it->string, "unknown field \"%s\"", it->string);
		for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
			if (strcmp(prev->string, it->string) == 0)
				return spec_fail(e, prefix, it->string, "duplicate field \"%s\"", it->string);
	}
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, duplicates are neighbours: O(n log n), where comparing each key
 * with every earlier one took seconds for 40,000 keys on an HTTP thread. */
int spec_find_duplicate_name(const cJSON *obj, const char **dup)
{
	size_t n = (size_t)cJSON_GetArraySize(obj), i = 0;
	const char **names;

	*dup = NULL;
	if (n < 2)
		return 0;
	if ((names = malloc(n * sizeof(*names))) == NULL)
		return -1;
	for (const cJSON *it = obj->child; it != NULL && i < n; it = it->next)
		names[i++] = it->string;
	qsort(names, i, sizeof(*names), compare_names);
	for (size_t k = 1; k < i && *dup == NULL; k++)
		if (strcmp(names[k - 1], names[k]) == 0)
			*dup = names[k];
	free(names);
	return 0;
}

/* Present and not null. */
const cJSON *spec_field(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return v == NULL || cJSON_IsNull(v) ? NULL : v;
}

static int get_int(const cJSON *obj, const char *name, int min, int max, int def, int *out,
    const char *prefix, struct spec_error *e)
{
	const cJSON *v = spec_field(obj, name);
	*out = def;
	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
		return spec_fail(e, prefix, name, "%s must be an integer", name);
	if (v->valuedouble < min || v->valuedouble > max)
		return spec_fail(e, prefix, name, "%s must be from %d to %d", name, min, max);
	*out = (int)v->valuedouble;
	return 0;
}

static int get_string(const cJSON *obj, const char *name, char **out, const char *prefix,
    struct spec_error *e)
{
	const cJSON *v = spec_field(obj, name);
	*out = NULL;
	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v))
		return spec_fail(e, prefix, name, "%s must be a string", name);
	if (has_nul(v->valuestring))
		return spec_fail(e, prefix, name, "%s must not contain NUL (\\u0000)", name);
	if ((*out = strdup(v->valuestring)) == NULL)
		return spec_fail(e, prefix, name, "out of memory");
	return 0;
}

static int get_command(const cJSON *obj, struct job_spec *out, const char *prefix,
    struct spec_error *e)
{
	const cJSON *v = spec_field(obj, "command");

	if (v == NULL)
		return spec_fail(e, prefix, "command", "command is required");
	if (cJSON_IsString(v)) {
		if (v->valuestring[0] == '\0')
			return spec_fail(e, prefix, "command", "command must not be empty");
		if (has_nul(v->valuestring))
			return spec_fail(e, prefix, "command", "command must not contain NUL (\\u0000)");
	} else if (cJSON_IsArray(v)) {
		int i = 0;
		if (v->child == NULL)
			return spec_fail(e, prefix, "command", "command must not be an empty array");
		for (const cJSON *a = v->child; a != NULL; a = a->next, i++) {
			char sub[32];
			snprintf(sub, sizeof(sub), "command[%d]", i);
			if (!cJSON_IsString(a))
				return spec_fail(e, prefix, sub, "%s must be a string", sub);
			if (has_nul(a->valuestring))
				return spec_fail(e, prefix, sub, "%s must not contain NUL (\\u0000)", sub);
		}
		if (v->child->valuestring[0] == '\0')
			return spec_fail(e, prefix, "command[0]", "the program name must not be empty");
	} else {
		return spec_fail(e, prefix, "command",
		    "command must be an array of strings (argv) or a string (run by /bin/sh -c)");
	}
	if ((out->command = cJSON_PrintUnformatted(v)) == NULL)
		return spec_fail(e, prefix, "command", "out of memory");
	return 0;
}

#define ENV_FIELD_LEN 160

/* "env.NAME", the field an error names, with a long name cut. */
static void env_field(char sub[ENV_FIELD_LEN], const char *name)
{
	snprintf(sub, ENV_FIELD_LEN, "env.%.*s", (int)utf8_cut(name, 100), name);
}

static int get_env(const cJSON *obj, struct job_spec *out, const char *prefix,
    struct spec_error *e)
{
	const cJSON *v = spec_field(obj, "env");

	if (v == NULL)
		return (out->env = strdup("{}")) ? 0 : spec_fail(e, prefix, "env", "out of memory");
	if (!cJSON_IsObject(v))
		return spec_fail(e, prefix, "env", "env must be an object of strings");
	int n = cJSON_GetArraySize(v);
	if (n > SPEC_MAX_ENV)
		return spec_fail(e, prefix, "env", "env has %d variables; at most %d", n, SPEC_MAX_ENV);
	for (const cJSON *it = v->child; it != NULL; it = it->next) {
		char sub[ENV_FIELD_LEN];
		env_field(sub, it->string);
		if (!cJSON_IsString(it))
			return spec_fail(e, prefix, sub, "%s must be a string", sub);
		if (has_nul(it->string) || has_nul(it->valuestring))
			return spec_fail(e, prefix, sub, "%s must not contain NUL (\\u0000)", sub);
		if (it->string[0] == '\0' || strchr(it->string, '=') != NULL)
			return spec_fail(e, prefix, sub, "environment names must be non-empty, without '='");
	}
	const char *dup;
	if (spec_find_duplicate_name(v, &dup) < 0)
		return spec_fail(e, prefix, "env", "out of memory");
	if (dup != NULL) {
		char sub[ENV_FIELD_LEN];
		env_field(sub, dup);
		return spec_fail(e, prefix, sub, "duplicate variable \"%s\"", dup);
	}
	if ((out->env = cJSON_PrintUnformatted(v)) == NULL)
		return spec_fail(e, prefix, "env", "out of memory");
	return 0;
}

static int get_timeout(const cJSON *obj, const struct spec_limits *lim, struct job_spec *out,
    const char *prefix, struct spec_error *e)
{
	const cJSON *v = spec_field(obj, "timeout_s");

	out->timeout_s = lim->default_timeout_s;
	if (v == NULL)
		return 0;
	if (!cJSON_IsNumber(v))
		return spec_fail(e, prefix, "timeout_s", "timeout_s must be a number");
	if (!(v->valuedouble > 0) || v->valuedouble > lim->max_timeout_s)
		return spec_fail(e, prefix, "timeout_s", "timeout_s must be > 0 and <= %g",
		    lim->max_timeout_s);
	out->timeout_s = v->valuedouble;
	return 0;
}

static const char *const job_fields[] = {
	"command", "name", "env", "cwd", "stdin", "timeout_s", "priority", "max_attempts",
	"run_at", "delay_s", "retry_backoff_s", "after", "after_index", "queue", "limits",
	"unique_key", "unique_while", "tags", "notify", "cpus", NULL,
};

#define SPEC_MAX_DELAY_S (366.0 * 86400)
#define SPEC_MAX_BACKOFF_S 86400.0

/* run_at (RFC 3339) or delay_s (seconds from now), not both. */
static int get_start(const cJSON *obj, struct job_spec *out, const char *prefix,
    struct spec_error *e)
{
	const cJSON *at = spec_field(obj, "run_at"), *delay = spec_field(obj, "delay_s");
	int64_t now = clock_wall_us();

	if (at && delay)
		return spec_fail(e, prefix, "delay_s", "give run_at or delay_s, not both");
	if (at) {
		if (!cJSON_IsString(at) || (out->run_at_us = clock_parse_rfc3339(at->valuestring)) < 0)
			return spec_fail(e, prefix, "run_at",
			    "run_at must be an RFC 3339 time such as 2026-11-24T21:04:32Z");
		if (out->run_at_us > now + (int64_t)(SPEC_MAX_DELAY_S * 1e6))
			return spec_fail(e, prefix, "run_at", "run_at must be within a year");
	}
	if (delay) {
		if (!cJSON_IsNumber(delay) || !(delay->valuedouble >= 0) ||
		    delay->valuedouble > SPEC_MAX_DELAY_S)
			return spec_fail(e, prefix, "delay_s", "delay_s must be a number from 0 to %g",
			    SPEC_MAX_DELAY_S);
		if (delay->valuedouble > 0)
			out->run_at_us = now + (int64_t)(delay->valuedouble * 1e6);
	}
	const cJSON *b = spec_field(obj, "retry_backoff_s");
	if (b && (!cJSON_IsNumber(b) || !(b->valuedouble > 0) || b->valuedouble > SPEC_MAX_BACKOFF_S))
		return spec_fail(e, prefix, "retry_backoff_s", "retry_backoff_s must be > 0 and <= %g",
		    SPEC_MAX_BACKOFF_S);
	out->retry_backoff_s = b ? b->valuedouble : 0;
	return 0;
}

/* A --max-body above the worker protocol's limit lets through a job whose
 * RUN message no worker takes: it would be lost on every attempt. Refused
 * here, naming the largest of the fields that make the message. */
static int check_run_size(const struct job_spec *s, const struct spec_limits *lim,
    const char *prefix, struct spec_error *e)
{
	struct job job = { .command = s->command, .env = s->env, .cwd = s->cwd,
		.stdin_data = s->stdin_data, .stdin_len = s->stdin_len, .attempts = s->max_attempts };
	size_t size = run_msg_size(&job, lim->job_dir);

	if (size <= run_msg_max())
		return 0;
	const char *field = "command";
	size_t most = strlen(s->command);
	if (s->env && strlen(s->env) > most) {
		field = "env";
		most = strlen(s->env);
	}
	if (s->stdin_len > most) {
		field = "stdin";
		most = s->stdin_len;
	}
	if (s->cwd && strlen(s->cwd) > most)
		field = "cwd";
	return spec_fail(e, prefix, field,
	    "command, env, cwd and stdin together make a %zu-byte message to the worker, over "
	    "its limit of %zu bytes: the job could never run", size, run_msg_max());
}

/* cpus of obj: 1 to the largest pool, def when absent (a batch's). */
static int get_cpus(const cJSON *obj, const struct spec_limits *lim, int def, int *out,
    const char *prefix, struct spec_error *e)
{
	return get_int(obj, "cpus", 1, lim->max_cpus > 0 ? lim->max_cpus : 1, def, out, prefix, e);
}

/* spec_job, with the tags (NULL: none) and cpus of the batch obj is in. */
static int job_in(const cJSON *obj, const struct spec_limits *lim, const char *prefix,
    const cJSON *batch_tags, int batch_cpus, struct job_spec *out, struct spec_error *e)
{
	memset(out, 0, sizeof(*out));
	memset(e, 0, sizeof(*e));
	if (!cJSON_IsObject(obj)) {
		spec_fail(e, "", prefix, "a job spec must be a JSON object");
		size_t l = strlen(e->field);
		if (l > 0 && e->field[l - 1] == '.')
			e->field[l - 1] = '\0';
		return -1;
	}
	if (spec_check_keys(obj, job_fields, prefix, e) < 0 || get_command(obj, out, prefix, e) < 0 ||
	    get_string(obj, "name", &out->name, prefix, e) < 0 ||
	    get_env(obj, out, prefix, e) < 0 || get_string(obj, "cwd", &out->cwd, prefix, e) < 0 ||
	    get_string(obj, "stdin", &out->stdin_data, prefix, e) < 0 ||
	    get_timeout(obj, lim, out, prefix, e) < 0 ||
	    get_int(obj, "priority", -1000, 1000, 0, &out->priority, prefix, e) < 0 ||
	    get_int(obj, "max_attempts", 1, 10, 1, &out->max_attempts, prefix, e) < 0 ||
	    get_start(obj, out, prefix, e) < 0 || spec_queue_get(obj, prefix, out, e) < 0 ||
	    spec_job_limits_get(obj, lim, prefix, out, e) < 0 ||
	    spec_unique_get(obj, prefix, out, e) < 0 ||
	    spec_deps_get(obj, prefix, prefix[0] != '\0', out, e) < 0 ||
	    spec_tags_get(obj, batch_tags, prefix, out, e) < 0 ||
	    spec_notify_get(obj, false, prefix, &out->notify, e) < 0 ||
	    get_cpus(obj, lim, batch_cpus, &out->cpus, prefix, e) < 0)
		goto bad;
	if (out->name && spec_utf8_chars(out->name) > SPEC_MAX_NAME) {
		spec_fail(e, prefix, "name", "name must be at most %d characters", SPEC_MAX_NAME);
		goto bad;
	}
	if (out->cwd && out->cwd[0] != '/') {
		spec_fail(e, prefix, "cwd", "cwd must be an absolute path");
		goto bad;
	}
	out->stdin_len = out->stdin_data ? strlen(out->stdin_data) : 0;
	if (check_run_size(out, lim, prefix, e) < 0)
		goto bad;
	return 0;
bad:
	job_spec_free(out);
	return -1;
}

int spec_job(const cJSON *obj, const struct spec_limits *lim, const char *prefix,
    struct job_spec *out, struct spec_error *e)
{
	return job_in(obj, lim, prefix, NULL, 1, out, e);
}

static const char *const batch_fields[] = { "name", "notify", "jobs", "tags", "cpus", NULL };

int spec_batch(const cJSON *root, const struct spec_limits *lim, char **name,
    char **notify, struct job_spec **specs, size_t *n, struct spec_error *e)
{
	const cJSON *jobs;
	size_t count, i = 0;
	int cpus;

	*name = NULL;
	*notify = NULL;
	*specs = NULL;
	*n = 0;
	memset(e, 0, sizeof(*e));
	if (!cJSON_IsObject(root))
		return spec_fail(e, "", "", "the body must be a JSON object");
	if (spec_check_keys(root, batch_fields, "", e) < 0 || get_string(root, "name", name, "", e) < 0 ||
	    spec_notify_get(root, true, "", notify, e) < 0 || get_cpus(root, lim, 1, &cpus, "", e) < 0)
		goto bad;
	if (*name && spec_utf8_chars(*name) > SPEC_MAX_NAME) {
		spec_fail(e, "", "name", "name must be at most %d characters", SPEC_MAX_NAME);
		goto bad;
	}
	const cJSON *tags = spec_field(root, "tags");
	if (tags != NULL && spec_tags_check(tags, "", e) < 0)
		goto bad;
	jobs = spec_field(root, "jobs");
	if (!cJSON_IsArray(jobs)) {
		spec_fail(e, "", "jobs", "jobs must be an array of job specs");
		goto bad;
	}
	count = (size_t)cJSON_GetArraySize(jobs);
	if (count < 1 || count > SPEC_MAX_BATCH) {
		spec_fail(e, "", "jobs", "jobs must hold 1 to %d specs", SPEC_MAX_BATCH);
		goto bad;
	}
	if ((*specs = calloc(count, sizeof(**specs))) == NULL) {
		spec_fail(e, "", "jobs", "out of memory");
		goto bad;
	}
	for (const cJSON *it = jobs->child; it != NULL; it = it->next, i++) {
		char prefix[32];
		snprintf(prefix, sizeof(prefix), "jobs[%zu].", i);
		if (job_in(it, lim, prefix, tags, cpus, &(*specs)[i], e) < 0)
			goto bad;
		(*specs)[i].notify_batch = *notify != NULL;
	}
	if (spec_deps_check_batch(*specs, count, e) < 0)
		goto bad;
	*n = count;
	return 0;
bad:
	for (size_t k = 0; *specs != NULL && k < i; k++)
		job_spec_free(&(*specs)[k]);
	free(*specs);
	free(*name);
	free(*notify);
	*specs = NULL;
	*name = NULL;
	*notify = NULL;
	return -1;
}
