/*
 * tz_rule.c — the POSIX TZ rule a TZif file ends with (RFC 8536 §3.3, e.g.
 * "CET-1CEST,M3.5.0,M10.5.0/3"): parses it, and computes its transitions
 * around an instant as a tz_span. It also holds the proleptic Gregorian
 * calendar maths the rule dates are built on, which tz.h makes public
 * since cron walks the calendar too.
 *
 * Only tz.c and tz_tzif.c call in here (tz_internal.h); nothing here
 * allocates, keeps state or reads libc's TZ. A rule's dates are computed
 * for a few years around the instant asked about, never cached: a struct
 * tz stays immutable and shareable across threads.
 */
#include "tz_internal.h"

#include <stdlib.h>
#include <string.h>

#define SECS_PER_MIN 60
#define SECS_PER_HOUR 3600
#define SECS_PER_DAY 86400
#define DAYS_PER_WEEK 7
#define MONTHS_PER_YEAR 12
#define WEEKDAY_OF_EPOCH 4          /* 1970-01-01 was a Thursday */

/* Howard Hinnant's civil-date algorithms count in 400-year eras of
 * 146097 days, from 0000-03-01, which is 719468 days before the epoch. */
#define DAYS_PER_ERA 146097
#define YEARS_PER_ERA 400
#define DAYS_0000_03_01_TO_EPOCH 719468

#define RULE_OFFSET_MAX_H 24        /* POSIX: |offset| <= 24 hours */
#define RULE_TIME_MAX_H 167         /* RFC 8536 §3.3.1: -167 .. 167 hours */
#define RULE_DEFAULT_TIME (2 * SECS_PER_HOUR)
#define RULE_DEFAULT_SHIFT SECS_PER_HOUR
#define RULE_NAME_MIN 3
#define RULE_JULIAN_MAX 365
#define RULE_WEEK_MAX 5             /* M10.5.0: the last Sunday */
#define RULE_LEAP_DAY_JULIAN 60     /* J60 is March 1, also in leap years */
#define RULE_YEARS_BACK 2           /* transitions computed for y-2 .. y+3, */
#define RULE_YEARS 6                /* the last year only bounding the others */
#define RULE_TRANSITIONS (2 * RULE_YEARS)
#define TIME_CLAMP ((int64_t)1 << 48) /* ~8.9 million years: calendar maths stays in range */

/* ---- calendar ---- */

int64_t tz_floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && a < 0); }

int64_t tz_floor_mod(int64_t a, int64_t b) { return a - tz_floor_div(a, b) * b; }

static bool is_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % YEARS_PER_ERA == 0); }

int tz_days_in_month(int64_t year, int month)
{
	static const int days[MONTHS_PER_YEAR] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

int64_t tz_days_from_civil(int64_t year, int month, int day)
{
	int64_t y = year - (month <= 2);
	int64_t era = tz_floor_div(y, YEARS_PER_ERA);
	int64_t yoe = y - era * YEARS_PER_ERA;
	int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * DAYS_PER_ERA + doe - DAYS_0000_03_01_TO_EPOCH;
}

void tz_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	int64_t z = days + DAYS_0000_03_01_TO_EPOCH;
	int64_t era = tz_floor_div(z, DAYS_PER_ERA);
	int64_t doe = z - era * DAYS_PER_ERA;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / (DAYS_PER_ERA - 1)) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * YEARS_PER_ERA + (*month <= 2);
}

int tz_weekday(int64_t days) { return (int)tz_floor_mod(days + WEEKDAY_OF_EPOCH, DAYS_PER_WEEK); }

/* ---- parsing ---- */

/* [+-]hh[:mm[:ss]] with hh <= max_h, as signed seconds. */
static int rule_parse_hms(const char **p, int max_h, int32_t *out)
{
	const char *s = *p;
	int sign = 1, part[3] = { 0, 0, 0 }, n = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	do {
		if (n > 0)
			s++;
		if (*s < '0' || *s > '9')
			return -1;
		for (int digits = 0; *s >= '0' && *s <= '9'; digits++, s++) {
			if (digits == 3)
				return -1;
			part[n] = part[n] * 10 + (*s - '0');
		}
		n++;
	} while (n < 3 && *s == ':');
	if (part[0] > max_h || part[1] >= SECS_PER_MIN || part[2] >= SECS_PER_MIN)
		return -1;
	*out = sign * (part[0] * SECS_PER_HOUR + part[1] * SECS_PER_MIN + part[2]);
	*p = s;
	return 0;
}

