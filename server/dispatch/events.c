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
#include "dispatch_kick.h"
#include "follow.h"

/* Slots of the job ids a coalescing send has met: a power of two, twice
 * the events a send looks through, so linear probing stays short. */
#define EVENTS_SEEN (2 * EVENTS_SEND_MAX)

static struct {
	pthread_mutex_t mu;
	pthread_cond_t ended;     /* CLOCK_MONOTONIC: a stream ended after the close */
	struct job_event ring[EVENTS_RING];
	uint64_t next_seq;        /* seq of the next event; ring[seq % EVENTS_RING] */
	int64_t run_id;           /* tells event ids of this server run apart */
	int listeners;
	int full_listeners;       /* of listeners, those that asked for full JSON */
	int stats_listeners;      /* of listeners, those that asked for `stats` */
	bool stats_asked;         /* a stats stream opened since the last publish */
	char *stats;              /* the newest `stats` JSON, NULL before the first */
	uint64_t stats_version;   /* counts its publishes */
	bool closed;
	/* Parked streams, oldest first: each parks with "now", so the list
	 * stays sorted by ping deadline and the head is the next one due. */
	struct events_stream *parked_head, *parked_tail;
	struct dispatch_kick kick; /* the loop's wake-up for a ping or a flush */
	int64_t flush_at;         /* monotonic µs: wake the parked streams (0: none due) */
	/* A coalescing send's scratch (mark_superseded), used under mu. */
	bool superseded[EVENTS_SEND_MAX];
	int64_t seen[EVENTS_SEEN];
} hub = { .mu = PTHREAD_MUTEX_INITIALIZER, .next_seq = 1 };

struct events_stream {
	uint64_t want;            /* next seq to send */
	struct events_form form;
	bool resync;              /* tell the client it missed events */
	char *pending;            /* formatted, not yet handed to MHD */
	size_t pending_len, pending_off;
	struct events_waker waker;
	struct events_stream *prev, *next; /* in the parked list */
	bool parked;
	bool ping_due;            /* woken by the ping timer: send one */
	uint64_t stats_version;   /* of the last `stats` sent */
	int64_t parked_us;        /* monotonic */
};

void events_init(void)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&hub.ended, &a);
	pthread_condattr_destroy(&a);
	hub.run_id = clock_wall_us() / 1000;
}

bool events_have_listeners(void) { return __atomic_load_n(&hub.listeners, __ATOMIC_RELAXED) > 0; }

bool events_want_full(void) { return __atomic_load_n(&hub.full_listeners, __ATOMIC_RELAXED) > 0; }

bool events_want_stats(void) { return __atomic_load_n(&hub.stats_listeners, __ATOMIC_RELAXED) > 0; }

bool events_stats_asked(void) { return __atomic_load_n(&hub.stats_asked, __ATOMIC_RELAXED); }

void job_event_free(struct job_event *ev)
{
	free(ev->compact);
	free(ev->full);
	*ev = (struct job_event){ 0 };
}

/* Called with hub.mu held. */
static void park(struct events_stream *s)
{
	s->parked = true;
	s->parked_us = clock_mono_us();
	s->next = NULL;
	s->prev = hub.parked_tail;
	if (hub.parked_tail != NULL)
		hub.parked_tail->next = s;
	else
		hub.parked_head = s;
	hub.parked_tail = s;
	s->waker.park(s->waker.arg);
	dispatch_kick_at(&hub.kick, s->parked_us + EVENTS_PING_S * 1000000LL);
}

/* Called with hub.mu held; the stream's reader runs again once woken. */
static void unpark(struct events_stream *s)
{
	if (!s->parked)
		return;
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		hub.parked_head = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	else
		hub.parked_tail = s->prev;
	s->prev = s->next = NULL;
	s->parked = false;
}

static void wake_all(void)
{
	hub.flush_at = 0;
	while (hub.parked_head != NULL) {
		struct events_stream *s = hub.parked_head;
		unpark(s);
		s->waker.wake(s->waker.arg);
	}
}

/* A burst goes out in few, large writes: parked streams are woken
 * EVENTS_COALESCE_MS after the first event they have not seen (by the
 * dispatcher's loop, as for pings), or at once when EVENTS_COALESCE_N wait.
 * Each write costs the client a wakeup (a browser a task per chunk), and
 * what a watcher shows is drawn a few times a second anyway. */
