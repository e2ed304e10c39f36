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

/* Where cli_http_stream hands a 2xx body, piece by piece as it comes:
 * write(arg, buf, len, err) returns 0, or -1 with err (the stream stops). */
struct cli_sink {
	int (*write)(void *arg, const char *buf, size_t len, char *err);
	void *arg;
};

#define CLI_STREAMS_MAX 2

/* GETs of paths[0..n) at once (n <= CLI_STREAMS_MAX), each lasting as long
 * as the server streams it (GET …/stdout?follow=true); a 2xx body goes to
 * sinks[i] as it arrives, another's is dropped. status[i]: the answer's
 * status (0 when none came). 0, or -1 with err when a stream got no answer,
 * broke off, or a sink failed. */
int cli_http_stream(struct cli_http *c, int n, const char *const paths[],
    const struct cli_sink sinks[], long status[], char *err);

#endif
