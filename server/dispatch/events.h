/*
 * events.h — GET /v1/events: Server-Sent Events, one `job` event on every
 * state change, `: ping` comments every 15 s. The event is compact by
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
 * At most --max-event-streams streams run at once; one more gets 503
 * `unavailable` with Retry-After (the dashboard polls meanwhile).
 */
#ifndef JOBD_EVENTS_H
#define JOBD_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define EVENTS_RING 4096
#define EVENTS_PING_S 15
#define EVENTS_RETRY_AFTER_S 10
/* A stream sends what is due after gathering for up to this long, or as
 * soon as this many events wait. */
#define EVENTS_COALESCE_MS 50
#define EVENTS_COALESCE_N 128
/* Bytes handed to HTTP per read: a gathered burst in one chunk. */
#define EVENTS_BLOCK 65536

void events_init(void);
/* One change of a job: its compact JSON, and its full JSON when a stream
 * wants it (events_want_full), else NULL. */
struct job_event {
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
/* Ends every stream (shutdown). */
void events_close(void);
void events_free(void);

/* One client's stream (api_events.c serves it). Opening takes one of max
 * places: NULL with errno EBUSY when all are taken, ENOMEM without memory.
 * last_id: the client's Last-Event-ID, or NULL. full: send each event's
 * full JSON (events published before the stream opened may have only the
 * compact one, which is sent then). */
struct events_stream;
struct events_stream *events_stream_open(const char *last_id, int64_t max, bool full);
/* Up to max bytes of the stream's text, waiting up to EVENTS_PING_S for an
 * event (a ping then); -1 when the stream has ended (server stopping). */
ssize_t events_stream_read(struct events_stream *s, char *buf, size_t max);
void events_stream_close(struct events_stream *s);

#endif
