/*
 * http_guard.c — who may talk to jobd (see http_guard.h): the bearer token,
 * compared in constant time, and the browser guard against DNS rebinding
 * and cross-site requests.
 */
#include "http_guard.h"

#include <string.h>
#include <strings.h>

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

bool http_authorized(struct MHD_Connection *conn, const struct config *cfg, const char *path)
{
	if (cfg->token[0] == '\0' || !needs_token(path))
		return true;
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0)
		return same_secret(h + 7, cfg->token);
	/* EventSource cannot send headers: the stream also takes ?access_token. */
	const char *q = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "access_token");
	return q != NULL && strcmp(path, "/v1/events") == 0 && same_secret(q, cfg->token);
}

/* "localhost:8080", "127.0.0.1", "[::1]:80" — names that can only mean us. */
static bool loopback_host(const char *host)
{
	const char *end = host[0] == '[' ? strchr(host, ']') : strchr(host, ':');
	size_t n = end ? (size_t)(end - host) + (host[0] == '[') : strlen(host);
	return (n == 9 && strncasecmp(host, "localhost", 9) == 0) ||
	       (n >= 7 && strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") >= n) ||
	       (n == 5 && strncmp(host, "[::1]", 5) == 0);
}

static bool loopback_listen(const struct config *cfg)
{
	return strncmp(cfg->listen_addr, "127.", 4) == 0 || strcmp(cfg->listen_addr, "::1") == 0;
}

/* Browsers are the attack path to a loopback service: a page elsewhere may
 * make them send requests here. DNS rebinding shows as a foreign Host; a
 * cross-site POST carries a foreign Origin. Clients without these headers
 * (curl, scripts) are not browsers and pass. */
bool http_browser_allowed(struct MHD_Connection *conn, const struct config *cfg,
    const char *method, const char **why)
{
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");

	if (host != NULL && loopback_listen(cfg) && !loopback_host(host)) {
		*why = "Host is not a loopback name (DNS rebinding?)";
		return false;
	}
	if (origin == NULL || strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return true;
	const char *authority = strstr(origin, "://");
	if (host == NULL || authority == NULL || strcasecmp(authority + 3, host) != 0) {
		*why = "cross-origin request refused";
		return false;
	}
	return true;
}

