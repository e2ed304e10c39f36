/*
 * http_guard.h — the checks every request passes before any handler runs:
 * the bearer token on /v1 and /metrics (not /healthz, not the dashboard's
 * files; /v1/events also takes ?access_token since EventSource cannot send
 * headers) — or the --read-token, which passes GET and HEAD only — and
 * refusal of foreign Host names (DNS rebinding: on every listen address
 * unless the operator set a token, else on loopback) and of non-GET
 * requests from an Origin that is neither the Host nor an --allowed-host.
 */
#ifndef JOBD_HTTP_GUARD_H
#define JOBD_HTTP_GUARD_H

#include <stdbool.h>

#include <microhttpd.h>

#include "config/config.h"

enum http_access {
	HTTP_ACCESS_DENIED, /* 401: no token, or a wrong one */
	HTTP_ACCESS_READ,   /* the --read-token: GET and HEAD only, else 403 */
	HTTP_ACCESS_WRITE,  /* the --token, or no token needed */
};

/* What the request's bearer token grants on path. */
enum http_access http_authorized(struct MHD_Connection *conn, const struct config *cfg,
    const char *path);
/* GET or HEAD: what a read-only token may send. */
bool http_method_reads(const char *method);
/* false with *why set when a browser must be refused (403). */
bool http_browser_allowed(struct MHD_Connection *conn, const struct config *cfg,
    const char *method, const char **why);

#endif
