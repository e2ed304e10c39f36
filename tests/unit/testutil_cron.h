/*
 * testutil_cron.h — helpers shared by the cron tests (test_cron_parse.c,
 * test_cron.c): parse an expression that must parse, load a zone that must
 * load, and assert a run of firings, each failing the test with what was
 * found next to what was wanted. Header-only, static inline, like
 * testutil.h.
 */
#ifndef JOBD_TESTUTIL_CRON_H
#define JOBD_TESTUTIL_CRON_H

#include "testutil_tz.h"

#include "time/cron.h"
#include "time/tz.h"

static inline struct cron parse_ok(const char *expr)
{
	struct cron c;
	char err[ERR_LEN] = "";

	if (cron_parse(expr, &c, err) < 0)
		fail_msg("cron_parse \"%s\": %s", expr, err);
	return c;
}

/* Asserts that expr in zone_name fires at want[0], want[1], ... in turn,
 * each strictly after the one before, the first strictly after after_s. */
static inline void assert_firings(const char *zone_name, const char *expr, int64_t after_s,
    const int64_t *want, size_t n)
{
	struct cron c = parse_ok(expr);
	struct tz *tz = zone(zone_name);
	char err[ERR_LEN] = "";
	int64_t next;

	for (size_t i = 0; i < n; i++) {
		if (cron_next(&c, tz, after_s, &next, err) < 0)
			fail_msg("%s \"%s\" after %lld: %s", zone_name, expr, (long long)after_s, err);
		if (next != want[i])
			fail_msg("%s \"%s\" after %lld: firing %zu is %lld, want %lld", zone_name, expr,
			    (long long)after_s, i, (long long)next, (long long)want[i]);
		after_s = next;
	}
	tz_free(tz);
}

#define FIRINGS(zone_name, expr, after, ...) do { \
	const int64_t want_[] = { __VA_ARGS__ }; \
	assert_firings(zone_name, expr, after, want_, sizeof(want_) / sizeof(want_[0])); \
} while (0)

#endif
