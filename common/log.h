/*
 * log.h — the server's and workers' one way to say something on stderr.
 *
 * Four verbs after OpenBSD's daemons: log_warn appends strerror(errno),
 * log_warnx does not; fatal/fatalx do the same and exit(1) — only before
 * serving. Lines are "level component: message"; --log-format json turns
 * each into one JSON object per line. Thread-safe: one write(2) per line.
 */
#ifndef JOBD_LOG_H
#define JOBD_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN };

int log_set_level(const char *name);       /* 0, or -1 for an unknown name */
int log_set_format(const char *name);      /* "text" or "json" */
void log_set_prefix(const char *prefix);   /* e.g. "worker 1" in workers */
bool log_enabled(enum log_level level);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The line emitted for msg at level (e.g. "info") in the current format,
 * into line[cap] (cap >= 64), NUL-terminated; returns its length. Controls
 * (newlines included), DEL and ill-formed UTF-8 in msg are escaped: \n, \r,
 * \t, \xNN in text; JSON escapes, U+FFFD in JSON. For tests. */
size_t log_format_line(char *line, size_t cap, const char *level, const char *msg);

#endif
