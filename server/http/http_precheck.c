/*
 * http_precheck.c — what the server checks of a request before reading its
 * body (http_precheck.h): the browser guard, the token and its access, the
 * route, shutdown, Content-Length (one, within --max-body) and the content
 * type of a write.
 */
#include "http_precheck.h"

#include "http_guard.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dispatch/dispatch.h"

static bool json_content_type(struct MHD_Connection *conn)
{
	const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0)
		return false;
	return ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ';
}

static enum MHD_Result count_content_length(void *cls, enum MHD_ValueKind kind,
    const char *key, const char *value)
{
	(void)kind;
	(void)value;
	if (strcasecmp(key, "Content-Length") == 0)
		++*(int *)cls;
	return MHD_YES;
}

/* Two Content-Length headers are how requests are smuggled past a proxy
 * (RFC 9112 6.3); libmicrohttpd takes the first and would wait for a body
 * that never comes. Refused before any body is read. */
static bool one_content_length(struct MHD_Connection *conn)
{
	int n = 0;
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_content_length, &n);
	return n <= 1;
}

void http_precheck(struct app *app, struct MHD_Connection *conn, const char *method,
    const char *path, struct http_target *t, struct http_resp *r)
{
	char allow[128];
	const char *cl, *why;

	if (!http_browser_allowed(conn, app->cfg, method, &why)) {
		http_error(r, 403, "forbidden", NULL, "%s", why);
		return;
	}
	enum http_access access = http_authorized(conn, app->cfg, path);
	if (access == HTTP_ACCESS_DENIED) {
		http_error(r, 401, "unauthorized", NULL, "missing or wrong bearer token");
		http_header(r, "WWW-Authenticate", "Bearer");
		return;
	}
	/* Before the route: no mutation, known or not, gets further. */
	t->read_only = access == HTTP_ACCESS_READ;
	if (t->read_only && !http_method_reads(method)) {
		http_error(r, 403, "forbidden", NULL,
		    "read-only token: %s %s needs the write token (--token)", method, path);
		return;
	}
	t->route = http_route_find(app->routes, app->n_routes, method, path, &t->id, t->name, allow, sizeof(allow));
	if (t->route == NULL) {
		if (allow[0] != '\0') {
			http_error(r, 405, "method_not_allowed", NULL, "%s is not allowed on %s", method, path);
			http_header(r, "Allow", "%s", allow);
		} else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
			http_error(r, strncmp(path, "/v1/", 4) == 0 ? 404 : 405,
			    strncmp(path, "/v1/", 4) == 0 ? "not_found" : "method_not_allowed", NULL,
			    "no route for %s %s", method, path);
			if (strncmp(path, "/v1/", 4) != 0)
				http_header(r, "Allow", "GET, HEAD");
		}
		return; /* GET of anything else: a static file */
	}
	if (strcmp(method, "POST") == 0 && !dispatch_accepting(app->dispatch)) {
		http_error(r, 503, "unavailable", NULL, "the server is shutting down");
		http_header(r, "Retry-After", "5");
		return;
	}
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	if (cl != NULL && !one_content_length(conn)) {
		http_error(r, 400, "invalid_request", "Content-Length",
		    "more than one Content-Length header");
		return;
	}
	if (cl != NULL && strtoll(cl, NULL, 10) > app->cfg->max_body) {
		http_error(r, 413, "too_large", NULL, "the body exceeds %lld bytes",
		    (long long)app->cfg->max_body);
		return;
	}
	/* A route without a body (cancel) still refuses form types: a form post
	 * from another site must never act. No Content-Type at all is fine. */
	bool has_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type") != NULL;
	bool writes = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
	if (writes && (t->route->needs_json_body || has_type) &&
	    !json_content_type(conn))
		http_error(r, 415, "unsupported_media_type", NULL,
		    "send the body as Content-Type: application/json (with curl: -H 'Content-Type: application/json')");
}

