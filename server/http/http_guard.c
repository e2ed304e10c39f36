/*
 * http_guard.c — who may talk to jobd (see http_guard.h): the bearer
 * tokens (write and read-only), compared in constant time, and the browser guard against DNS rebinding
 * and cross-site requests (Host and Origin, with hostname.c's names).
 */
#include "http_guard.h"

#include <string.h>
#include <strings.h>

#include "config/hostname.h"

static bool needs_token(const char *path)
{
	return strncmp(path, "/v1/", 4) == 0 || strcmp(path, "/v1") == 0 ||
	       strcmp(path, "/metrics") == 0;
}

/* Constant-time comparison: the time taken does not depend on where the
 * strings first differ. */
static bool same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = (unsigned char)(la != lb);
	for (size_t i = 0; i < lb; i++)
		diff |= (unsigned char)(a[i % (la ? la : 1)] ^ b[i]);
	return diff == 0 && la > 0;
}

/* What a presented secret grants. Both tokens are always compared, so the
 * time taken says nothing about which one (if either) was close. */
static enum http_access access_of(const char *secret, const struct config *cfg)
{
	bool write = same_secret(secret, cfg->token);
	bool read = cfg->read_token[0] != '\0' && same_secret(secret, cfg->read_token);

	return write ? HTTP_ACCESS_WRITE : read ? HTTP_ACCESS_READ : HTTP_ACCESS_DENIED;
}

enum http_access http_authorized(struct MHD_Connection *conn, const struct config *cfg,
    const char *path)
{
	if (cfg->token[0] == '\0' || !needs_token(path))
		return HTTP_ACCESS_WRITE;
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0)
		return access_of(h + 7, cfg);
	/* EventSource cannot send headers: the stream also takes ?access_token. */
	const char *q = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "access_token");
	return q != NULL && strcmp(path, "/v1/events") == 0 ? access_of(q, cfg) : HTTP_ACCESS_DENIED;
}

bool http_method_reads(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/* A Host the guard accepts: one that names us whatever DNS says (localhost,
 * an IP literal), or a name the operator listed with --allowed-host. */
static bool allowed_host(const char *host, const struct config *cfg)
{
	char name[HOSTNAME_MAX];

	return hostname_of(host, name) == 0 &&
	       (hostname_is_local_or_ip(name) || hostname_in_list(name, cfg->allowed_hosts));
}

/* An Origin that may change something: the request's own Host (same
 * origin), or a name listed with --allowed-host — behind a proxy that
 * rewrites Host, the browser's origin is the proxy's public name. */
static bool allowed_origin(const char *origin, const char *host, const struct config *cfg)
{
	const char *authority = strstr(origin, "://");
	char name[HOSTNAME_MAX];

	if (authority == NULL)
		return false; /* "null": sandboxed frames, file: pages */
	authority += 3;
	if (host != NULL && strcasecmp(authority, host) == 0)
		return true;
	return hostname_of(authority, name) == 0 && hostname_in_list(name, cfg->allowed_hosts);
}

/* Browsers are the attack path: a page elsewhere may make them send
 * requests here. DNS rebinding shows as a foreign Host; a cross-site POST
 * carries a foreign Origin. Clients without these headers (curl, scripts)
 * are not browsers and pass.
 * The Host check runs on every listen address unless the operator set a
 * token: without one (or with the token jobd made itself, which the
 * operator may not have shared with anyone yet) nothing else stops a
 * rebound page. With a token it runs on loopback only, as a second wall:
 * a rebound page cannot read the token, which the dashboard keeps in its
 * own origin's storage and sends in a header a foreign page could only add
 * after a CORS preflight that jobd never grants. */
bool http_browser_allowed(struct MHD_Connection *conn, const struct config *cfg,
    const char *method, const char **why)
{
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	bool check_host = cfg->token[0] == '\0' || cfg->token_generated ||
			  hostname_addr_is_loopback(cfg->listen_addr);

	if (host != NULL && check_host && !allowed_host(host, cfg)) {
		*why = "Host is not localhost, an IP address or an --allowed-host name (DNS rebinding?)";
		return false;
	}
	if (origin == NULL || http_method_reads(method))
		return true;
	if (!allowed_origin(origin, host, cfg)) {
		*why = "cross-origin request refused: Origin is neither the Host nor an --allowed-host name";
		return false;
	}
	return true;
}
