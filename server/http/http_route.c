/*
 * http_route.c — finds the route of a request in a route table (see
 * http_route.h): the method, the literal path segments, {id} and {name}.
 */
#include "http_route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Matches path against a pattern; fills *id for "{id}" and name for
 * "{name}" (one path segment; "" when longer than the buffer). */
static bool match(const char *pattern, const char *path, int64_t *id, char *name)
{
	while (*pattern && *path) {
		if (strncmp(pattern, "{name}", 6) == 0) {
			size_t n = strcspn(path, "/");
			if (n < HTTP_NAME_MAX) {
				memcpy(name, path, n);
				name[n] = '\0';
			} else {
				name[0] = '\0';
			}
			path += n;
			pattern += 6;
			continue;
		}
		if (strncmp(pattern, "{id}", 4) == 0) {
			char *end;
			if (*path < '1' || *path > '9')
				return false;
			errno = 0;
			long long v = strtoll(path, &end, 10);
			if (errno != 0 || end == path)
				return false;
			*id = v;
			path = end;
			pattern += 4;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return *pattern == '\0' && *path == '\0';
}

const struct http_route *http_route_find(const struct http_route *routes, int n,
    const char *method, const char *path, int64_t *id, char *name, char *allow, size_t allow_len)
{
	const struct http_route *found = NULL;
	allow[0] = '\0';
	for (int i = 0; i < n; i++) {
		const struct http_route *r = &routes[i];
		int64_t rid = 0;
		if (!match(r->pattern, path, &rid, name))
			continue;
		if (strcmp(r->method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
			*id = rid;
			found = r;
		}
		size_t l = strlen(allow);
		snprintf(allow + l, allow_len - l, "%s%s", l ? ", " : "", r->method);
	}
	return found;
}
