/*
 * api_filter.h — the job filter GET /v1/jobs reads from its query and the
 * bulk actions (POST /v1/jobs/cancel, /v1/jobs/rerun) from their body:
 * state, batch_id, schedule_id, queue, tag (repeatable "key:value", every
 * one must hold) and name_prefix, each checked as API.md says. The strings
 * the filter points to stay the caller's (the request's query, a kept JSON
 * body); the tag keys are copied into the struct.
 */
#ifndef JOBD_API_FILTER_H
#define JOBD_API_FILTER_H

#include "http/http.h"
#include "spec/spec.h"
#include "store/store_jobs.h"

struct api_filter {
	struct job_list_filter f;    /* f.tags points into tags */
	struct job_tag tags[SPEC_MAX_TAGS];
	char keys[SPEC_MAX_TAGS][SPEC_MAX_TAG_KEY + 1];
	const char *state_text;      /* as given, for the next link */
	int terms;                   /* criteria given (state, ids, queue, tags, prefix) */
};

/* One term by its name: 1 taken, 0 not a filter term (key is the caller's
 * to know), -1 invalid with the 400 set in r. */
int api_filter_term(struct api_filter *af, const char *key, const char *value,
    struct http_resp *r);
/* batch_id with schedule_id: -1 with the 400 set in r, else 0. */
int api_filter_check(const struct api_filter *af, struct http_resp *r);
/* The URL of the list's page after before_id, every term of af in it
 * (percent-encoded): malloc'd, NULL when out of memory. */
char *api_filter_next_url(const struct api_filter *af, int limit, int64_t before_id);

#endif
