/*
 * events.h — GET /v1/events: Server-Sent Events, one `job` event on every
 * state change (a `node` event on a change of this node's drain state),
 * `: ping` comments every 15 s. The event is compact by
 * default (the fields that change: id, state, times, attempts, result,
 * batch, queue, node); a stream opened with ?full=true gets the whole job
 * JSON instead, rendered only while such a stream is open.
 *
 * The dispatcher publishes into a fixed ring of the last EVENTS_RING events
 * and never waits for a client. Each stream reads the ring at its own pace;
 * one that falls a whole ring behind (or reconnects with a Last-Event-ID
 * that has left the ring or belongs to an earlier server run) is sent an
 * `event: resync` and carries on from the oldest event kept, so memory per
 * client stays constant and a slow or dead client never slows job
 * processing. Event ids are "<run>.<seq>"; Last-Event-ID is honoured.
 * A stream opened with ?coalesce=true is sent each job once per send: of
 * a job's changes gathered into one send only the latest (it carries every
 * field the earlier ones did), the ids of the others skipped — for a
 * watcher that shows states, not transitions (the dashboard).
 * A stream opened with ?stats=true is also sent a `stats` event, the
 * figures of GET /v1/stats: once at the start, then whenever they changed,
 * at most every EVENTS_STATS_MS (the dispatcher publishes them, only while
 * such a stream is open), so a watcher need not poll them. It has no id:
 * it is a state, not a change, and a stream is sent only the newest.
 * At most --max-event-streams streams (and output followers, follow.h)
 * run at once; one more gets 503
 * `unavailable` with Retry-After (the dashboard polls meanwhile).
 *
 * No stream holds a thread: reading never waits. A stream with nothing to
 * send is parked (its waker's park, so HTTP suspends the connection) and
 * woken (wake: resumed) by the next publish, by its ping being due (the
 * dispatcher's loop calls events_ping) or by events_close. Park and wake
 * both run under the hub's lock, so a publish between "nothing to send"
 * and the park cannot be missed. A burst is gathered: parked streams are
 * woken EVENTS_COALESCE_MS after the first event they have not seen, or at
 * once when EVENTS_COALESCE_N wait.
 */
#ifndef JOBD_EVENTS_H
#define JOBD_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define EVENTS_RING 4096
#define EVENTS_PING_S 15
#define EVENTS_RETRY_AFTER_S 10
#define EVENTS_DRAIN_MS 2000
#define EVENTS_COALESCE_MS 50
#define EVENTS_COALESCE_N 128
/* Half a watcher's redraw interval (the dashboard's is 200 ms), so each
 * redraw has figures at most this old whatever the phase of the two. */
#define EVENTS_STATS_MS 100
/* Bytes handed to HTTP per read: a gathered burst in one chunk. */
#define EVENTS_BLOCK 65536
/* Events one send of a coalescing stream looks through (the smallest
 * event takes some 64 bytes of a block, so a block holds fewer). */
#define EVENTS_SEND_MAX (EVENTS_BLOCK / 64)

void events_init(void);
/* One change of a job: its compact JSON, and its full JSON when a stream
 * wants it (events_want_full), else NULL. A change of this node's drain
 * state (dispatch_drain.c) travels the same ring as a `node` event: name
 * "node", compact render_drain's object, full NULL. */
struct job_event {
	const char *name;        /* the SSE event name, a literal; NULL: "job" */
	int64_t job_id;          /* the job it is of; 0: none (a `node` event) */
	char *compact;
	char *full;
};

void job_event_free(struct job_event *ev);

/* Cheap checks so the dispatcher renders events only while someone listens,
 * and full ones only while a ?full=true stream does. */
bool events_have_listeners(void);
bool events_want_full(void);
/* Takes ownership of both strings. Never blocks on clients. */
void events_publish(struct job_event ev);
/* The `stats` event: events_want_stats while a ?stats=true stream is open;
 * events_stats_asked when one opened since the last publish (it is owed
 * the figures now). events_publish_stats takes ownership of the JSON and
 * wakes the streams that want it, unless a send of gathered events is due
 * within EVENTS_COALESCE_MS anyway (the figures then ride along). */
bool events_want_stats(void);
bool events_stats_asked(void);
void events_publish_stats(char *json);
/* The ping timer lives in the dispatcher's loop: events_ping_due says when
 * the oldest parked stream's ping is due (monotonic µs, 0 if none) and
 * events_ping wakes the streams whose ping is due (and, EVENTS_COALESCE_MS
 * after a publish, those with events to send). When a park or a publish
 * makes something due sooner than the loop sleeps until, kick(arg) is
 * called (dispatch_kick.h; with the hub's lock held: it must only wake the
 * loop). */
void events_set_kick(void (*kick)(void *arg), void *arg);
int64_t events_ping_due(void);
void events_ping(void);
/* Streams send what was published before this, then end (shutdown). */
void events_close(void);
/* After events_close: waits until every stream has ended (its client has
 * been sent the rest), at most EVENTS_DRAIN_MS, so that stopping HTTP does
 * not cut what was published last. */
void events_drain(void);
void events_free(void);

/* How a stream's reader is put to sleep and woken: both called with the
 * hub's lock held, from the reader's thread (park) or any thread (wake);
 * neither may call back into events_*. */
struct events_waker {
	void (*park)(void *arg);
	void (*wake)(void *arg);
	void *arg;
};

/* What one stream is sent (GET /v1/events's parameters). */
struct events_form {
	bool full;      /* each event's full JSON (events published before the
			 * stream opened may have only the compact one, sent then) */
	bool coalesce;  /* a job's changes gathered into one send: the latest only */
	bool stats;     /* `stats` events too */
};

/* One client's stream (api_events.c serves it). Opening takes one of max
 * places: NULL with errno EBUSY when all are taken, ENOMEM without memory.
 * last_id: the client's Last-Event-ID, or NULL. */
struct events_stream;
struct events_stream *events_stream_open(const char *last_id, int64_t max,
    const struct events_form *form, const struct events_waker *w);
/* Up to max bytes of the stream's text; 0 when there is nothing to send
 * yet (the stream was parked: read again once woken); -1 when the stream
 * has ended (server stopping, everything published sent). */
ssize_t events_stream_read(struct events_stream *s, char *buf, size_t max);
void events_stream_close(struct events_stream *s);
/* Event streams open now (they share --max-event-streams with followers). */
int events_stream_count(void);

#endif
