/*
 * routes.c — the route table http.c matches requests against, built from
 * routes.h's list. A path that matches a pattern with another method gets
 * 405 with Allow; other GETs fall through to the dashboard's static files.
 */
#include "routes.h"

#include "api.h"

#include "dispatch/metrics.h"

#define API_ROUTE_ENTRY(method, pattern, handler, json_body) \
	{ method, pattern, handler, json_body },

const struct http_route api_routes[] = { API_ROUTE_LIST(API_ROUTE_ENTRY) };

const int api_routes_count = API_ROUTE_COUNT;

/* /metrics counts requests per route in a table of fixed size. */
_Static_assert(API_ROUTE_COUNT <= METRICS_MAX_ROUTES, "raise METRICS_MAX_ROUTES in dispatch/metrics.h");
