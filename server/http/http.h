/*
 * http.h — the HTTP front: a libmicrohttpd daemon (an epoll loop per
 * core, no thread per connection), request bodies accumulated up to
 * --max-body, bearer-token auth, the route table, and the JSON error shape
 * of API.md. Handlers live in api_*.c and static.c; they fill a struct
 * http_resp and never touch libmicrohttpd themselves, except streaming ones
 * (events) that supply their own MHD response and suspend it while idle.
 *
 * A handler runs on a loop thread shared by many connections, so it must
 * not wait: commands go to the dispatcher with http_cmd_submit (the
 * connection is suspended meanwhile); reads of the store are short.
 * Connections are bounded: --max-connections in all, --max-connections-per-ip
 * from one address (both libmicrohttpd's), and a request-header deadline
 * (http_conns.h) so slow clients cannot hold them.
 */
#ifndef JOBD_HTTP_H
#define JOBD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "common/err.h"
#include "config/config.h"

/* The HTTP front holds these for the handlers; it never looks inside. */
struct dispatch;
struct store_pool;

struct http_route;
struct http_cmd;

struct app {
	const struct config *cfg;
	struct dispatch *dispatch;
	struct store_pool *readers;
	const struct http_route *routes; /* the API's table (api_routes), given by main */
	int n_routes;
};

#define HTTP_NAME_MAX 128

struct http_req {
	struct app *app;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	int64_t id;               /* the {id} path segment, if the route has one */
	char name[HTTP_NAME_MAX]; /* the {name} segment ("" if too long) */
	const char *body;
	size_t body_len;
	struct http_cmd **cmd;    /* the request's command, if any (http_cmd.h) */
	bool read_only;           /* it bore the --read-token (only GET and HEAD get here) */
};

#define HTTP_MAX_HEADERS 4

struct http_resp {
	unsigned status;
	char *body;               /* malloc'd, owned by the response */
	size_t len;
	const char *content_type; /* default: JSON */
	const char *hdr_name[HTTP_MAX_HEADERS];
	char hdr_value[HTTP_MAX_HEADERS][128];
	int n_hdrs;
	struct MHD_Response *custom; /* streaming handlers: queued as is */
};

typedef void (*http_handler)(struct http_req *req, struct http_resp *resp);

struct http_route {
	const char *method;
	const char *pattern;      /* "/v1/jobs/{id}/stdout": {id} is a positive integer */
	http_handler handler;
	bool needs_json_body;
};

struct http_server;

int http_start(struct http_server **out, struct app *app, char *err);
int http_port(const struct http_server *s);
void http_stop(struct http_server *s);

/* Response helpers for handlers. */
void http_json(struct http_resp *r, unsigned status, char *json); /* takes json */
__attribute__((format(printf, 5, 6)))
void http_error(struct http_resp *r, unsigned status, const char *code, const char *field,
    const char *fmt, ...);
void http_header(struct http_resp *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *http_query(const struct http_req *req, const char *key);
const char *http_req_header(const struct http_req *req, const char *name);
/* Storage failures: 500 with the cause. */
void http_internal(struct http_resp *r, const char *err);
/* A streamed answer of unknown length (chunked, never buffered by a proxy):
 * read(cls, …) gives its bytes in pieces of up to block, 0 when it parked
 * the connection; free_fn(cls) once it ended. Without memory a 500 in r
 * (free_fn(cls) already called). */
void http_stream(struct http_resp *r, const char *content_type, size_t block,
    MHD_ContentReaderCallback read, void *cls, MHD_ContentReaderFreeCallback free_fn);

/* Commands without a blocked thread. On its first call a handler that needs
 * the dispatcher takes a zeroed state of size bytes for the request
 * (http_cmd_state: NULL without memory; free_fn(state), if given, then
 * free(state) when the request ends), fills the struct cmd in it and hands
 * that over with http_cmd_submit, then returns without an answer. The
 * connection waits (suspended, see http_cmd.h) until the dispatcher has
 * committed or refused the command; then the handler is called again with
 * the same request, and http_cmd_result gives it the state back with the
 * command's outcome (NULL on a first call). */
struct cmd;
void *http_cmd_state(struct http_req *req, size_t size, void (*free_fn)(void *state));
void http_cmd_submit(struct http_req *req, struct cmd *c);
void *http_cmd_result(const struct http_req *req);

/* The route table (routes.c). */

#endif
