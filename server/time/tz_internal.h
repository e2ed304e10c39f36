/*
 * tz_internal.h — shared by the three files of the tz module only:
 *   tz.c       zone names, reading zone files, the offset/span lookups;
 *   tz_tzif.c  decoding a TZif file (RFC 8536) into a struct tz;
 *   tz_rule.c  the POSIX TZ rule of a file's footer, and the calendar maths
 *              (public in tz.h, since cron uses it too).
 * Nothing outside them includes it; everyone else sees only tz.h.
 */
#ifndef JOBD_TZ_INTERNAL_H
#define JOBD_TZ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tz.h"

/* ---- the footer's POSIX TZ rule (tz_rule.c) ---- */

enum tz_rule_kind { TZ_RULE_JULIAN_NOLEAP, TZ_RULE_DAY_OF_YEAR, TZ_RULE_MONTH_WEEK_DAY };

/* One of the two dates of a rule: Jn, n or Mm.w.d, then /time. */
struct tz_rule_date {
	enum tz_rule_kind kind;
	int day;                    /* Jn: 1-365; n: 0-365; Mm.w.d: weekday 0-6 */
	int week;                   /* Mm.w.d only: 1-5 */
	int month;                  /* Mm.w.d only: 1-12 */
	int32_t time;               /* seconds after local midnight, may be < 0 */
};

struct tz_rule {
	bool has_dst;
	int32_t std_off, dst_off;   /* seconds east of UTC */
	struct tz_rule_date start, end; /* start is in standard time, end in DST */
};

/* A footer's TZ string, like "CET-1CEST,M3.5.0,M10.5.0/3", into *r.
 * 0, or -1 when it is not one (*r is unspecified then). */
int tz_rule_parse(const char *s, struct tz_rule *r);

/* The span of the rule alone around utc_s, for any utc_s: the longest run
 * of instants with one offset, as tz_span_at describes it. */
void tz_rule_span(const struct tz_rule *r, int64_t utc_s, struct tz_span *out);

/* ---- a loaded zone (filled by tz_tzif.c, owned and read by tz.c) ---- */

struct tz {
	char name[TZ_NAME_MAX + 1];
	int32_t first_offset;       /* before at[0], or always when count is 0 */
	size_t count;
	int64_t *at;                /* ascending; each changes the offset */
	int32_t *offset;            /* offset[i] holds from at[i] */
	bool has_rule;              /* rule holds from at[count - 1] on */
	struct tz_rule rule;
};

/* ---- TZif files (tz_tzif.c) ---- */

enum tz_tzif_result { TZ_TZIF_OK, TZ_TZIF_NOT_TZIF, TZ_TZIF_CORRUPT, TZ_TZIF_NO_MEMORY };

/* The file buf[0..len) into tz's first_offset, count, at, offset and rule
 * (tz zeroed by the caller). On TZ_TZIF_CORRUPT *why says what is wrong, a
 * static string. Whatever it allocated stays in tz, success or not: the
 * caller's tz_free releases it. */
enum tz_tzif_result tz_tzif_parse(struct tz *tz, const uint8_t *buf, size_t len,
    const char **why);

#endif
