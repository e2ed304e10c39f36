/*
 * events.h — GET /v1/events: Server-Sent Events, one `job` event with the
 * job's JSON on every state change, `: ping` comments every 15 s.
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

void events_init(void);
/* Cheap check so the dispatcher renders events only while someone listens. */
bool events_have_listeners(void);
/* Takes ownership of json (one job object). Never blocks on clients. */
void events_publish(char *json);
/* Ends every stream (shutdown). */
void events_close(void);
void events_free(void);

/* One client's stream (api_events.c serves it). Opening takes one of max
 * places: NULL with errno EBUSY when all are taken, ENOMEM without memory.
 * last_id: the client's Last-Event-ID, or NULL. */
struct events_stream;
struct events_stream *events_stream_open(const char *last_id, int64_t max);
/* Up to max bytes of the stream's text, waiting up to EVENTS_PING_S for an
 * event (a ping then); -1 when the stream has ended (server stopping). */
ssize_t events_stream_read(struct events_stream *s, char *buf, size_t max);
void events_stream_close(struct events_stream *s);

#endif
