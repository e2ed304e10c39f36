/*
 * http_log.c — libmicrohttpd's messages into jobd's log (see http_log.h).
 */
#include "http_log.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"

/* An attacker refused a thousand times a second must not flood the log:
 * the same message again within HTTP_LOG_REPEAT_S seconds is only counted,
 * and the count is said before the next line that is logged. */
void http_log_mhd(void *cls, const char *fmt, va_list ap)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static char last[512];
	static int64_t last_us;
	static long repeats;
	char msg[512];
	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t l = strlen(msg);
	while (l > 0 && msg[l - 1] == '\n')
		msg[--l] = '\0';
	int64_t now = clock_mono_us();
	pthread_mutex_lock(&mu);
	if (strcmp(msg, last) == 0 && now - last_us < HTTP_LOG_REPEAT_S * 1000000LL) {
		repeats++;
		pthread_mutex_unlock(&mu);
		return;
	}
	char prev[sizeof(last)];
	long repeated = repeats;
	memcpy(prev, last, sizeof(prev));
	memcpy(last, msg, sizeof(last));
	last_us = now;
	repeats = 0;
	pthread_mutex_unlock(&mu);
	if (repeated > 0)
		log_warnx("http: %s (%ld more times)", prev, repeated);
	log_warnx("http: %s", msg);
}
