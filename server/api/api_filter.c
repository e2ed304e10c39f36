/*
 * api_filter.c — the job filter of the list and of the bulk actions (see
 * api_filter.h).
 */
#include "api_filter.h"

#include <stdlib.h>
#include <string.h>

#include "api_common.h"

static int take_tag(struct api_filter *af, const char *kv, struct http_resp *r)
{
	const char *colon = strchr(kv, ':');
	size_t klen = colon ? (size_t)(colon - kv) : 0;
	int i = af->f.n_tags;

	if (i == SPEC_MAX_TAGS) {
		http_error(r, 400, "invalid_request", "tag", "at most %d tag terms", SPEC_MAX_TAGS);
		return -1;
	}
	if (colon == NULL || klen > SPEC_MAX_TAG_KEY) {
		http_error(r, 400, "invalid_request", "tag", "tag \"%.100s\": want key:value", kv);
		return -1;
	}
	memcpy(af->keys[i], kv, klen);
	af->keys[i][klen] = '\0';
	if (!spec_tag_key_valid(af->keys[i]) || !spec_tag_value_valid(colon + 1)) {
		http_error(r, 400, "invalid_request", "tag",
		    "tag \"%.100s\": a key of 1 to %d bytes of A-Z a-z 0-9 _ . -, ':', a value of at "
		    "most %d bytes of printable UTF-8", kv, SPEC_MAX_TAG_KEY, SPEC_MAX_TAG_VALUE);
		return -1;
	}
	af->tags[i] = (struct job_tag){ .key = af->keys[i], .value = colon + 1 };
	af->f.tags = af->tags;
	af->f.n_tags++;
	return 1;
}

static int take_id(int64_t *out, const char *key, const char *value, struct http_resp *r)
{
	int64_t v;

	if (api_parse_int(value, 1, INT64_MAX, &v) < 0) {
		http_error(r, 400, "invalid_request", key, "%s must be a positive integer", key);
		return -1;
	}
	*out = v;
	return 1;
}

int api_filter_term(struct api_filter *af, const char *key, const char *value,
    struct http_resp *r)
{
	int rc = 1;

	if (strcmp(key, "state") == 0) {
		if (api_parse_states(value, &af->f.state_mask) < 0) {
			http_error(r, 400, "invalid_request", "state",
			    "state must list states from queued, running, succeeded, failed, "
			    "timed_out, canceled, comma-separated");
			return -1;
		}
		af->state_text = value;
	} else if (strcmp(key, "batch_id") == 0) {
		rc = take_id(&af->f.batch_id, key, value, r);
	} else if (strcmp(key, "schedule_id") == 0) {
		rc = take_id(&af->f.schedule_id, key, value, r);
	} else if (strcmp(key, "queue") == 0) {
		if (!spec_queue_name_valid(value)) {
			http_error(r, 400, "invalid_request", "queue",
			    "queue must be a queue name (1 to %d bytes of A-Z a-z 0-9 _ . : -)",
			    SPEC_MAX_QUEUE_NAME);
			return -1;
		}
		af->f.queue = value;
	} else if (strcmp(key, "tag") == 0) {
		rc = take_tag(af, value, r);
	} else if (strcmp(key, "name_prefix") == 0) {
		size_t len = strlen(value);
		if (len == 0 || !spec_utf8_valid(value, len) || spec_utf8_chars(value) > SPEC_MAX_NAME) {
			http_error(r, 400, "invalid_request", "name_prefix",
			    "name_prefix must be 1 to %d characters of UTF-8", SPEC_MAX_NAME);
			return -1;
		}
		af->f.name_prefix = value;
	} else {
		return 0;
	}
	if (rc > 0)
		af->terms++;
	return rc;
}

int api_filter_check(const struct api_filter *af, struct http_resp *r)
{
	if (af->f.batch_id && af->f.schedule_id) {
		http_error(r, 400, "invalid_request", "schedule_id",
		    "give batch_id or schedule_id, not both");
		return -1;
	}
	return 0;
}

/* value percent-encoded at p (all but unreserved bytes, and ',' and ':',
 * which a query may hold as they are); the new end. */
static char *encode(char *p, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *v = (const unsigned char *)value; *v; v++) {
		if ((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
		    strchr("-._~,:", *v) != NULL) {
			*p++ = (char)*v;
		} else {
			*p++ = '%';
			*p++ = hex[*v >> 4];
			*p++ = hex[*v & 15];
		}
	}
	*p = '\0';
	return p;
}

static char *add_param(char *p, const char *key, const char *value)
{
	return encode(p + sprintf(p, "&%s=", key), value);
}

char *api_filter_next_url(const struct api_filter *af, int limit, int64_t before_id)
{
	const struct job_list_filter *f = &af->f;
	size_t size = 160; /* the path, limit, before_id and two ids */
	const char *strs[] = { af->state_text, f->queue, f->name_prefix };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		size += strs[i] ? 16 + 3 * strlen(strs[i]) : 0;
	for (int i = 0; i < f->n_tags; i++)
		size += 8 + 3 * (strlen(f->tags[i].key) + 1 + strlen(f->tags[i].value));
	char *url = malloc(size), *p = url;
	if (url == NULL)
		return NULL;
	p += sprintf(p, "/v1/jobs?limit=%d&before_id=%lld", limit, (long long)before_id);
	if (af->state_text)
		p = add_param(p, "state", af->state_text);
	if (f->batch_id)
		p += sprintf(p, "&batch_id=%lld", (long long)f->batch_id);
	if (f->schedule_id)
		p += sprintf(p, "&schedule_id=%lld", (long long)f->schedule_id);
	if (f->queue)
		p = add_param(p, "queue", f->queue);
	if (f->name_prefix)
		p = add_param(p, "name_prefix", f->name_prefix);
	for (int i = 0; i < f->n_tags; i++) {
		p = encode(add_param(p, "tag", f->tags[i].key), ":");
		p = encode(p, f->tags[i].value);
	}
	return url;
}
