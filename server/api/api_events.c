/*
 * api_events.c — GET /v1/events: hands an event stream (events.h) to
 * libmicrohttpd as a chunked text/event-stream response. A stream with
 * nothing to send suspends its connection, so it holds no thread; the hub
 * resumes it (events_waker).
 */
#include "api.h"

#include <errno.h>
#include <string.h>

#include "dispatch/events.h"

/* Called by the hub with its lock held, from within stream_read: the only
 * place libmicrohttpd allows a suspension of a streaming response. */
static void park(void *conn) { MHD_suspend_connection(conn); }
static void wake(void *conn) { MHD_resume_connection(conn); }

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	ssize_t n = events_stream_read(cls, buf, max);
	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n; /* 0: parked, read again when woken */
}

static void stream_free(void *cls) { events_stream_close(cls); }

/* A true/false query parameter into *out (absent: false); false once a
 * 400 naming it is set in r. */
static bool query_flag(struct http_req *req, struct http_resp *r, const char *name, bool *out)
{
	const char *v = http_query(req, name);

	*out = v != NULL && strcmp(v, "true") == 0;
	if (v == NULL || *out || strcmp(v, "false") == 0)
		return true;
	http_error(r, 400, "invalid_request", name, "%s must be true or false", name);
	return false;
}

void api_events(struct http_req *req, struct http_resp *r)
{
	int64_t max = req->app->cfg->max_event_streams;
	struct events_form form;

	if (!query_flag(req, r, "full", &form.full) ||
	    !query_flag(req, r, "coalesce", &form.coalesce) || !query_flag(req, r, "stats", &form.stats))
		return;
	struct events_waker w = { .park = park, .wake = wake, .arg = req->conn };
	struct events_stream *s = events_stream_open(http_req_header(req, "Last-Event-ID"), max,
	    &form, &w);

	if (s == NULL && errno == EBUSY) {
		http_error(r, 503, "unavailable", NULL,
		    "too many event streams and output followers (%lld, --max-event-streams); poll the API, or try again later",
		    (long long)max);
		http_header(r, "Retry-After", "%d", EVENTS_RETRY_AFTER_S);
		return;
	}
	if (s == NULL) {
		http_internal(r, "out of memory");
		return;
	}
	http_stream(r, "text/event-stream", EVENTS_BLOCK, stream_read, s, stream_free);
}
