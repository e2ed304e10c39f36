/*
 * log.c — formats and writes log lines (see log.h). Each line is built in a
 * stack buffer and written with a single write(2) so lines from threads and
 * processes sharing stderr never interleave. Never allocates.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

static enum log_level min_level = LOG_INFO;
static bool json_format;
static const char *line_prefix = "jobd";

int log_set_level(const char *name)
{
	if (strcmp(name, "debug") == 0)
		min_level = LOG_DEBUG;
	else if (strcmp(name, "info") == 0)
		min_level = LOG_INFO;
	else if (strcmp(name, "warn") == 0)
		min_level = LOG_WARN;
	else
		return -1;
	return 0;
}

int log_set_format(const char *name)
{
	if (strcmp(name, "text") == 0)
		json_format = false;
	else if (strcmp(name, "json") == 0)
		json_format = true;
	else
		return -1;
	return 0;
}

void log_set_prefix(const char *prefix) { line_prefix = prefix; }

bool log_enabled(enum log_level level) { return level >= min_level; }

/* Appends s to buf as the inside of a JSON string. */
static size_t json_escape(char *buf, size_t cap, size_t off, const char *s)
{
	for (; *s && off + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[off++] = '\\';
			buf[off++] = (char)c;
		} else if (c < 0x20) {
			off += (size_t)snprintf(buf + off, cap - off, "\\u%04x", c);
		} else {
			buf[off++] = (char)c;
		}
	}
	return off;
}

static void emit(const char *level, const char *msg)
{
	char line[LOG_LINE_MAX + 256];
	size_t off;

	if (json_format) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		off = (size_t)snprintf(line, sizeof(line),
		    "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":\"%s\",\"proc\":\"",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, level);
		off = json_escape(line, sizeof(line), off, line_prefix);
		off += (size_t)snprintf(line + off, sizeof(line) - off, "\",\"msg\":\"");
		off = json_escape(line, sizeof(line), off, msg);
		off += (size_t)snprintf(line + off, sizeof(line) - off, "\"}\n");
	} else {
		off = (size_t)snprintf(line, sizeof(line), "%s %s: %s\n", level, line_prefix, msg);
	}
	if (off >= sizeof(line))
		off = sizeof(line) - 1;
	/* One write per line; a short write to stderr is not worth retrying. */
	ssize_t n = write(STDERR_FILENO, line, off);
	(void)n;
}

__attribute__((format(printf, 3, 0)))
static void vlog(const char *level, bool with_errno, const char *fmt, va_list ap)
{
	int saved = errno;
	char msg[LOG_LINE_MAX];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);

	if (with_errno && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(saved));
	emit(level, msg);
	errno = saved;
}

#define LOG_FN(fn, lvl, name, with_errno)              \
	void fn(const char *fmt, ...)                  \
	{                                              \
		if (!log_enabled(lvl))                 \
			return;                        \
		va_list ap;                            \
		va_start(ap, fmt);                     \
		vlog(name, with_errno, fmt, ap);       \
		va_end(ap);                            \
	}

LOG_FN(log_debug, LOG_DEBUG, "debug", false)
LOG_FN(log_info, LOG_INFO, "info", false)
LOG_FN(log_warn, LOG_WARN, "warn", true)
LOG_FN(log_warnx, LOG_WARN, "warn", false)

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("fatal", true, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("fatal", false, fmt, ap);
	va_end(ap);
	exit(1);
}