void events_publish(struct job_event ev)
{
	pthread_mutex_lock(&hub.mu);
	struct job_event *slot = &hub.ring[hub.next_seq % EVENTS_RING];
	job_event_free(slot);
	*slot = ev;
	hub.next_seq++;
	if (hub.parked_head == NULL) {
		/* nobody waits */
	} else if (!dispatch_kick_served(&hub.kick) ||
		   hub.next_seq - hub.parked_head->want >= EVENTS_COALESCE_N) {
		wake_all();
	} else if (hub.flush_at == 0) {
		hub.flush_at = clock_mono_us() + EVENTS_COALESCE_MS * 1000LL;
		dispatch_kick_at(&hub.kick, hub.flush_at);
	}
	pthread_mutex_unlock(&hub.mu);
}

void events_publish_stats(char *json)
{
	pthread_mutex_lock(&hub.mu);
	free(hub.stats);
	hub.stats = json;
	hub.stats_version++;
	__atomic_store_n(&hub.stats_asked, false, __ATOMIC_RELAXED);
	for (struct events_stream *s = hub.flush_at != 0 ? NULL : hub.parked_head, *next; s != NULL;
	     s = next) {
		next = s->next;
		if (s->form.stats) {
			unpark(s);
			s->waker.wake(s->waker.arg);
		}
	}
	pthread_mutex_unlock(&hub.mu);
}

void events_set_kick(void (*kick)(void *arg), void *arg)
{
	pthread_mutex_lock(&hub.mu);
	dispatch_kick_set(&hub.kick, kick, arg);
	pthread_mutex_unlock(&hub.mu);
}

int64_t events_ping_due(void)
{
	pthread_mutex_lock(&hub.mu);
	int64_t due = hub.parked_head ? hub.parked_head->parked_us + EVENTS_PING_S * 1000000LL : 0;
	if (hub.flush_at != 0 && (due == 0 || hub.flush_at < due))
		due = hub.flush_at;
	dispatch_kick_due(&hub.kick, due);
	pthread_mutex_unlock(&hub.mu);
	return due;
}

void events_ping(void)
{
	int64_t now = clock_mono_us();

	pthread_mutex_lock(&hub.mu);
	if (hub.flush_at != 0 && hub.flush_at <= now)
		wake_all();
	while (hub.parked_head != NULL &&
	       hub.parked_head->parked_us + EVENTS_PING_S * 1000000LL <= now) {
		struct events_stream *s = hub.parked_head;
		unpark(s);
		s->ping_due = true;
		s->waker.wake(s->waker.arg);
	}
	pthread_mutex_unlock(&hub.mu);
}

void events_close(void)
{
	pthread_mutex_lock(&hub.mu);
	hub.closed = true;
	wake_all();
	pthread_mutex_unlock(&hub.mu);
}

