/*
 * events.c — the event hub (see events.h): the ring the dispatcher
 * publishes into, the `stats` figures, and waking the parked streams (at
 * once, after a burst gathers, for a ping, at the close). One client's
 * stream is events_stream.c.
 */
#include "events_hub.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "common/clock.h"

struct events_hub events_hub = { .mu = PTHREAD_MUTEX_INITIALIZER, .next_seq = 1 };

void events_init(void)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&events_hub.ended, &a);
	pthread_condattr_destroy(&a);
	events_hub.run_id = clock_wall_us() / 1000;
}

bool events_have_listeners(void)
{
	return __atomic_load_n(&events_hub.listeners, __ATOMIC_RELAXED) > 0;
}

bool events_want_full(void)
{
	return __atomic_load_n(&events_hub.full_listeners, __ATOMIC_RELAXED) > 0;
}

bool events_want_stats(void)
{
	return __atomic_load_n(&events_hub.stats_listeners, __ATOMIC_RELAXED) > 0;
}

bool events_stats_asked(void) { return __atomic_load_n(&events_hub.stats_asked, __ATOMIC_RELAXED); }

void job_event_free(struct job_event *ev)
{
	free(ev->compact);
	free(ev->full);
	*ev = (struct job_event){ 0 };
}

void events_park(struct events_stream *s)
{
	s->parked = true;
	s->parked_us = clock_mono_us();
	s->next = NULL;
	s->prev = events_hub.parked_tail;
	if (events_hub.parked_tail != NULL)
		events_hub.parked_tail->next = s;
	else
		events_hub.parked_head = s;
	events_hub.parked_tail = s;
	s->waker.park(s->waker.arg);
	dispatch_kick_at(&events_hub.kick, s->parked_us + EVENTS_PING_S * 1000000LL);
}

void events_unpark(struct events_stream *s)
{
	if (!s->parked)
		return;
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		events_hub.parked_head = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	else
		events_hub.parked_tail = s->prev;
	s->prev = s->next = NULL;
	s->parked = false;
}

static void wake_all(void)
{
	events_hub.flush_at = 0;
	while (events_hub.parked_head != NULL) {
		struct events_stream *s = events_hub.parked_head;
		events_unpark(s);
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
	pthread_mutex_lock(&events_hub.mu);
	struct job_event *slot = &events_hub.ring[events_hub.next_seq % EVENTS_RING];
	job_event_free(slot);
	*slot = ev;
	events_hub.next_seq++;
	if (events_hub.parked_head == NULL) {
		/* nobody waits */
	} else if (!dispatch_kick_served(&events_hub.kick) ||
		   events_hub.next_seq - events_hub.parked_head->want >= EVENTS_COALESCE_N) {
		wake_all();
	} else if (events_hub.flush_at == 0) {
		events_hub.flush_at = clock_mono_us() + EVENTS_COALESCE_MS * 1000LL;
		dispatch_kick_at(&events_hub.kick, events_hub.flush_at);
	}
	pthread_mutex_unlock(&events_hub.mu);
}

void events_publish_stats(char *json)
{
	pthread_mutex_lock(&events_hub.mu);
	free(events_hub.stats);
	events_hub.stats = json;
	events_hub.stats_version++;
	__atomic_store_n(&events_hub.stats_asked, false, __ATOMIC_RELAXED);
	struct events_stream *first = events_hub.flush_at != 0 ? NULL : events_hub.parked_head;
	for (struct events_stream *s = first, *next; s != NULL; s = next) {
		next = s->next;
		if (s->form.stats) {
			events_unpark(s);
			s->waker.wake(s->waker.arg);
		}
	}
	pthread_mutex_unlock(&events_hub.mu);
}

void events_set_kick(void (*kick)(void *arg), void *arg)
{
	pthread_mutex_lock(&events_hub.mu);
	dispatch_kick_set(&events_hub.kick, kick, arg);
	pthread_mutex_unlock(&events_hub.mu);
}

int64_t events_ping_due(void)
{
	pthread_mutex_lock(&events_hub.mu);
	struct events_stream *head = events_hub.parked_head;
	int64_t due = head != NULL ? head->parked_us + EVENTS_PING_S * 1000000LL : 0;
	if (events_hub.flush_at != 0 && (due == 0 || events_hub.flush_at < due))
		due = events_hub.flush_at;
	dispatch_kick_due(&events_hub.kick, due);
	pthread_mutex_unlock(&events_hub.mu);
	return due;
}

void events_ping(void)
{
	int64_t now = clock_mono_us();

	pthread_mutex_lock(&events_hub.mu);
	if (events_hub.flush_at != 0 && events_hub.flush_at <= now)
		wake_all();
	while (events_hub.parked_head != NULL &&
	       events_hub.parked_head->parked_us + EVENTS_PING_S * 1000000LL <= now) {
		struct events_stream *s = events_hub.parked_head;
		events_unpark(s);
		s->ping_due = true;
		s->waker.wake(s->waker.arg);
	}
	pthread_mutex_unlock(&events_hub.mu);
}

void events_close(void)
{
	pthread_mutex_lock(&events_hub.mu);
	events_hub.closed = true;
	wake_all();
	pthread_mutex_unlock(&events_hub.mu);
}

void events_drain(void)
{
	int64_t due = clock_mono_us() + EVENTS_DRAIN_MS * 1000LL;
	struct timespec ts = { .tv_sec = due / 1000000, .tv_nsec = (long)(due % 1000000) * 1000 };

	pthread_mutex_lock(&events_hub.mu);
	while (__atomic_load_n(&events_hub.listeners, __ATOMIC_RELAXED) > 0)
		if (pthread_cond_timedwait(&events_hub.ended, &events_hub.mu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&events_hub.mu);
}

void events_free(void)
{
	for (int i = 0; i < EVENTS_RING; i++)
		job_event_free(&events_hub.ring[i]);
	free(events_hub.stats);
	events_hub.stats = NULL;
	pthread_cond_destroy(&events_hub.ended);
}

uint64_t events_oldest_kept(void)
{
	return events_hub.next_seq > EVENTS_RING ? events_hub.next_seq - EVENTS_RING + 1 : 1;
}