static int rule_parse_int(const char **p, int min, int max, int *out)
{
	const char *s = *p;
	int v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((v = v * 10 + (*s - '0')) > max)
			return -1;
	if (v < min)
		return -1;
	*out = v;
	*p = s;
	return 0;
}

/* "CET", or anything but '>' quoted in <>, like "<+0545>". */
static int rule_skip_name(const char **p)
{
	const char *s = *p;

	if (*s == '<') {
		const char *close = strchr(s, '>');
		if (close == NULL || close - s - 1 < RULE_NAME_MIN)
			return -1;
		*p = close + 1;
		return 0;
	}
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
		s++;
	if (s - *p < RULE_NAME_MIN)
		return -1;
	*p = s;
	return 0;
}

/* Jn, n or Mm.w.d, then an optional /time. */
static int rule_parse_date(const char **p, struct tz_rule_date *d)
{
	const char *s = *p;

	if (*s == 'J') {
		s++;
		d->kind = TZ_RULE_JULIAN_NOLEAP;
		if (rule_parse_int(&s, 1, RULE_JULIAN_MAX, &d->day) < 0)
			return -1;
	} else if (*s == 'M') {
		s++;
		d->kind = TZ_RULE_MONTH_WEEK_DAY;
		if (rule_parse_int(&s, 1, MONTHS_PER_YEAR, &d->month) < 0 || *s++ != '.' ||
		    rule_parse_int(&s, 1, RULE_WEEK_MAX, &d->week) < 0 || *s++ != '.' ||
		    rule_parse_int(&s, 0, DAYS_PER_WEEK - 1, &d->day) < 0)
			return -1;
	} else {
		d->kind = TZ_RULE_DAY_OF_YEAR;
		if (rule_parse_int(&s, 0, RULE_JULIAN_MAX, &d->day) < 0)
			return -1;
	}
	d->time = RULE_DEFAULT_TIME;
	if (*s == '/') {
		s++;
		if (rule_parse_hms(&s, RULE_TIME_MAX_H, &d->time) < 0)
			return -1;
	}
	*p = s;
	return 0;
}

/* std offset [dst [offset] [,start[/time],end[/time]]]; POSIX offsets count
 * west of UTC, so "CET-1" is 3600 seconds east. */
int tz_rule_parse(const char *s, struct tz_rule *r)
{
	int32_t west;
	static const char us_default[] = ",M3.2.0,M11.1.0";

	memset(r, 0, sizeof(*r));
	if (rule_skip_name(&s) < 0 || rule_parse_hms(&s, RULE_OFFSET_MAX_H, &west) < 0)
		return -1;
	r->std_off = -west;
	if (*s == '\0')
		return 0;
	r->has_dst = true;
	if (rule_skip_name(&s) < 0)
		return -1;
	r->dst_off = r->std_off + RULE_DEFAULT_SHIFT;
	if (*s != ',' && *s != '\0') {
		if (rule_parse_hms(&s, RULE_OFFSET_MAX_H, &west) < 0)
			return -1;
		r->dst_off = -west;
	}
	/* No dates: POSIX leaves them to the implementation; tzcode uses the
	 * US rules, and so do we. TZif footers always carry dates. */
	if (*s == '\0')
		s = us_default;
	if (*s++ != ',' || rule_parse_date(&s, &r->start) < 0 || *s++ != ',' ||
	    rule_parse_date(&s, &r->end) < 0 || *s != '\0')
		return -1;
	return 0;
}

/* ---- transitions ---- */

/* The instant date d of year y happens, its time read off a wall clock
 * running at off. */
