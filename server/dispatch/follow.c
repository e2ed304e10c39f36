/*
 * follow.c — the parked followers of job output and their re-check timer
 * (see follow.h).
 */
#include "follow.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "common/clock.h"
#include "dispatch_kick.h"

struct follow {
	struct events_waker waker;
	struct follow *prev, *next; /* in the parked list */
	bool parked;
};

static struct {
	pthread_mutex_t mu;
	struct follow *parked_head;
	int open;
	bool closed;
	int64_t due;       /* monotonic µs of the next re-check (0: none parked) */
	struct dispatch_kick kick; /* the loop's wake-up for the re-check */
} hub = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Called with hub.mu held. */
static void wake_all(void)
{
	hub.due = 0;
	while (hub.parked_head != NULL) {
		struct follow *f = hub.parked_head;
		hub.parked_head = f->next;
		if (f->next != NULL)
			f->next->prev = NULL;
		f->prev = f->next = NULL;
		f->parked = false;
		f->waker.wake(f->waker.arg);
	}
}

struct follow *follow_open(int64_t max, const struct events_waker *w)
{
	pthread_mutex_lock(&hub.mu);
	bool room = hub.open + events_stream_count() < max;
	if (room)
		hub.open++;
	pthread_mutex_unlock(&hub.mu);
	if (!room) {
		errno = EBUSY;
		return NULL;
	}
	struct follow *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		follow_close(NULL);
		errno = ENOMEM;
		return NULL;
	}
	f->waker = *w;
	return f;
}

bool follow_park(struct follow *f)
{
	pthread_mutex_lock(&hub.mu);
	bool closed = hub.closed;
	if (!closed) {
		f->parked = true;
		f->prev = NULL;
		f->next = hub.parked_head;
		if (hub.parked_head != NULL)
			hub.parked_head->prev = f;
		hub.parked_head = f;
		f->waker.park(f->waker.arg);
		if (hub.due == 0)
			hub.due = clock_mono_us() + FOLLOW_RECHECK_MS * 1000LL;
		dispatch_kick_at(&hub.kick, hub.due);
	}
	pthread_mutex_unlock(&hub.mu);
	return !closed;
}

/* f NULL: only gives its place back (follow_open without memory). */
void follow_close(struct follow *f)
{
	pthread_mutex_lock(&hub.mu);
	if (f != NULL && f->parked) {
		if (f->prev != NULL)
			f->prev->next = f->next;
		else
			hub.parked_head = f->next;
		if (f->next != NULL)
			f->next->prev = f->prev;
	}
	hub.open--;
	pthread_mutex_unlock(&hub.mu);
	free(f);
}

int follow_count(void)
{
	pthread_mutex_lock(&hub.mu);
	int n = hub.open;
	pthread_mutex_unlock(&hub.mu);
	return n;
}

void follow_set_kick(void (*kick)(void *arg), void *arg)
{
	pthread_mutex_lock(&hub.mu);
	dispatch_kick_set(&hub.kick, kick, arg);
	pthread_mutex_unlock(&hub.mu);
}

int64_t follow_due(void)
{
	pthread_mutex_lock(&hub.mu);
	int64_t due = dispatch_kick_due(&hub.kick, hub.parked_head != NULL ? hub.due : 0);
	pthread_mutex_unlock(&hub.mu);
	return due;
}

void follow_tick(void)
{
	pthread_mutex_lock(&hub.mu);
	if (hub.due != 0 && hub.due <= clock_mono_us())
		wake_all();
	pthread_mutex_unlock(&hub.mu);
}

void follow_poke(void)
{
	pthread_mutex_lock(&hub.mu);
	wake_all();
	pthread_mutex_unlock(&hub.mu);
}

void follow_close_all(void)
{
	pthread_mutex_lock(&hub.mu);
	hub.closed = true;
	wake_all();
	pthread_mutex_unlock(&hub.mu);
}
