/*
 * dispatch_kick.h — how a hub that the dispatcher's loop serves on a timer
 * wakes that loop: events.c (pings and gathered bursts of the parked event
 * streams) and follow.c (the parked output followers' re-checks) each embed
 * one. The loop has no thread to spare for them: once per round it asks each
 * hub when it is next due (dispatch_kick_due) and sleeps until the earliest.
 * A hub therefore has to wake the loop (fn, the dispatcher's eventfd) only
 * when a deadline appears that is sooner than the one the loop last heard
 * of; every other change waits for the round the loop will make anyway.
 *
 * The struct has no lock of its own: it lives in its hub, and every call is
 * made with that hub's lock held (so fn must only wake the loop, never call
 * back into the hub).
 */
#ifndef JOBD_DISPATCH_KICK_H
#define JOBD_DISPATCH_KICK_H

#include <stdbool.h>
#include <stdint.h>

struct dispatch_kick {
	void (*fn)(void *arg);   /* wakes the loop; NULL: no loop serves the hub */
	void *arg;
	int64_t told;            /* monotonic µs the loop sleeps until for this hub (0: none) */
};

/* A loop starts (fn) or stops (NULL) serving the hub; it has been told nothing yet. */
void dispatch_kick_set(struct dispatch_kick *k, void (*fn)(void *arg), void *arg);
/* Whether a loop serves the hub (otherwise what is due has to happen now). */
bool dispatch_kick_served(const struct dispatch_kick *k);
/* The hub is due at due (monotonic µs): wakes the loop unless it already
 * sleeps until then or sooner. */
void dispatch_kick_at(struct dispatch_kick *k, int64_t due);
/* Wakes the loop for a round now, whatever it sleeps until (work that is
 * not a deadline: a new stats stream is owed the figures). */
void dispatch_kick_now(struct dispatch_kick *k);
/* The loop's question, answered by the hub with due (0: nothing due):
 * returns due, remembered as what the loop now sleeps until. */
int64_t dispatch_kick_due(struct dispatch_kick *k, int64_t due);

#endif
