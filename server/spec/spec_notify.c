/*
 * spec_notify.c — the `notify` field of a job spec and of a batch spec
 * (completion webhooks, issue 17 section 3): {"url": "http(s)://…",
 * "events": [...]}. The URL is http or https, at most SPEC_MAX_NOTIFY_URL
 * bytes, without spaces or control characters; a job's events are final
 * states (default: all of them), a batch's only "completed". What is kept
 * is canonical JSON with the events spelled out, which the dispatcher reads
 * back with spec_notify_read when a job ends. Owns no state.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spec.h"

static const char *const notify_fields[] = { "url", "events", NULL };

/* Bit of an event in a mask: a job's final state, or a batch's completion. */
#define BATCH_EVENT_BIT SPEC_NOTIFY_BATCH_COMPLETED

static int event_bit(const char *name, bool batch, unsigned *bit)
{
	enum job_state s;

	if (batch) {
		*bit = BATCH_EVENT_BIT;
		return strcmp(name, "completed") == 0 ? 0 : -1;
	}
	if (job_state_parse(name, &s) < 0 || !job_state_is_final(s))
		return -1;
	*bit = 1u << s;
	return 0;
}

static int check_url(const char *url, const char *prefix, struct spec_error *e)
{
	size_t len = strlen(url), scheme;

	if (strncasecmp(url, "http://", 7) == 0)
		scheme = 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		scheme = 8;
	else
		return spec_fail(e, prefix, "notify.url", "notify.url must start with http:// or https://");
	if (len > SPEC_MAX_NOTIFY_URL)
		return spec_fail(e, prefix, "notify.url", "notify.url must be at most %d bytes",
		    SPEC_MAX_NOTIFY_URL);
	if (len == scheme || url[scheme] == '/')
		return spec_fail(e, prefix, "notify.url", "notify.url must name a host");
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return spec_fail(e, prefix, "notify.url",
			    "notify.url must not hold spaces or control characters");
	return 0;
}

static int get_events(const cJSON *obj, bool batch, unsigned *mask, const char *prefix,
    struct spec_error *e)
{
	const cJSON *events = spec_field(obj, "events");
	const char *want = batch ? "an array holding \"completed\""
				 : "an array of final states (succeeded, failed, timed_out, canceled)";

	*mask = 0;
	if (events == NULL) {
		for (int s = 0; s < JOB_STATE_COUNT && !batch; s++)
			if (job_state_is_final((enum job_state)s))
				*mask |= 1u << s;
		*mask |= batch ? BATCH_EVENT_BIT : 0;
		return 0;
	}
	if (!cJSON_IsArray(events) || events->child == NULL)
		return spec_fail(e, prefix, "notify.events", "notify.events must be %s", want);
	for (const cJSON *it = events->child; it != NULL; it = it->next) {
		unsigned bit;
		if (!cJSON_IsString(it) || event_bit(it->valuestring, batch, &bit) < 0)
			return spec_fail(e, prefix, "notify.events", "notify.events must be %s", want);
		*mask |= bit;
	}
	return 0;
}

static char *canonical(const char *url, unsigned mask, bool batch)
{
	cJSON *o = cJSON_CreateObject(), *events = cJSON_AddArrayToObject(o, "events");
	char *text = NULL;

	if (o == NULL || events == NULL || cJSON_AddStringToObject(o, "url", url) == NULL)
		goto out;
	for (int s = 0; s <= JOB_STATE_COUNT; s++) {
		if (!(mask & (1u << s)))
			continue;
		cJSON *name = cJSON_CreateString(
		    batch ? "completed" : job_state_name((enum job_state)s));
		if (name == NULL || !cJSON_AddItemToArray(events, name)) {
			cJSON_Delete(name);
			goto out;
		}
	}
	text = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return text;
}

int spec_notify_get(const cJSON *obj, bool batch, const char *prefix, char **out,
    struct spec_error *e)
{
	const cJSON *n = spec_field(obj, "notify"), *url;
	unsigned mask;
	char path[200];

	*out = NULL;
	if (n == NULL)
		return 0;
	if (!cJSON_IsObject(n))
		return spec_fail(e, prefix, "notify",
		    "notify must be an object {\"url\": \"http(s)://...\", \"events\": [...]}");
	snprintf(path, sizeof(path), "%snotify.", prefix);
	if (spec_check_keys(n, notify_fields, path, e) < 0)
		return -1;
	url = spec_field(n, "url");
	if (!cJSON_IsString(url))
		return spec_fail(e, prefix, "notify.url", "notify.url must be a string");
	if (check_url(url->valuestring, prefix, e) < 0 ||
	    get_events(n, batch, &mask, prefix, e) < 0)
		return -1;
	if ((*out = canonical(url->valuestring, mask, batch)) == NULL)
		return spec_fail(e, prefix, "notify", "out of memory");
	return 0;
}

int spec_notify_read(const char *canon, char **url, unsigned *mask)
{
	cJSON *o = cJSON_Parse(canon);
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "url");
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(o, "events"), *it;
	int rc = -1;

	*url = NULL;
	*mask = 0;
	if (!cJSON_IsString(u) || !cJSON_IsArray(events))
		goto out;
	cJSON_ArrayForEach(it, events) {
		unsigned bit;
		if (cJSON_IsString(it) && event_bit(it->valuestring, false, &bit) == 0)
			*mask |= bit;
		else if (cJSON_IsString(it) && strcmp(it->valuestring, "completed") == 0)
			*mask |= BATCH_EVENT_BIT;
	}
	if ((*url = strdup(u->valuestring)) != NULL)
		rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}