static int64_t rule_instant(const struct tz_rule_date *d, int64_t y, int32_t off)
{
	int64_t days;

	if (d->kind == TZ_RULE_JULIAN_NOLEAP) {
		days = tz_days_from_civil(y, 1, 1) + d->day - 1 +
		    (is_leap(y) && d->day >= RULE_LEAP_DAY_JULIAN);
	} else if (d->kind == TZ_RULE_DAY_OF_YEAR) {
		days = tz_days_from_civil(y, 1, 1) + d->day;
	} else {
		int64_t first = tz_days_from_civil(y, d->month, 1);
		int64_t mday = (d->day - tz_weekday(first) + DAYS_PER_WEEK) % DAYS_PER_WEEK +
		    (int64_t)(d->week - 1) * DAYS_PER_WEEK;

		while (mday >= tz_days_in_month(y, d->month))
			mday -= DAYS_PER_WEEK;
		days = first + mday;
	}
	return days * SECS_PER_DAY + d->time - off;
}

struct rule_change {
	int64_t at;
	int32_t offset;             /* from at on */
	bool is_start;
};

static int change_cmp(const void *a, const void *b)
{
	const struct rule_change *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	/* DST all year ("0/0,J365/25") ends and restarts at one instant: the
	 * start must come last so that it wins. */
	return (int)x->is_start - (int)y->is_start;
}

/* The span of the rule alone around t (|t| <= TIME_CLAMP). */
static void rule_span_near(const struct tz_rule *r, int64_t t, struct tz_span *out)
{
	struct rule_change ch[RULE_TRANSITIONS];
	int64_t year, horizon;
	int month, day, n = 0, k = -1, j;

	*out = (struct tz_span){ INT64_MIN, INT64_MAX, r->std_off, r->std_off };
	if (!r->has_dst)
		return;
	tz_civil_from_days(tz_floor_div(t + r->std_off, SECS_PER_DAY), &year, &month, &day);
	for (int64_t y = year - RULE_YEARS_BACK; y < year - RULE_YEARS_BACK + RULE_YEARS; y++) {
		ch[n++] = (struct rule_change){ rule_instant(&r->start, y, r->std_off), r->dst_off, true };
		ch[n++] = (struct rule_change){ rule_instant(&r->end, y, r->dst_off), r->std_off, false };
	}
	/* Past the last year's first change, a change may be missing its
	 * partner at the same instant (DST all year), so none counts there. */
	horizon = ch[n - 2].at < ch[n - 1].at ? ch[n - 2].at : ch[n - 1].at;
	qsort(ch, (size_t)n, sizeof(ch[0]), change_cmp);
	/* Of changes at one instant only the last takes effect. */
	j = 0;
	for (int i = 0; i < n; i++) {
		if (i + 1 < n && ch[i + 1].at == ch[i].at)
			continue;
		ch[j++] = ch[i];
	}
	n = j;
	for (int i = 0; i < n && ch[i].at <= t; i++)
		k = i;
	if (k < 0)
		return;                 /* not reached: year - 2 is always before t */
	out->offset = out->prev_offset = ch[k].offset;
	for (j = k; j > 0 && ch[j - 1].offset == ch[k].offset; j--)
		;
	if (j > 0) {
		out->start = ch[j].at;
		out->prev_offset = ch[j - 1].offset;
	}
	for (j = k + 1; j < n && ch[j].at <= horizon; j++)
		if (ch[j].offset != ch[k].offset) {
			out->end = ch[j].at;
			break;
		}
}

/* Calendar maths only runs within ±TIME_CLAMP; beyond, the span there
 * just runs on to the end (or from the beginning) of time. */
void tz_rule_span(const struct tz_rule *r, int64_t t, struct tz_span *out)
{
	if (t > TIME_CLAMP) {
		rule_span_near(r, TIME_CLAMP, out);
		out->end = INT64_MAX;
	} else if (t < -TIME_CLAMP) {
		rule_span_near(r, -TIME_CLAMP, out);
		out->start = INT64_MIN;
		out->prev_offset = out->offset;
	} else {
		rule_span_near(r, t, out);
	}
}
