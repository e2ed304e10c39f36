/*
 * log.c — formats and writes log lines (see log.h). Each line is built in a
 * stack buffer and written with a single write(2) so lines from threads and
 * processes sharing stderr never interleave. Never allocates. What a message
 * quotes (a command, a URL) may hold newlines: they are escaped, so one
 * call is one line and no text can forge another.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "utf8.h"

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

/* One control byte as an escape: \n \r \t, else \xNN in text and \u00NN
 * in JSON, which also escapes its quote and backslash. */
static size_t escape_control(char *esc, size_t cap, unsigned char c, bool json)
{
	if (c == '\n')
		return (size_t)snprintf(esc, cap, "\\n");
	if (c == '\r')
		return (size_t)snprintf(esc, cap, "\\r");
	if (c == '\t')
		return (size_t)snprintf(esc, cap, "\\t");
	if (json && (c == '"' || c == '\\'))
		return (size_t)snprintf(esc, cap, "\\%c", c);
	return (size_t)snprintf(esc, cap, json ? "\\u%04x" : "\\x%02x", c);
}

/* Appends s to buf[off..cap) so that it cannot end the line or forge
 * another: C0 controls and DEL escaped, ill-formed UTF-8 as \xNN (text) or
 * U+FFFD (JSON must be UTF-8). Stops before a character or escape that would
 * not fit, so a long message is cut whole. Returns the new offset. */
static size_t escape(char *buf, size_t cap, size_t off, const char *s, bool json)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		const char *piece = esc;
		size_t len, used = 1;
		int clen = utf8_char_len(s + i, n - i);

		if (clen < 0) {
			len = json ? (size_t)snprintf(esc, sizeof(esc), "\\ufffd")
				   : (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
			used = json ? (size_t)-clen : 1;
		} else if (c < 0x20 || c == 0x7f || (json && (c == '"' || c == '\\'))) {
			len = escape_control(esc, sizeof(esc), c, json);
		} else {
			piece = s + i;
			len = used = (size_t)clen;
		}
		if (off + len >= cap)
			break;
		memcpy(buf + off, piece, len);
		off += len;
		i += used;
	}
	return off;
}

/* Appends the literal text to buf[off..cap) if it fits whole. */
static size_t put(char *buf, size_t cap, size_t off, const char *text)
{
	size_t len = strlen(text);

	if (off + len >= cap)
		return off;
	memcpy(buf + off, text, len + 1);
	return off + len;
}

size_t log_format_line(char *line, size_t cap, const char *level, const char *msg)
{
	const char *end = json_format ? "\"}\n" : "\n";
	size_t room = cap - strlen(end), off; /* the line's end is always kept */
	int n;

	if (json_format) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(line, room,
		    "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":\"%s\",\"proc\":\"",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, level);
	} else {
		n = snprintf(line, room, "%s ", level);
	}
	off = n < 0 ? 0 : (size_t)n < room ? (size_t)n : room - 1;
	off = escape(line, room, off, line_prefix, json_format);
	off = put(line, room, off, json_format ? "\",\"msg\":\"" : ": ");
	off = escape(line, room, off, msg, json_format);
	memcpy(line + off, end, strlen(end) + 1);
	return off + strlen(end);
}

static void emit(const char *level, const char *msg)
{
	char line[LOG_LINE_MAX + 256];
	size_t off = log_format_line(line, sizeof(line), level, msg);

	/* One write per line; a short write to stderr is not worth retrying. */
	ssize_t n = write(STDERR_FILENO, line, off);
	(void)n;
}

__attribute__((format(printf, 3, 0)))
static void vlog(const char *level, bool with_errno, const char *fmt, va_list ap)
{
	int saved = errno;
	char msg[LOG_LINE_MAX];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = utf8_cut(msg, sizeof(msg) - 1);
	msg[n] = '\0';
	if (with_errno && n + 1 < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved));
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
