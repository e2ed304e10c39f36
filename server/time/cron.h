/*
 * cron.h — cron expressions (five fields, or six with seconds): parse once
 * into a plain struct of bitsets (keep it by value; nothing to free), then
 * ask for the next firing after an instant, in a time zone (server/time/tz.h).
 * cron_parse.c parses; cron.c searches.
 *
 * Syntax, "minute hour day-of-month month day-of-week":
 *   minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
 *   day-of-week 0-7 or SUN-SAT (0 and 7 are both Sunday); names are
 *   case-insensitive and may be range ends ("MON-FRI").
 *   A sixth field IN FRONT gives seconds 0-59 ("*\/10 * * * * *" every ten
 *   seconds); with five fields a job fires at second 0.
 *   Each field is a comma list of items: "*", "n", "a-b", "*\/s", "a-b/s",
 *   or "a/s" (a to the field's maximum, every s). Fields are separated by
 *   spaces or tabs.
 *   Macros: @yearly = @annually = "0 0 1 1 *", @monthly = "0 0 1 * *",
 *   @weekly = "0 0 * * 0", @daily = @midnight = "0 0 * * *",
 *   @hourly = "0 * * * *". @reboot is refused: schedules fire at times.
 *   Refused, with the field and the problem in err: a field count other
 *   than five or six, values out of range, reversed ranges, a step of 0 or
 *   larger than the field, empty list items, anything else (L, W, #, ?,
 *   junk).
 *
 * Days (Vixie cron): when day-of-month and day-of-week are both restricted
 * — neither field starts with "*" — a day matches if EITHER does ("0 0 13
 * * 5" is every 13th and every Friday); otherwise both must.
 *
 * Time zones and DST (ISC/Vixie cron). Fields are read off the zone's wall
 * clock. Where the wall clock jumps, a job whose hour field starts with "*"
 * ("*", "*\/2") follows real time, and any other job follows the calendar:
 *   - Spring forward (wall times that do not exist that day, e.g. 02:00-
 *     02:59 in Berlin on the last Sunday of March): a fixed-hour job whose
 *     time falls in the gap fires once, at the transition instant (the first
 *     real instant after the gap), however many of its times the gap held.
 *     A "*"-hour job has nothing to make up: its times in the gap never
 *     happen, so "30 * * * *" fires 01:30 CET then 03:30 CEST.
 *   - Fall back (wall times that happen twice, e.g. 02:00-02:59 in Berlin
 *     on the last Sunday of October): a fixed-hour job fires only at the
 *     first occurrence; a "*"-hour job fires at every real instant that
 *     matches, so "*\/15 * * * *" keeps firing every 15 real minutes and
 *     "30 * * * *" fires at both 02:30s.
 * Half-hour shifts (Australia/Lord_Howe) and offsets that are not whole
 * hours (Asia/Kolkata +05:30, Asia/Kathmandu +05:45) work the same way.
 */
#ifndef JOBD_CRON_H
#define JOBD_CRON_H

#include <stdbool.h>
#include <stdint.h>

#include "tz.h"
#include "common/err.h"

/* How far cron_next looks: far enough for every date, the rarest being
 * Feb 29, which after 2096 next comes in 2104 (2100 is not a leap year).
 * A date that must also fall on a weekday through a "*" field ("0 0 29 2
 * *\/7": a Sunday Feb 29) can take decades; such rarities are refused like
 * expressions that never fire. */
#define CRON_SEARCH_YEARS 8

/* Bit n set = value n matches. */
struct cron {
	uint64_t second;            /* bits 0-59; just bit 0 for five fields */
	uint64_t minute;            /* bits 0-59 */
	uint32_t hour;              /* bits 0-23 */
	uint32_t dom;               /* bits 1-31 */
	uint16_t month;             /* bits 1-12 */
	uint8_t dow;                /* bits 0-6, Sunday = 0 (7 is folded into 0) */
	bool dom_star;              /* day-of-month field starts with "*" */
	bool dow_star;              /* day-of-week field starts with "*" */
	bool hour_star;             /* hour field starts with "*": see DST above */
};

/* expr into *out. 0, or -1 with err like "minute field: 61 is out of range
 * 0-59" or "expected 5 fields (6 with seconds first), got 7"; *out is
 * unspecified then. */
int cron_parse(const char *expr, struct cron *out, char *err);

/* The first firing strictly after after_s (Unix seconds) on tz's wall
 * clock, into *next_s. -1 with err when it does not fire within
 * CRON_SEARCH_YEARS years ("0 0 30 2 *" never does) or after_s is outside
 * years 1-9999. Microseconds even for a yearly job: it skips whole months,
 * days and hours that cannot match, and looks at each tz span once. */
int cron_next(const struct cron *c, const struct tz *tz, int64_t after_s, int64_t *next_s,
    char *err);

#endif
