/*
 * http_precheck.h — the checks a request passes before any of its body is
 * read (http_precheck.c), on libmicrohttpd's first call of the access
 * handler. A refusal is answered at once, so a body that would be refused
 * is never read.
 */
#ifndef JOBD_HTTP_PRECHECK_H
#define JOBD_HTTP_PRECHECK_H

#include <stdbool.h>
#include <stdint.h>

#include <microhttpd.h>

#include "http.h"
#include "http_route.h"

/* What the checks found: kept for the request's later calls. */
struct http_target {
	const struct http_route *route; /* NULL: a static file (GET), or refused */
	int64_t id;                     /* the {id} segment */
	char name[HTTP_NAME_MAX];       /* the {name} segment */
	bool read_only;                 /* the request bore the --read-token */
};

/* Browser guard, token, route, shutdown, Content-Length, content type: a
 * refusal goes into r (r->body set); else t says where the request goes. */
void http_precheck(struct app *app, struct MHD_Connection *conn, const char *method,
    const char *path, struct http_target *t, struct http_resp *r);

#endif
