/*
 * testutil_spec.h — helpers shared by the spec tests (test_spec_control.c,
 * test_spec_tags.c): parse a job spec from JSON text under given limits, and
 * assert that one is refused naming a field with a message that says why.
 * Header-only, static inline, like testutil.h.
 */
#ifndef JOBD_TESTUTIL_SPEC_H
#define JOBD_TESTUTIL_SPEC_H

#include "testutil.h"

#include "spec/spec.h"

/* spec_job on body's JSON, which must parse: 0, or -1 with e filled. */
static inline int tu_spec_job(const struct spec_limits *lim, const char *body,
    struct job_spec *spec, struct spec_error *e)
{
	cJSON *root = spec_parse_json(body, strlen(body), e);

	assert_non_null(root);
	int rc = spec_job(root, lim, "", spec, e);
	cJSON_Delete(root);
	return rc;
}

/* body is refused, naming field, with words in the message. */
static inline void tu_spec_rejected(const struct spec_limits *lim, const char *body,
    const char *field, const char *words)
{
	struct spec_error e;
	struct job_spec spec;

	assert_int_equal(tu_spec_job(lim, body, &spec, &e), -1);
	assert_string_equal(e.field, field);
	tu_assert_contains(e.message, words);
}

#endif
