/*
 * http_log.h — libmicrohttpd's own messages (MHD_OPTION_EXTERNAL_LOGGER)
 * into jobd's log, each repeat within HTTP_LOG_REPEAT_S only counted.
 */
#ifndef JOBD_HTTP_LOG_H
#define JOBD_HTTP_LOG_H

#include <stdarg.h>

/* The same libmicrohttpd message (a refused connection, say) is logged at
 * most once per this many seconds, with a count of the ones left out. */
#define HTTP_LOG_REPEAT_S 10

__attribute__((format(printf, 2, 0)))
void http_log_mhd(void *cls, const char *fmt, va_list ap);

#endif
