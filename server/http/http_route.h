/*
 * http_route.h — routing: which entry of a route table (api/routes.c) a
 * method and path name. Patterns are literal but for "{id}" (a positive
 * integer, no leading zero) and "{name}" (one path segment). Pure: the HTTP
 * front and the request fuzzer use the same rule.
 */
#ifndef JOBD_HTTP_ROUTE_H
#define JOBD_HTTP_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* The route for method+path (HEAD finds GET's), with *id and name filled;
 * NULL when none matches. allow gets every method the path takes, ", "
 * between them ("" when the path is unknown: 404; else 405 with Allow). */
const struct http_route *http_route_find(const struct http_route *routes, int n,
    const char *method, const char *path, int64_t *id, char *name, char *allow, size_t allow_len);

#endif
