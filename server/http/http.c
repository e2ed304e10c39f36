/*
 * http.c — the libmicrohttpd daemon, body accumulation, auth and routing
 * (see http.h).
 */
#include "http.h"
#include "http_cmd.h"
#include "http_conns.h"
#include "http_log.h"
#include "http_precheck.h"
#include "http_route.h"
#include "http_trim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "static.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/utf8.h"
#include "common/vec.h"
#include "config/cpus.h"
#include "dispatch/dispatch.h"
#include "dispatch/metrics.h"
#include "render/render.h"

/* Idle time allowed while a body or a response is under way; waiting for
 * headers is bounded by --header-timeout (http_conns.h). */
#define HTTP_CONNECTION_TIMEOUT_S 30
/* Virtual size per pool thread; only touched pages cost memory.
 * Deep JSON (cJSON's nesting limit) is the deepest recursion a handler makes. */
#define HTTP_THREAD_STACK (512 * 1024)
/* On every response: no page may frame the dashboard and trick a click on
 * Cancel or Rerun; the dashboard loads only its own files and talks only to
 * its own origin (fetch, EventSource), and has no inline script or style. */
#define HTTP_CSP "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_conns *conns;
	struct app *app;
	int port;
};

/* Per-request state across libmicrohttpd's calls of the access handler. */
struct conn_state {
	char *body;
	size_t len, cap;
	bool too_large;
	struct http_target t;     /* route, ids, access (http_precheck.c) */
	struct http_cmd *cmd;     /* a command handed to the dispatcher (http_cmd.h) */
};

void http_json(struct http_resp *r, unsigned status, char *json)
{
	r->status = status;
	free(r->body);
	r->body = json;
	r->len = json ? strlen(json) : 0;
	if (json == NULL) {
		r->status = 500;
		r->body = strdup("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
		r->len = r->body ? strlen(r->body) : 0;
	}
}

void http_error(struct http_resp *r, unsigned status, const char *code, const char *field,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	msg[utf8_cut(msg, sizeof(msg) - 1)] = '\0';
	http_json(r, status, render_error(code, msg, field));
}

void http_internal(struct http_resp *r, const char *err)
{
	log_warnx("http: %s", err);
	http_error(r, 500, "internal", NULL, "storage error: %s", err);
}

void http_stream(struct http_resp *r, const char *content_type, size_t block,
    MHD_ContentReaderCallback read, void *cls, MHD_ContentReaderFreeCallback free_fn)
{
	r->custom = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, block, read, cls, free_fn);
	if (r->custom == NULL) {
		free_fn(cls);
		http_internal(r, "MHD_create_response_from_callback: cannot create the stream");
		return;
	}
	r->status = 200;
	MHD_add_response_header(r->custom, "Content-Type", content_type);
	MHD_add_response_header(r->custom, "Cache-Control", "no-store");
	MHD_add_response_header(r->custom, "X-Accel-Buffering", "no");
}

void http_header(struct http_resp *r, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (r->n_hdrs >= HTTP_MAX_HEADERS)
		return;
	r->hdr_name[r->n_hdrs] = name;
	va_start(ap, fmt);
	vsnprintf(r->hdr_value[r->n_hdrs], sizeof(r->hdr_value[0]), fmt, ap);
	va_end(ap);
	r->n_hdrs++;
}

