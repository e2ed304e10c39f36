/*
 * http_cmd.h — commands without a blocked thread: the request side of
 * http_cmd_state / http_cmd_submit / http_cmd_result (http.h), used by
 * http.c's access handler.
 *
 * A request's command goes through phases: SUBMITTED (with the dispatcher,
 * the connection still live), SUSPENDED (the connection suspended until
 * the dispatcher is done), DONE (the handler answers from it). The handler
 * does not suspend on the call that submits: libmicrohttpd then leaves the
 * connection marked "reading", and resuming it would read first — and a
 * client that half-closed after its request (shutdown(SHUT_WR)) would be
 * taken for gone and never answered. Returning without an answer instead
 * marks the connection "waiting for the application" (no reads), and
 * libmicrohttpd calls the handler again on its next round: then the
 * command is either done (answered at once) or the connection is
 * suspended. The phase is guarded by a mutex of the request, so the
 * dispatcher's callback resumes exactly the connections that were
 * suspended, never one that was not (a resume before the suspension would
 * be lost).
 *
 * Ownership: the struct belongs to the request (http.c's conn_state).
 * When the request ends while the dispatcher still holds the command (the
 * client reset the connection between the phases), the dispatcher's
 * callback frees it instead.
 */
#ifndef JOBD_HTTP_CMD_H
#define JOBD_HTTP_CMD_H

#include <stdbool.h>

#include "http.h"

struct http_cmd;

/* The access handler's final call: true while the request's command is with
 * the dispatcher (the connection has been suspended: return MHD_YES);
 * false when there is none or it is done (call the handler). */
bool http_cmd_pending(struct http_cmd *hc, struct MHD_Connection *conn);
/* After the handler: true when it handed a command over on this call
 * (return MHD_YES without an answer; the handler is called again). */
bool http_cmd_handed_over(struct http_cmd *hc);
/* The request ended: frees hc, or leaves it to the dispatcher's callback. */
void http_cmd_release(struct http_cmd *hc);

#endif
