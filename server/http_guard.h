/*
 * http_guard.h — the checks every request passes before any handler runs:
 * the bearer token on /v1 and /metrics (not /healthz, not the dashboard's
 * files; /v1/events also takes ?access_token since EventSource cannot send
 * headers), and — while jobd listens on loopback — refusal of foreign Host
 * names (DNS rebinding) and of non-GET requests from another Origin.
 */
#ifndef JOBD_HTTP_GUARD_H
#define JOBD_HTTP_GUARD_H

#include <stdbool.h>

#include <microhttpd.h>

#include "config.h"

bool http_authorized(struct MHD_Connection *conn, const struct config *cfg, const char *path);
/* false with *why set when a browser must be refused (403). */
bool http_browser_allowed(struct MHD_Connection *conn, const struct config *cfg,
    const char *method, const char **why);

#endif
