/*
 * clock.c — reads the clocks and formats timestamps (see clock.h).
 */
#include "clock.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t read_us(clockid_t id)
{
	struct timespec ts;

	/* clock_gettime cannot fail for these two clocks on Linux. */
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_wall_us(void) { return read_us(CLOCK_REALTIME); }

int64_t clock_mono_us(void) { return read_us(CLOCK_MONOTONIC); }

int clock_poll_timeout_ms(int64_t due_in_us)
{
	if (due_in_us <= 0)
		return 0;
	/* Compared in µs first: rounding up could overflow near INT64_MAX. */
	if (due_in_us >= (int64_t)CLOCK_POLL_MAX_MS * 1000)
		return CLOCK_POLL_MAX_MS;
	return (int)((due_in_us + 999) / 1000);
}

void clock_format_rfc3339(int64_t wall_us, char *buf)
{
	time_t secs = (time_t)(wall_us / 1000000);
	int ms = (int)((wall_us % 1000000) / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, CLOCK_RFC3339_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ms);
}

static int digits(const char **p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

int64_t clock_parse_rfc3339(const char *s)
{
	struct tm tm = { 0 };
	const char *p = s;
	int64_t frac_us = 0, scale = 100000;

	tm.tm_year = digits(&p, 4) - 1900;
	if (*p++ != '-' || (tm.tm_mon = digits(&p, 2) - 1) < 0 || *p++ != '-' ||
	    (tm.tm_mday = digits(&p, 2)) < 1 || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if ((tm.tm_hour = digits(&p, 2)) < 0 || *p++ != ':' || (tm.tm_min = digits(&p, 2)) < 0 ||
	    *p++ != ':' || (tm.tm_sec = digits(&p, 2)) < 0)
		return -1;
	if (tm.tm_year < 70 || tm.tm_mon > 11 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return -1;
		for (; isdigit((unsigned char)*p); p++, scale /= 10)
			frac_us += (*p - '0') * scale;
	}
	int offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, h = digits(&p, 2), m;
		if (h < 0 || *p++ != ':' || (m = digits(&p, 2)) < 0 || h > 23 || m > 59)
			return -1;
		offset = sign * (h * 3600 + m * 60);
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	return ((int64_t)t - offset) * 1000000 + frac_us;
}
