/*
 * http_conns.h — the request-header deadline (--header-timeout): a
 * connection that has not completed a request's headers within N seconds of
 * being accepted, or of its previous response, is closed.
 *
 * libmicrohttpd's own timeout counts idle time, so a client sending one
 * byte every few seconds (slowloris) keeps a connection forever. Here every
 * connection that waits for headers sits in one FIFO (all share the same
 * N, so the oldest is always first); a watchdog thread sleeps until the
 * first deadline and shuts the socket down, which makes the event loop
 * that owns the connection see EOF and close it the ordinary way.
 * Nothing else is touched from the watchdog: libmicrohttpd reports a
 * connection closed (MHD_CONNECTION_NOTIFY_CLOSED, which removes it from
 * the FIFO under the same lock) before it closes the socket, so the watchdog
 * never shuts down a descriptor that has been reused.
 *
 * Bodies and responses are not timed here (SSE streams are long on
 * purpose); only waiting for headers is.
 *
 * Owner: http.c starts it before the daemon and stops it after
 * MHD_stop_daemon, when no connection is left.
 */
#ifndef JOBD_HTTP_CONNS_H
#define JOBD_HTTP_CONNS_H

#include <microhttpd.h>

#include "common/err.h"

struct http_conns;

/* Starts the watchdog thread. 0, or -1 with err. */
int http_conns_start(struct http_conns **out, double header_timeout_s, char *err);
/* Joins the watchdog; every connection must have been closed already. */
void http_conns_stop(struct http_conns *c);

/* MHD_OPTION_NOTIFY_CONNECTION, with c as its closure: STARTED arms the
 * deadline, CLOSED forgets the connection. */
void http_conns_notify(void *c, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe);
/* The headers of a request are in (first call of the access handler). */
void http_conns_headers_done(struct http_conns *c, struct MHD_Connection *conn);
/* A request is over; the next one's headers are due within the deadline.
 * A client that has already closed its side (its FIN came in with the
 * request) is closed now: libmicrohttpd's edge-triggered epoll loop stops
 * reading after a short read, so it would notice that EOF only at the
 * deadline. Costs one recv(MSG_PEEK) per request. */
void http_conns_request_done(struct http_conns *c, struct MHD_Connection *conn);

#endif
