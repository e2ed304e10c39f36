/*
 * cli_http.h — the command line's HTTP client: one keep-alive connection to
 * jobd (libcurl, common/libcurl.h), requests with the bearer token, whole
 * responses in memory, and the API's answers turned into JSON or into an
 * exit status with one line saying what went wrong.
 *
 * The CLI is a client like any other: it knows the server only through the
 * /v1 routes of docs/API.md.
 */
#ifndef JOBD_CLI_HTTP_H
#define JOBD_CLI_HTTP_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "common/err.h"

/* Room for any path the CLI asks for: /v1/jobs/{id}/stdout?offset=N, a
 * list's next link. */
#define CLI_PATH_MAX 512

struct cli_http;

struct cli_resp {
	long status;
	char *body;  /* NUL-terminated, malloc'd; the caller frees it (cli_resp_free) */
	size_t len;
};

/* Loads libcurl and prepares a client of base_url (no trailing slash
 * needed) sending token (NULL or "" for none). 0, or -1 with err. */
int cli_http_open(struct cli_http **out, const char *base_url, const char *token, char *err);
void cli_http_close(struct cli_http *c);
/* Every later POST carries Idempotency-Key: key. 0, or -1 with err. */
int cli_http_set_idempotency_key(struct cli_http *c, const char *key, char *err);

/* One request: method "GET" or "POST", path from "/v1…", body JSON text or
 * NULL. 0 with r filled whatever the status, or -1 with err when no answer
 * came ("cannot reach jobd at URL: Connection refused — is it running?"). */
int cli_http_do(struct cli_http *c, const char *method, const char *path, const char *body,
    struct cli_resp *r, char *err);
void cli_resp_free(struct cli_resp *r);

/* cli_http_do, then a 2xx JSON answer parsed into *json (the caller frees
 * it with cJSON_Delete). Returns 0 (CLI_EXIT_OK), or an exit status of
 * cli_exit.h with err saying why: the server's own error message for a
 * 4xx/5xx, unreachable, or not JSON. */
int cli_call(struct cli_http *c, const char *method, const char *path, const char *body,
    cJSON **json, char *err);

/* GET of a text resource (a job's output): 0 with r (a 2xx), or an exit
 * status with err as for cli_call. */
int cli_get_text(struct cli_http *c, const char *path, struct cli_resp *r, char *err);

#endif
