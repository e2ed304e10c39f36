/*
 * events_stream.c — one client's event stream (events.h): opening it within
 * the --max-event-streams places, where a reconnecting client resumes, and
 * the SSE text of each send (coalesced and with `stats` when asked); the
 * text is made here and api_events.c hands it to HTTP.
 */
#include "events_hub.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "follow.h"

/* The text stream s sends for event seq q. */
static const char *event_text(const struct events_stream *s, uint64_t q)
{
	const struct job_event *ev = &events_hub.ring[q % EVENTS_RING];
	return s->form.full && ev->full != NULL ? ev->full : ev->compact;
}

/* Marks events_hub.superseded[q - from] for each event of [from, to) that a later
 * event of the same job in that range supersedes. Called with events_hub.mu held. */
static void mark_superseded(uint64_t from, uint64_t to)
{
	memset(events_hub.seen, 0, sizeof(events_hub.seen));
	for (uint64_t q = to; q-- > from;) {
		int64_t id = events_hub.ring[q % EVENTS_RING].job_id;
		bool later = false;
		if (id != 0) {
			size_t h = (((uint64_t)id * 0x9E3779B97F4A7C15ULL) >> 32) & (EVENTS_SEEN - 1);
			while (events_hub.seen[h] != 0 && events_hub.seen[h] != id)
				h = (h + 1) & (EVENTS_SEEN - 1);
			later = events_hub.seen[h] == id;
			events_hub.seen[h] = id;
		}
		events_hub.superseded[q - from] = later;
	}
}

/* Formats what is due into s->pending, a ping when it is time for one;
 * with nothing to send, parks the stream. Called with events_hub.mu held.
 * 1 filled, 0 parked, -1 the stream must end. */
static int fill(struct events_stream *s)
{
	bool stats_due = s->form.stats && s->stats_version < events_hub.stats_version;
	const char *stats = stats_due ? events_hub.stats : NULL;

	if (s->want >= events_hub.next_seq && !s->resync && stats == NULL) {
		if (events_hub.closed)
			return -1;
		if (!s->ping_due) {
			events_park(s);
			return 0;
		}
	}
	s->ping_due = false;
	if (s->want < events_oldest_kept()) {
		s->want = events_oldest_kept();
		s->resync = true;
	}
	/* This send: the events of [from, end), as many as fit a block. */
	size_t cap = 256 + (stats != NULL ? strlen(stats) : 0);
	uint64_t from = s->want, end = from;
	for (; end < events_hub.next_seq && cap < EVENTS_BLOCK && end - from < EVENTS_SEND_MAX; end++)
		cap += strlen(event_text(s, end)) + 64;
	if ((s->pending = malloc(cap)) == NULL)
		return -1;
	if (s->form.coalesce)
		mark_superseded(from, end);
	size_t len = 0;
	if (s->resync)
		len += (size_t)snprintf(s->pending, cap, "event: resync\ndata: {}\n\n");
	s->resync = false;
	for (; s->want < end; s->want++) {
		if (s->form.coalesce && events_hub.superseded[s->want - from])
			continue;
		const char *j = event_text(s, s->want);
		const char *name = events_hub.ring[s->want % EVENTS_RING].name;
		if (len + strlen(j) + 64 > cap)
			break;
		len += (size_t)snprintf(s->pending + len, cap - len,
		    "id: %" PRId64 ".%" PRIu64 "\nevent: %s\ndata: %s\n\n", events_hub.run_id, s->want,
		    name != NULL ? name : "job", j);
	}
	/* After the events: its counts include what they say. */
	if (stats != NULL && s->want == end) {
		len += (size_t)snprintf(s->pending + len, cap - len, "event: stats\ndata: %s\n\n", stats);
		s->stats_version = events_hub.stats_version;
	}
	if (len == 0)
		len = (size_t)snprintf(s->pending, cap, ": ping\n\n");
	s->pending_len = len;
	s->pending_off = 0;
	return 1;
}

