/*
 * testutil_tz.h — helpers shared by the zone and cron tests: a zone that
 * must load, the offsets around a transition, and a whole span, each
 * failing with what was found next to what was wanted.
 */
#ifndef JOBD_TESTUTIL_TZ_H
#define JOBD_TESTUTIL_TZ_H

#include "testutil.h"

#include "time/tz.h"

/* The zone, which must load. */
static inline struct tz *zone(const char *name)
{
	char err[ERR_LEN] = "";
	struct tz *tz = tz_load(name, err);

	if (tz == NULL)
		fail_msg("tz_load %s: %s", name, err);
	return tz;
}

/* Offsets one second before and at a transition. */
static inline void tu_assert_jump(const struct tz *tz, int64_t at, int before, int after)
{
	if (tz_offset_at(tz, at - 1) != before || tz_offset_at(tz, at) != after)
		fail_msg("%s at %lld: %d -> %d, want %d -> %d", tz_name(tz), (long long)at,
		    tz_offset_at(tz, at - 1), tz_offset_at(tz, at), before, after);
}

static inline void tu_assert_span(const struct tz *tz, int64_t t, int64_t start, int64_t end,
    int offset, int prev_offset)
{
	struct tz_span s;

	tz_span_at(tz, t, &s);
	if (s.start != start || s.end != end || s.offset != offset || s.prev_offset != prev_offset)
		fail_msg("%s span at %lld: [%lld, %lld) %d prev %d; want [%lld, %lld) %d prev %d",
		    tz_name(tz), (long long)t, (long long)s.start, (long long)s.end, s.offset,
		    s.prev_offset, (long long)start, (long long)end, offset, prev_offset);
}

#endif
