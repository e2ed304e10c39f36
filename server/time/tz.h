/*
 * tz.h — time zones without libc's TZ state: loads a TZif file (RFC 8536,
 * versions 1 to 4) from the zoneinfo directory and answers "what is the UTC
 * offset at this instant" and "over which span of instants does it hold".
 *
 * Why not localtime()/mktime(): they read the process-wide TZ variable, and
 * changing it with setenv("TZ") + tzset() races every other thread. Here a
 * loaded struct tz is immutable: share it across threads freely, free it
 * once nobody uses it.
 *
 * Where zones come from: <dir>/<name>, dir being the one main.c passes to
 * tz_set_dir at start-up (--zoneinfo / JOBD_ZONEINFO; this module reads no
 * environment) or else TZ_DEFAULT_DIR. "UTC", "Etc/UTC", "GMT" and
 * "Etc/GMT" are built in and never touch the disk. Names are checked
 * before any path is built: at most TZ_NAME_MAX bytes of [A-Za-z0-9/_+-],
 * relative, no empty, "." or ".." components.
 *
 * The code: tz.c (names, files, lookups), tz_tzif.c (the file format),
 * tz_rule.c (the footer's POSIX rule and the calendar helpers).
 *
 * After the file's last transition the TZ string footer (POSIX TZ rule with
 * RFC 8536's extensions: times from -167 to 167 hours, DST all year) gives
 * the offsets, so far-future instants are right even in "slim" files.
 * Leap-second records are ignored (use the posix/ zones, not right/).
 *
 * Times are int64_t Unix seconds ("utc_s"); "local seconds" are the same
 * count read off the zone's wall clock (utc_s + offset), so the calendar
 * helpers below turn either into a date.
 */
#ifndef JOBD_TZ_H
#define JOBD_TZ_H

#include <stdint.h>

#include "common/err.h"

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZ_NAME_MAX 255

struct tz;

/* The directory tz_load reads zones from; NULL or "" means TZ_DEFAULT_DIR,
 * which is also what it is until this is called. The string is copied.
 * Call it once at start-up, before any thread that loads zones exists
 * (main.c: after config_load, before the dispatcher and HTTP threads):
 * tz_load reads the copy without a lock. -1 with err if dir does not fit
 * (4095 bytes); it is not checked for existence, so a wrong directory shows
 * up as "unknown time zone" at each load. */
int tz_set_dir(const char *dir, char *err);

/* The zone called name (e.g. "Europe/Berlin"), from tz_set_dir's
 * directory. Returns a zone the caller frees with tz_free, or NULL with err
 * set: `timezone "Foo/Bar": unknown time zone`, `timezone "../etc/passwd":
 * not a valid zone name`, `... is not a TZif file`, `... corrupt TZif
 * file: ...`, or the failing call and errno. */
struct tz *tz_load(const char *name, char *err);
/* As tz_load, reading <dir>/<name>; dir NULL or "" means TZ_DEFAULT_DIR.
 * Ignores tz_set_dir: for tests and tools that pick a directory per call. */
struct tz *tz_load_dir(const char *dir, const char *name, char *err);
/* NULL is harmless. */
void tz_free(struct tz *tz);

/* The name it was loaded under. */
const char *tz_name(const struct tz *tz);

/* Seconds east of UTC at instant utc_s (Berlin in winter: 3600). */
int tz_offset_at(const struct tz *tz, int64_t utc_s);

/* The longest run of instants around utc_s with one UTC offset:
 * [start, end) contains utc_s; start is INT64_MIN when the offset held
 * since the beginning of time, end INT64_MAX when it holds forever. At
 * start the wall clock jumped from start + prev_offset to start + offset:
 * forward (a gap of wall times that never happen) when prev_offset <
 * offset, backward (wall times that happen twice) when it is greater.
 * prev_offset == offset only when start is INT64_MIN. */
struct tz_span {
	int64_t start;
	int64_t end;
	int32_t offset;
	int32_t prev_offset;
};
void tz_span_at(const struct tz *tz, int64_t utc_s, struct tz_span *out);

/* Proleptic Gregorian calendar (no zones involved): days since 1970-01-01
 * of a date (month 1-12, day 1-31), and back. Valid for |year| < 10^7. */
int64_t tz_days_from_civil(int64_t year, int month, int day);
void tz_civil_from_days(int64_t days, int64_t *year, int *month, int *day);
/* 0 = Sunday .. 6 = Saturday. */
int tz_weekday(int64_t days);
int tz_days_in_month(int64_t year, int month);
/* a / b and a mod b rounded toward minus infinity (b > 0). */
int64_t tz_floor_div(int64_t a, int64_t b);
int64_t tz_floor_mod(int64_t a, int64_t b);

#endif
