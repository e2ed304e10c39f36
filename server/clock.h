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

int64_t clock_wall_us(void);
int64_t clock_mono_us(void);
/* "2026-11-24T21:04:32.123Z" into buf (CLOCK_RFC3339_LEN bytes). */
void clock_format_rfc3339(int64_t wall_us, char *buf);
/* "2026-11-24T21:04:32.123Z", "...T21:04:32+01:00", fractions optional:
 * wall µs, or -1 if it is not RFC 3339. */
int64_t clock_parse_rfc3339(const char *s);

#endif
