/*
 * events_hub.h — inside the event hub (events.h), shared by its two halves:
 * events.c, the ring, publishing and the parked streams' wake-ups, and
 * events_stream.c, one client's stream reading the ring. Everything in
 * struct events_hub is guarded by its mu unless it is read atomically.
 */
#ifndef JOBD_EVENTS_HUB_H
#define JOBD_EVENTS_HUB_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "dispatch_kick.h"
#include "events.h"

/* Slots of the job ids a coalescing send has met: a power of two, twice
 * the events a send looks through, so linear probing stays short. */
#define EVENTS_SEEN (2 * EVENTS_SEND_MAX)

struct events_hub {
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
};

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

extern struct events_hub events_hub;

/* The oldest seq the ring still keeps. Called with events_hub.mu held. */
uint64_t events_oldest_kept(void);
/* Parks s until an event, a ping or the close wakes it. Called with events_hub.mu held. */
void events_park(struct events_stream *s);
/* Takes s off the parked list; its reader runs again once woken. Called with events_hub.mu held. */
void events_unpark(struct events_stream *s);

#endif
