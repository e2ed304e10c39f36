/*
 * follow.h — followers of a job's output (GET /v1/jobs/{id}/stdout?follow=true)
 * that wait without a thread. A follower with nothing new to send parks
 * (its waker's park: HTTP suspends the connection); the dispatcher's loop
 * wakes every parked follower FOLLOW_RECHECK_MS later (follow_due and
 * follow_tick, beside the event streams' pings), and at once when a job
 * changes state (follow_poke), so that it reads the output again: output
 * files grow without the dispatcher knowing, and a cluster node's copy in
 * the database grows on another node. What a follower reads is api_output.c's;
 * this is only the parking and the count.
 *
 * Followers and event streams together are at most max (--max-event-streams:
 * each holds a connection); one more is refused with EBUSY (503 + Retry-After).
 */
#ifndef JOBD_FOLLOW_H
#define JOBD_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "events.h"

#define FOLLOW_RECHECK_MS 150

struct follow;

/* NULL with errno EBUSY when max followers and event streams are open,
 * ENOMEM without memory. */
struct follow *follow_open(int64_t max, const struct events_waker *w);
/* From the follower's reader, when it has nothing to send: parks it until
 * the next tick or poke. false (not parked) once follow_close_all ran: the
 * follower must end. */
bool follow_park(struct follow *f);
void follow_close(struct follow *f);
/* The count of open followers. */
int follow_count(void);

/* As events_set_kick: kick(arg) wakes the dispatcher's loop when the first
 * follower parks while it sleeps without the re-check deadline. */
void follow_set_kick(void (*kick)(void *arg), void *arg);
/* Monotonic µs of the next re-check, 0 when no follower is parked. */
int64_t follow_due(void);
/* Wakes the parked followers if their re-check is due. */
void follow_tick(void);
/* A job changed state: wake the parked followers at once. */
void follow_poke(void);
/* Shutdown: every follower sends what it has, then ends. */
void follow_close_all(void);

#endif