void events_drain(void)
{
	int64_t due = clock_mono_us() + EVENTS_DRAIN_MS * 1000LL;
	struct timespec ts = { .tv_sec = due / 1000000, .tv_nsec = (long)(due % 1000000) * 1000 };

	pthread_mutex_lock(&hub.mu);
	while (__atomic_load_n(&hub.listeners, __ATOMIC_RELAXED) > 0)
		if (pthread_cond_timedwait(&hub.ended, &hub.mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&hub.mu);
}

void events_free(void)
{
	for (int i = 0; i < EVENTS_RING; i++)
		job_event_free(&hub.ring[i]);
	free(hub.stats);
	hub.stats = NULL;
	pthread_cond_destroy(&hub.ended);
}

/* The text stream s sends for event seq q. */
static const char *event_text(const struct events_stream *s, uint64_t q)
{
	const struct job_event *ev = &hub.ring[q % EVENTS_RING];
	return s->form.full && ev->full != NULL ? ev->full : ev->compact;
}

static uint64_t oldest_kept(void)
{
	return hub.next_seq > EVENTS_RING ? hub.next_seq - EVENTS_RING + 1 : 1;
}

/* Marks hub.superseded[q - from] for each event of [from, to) that a later
 * event of the same job in that range supersedes. Called with hub.mu held. */
static void mark_superseded(uint64_t from, uint64_t to)
{
	memset(hub.seen, 0, sizeof(hub.seen));
	for (uint64_t q = to; q-- > from;) {
		int64_t id = hub.ring[q % EVENTS_RING].job_id;
		bool later = false;
		if (id != 0) {
			size_t h = (((uint64_t)id * 0x9E3779B97F4A7C15ULL) >> 32) & (EVENTS_SEEN - 1);
			while (hub.seen[h] != 0 && hub.seen[h] != id)
				h = (h + 1) & (EVENTS_SEEN - 1);
			later = hub.seen[h] == id;
			hub.seen[h] = id;
		}
		hub.superseded[q - from] = later;
	}
}

/* Formats what is due into s->pending, a ping when it is time for one;
 * with nothing to send, parks the stream. Called with hub.mu held.
 * 1 filled, 0 parked, -1 the stream must end. */
static int fill(struct events_stream *s)
{
	const char *stats = s->form.stats && s->stats_version < hub.stats_version ? hub.stats : NULL;

	if (s->want >= hub.next_seq && !s->resync && stats == NULL) {
		if (hub.closed)
			return -1;
		if (!s->ping_due) {
			park(s);
			return 0;
		}
	}
	s->ping_due = false;
	if (s->want < oldest_kept()) {
		s->want = oldest_kept();
		s->resync = true;
	}
	/* This send: the events of [from, end), as many as fit a block. */
	size_t cap = 256 + (stats != NULL ? strlen(stats) : 0);
	uint64_t from = s->want, end = from;
	for (; end < hub.next_seq && cap < EVENTS_BLOCK && end - from < EVENTS_SEND_MAX; end++)
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
		if (s->form.coalesce && hub.superseded[s->want - from])
			continue;
		const char *j = event_text(s, s->want);
		const char *name = hub.ring[s->want % EVENTS_RING].name;
		if (len + strlen(j) + 64 > cap)
			break;
		len += (size_t)snprintf(s->pending + len, cap - len,
		    "id: %" PRId64 ".%" PRIu64 "\nevent: %s\ndata: %s\n\n", hub.run_id, s->want,
		    name != NULL ? name : "job", j);
	}
	/* After the events: its counts include what they say. */
	if (stats != NULL && s->want == end) {
		len += (size_t)snprintf(s->pending + len, cap - len, "event: stats\ndata: %s\n\n", stats);
		s->stats_version = hub.stats_version;
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
		pthread_mutex_lock(&hub.mu);
		int rc = fill(s);
		pthread_mutex_unlock(&hub.mu);
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
	pthread_mutex_lock(&hub.mu);
	unpark(s);
	if (s->form.full)
		__atomic_sub_fetch(&hub.full_listeners, 1, __ATOMIC_RELAXED);
	if (s->form.stats)
		__atomic_sub_fetch(&hub.stats_listeners, 1, __ATOMIC_RELAXED);
	if (__atomic_sub_fetch(&hub.listeners, 1, __ATOMIC_RELAXED) == 0 && hub.closed)
		pthread_cond_broadcast(&hub.ended);
	pthread_mutex_unlock(&hub.mu);
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

int events_stream_count(void) { return __atomic_load_n(&hub.listeners, __ATOMIC_RELAXED); }

/* Takes one of the --max-event-streams places, which output followers
 * (follow.h) share; false when none is free. A stream holds its connection
 * (and a file descriptor) until the client leaves, so without a cap
 * streams could take every connection. */
static bool listener_add(int64_t max)
{
	int n = __atomic_load_n(&hub.listeners, __ATOMIC_RELAXED);
	do {
		if (n + follow_count() >= max)
			return false;
	} while (!__atomic_compare_exchange_n(&hub.listeners, &n, n + 1, true, __ATOMIC_RELAXED,
	    __ATOMIC_RELAXED));
	return true;
}

/* A stats stream is owed the figures now: newer ones than it may have
 * (the last publish may be old), so the dispatcher is kicked to publish. */
static void ask_stats(struct events_stream *s)
{
	pthread_mutex_lock(&hub.mu);
	__atomic_add_fetch(&hub.stats_listeners, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&hub.stats_asked, true, __ATOMIC_RELAXED);
	s->stats_version = hub.stats_version;
	dispatch_kick_now(&hub.kick);
	pthread_mutex_unlock(&hub.mu);
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
		__atomic_sub_fetch(&hub.listeners, 1, __ATOMIC_RELAXED);
		errno = ENOMEM;
		return NULL;
	}
	s->waker = *w;
	s->form = *form;
	if (form->full)
		__atomic_add_fetch(&hub.full_listeners, 1, __ATOMIC_RELAXED);
	if (form->stats)
		ask_stats(s);
	start_point(s, last_id);
	/* A first comment so the client sees the stream open at once. */
	s->pending = strdup(": jobd events\nretry: 1000\n\n");
	s->pending_len = s->pending ? strlen(s->pending) : 0;
	return s;
}
