/*
 * cron.c — finds the next firing of a parsed cron expression (struct cron,
 * filled by cron_parse.c) on a zone's wall clock; see cron.h for the DST
 * rules.
 *
 * How cron_next works: it walks the zone's spans of constant UTC offset
 * (tz_span_at) from the search start on. Inside one span the wall clock
 * runs in step with real time, so the first match there is a pure calendar
 * search (wall_next: skip whole months, days, hours... that cannot match) on
 * "local seconds", turned back into UTC by subtracting the span's offset.
 * The DST rules only touch the span edges: a forward jump at the start may
 * owe one make-up firing at the transition instant, and a backward jump
 * hides the repeated wall times from fixed-hour jobs.
 *
 * Nothing here allocates, and nothing reads the TZ environment.
 */
#include "cron.h"

#define SECS_PER_MIN 60
#define SECS_PER_HOUR 3600
#define SECS_PER_DAY 86400
#define HOURS_PER_DAY 24
#define MONTHS_PER_YEAR 12
#define DAYS_PER_LEAP_YEAR 366
#define MINUTES_PER_HOUR 60
#define CRON_YEAR_MIN 1
#define CRON_YEAR_MAX 9999

/* The lowest set bit >= from, or -1. */
static int next_bit(uint64_t bits, int from)
{
	uint64_t rest = from >= 64 ? 0 : bits & (~(uint64_t)0 << from);

	return rest ? __builtin_ctzll(rest) : -1;
}

static bool day_matches(const struct cron *c, int mday, int64_t days)
{
	bool dom = c->dom >> mday & 1, dow = c->dow >> tz_weekday(days) & 1;

	/* Vixie cron: two restricted day fields widen each other. */
	if (c->dom_star || c->dow_star)
		return dom && dow;
	return dom || dow;
}

/* The first matching wall-clock second in [from, limit), both local
 * seconds. Each step moves to the next month, day, hour, minute or second
 * that could still match, so a year is a few hundred steps. */
static int wall_next(const struct cron *c, int64_t from, int64_t limit, int64_t *out)
{
	int64_t days = tz_floor_div(from, SECS_PER_DAY), year;
	int secs = (int)(from - days * SECS_PER_DAY);
	int hour = secs / SECS_PER_HOUR, minute = secs % SECS_PER_HOUR / SECS_PER_MIN;
	int second = secs % SECS_PER_MIN, month, mday, next;

	tz_civil_from_days(days, &year, &month, &mday);
	for (;;) {
		int64_t at = days * SECS_PER_DAY + hour * SECS_PER_HOUR + minute * SECS_PER_MIN +
		    second;

		if (at >= limit)
			return -1;
		if (!(c->month >> month & 1)) {
			if ((next = next_bit(c->month, month + 1)) < 0) {
				year++;
				next = next_bit(c->month, 1);
			}
			month = next;
			mday = 1;
			days = tz_days_from_civil(year, month, mday);
			hour = minute = second = 0;
			continue;
		}
		if (!day_matches(c, mday, days))
			goto next_day;
		if (!(c->hour >> hour & 1)) {
			if ((hour = next_bit(c->hour, hour + 1)) < 0)
				goto next_day;
			minute = second = 0;
			continue;
		}
		if (!(c->minute >> minute & 1)) {
			if ((minute = next_bit(c->minute, minute + 1)) < 0)
				goto next_hour;
			second = 0;
			continue;
		}
		if (!(c->second >> second & 1)) {
			if ((second = next_bit(c->second, second + 1)) < 0)
				goto next_minute;
			continue;
		}
		*out = at;
		return 0;
next_minute:
		second = 0;
		if (++minute < MINUTES_PER_HOUR)
			continue;
next_hour:
		minute = second = 0;
		if (++hour < HOURS_PER_DAY)
			continue;
next_day:
		days++;
		hour = minute = second = 0;
		if (++mday > tz_days_in_month(year, month)) {
			mday = 1;
			if (++month > MONTHS_PER_YEAR) {
				month = 1;
				year++;
			}
		}
	}
}

int cron_next(const struct cron *c, const struct tz *tz, int64_t after_s, int64_t *next_s,
    char *err)
{
	int64_t t, limit, w;
	struct tz_span sp;

	if (c->second == 0 || c->minute == 0 || c->hour == 0 || c->dom == 0 || c->month == 0 ||
	    c->dow == 0) {
		err_set(err, "cron expression was not parsed");
		return -1;
	}
	if (after_s < tz_days_from_civil(CRON_YEAR_MIN, 1, 1) * SECS_PER_DAY ||
	    after_s >= tz_days_from_civil(CRON_YEAR_MAX + 1, 1, 1) * SECS_PER_DAY) {
		err_set(err, "time %lld is outside years %d-%d", (long long)after_s, CRON_YEAR_MIN,
		    CRON_YEAR_MAX);
		return -1;
	}
	t = after_s + 1; /* in range now: cannot overflow */
	limit = after_s + (int64_t)CRON_SEARCH_YEARS * DAYS_PER_LEAP_YEAR * SECS_PER_DAY;
	while (t < limit) {
		int64_t end, from;

		tz_span_at(tz, t, &sp);
		end = sp.end < limit ? sp.end : limit;
		from = t + sp.offset;
		if (!c->hour_star && sp.start != INT64_MIN) {
			/* Forward jump right at t: wall times in [t + prev, t + offset)
			 * never happen; one of ours among them fires now, once. */
			if (sp.start == t && sp.prev_offset < sp.offset &&
			    wall_next(c, t + sp.prev_offset, t + sp.offset, &w) == 0) {
				*next_s = t;
				return 0;
			}
			/* Backward jump: [start + offset, start + prev) already
			 * happened once, and a fixed-hour job fired then. */
			if (sp.prev_offset > sp.offset && from < sp.start + sp.prev_offset)
				from = sp.start + sp.prev_offset;
		}
		if (wall_next(c, from, end + sp.offset, &w) == 0) {
			*next_s = w - sp.offset;
			return 0;
		}
		t = end;
	}
	err_set(err, "cron expression does not fire within %d years", CRON_SEARCH_YEARS);
	return -1;
}
