/*
 * routes.c — the route table http.c matches requests against, built from
 * routes.h's list. A path that matches a pattern with another method gets
 * 405 with Allow; other GETs fall through to the dashboard's static files.
 */
#include "routes.h"

#include "api.h"
#include "events.h"
#include "metrics.h"

#define HTTP_ROUTE_ENTRY(method, pattern, handler, json_body) \
	{ method, pattern, handler, json_body },

const struct http_route http_routes[] = { HTTP_ROUTE_LIST(HTTP_ROUTE_ENTRY) };

const int http_routes_count = HTTP_ROUTE_COUNT;