const char *http_query(const struct http_req *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_req_header(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result send_resp(const struct app *app, struct MHD_Connection *conn,
    struct http_resp *r, const char *method, const char *url, const struct http_route *route)
{
	metrics_count_request(route ? (int)(route - app->routes) : -1, r->status);
	struct MHD_Response *mr = r->custom;
	enum MHD_Result ret;

	if (mr == NULL) {
		mr = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
		if (mr == NULL) {
			free(r->body);
			return MHD_NO;
		}
		r->body = NULL;
		MHD_add_response_header(mr, "Content-Type",
		    r->content_type ? r->content_type : "application/json; charset=utf-8");
	}
	for (int i = 0; i < r->n_hdrs; i++)
		MHD_add_response_header(mr, r->hdr_name[i], r->hdr_value[i]);
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, "X-Frame-Options", "DENY");
	MHD_add_response_header(mr, "Content-Security-Policy", HTTP_CSP);
	ret = MHD_queue_response(conn, r->status, mr);
	MHD_destroy_response(mr);
	if (log_enabled(LOG_DEBUG))
		log_debug("http: %s %.*s %u", method, (int)utf8_cut(url, 200), url, r->status);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct app *app = s->app;
	struct conn_state *cs = *con_cls;
	struct http_resp r = { .status = 200 };
	(void)version;

	if (cs == NULL) {
		http_conns_headers_done(s->conns, conn);
		if ((cs = calloc(1, sizeof(*cs))) == NULL)
			return MHD_NO;
		*con_cls = cs;
		http_trim_activity();
		http_precheck(app, conn, method, url, &cs->t, &r);
		if (r.body != NULL)
			return send_resp(app, conn, &r, method, url, cs->t.route); /* before reading any body */
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (cs->too_large || cs->len + n > (size_t)app->cfg->max_body) {
			cs->too_large = true;
			return MHD_YES; /* read and drop the rest, then answer 413 */
		}
		if (VEC_RESERVE(cs->body, cs->cap, cs->len + n + 1, NULL) < 0)
			return MHD_NO;
		memcpy(cs->body + cs->len, upload_data, n);
		cs->len += n;
		cs->body[cs->len] = '\0';
		return MHD_YES;
	}
	if (cs->too_large) {
		http_error(&r, 413, "too_large", NULL, "the body exceeds %lld bytes",
		    (long long)app->cfg->max_body);
	} else if (cs->t.route == NULL) {
		static_serve(app->cfg->web_dir, url, &r);
	} else {
		struct http_req req = { .app = app, .conn = conn, .method = method, .path = url,
			.id = cs->t.id, .body = cs->body ? cs->body : "", .body_len = cs->len,
			.cmd = &cs->cmd, .read_only = cs->t.read_only };
		memcpy(req.name, cs->t.name, sizeof(req.name));
		if (http_cmd_pending(cs->cmd, conn))
			return MHD_YES; /* suspended until the dispatcher is done */
		cs->t.route->handler(&req, &r);
		if (http_cmd_handed_over(cs->cmd))
			return MHD_YES; /* called again on libmicrohttpd's next round */
	}
	return send_resp(app, conn, &r, method, url, cs->t.route);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct conn_state *cs = *con_cls;
	(void)toe;
	http_conns_request_done(s->conns, conn);
	if (cs != NULL) {
		http_cmd_release(cs->cmd);
		free(cs->body);
		free(cs);
		*con_cls = NULL;
		http_trim_activity();
	}
}

int http_start(struct http_server **out, struct app *app, char *err)
{
	struct http_server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	/* An event loop per core (epoll), not a thread per connection: idle
	 * connections, event streams and commands waiting for the dispatcher
	 * (suspended) hold no thread. */
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_ERROR_LOG;
	const char *cpus_source;
	unsigned threads = (unsigned)cpus_usable(&cpus_source);

	if (s == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	if (inet_pton(AF_INET, app->cfg->listen_addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)app->cfg->listen_port);
	} else if (inet_pton(AF_INET6, app->cfg->listen_addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)app->cfg->listen_port);
		flags |= MHD_USE_IPv6;
	} else {
		err_set(err, "--listen %s: not an IPv4 or IPv6 address", app->cfg->listen_addr);
		free(s);
		return -1;
	}
	s->app = app;
	if (http_conns_start(&s->conns, app->cfg->header_timeout_s, err) < 0) {
		free(s);
		return -1;
	}
	if (http_trim_start(err) < 0) {
		http_conns_stop(s->conns);
		free(s);
		return -1;
	}
	/* The per-address limit is what keeps one client from taking every
	 * connection; 0 in libmicrohttpd means none too. libmicrohttpd shares
	 * the overall limit out among the pool's threads. Handlers that read
	 * the store run on the pool thread: short reads that block only the
	 * connections of that one loop, for the time of one query. */
	s->daemon = MHD_start_daemon(flags, (uint16_t)app->cfg->listen_port, NULL, NULL,
	    on_request, s, MHD_OPTION_EXTERNAL_LOGGER, http_log_mhd, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_NOTIFY_CONNECTION, http_conns_notify, s->conns,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONNECTION_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)app->cfg->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)app->cfg->max_connections_per_ip,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_THREAD_STACK_SIZE, (size_t)HTTP_THREAD_STACK, MHD_OPTION_END);
	if (s->daemon == NULL) {
		err_set(err, "cannot listen on %s:%d (address in use, or not ours?)",
		    app->cfg->listen_addr, app->cfg->listen_port);
		http_trim_stop();
		http_conns_stop(s->conns);
		free(s);
		return -1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : app->cfg->listen_port;
	*out = s;
	return 0;
}

int http_port(const struct http_server *s) { return s->port; }

void http_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->daemon);
	http_trim_stop();
	http_conns_stop(s->conns);
	free(s);
}
