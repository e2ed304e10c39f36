/*
 * events.c — the event ring and the streams that read it (see events.h):
 * the text of the SSE stream is made here; api_events.c hands it to HTTP.
 */
#include "events.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"


static struct {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct job_event ring[EVENTS_RING];
	uint64_t next_seq;        /* seq of the next event; ring[seq % EVENTS_RING] */
	int64_t run_id;           /* tells event ids of this server run apart */
	int listeners;
	int full_listeners;       /* of listeners, those that asked for full JSON */
	bool closed;
} hub = { .mu = PTHREAD_MUTEX_INITIALIZER, .next_seq = 1 };

struct events_stream {
	uint64_t want;            /* next seq to send */
	bool full;                /* full job JSON where the event has it */
	bool resync;              /* tell the client it missed events */
	char *pending;            /* formatted, not yet handed to MHD */
	size_t pending_len, pending_off;
};

void events_init(void)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&hub.cond, &a);
	pthread_condattr_destroy(&a);
	hub.run_id = clock_wall_us() / 1000;
}

bool events_have_listeners(void) { return __atomic_load_n(&hub.listeners, __ATOMIC_RELAXED) > 0; }

bool events_want_full(void) { return __atomic_load_n(&hub.full_listeners, __ATOMIC_RELAXED) > 0; }

void job_event_free(struct job_event *ev)
{
	free(ev->compact);
	free(ev->full);
	*ev = (struct job_event){ 0 };
}

void events_publish(struct job_event ev)
{
	pthread_mutex_lock(&hub.mu);
	struct job_event *slot = &hub.ring[hub.next_seq % EVENTS_RING];
	job_event_free(slot);
	*slot = ev;
	hub.next_seq++;
	pthread_cond_broadcast(&hub.cond);
	pthread_mutex_unlock(&hub.mu);
}

void events_close(void)
{
	pthread_mutex_lock(&hub.mu);
	hub.closed = true;
	pthread_cond_broadcast(&hub.cond);
	pthread_mutex_unlock(&hub.mu);
}

void events_free(void)
{
	for (int i = 0; i < EVENTS_RING; i++)
		job_event_free(&hub.ring[i]);
	pthread_cond_destroy(&hub.cond);
}

/* The text stream s sends for event seq q. */
static const char *event_text(const struct events_stream *s, uint64_t q)
{
	const struct job_event *ev = &hub.ring[q % EVENTS_RING];
	return s->full && ev->full != NULL ? ev->full : ev->compact;
}

static uint64_t oldest_kept(void)
{
	return hub.next_seq > EVENTS_RING ? hub.next_seq - EVENTS_RING + 1 : 1;
}

/* Formats what is due into s->pending; waits up to the ping interval.
 * Called with hub.mu held. Returns false when the stream must end. */
static bool fill(struct events_stream *s)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += EVENTS_PING_S;
	while (!hub.closed && s->want >= hub.next_seq && !s->resync)
		if (pthread_cond_timedwait(&hub.cond, &hub.mu, &until) == ETIMEDOUT)
			break;
	/* A burst goes out in few, large writes: once an event is due, gather
	 * more for up to EVENTS_COALESCE_MS. Each write costs the client a
	 * wakeup (a browser a task per chunk), and what a watcher shows is
	 * drawn a few times a second anyway. */
	if (s->want < hub.next_seq && !s->resync) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += EVENTS_COALESCE_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!hub.closed && hub.next_seq - s->want < EVENTS_COALESCE_N)
			if (pthread_cond_timedwait(&hub.cond, &hub.mu, &until) == ETIMEDOUT)
				break;
	}
	if (hub.closed)
		return false;
	if (s->want < oldest_kept()) {
		s->want = oldest_kept();
		s->resync = true;
	}
	size_t cap = 256;
	for (uint64_t q = s->want; q < hub.next_seq && cap < EVENTS_BLOCK; q++)
		cap += strlen(event_text(s, q)) + 64;
	if ((s->pending = malloc(cap)) == NULL)
		return false;
	size_t len = 0;
	if (s->resync)
		len += (size_t)snprintf(s->pending, cap, "event: resync\ndata: {}\n\n");
	s->resync = false;
	for (; s->want < hub.next_seq && len + 64 < cap; s->want++) {
		const char *j = event_text(s, s->want);
		if (len + strlen(j) + 64 > cap)
			break;
		len += (size_t)snprintf(s->pending + len, cap - len,
		    "id: %" PRId64 ".%" PRIu64 "\nevent: job\ndata: %s\n\n", hub.run_id, s->want, j);
	}
	if (len == 0)
		len = (size_t)snprintf(s->pending, cap, ": ping\n\n");
	s->pending_len = len;
	s->pending_off = 0;
	return true;
}

ssize_t events_stream_read(struct events_stream *s, char *buf, size_t max)
{
	if (s->pending == NULL) {
		pthread_mutex_lock(&hub.mu);
		bool ok = fill(s);
		pthread_mutex_unlock(&hub.mu);
		if (!ok)
			return -1;
	}
	size_t n = s->pending_len - s->pending_off;
	if (n > max)
		n = max;
	memcpy(buf, s->pending + s->pending_off, n);
	s->pending_off += n;
	if (s->pending_off == s->pending_len) {
		free(s->pending);
		s->pending = NULL;
	}
	return (ssize_t)n;
}

void events_stream_close(struct events_stream *s)
{
	__atomic_sub_fetch(&hub.listeners, 1, __ATOMIC_RELAXED);
	if (s->full)
		__atomic_sub_fetch(&hub.full_listeners, 1, __ATOMIC_RELAXED);
	free(s->pending);
	free(s);
}

/* Where a reconnecting client resumes: after its Last-Event-ID if that is
 * from this run and still kept; otherwise from now, with a resync. */
static void start_point(struct events_stream *s, const char *last_id)
{
	int64_t run;
	uint64_t seq;

	pthread_mutex_lock(&hub.mu);
	s->want = hub.next_seq;
	if (last_id != NULL) {
		if (sscanf(last_id, "%" SCNd64 ".%" SCNu64, &run, &seq) == 2 && run == hub.run_id &&
		    seq < hub.next_seq && seq + 1 >= oldest_kept())
			s->want = seq + 1;
		else
			s->resync = true;
	}
	pthread_mutex_unlock(&hub.mu);
}

/* Takes one of the --max-event-streams places; false when none is free.
 * A stream holds its connection's thread until the client leaves, so
 * without a cap streams could take every connection. */
static bool listener_add(int64_t max)
{
	int n = __atomic_load_n(&hub.listeners, __ATOMIC_RELAXED);
	do {
		if (n >= max)
			return false;
	} while (!__atomic_compare_exchange_n(&hub.listeners, &n, n + 1, true, __ATOMIC_RELAXED,
	    __ATOMIC_RELAXED));
	return true;
}

struct events_stream *events_stream_open(const char *last_id, int64_t max, bool full)
{
	if (!listener_add(max)) {
		errno = EBUSY;
		return NULL;
	}
	struct events_stream *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		__atomic_sub_fetch(&hub.listeners, 1, __ATOMIC_RELAXED);
		errno = ENOMEM;
		return NULL;
	}
	s->full = full;
	if (full)
		__atomic_add_fetch(&hub.full_listeners, 1, __ATOMIC_RELAXED);
	start_point(s, last_id);
	/* A first comment so the client sees the stream open at once. */
	s->pending = strdup(": jobd events\nretry: 1000\n\n");
	s->pending_len = s->pending ? strlen(s->pending) : 0;
	return s;
}