ssize_t events_stream_read(struct events_stream *s, char *buf, size_t max)
{
	if (s->pending == NULL) {
		pthread_mutex_lock(&events_hub.mu);
		int rc = fill(s);
		pthread_mutex_unlock(&events_hub.mu);
		if (rc <= 0)
			return rc;
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
	pthread_mutex_lock(&events_hub.mu);
	events_unpark(s);
	if (s->form.full)
		__atomic_sub_fetch(&events_hub.full_listeners, 1, __ATOMIC_RELAXED);
	if (s->form.stats)
		__atomic_sub_fetch(&events_hub.stats_listeners, 1, __ATOMIC_RELAXED);
	if (__atomic_sub_fetch(&events_hub.listeners, 1, __ATOMIC_RELAXED) == 0 && events_hub.closed)
		pthread_cond_broadcast(&events_hub.ended);
	pthread_mutex_unlock(&events_hub.mu);
	free(s->pending);
	free(s);
}

/* Where a reconnecting client resumes: after its Last-Event-ID if that is
 * from this run and still kept; otherwise from now, with a resync. */
static void start_point(struct events_stream *s, const char *last_id)
{
	int64_t run;
	uint64_t seq;

	pthread_mutex_lock(&events_hub.mu);
	s->want = events_hub.next_seq;
	if (last_id != NULL) {
		if (sscanf(last_id, "%" SCNd64 ".%" SCNu64, &run, &seq) == 2 && run == events_hub.run_id &&
		    seq < events_hub.next_seq && seq + 1 >= events_oldest_kept())
			s->want = seq + 1;
		else
			s->resync = true;
	}
	pthread_mutex_unlock(&events_hub.mu);
}

int events_stream_count(void) { return __atomic_load_n(&events_hub.listeners, __ATOMIC_RELAXED); }

/* Takes one of the --max-event-streams places, which output followers
 * (follow.h) share; false when none is free. A stream holds its connection
 * (and a file descriptor) until the client leaves, so without a cap
 * streams could take every connection. */
static bool listener_add(int64_t max)
{
	int n = __atomic_load_n(&events_hub.listeners, __ATOMIC_RELAXED);
	do {
		if (n + follow_count() >= max)
			return false;
	} while (!__atomic_compare_exchange_n(&events_hub.listeners, &n, n + 1, true, __ATOMIC_RELAXED,
	    __ATOMIC_RELAXED));
	return true;
}

/* A stats stream is owed the figures now: newer ones than it may have
 * (the last publish may be old), so the dispatcher is kicked to publish. */
static void ask_stats(struct events_stream *s)
{
	pthread_mutex_lock(&events_hub.mu);
	__atomic_add_fetch(&events_hub.stats_listeners, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&events_hub.stats_asked, true, __ATOMIC_RELAXED);
	s->stats_version = events_hub.stats_version;
	dispatch_kick_now(&events_hub.kick);
	pthread_mutex_unlock(&events_hub.mu);
}

struct events_stream *events_stream_open(const char *last_id, int64_t max,
    const struct events_form *form, const struct events_waker *w)
{
	if (!listener_add(max)) {
		errno = EBUSY;
		return NULL;
	}
	struct events_stream *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		__atomic_sub_fetch(&events_hub.listeners, 1, __ATOMIC_RELAXED);
		errno = ENOMEM;
		return NULL;
	}
	s->waker = *w;
	s->form = *form;
	if (form->full)
		__atomic_add_fetch(&events_hub.full_listeners, 1, __ATOMIC_RELAXED);
	if (form->stats)
		ask_stats(s);
	start_point(s, last_id);
	/* A first comment so the client sees the stream open at once. */
	s->pending = strdup(": jobd events\nretry: 1000\n\n");
	s->pending_len = s->pending ? strlen(s->pending) : 0;
	return s;
}
