/*
 * clock.h — the two clocks jobd uses and how times are written.
 * Wall-clock microseconds (CLOCK_REALTIME) are what is stored and shown;
 * monotonic microseconds measure durations and deadlines, immune to clock
 * steps. Timestamps are rendered RFC 3339 UTC with milliseconds.
 */
#ifndef JOBD_CLOCK_H
#define JOBD_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define CLOCK_RFC3339_LEN 96
#define CLOCK_POLL_MAX_MS (3600 * 1000) /* one hour */

int64_t clock_wall_us(void);
int64_t clock_mono_us(void);
/* poll(2)'s timeout for something due in due_in_us microseconds: 0 when it
 * is due (or past), else the milliseconds rounded up, at most
 * CLOCK_POLL_MAX_MS. A plain (int) cast of a far wake-up (a job delayed 30
 * days: 2.6e9 ms) wraps negative, and a negative timeout waits forever. The
 * cap also bounds how long a wall-clock step can go unnoticed; callers loop
 * and compute again. Never -1: "no timer" is the caller's to say. */
int clock_poll_timeout_ms(int64_t due_in_us);
/* "2026-11-24T21:04:32.123Z" into buf (CLOCK_RFC3339_LEN bytes). */
void clock_format_rfc3339(int64_t wall_us, char *buf);
/* "2026-11-24T21:04:32.123Z", "...T21:04:32+01:00", fractions optional:
 * wall µs, or -1 if it is not RFC 3339. */
int64_t clock_parse_rfc3339(const char *s);

#endif
