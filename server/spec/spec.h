/*
 * spec.h — turns request bodies into validated job specs, enforcing every
 * rule of API.md: types, ranges, required and unknown fields, duplicate keys,
 * UTF-8. A rejection names the offending field as a path ("jobs[17].command").
 * Owns no state; never touches the store.
 */
#ifndef JOBD_SPEC_H
#define JOBD_SPEC_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/job.h"
#include "config/config.h"
#include "time/schedule.h"

#define SPEC_MAX_BATCH 10000
#define SPEC_MAX_NAME 200
#define SPEC_MAX_AFTER 100   /* entries in after, and in after_index */
#define SPEC_MAX_ENV 1024    /* variables in env */

struct spec_limits {
	double default_timeout_s;
	double max_timeout_s;
	struct job_limits max;   /* largest limits.*; a 0 member: no maximum */
	const char *job_dir;     /* jobs' default cwd, part of the RUN message (NULL: none) */
	int max_cpus;            /* largest cpus: the pool's size (a cluster's largest live one) */
};

#define SPEC_MAX_QUEUE_NAME JOB_QUEUE_NAME_MAX

/* The bounds a server's configuration puts on specs (spec_control.c). */
struct spec_limits spec_limits_of(const struct config *cfg);

struct spec_error {
	int invalid_json;    /* 1: the body is not JSON (400 invalid_json) */
	char field[160];     /* "" when no single field is at fault */
	char message[256];
};

/* Parses a body: valid UTF-8, no raw NUL, then JSON. NULL with e filled. */
cJSON *spec_parse_json(const char *body, size_t len, struct spec_error *e);

int spec_job(const cJSON *obj, const struct spec_limits *lim, const char *prefix,
    struct job_spec *out, struct spec_error *e);

/* {"name": ..., "notify": {...}, "jobs": [...]}: all specs or none; *notify
 * as spec_notify_get's (each spec then has notify_batch set). *specs is calloc'd; free
 * each with job_spec_free, then the array. */
int spec_batch(const cJSON *root, const struct spec_limits *lim, char **name,
    char **notify, struct job_spec **specs, size_t *n, struct spec_error *e);

/* after / after_index of obj into out (spec_deps.c). after_index is only
 * allowed in_batch; its range and cycles are checked by spec_deps_check_batch. */
int spec_deps_get(const cJSON *obj, const char *prefix, bool in_batch, struct job_spec *out,
    struct spec_error *e);
/* Every after_index names another spec of the batch, and they form no
 * cycle; otherwise -1 naming jobs[i].after_index of a spec on the cycle. */
int spec_deps_check_batch(const struct job_spec *specs, size_t n, struct spec_error *e);

/* queue (a name of [A-Za-z0-9_.:-], at most SPEC_MAX_QUEUE_NAME bytes) and
 * limits of obj into out (spec_control.c). */
int spec_queue_get(const cJSON *obj, const char *prefix, struct job_spec *out,
    struct spec_error *e);
int spec_job_limits_get(const cJSON *obj, const struct spec_limits *lim, const char *prefix,
    struct job_spec *out, struct spec_error *e);
/* unique_key (1 to JOB_UNIQUE_KEY_MAX bytes of [A-Za-z0-9_.:/@=+-]) and
 * unique_while (states, default queued and running; job_unique_while_valid)
 * of obj into out (spec_control.c). */
int spec_unique_get(const cJSON *obj, const char *prefix, struct job_spec *out,
    struct spec_error *e);
/* 1 if name is a valid queue name. */
int spec_queue_name_valid(const char *name);
/* 1 if s is 1 to max bytes of A-Z a-z 0-9 and the bytes of punct (names
 * of queues, tag keys). */
int spec_word_valid(const char *s, size_t max, const char *punct);

#define SPEC_MAX_TAGS 16
#define SPEC_MAX_TAG_KEY 64     /* bytes */
#define SPEC_MAX_TAG_VALUE 256  /* bytes */

/* tags (spec_tags.c): obj's own over inherited (a batch's, already checked;
 * NULL: none) into out->tags as canonical JSON, NULL when there are none. */
int spec_tags_get(const cJSON *obj, const cJSON *inherited, const char *prefix,
    struct job_spec *out, struct spec_error *e);
/* A tags object: -1 naming tags.KEY (or tags) when it breaks a rule. */
int spec_tags_check(const cJSON *tags, const char *prefix, struct spec_error *e);
/* 1 if key (value) may be a tag's key (value); the filters check with these. */
int spec_tag_key_valid(const char *key);
int spec_tag_value_valid(const char *value);

/* A POST /v1/schedules body into *out (spec_schedule.c): cron and timezone
 * checked, the job spec validated as for POST /v1/jobs and kept as
 * canonical JSON. Free *out with schedule_free. */
int spec_schedule(const cJSON *root, const struct spec_limits *lim, struct schedule *out,
    struct spec_error *e);

/* notify of obj (spec_notify.c): a webhook's url (http or https, at most
 * SPEC_MAX_NOTIFY_URL bytes) and events — a job's final states (default:
 * all), a batch's "completed" — into *out as canonical JSON (malloc'd; NULL
 * when obj has no notify). -1 naming prefix+"notify.url" etc. */
#define SPEC_MAX_NOTIFY_URL 2048
#define SPEC_NOTIFY_BATCH_COMPLETED (1u << JOB_STATE_COUNT)
int spec_notify_get(const cJSON *obj, bool batch, const char *prefix, char **out,
    struct spec_error *e);
/* Reads back what spec_notify_get kept: *url malloc'd, *mask has bit
 * (1 << state) per final state named, SPEC_NOTIFY_BATCH_COMPLETED for a
 * batch's. 0, or -1 (unreadable, or out of memory). */
int spec_notify_read(const char *canon, char **url, unsigned *mask);

/* Rejects unknown and duplicate keys of obj; known is NULL-terminated. */
int spec_check_keys(const cJSON *obj, const char *const *known, const char *prefix,
    struct spec_error *e);
/* *dup = a key of obj that appears more than once (NULL if none), found in
 * O(n log n); -1 when out of memory. */
int spec_find_duplicate_name(const cJSON *obj, const char **dup);
/* The member called name, NULL when absent or null. */
const cJSON *spec_field(const cJSON *obj, const char *name);

/* What an escaped NUL becomes before parsing (U+10FFFF, a noncharacter). */
#define SPEC_NUL_MARK "\xF4\x8F\xBF\xBF"

/* Fills e for field prefix+field and returns -1 (shared by spec*.c). */
__attribute__((format(printf, 4, 5)))
int spec_fail(struct spec_error *e, const char *prefix, const char *field, const char *fmt, ...);

int spec_utf8_valid(const char *s, size_t len);
size_t spec_utf8_chars(const char *s);

#endif
