/*
 * http_trim.h — gives the heap back to the OS once requests stop, not after
 * each one (http_trim.c). http.c marks each request's start and end
 * with http_trim_activity().
 */
#ifndef JOBD_HTTP_TRIM_H
#define JOBD_HTTP_TRIM_H

/* Idle this long (no request begun or ended) before the heap is trimmed. */
#define HTTP_TRIM_IDLE_MS 500
/* Freed memory glibc may keep at the heap's top meanwhile. */
#define HTTP_TRIM_THRESHOLD (64 * 1024 * 1024)

/* Raises glibc's trim threshold and starts the trimming thread. */
int http_trim_start(char *err);
void http_trim_stop(void);
/* A request began or ended: the idle time counts from now. */
void http_trim_activity(void);

#endif
