/*
 * spec_schedule.c — validation of POST /v1/schedules: the cron expression
 * (cron_parse.c), the time zone (tz.c), overlap and catch_up, and the job spec
 * each firing submits — checked now with the same rules as POST /v1/jobs,
 * and again at each firing. A scheduled job may not name a fixed time
 * (run_at) or fixed dependencies (after, after_index): every firing would
 * repeat them. delay_s is fine: it counts from the firing.
 */
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "time/cron.h"
#include "time/tz.h"

static const char *const schedule_fields[] = {
	"name", "cron", "timezone", "overlap", "catch_up", "job", "paused", NULL,
};

static int get_choice(const cJSON *root, const char *name, const char *a, const char *b,
    char *out, size_t cap, struct spec_error *e)
{
	const cJSON *v = spec_field(root, name);

	if (v == NULL) {
		snprintf(out, cap, "%s", a);
		return 0;
	}
	if (!cJSON_IsString(v) || (strcmp(v->valuestring, a) != 0 && strcmp(v->valuestring, b) != 0))
		return spec_fail(e, "", name, "%s must be \"%s\" or \"%s\"", name, a, b);
	snprintf(out, cap, "%s", v->valuestring);
	return 0;
}

static int get_text(const cJSON *root, const char *name, const char *def, char **out,
    struct spec_error *e)
{
	const cJSON *v = spec_field(root, name);

	if (v == NULL && def == NULL)
		return spec_fail(e, "", name, "%s is required", name);
	if (v != NULL && !cJSON_IsString(v))
		return spec_fail(e, "", name, "%s must be a string", name);
	const char *s = v ? v->valuestring : def;
	if (strstr(s, SPEC_NUL_MARK) != NULL)
		return spec_fail(e, "", name, "%s must not contain NUL (\\u0000)", name);
	if ((*out = strdup(s)) == NULL)
		return spec_fail(e, "", name, "out of memory");
	return 0;
}

static int check_job(const cJSON *job, const struct spec_limits *lim, struct spec_error *e)
{
	static const char *const fixed[] = { "run_at", "after", "after_index" };
	struct job_spec spec;

	if (!cJSON_IsObject(job))
		return spec_fail(e, "", "job", "job must be a job spec object, as for POST /v1/jobs");
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (spec_field(job, fixed[i]) != NULL)
			return spec_fail(e, "job.", fixed[i],
			    "a scheduled job cannot have %s: every firing would repeat it", fixed[i]);
	if (spec_job(job, lim, "job.", &spec, e) < 0)
		return -1;
	job_spec_free(&spec);
	return 0;
}

int spec_schedule(const cJSON *root, const struct spec_limits *lim, struct schedule *out,
    struct spec_error *e)
{
	char err[ERR_LEN];
	struct cron cron;

	memset(out, 0, sizeof(*out));
	memset(e, 0, sizeof(*e));
	if (!cJSON_IsObject(root))
		return spec_fail(e, "", "", "the body must be a JSON object");
	if (spec_check_keys(root, schedule_fields, "", e) < 0 ||
	    get_text(root, "cron", NULL, &out->cron, e) < 0 ||
	    get_text(root, "timezone", "UTC", &out->timezone, e) < 0 ||
	    get_text(root, "name", "", &out->name, e) < 0 ||
	    get_choice(root, "overlap", "skip", "allow", out->overlap, sizeof(out->overlap), e) < 0 ||
	    get_choice(root, "catch_up", "none", "once", out->catch_up, sizeof(out->catch_up), e) < 0)
		goto bad;
	if (out->name[0] == '\0') {
		free(out->name);
		out->name = NULL;
	} else if (spec_utf8_chars(out->name) > SPEC_MAX_NAME) {
		spec_fail(e, "", "name", "name must be at most %d characters", SPEC_MAX_NAME);
		goto bad;
	}
	if (cron_parse(out->cron, &cron, err) < 0) {
		spec_fail(e, "", "cron", "%s", err);
		goto bad;
	}
	struct tz *tz = tz_load(out->timezone, err);
	if (tz == NULL) {
		spec_fail(e, "", "timezone", "%s", err);
		goto bad;
	}
	tz_free(tz);
	const cJSON *paused = spec_field(root, "paused");
	if (paused != NULL && !cJSON_IsBool(paused)) {
		spec_fail(e, "", "paused", "paused must be true or false");
		goto bad;
	}
	out->paused = cJSON_IsTrue(paused);
	const cJSON *job = spec_field(root, "job");
	if (job == NULL) {
		spec_fail(e, "", "job", "job is required: the job spec each firing submits");
		goto bad;
	}
	if (check_job(job, lim, e) < 0)
		goto bad;
	if ((out->job = cJSON_PrintUnformatted(job)) == NULL) {
		spec_fail(e, "", "job", "out of memory");
		goto bad;
	}
	return 0;
bad:
	schedule_free(out);
	return -1;
}
