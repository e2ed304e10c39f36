/*
 * cli_http.c — the CLI's requests through libcurl. Why libcurl rather than
 * a socket of our own: jobd leaves TLS to a reverse proxy, so a client must
 * reach https:// URLs too, and keep-alive, chunked bodies and proxies are
 * libcurl's well-tested work; it is loaded with dlopen (common/libcurl.h),
 * so only the CLI maps it, never an idle server.
 */
#include "cli_http.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_exit.h"
#include "common/libcurl.h"
#include "common/vec.h"

#define CONNECT_TIMEOUT_S 10L
/* A whole request, output of a job at the cap included. */
#define REQUEST_TIMEOUT_S 300L
#define URL_MAX 4096

struct cli_http {
	CURL *h;
	struct curl_slist *get_headers;  /* Authorization, or none */
	struct curl_slist *post_headers; /* Authorization, Content-Type, no Expect */
	char base[URL_MAX];
	char curl_err[CURL_ERROR_SIZE];
};

struct body_buf {
	char *p;
	size_t len, cap;
	char err[ERR_LEN];
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct body_buf *b = arg;
	size_t len = size * n;

	/* One byte more for the NUL that makes it a C string. */
	if (VEC_RESERVE(b->p, b->cap, b->len + len + 1, b->err) < 0)
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return len;
}

/* Appends line to *l: 0, or -1 (out of memory) with *l unchanged. */
static int append(struct curl_slist **l, const char *line)
{
	struct curl_slist *next = curl_slist_append(*l, line);

	if (next == NULL)
		return -1;
	*l = next;
	return 0;
}

/* The headers of every GET and every POST. 0, or -1 when out of memory. */
static int make_headers(struct cli_http *c, const char *token)
{
	if (token != NULL && token[0] != '\0') {
		size_t n = strlen(token) + sizeof("Authorization: Bearer ");
		char *auth = malloc(n);
		if (auth == NULL)
			return -1;
		snprintf(auth, n, "Authorization: Bearer %s", token);
		int rc = append(&c->get_headers, auth) | append(&c->post_headers, auth);
		free(auth);
		if (rc < 0)
			return -1;
	}
	/* Expect: 100-continue would cost a round trip per large batch. */
	return append(&c->post_headers, "Content-Type: application/json") |
	    append(&c->post_headers, "Expect:");
}

int cli_http_set_idempotency_key(struct cli_http *c, const char *key, char *err)
{
	char line[ERR_LEN + 32];

	/* The API refuses keys over 255 characters: a longer one is cut here
	 * and refused there all the same. */
	snprintf(line, sizeof(line), "Idempotency-Key: %s", key);
	if (append(&c->post_headers, line) < 0) {
		err_set(err, "curl_slist_append: out of memory");
		return -1;
	}
	return 0;
}

int cli_http_open(struct cli_http **out, const char *base_url, const char *token, char *err)
{
	struct cli_http *c;

	if (libcurl_load(err) < 0)
		return -1;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	size_t n = strlen(base_url);
	while (n > 0 && base_url[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof(c->base)) {
		err_set(err, "server URL %s: empty or too long", base_url);
		free(c);
		return -1;
	}
	memcpy(c->base, base_url, n);
	if ((c->h = curl_easy_init()) == NULL || make_headers(c, token) < 0) {
		err_set(err, "curl_easy_init: out of memory");
		cli_http_close(c);
		return -1;
	}
	CURLcode rc;
	if ((rc = curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, c->curl_err)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->h, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body)) != CURLE_OK) {
		err_set(err, "curl_easy_setopt: %s", curl_easy_strerror(rc));
		cli_http_close(c);
		return -1;
	}
	*out = c;
	return 0;
}

void cli_http_close(struct cli_http *c)
{
	if (c == NULL)
		return;
	if (c->h != NULL)
		curl_easy_cleanup(c->h);
	curl_slist_free_all(c->get_headers);
	curl_slist_free_all(c->post_headers);
	free(c);
}

/* The one line for a request (on handle h, its error buffer curl_err)
 * that got no answer. */
static void unreachable(const struct cli_http *c, CURL *h, const char *curl_err, CURLcode rc,
    char *err)
{
	long os_errno = 0;

	/* No errno known (the getinfo failed too): curl's own words below. */
	if (curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno) != CURLE_OK)
		os_errno = 0;
	if (rc == CURLE_COULDNT_CONNECT && os_errno != 0)
		err_set(err, "cannot reach jobd at %s: %s — is it running?", c->base,
		    strerror((int)os_errno));
	else
		err_set(err, "cannot reach jobd at %s: %s", c->base,
		    curl_err[0] ? curl_err : curl_easy_strerror(rc));
}

/* The options of one request; post is the method of a request with a body
 * (NULL for a GET). */
static CURLcode prepare(struct cli_http *c, const char *url, const char *post, const char *body,
    struct body_buf *b)
{
	CURLcode rc;

	if ((rc = curl_easy_setopt(c->h, CURLOPT_URL, url)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->h, CURLOPT_WRITEDATA, b)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->h, CURLOPT_HTTPHEADER,
		 post ? c->post_headers : c->get_headers)) != CURLE_OK)
		return rc;
	if (post == NULL) {
		/* HTTPGET undoes an earlier POST's method. */
		if ((rc = curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, NULL)) != CURLE_OK)
			return rc;
		return curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
	}
	/* POSTFIELDS is not copied: body outlives curl_easy_perform. */
	if ((rc = curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body != NULL ? body : "")) != CURLE_OK)
		return rc;
	return curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, post);
}

int cli_http_do(struct cli_http *c, const char *method, const char *path, const char *body,
    struct cli_resp *r, char *err)
{
	char url[URL_MAX * 2];
	struct body_buf b = { 0 };
	bool post = strcmp(method, "GET") != 0;

	snprintf(url, sizeof(url), "%s%s", c->base, path);
	c->curl_err[0] = '\0';
	CURLcode rc = prepare(c, url, post ? method : NULL, body, &b);
	if (rc != CURLE_OK) {
		err_set(err, "curl_easy_setopt: %s", curl_easy_strerror(rc));
		return -1;
	}
	rc = curl_easy_perform(c->h);
	if (rc != CURLE_OK) {
		if (rc == CURLE_WRITE_ERROR && b.err[0])
			err_set(err, "%s", b.err);
		else
			unreachable(c, c->h, c->curl_err, rc, err);
		free(b.p);
		return -1;
	}
	if (b.p == NULL && (b.p = calloc(1, 1)) == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	if ((rc = curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &r->status)) != CURLE_OK) {
		err_set(err, "curl_easy_getinfo CURLINFO_RESPONSE_CODE: %s", curl_easy_strerror(rc));
		free(b.p);
		return -1;
	}
	r->body = b.p;
	r->len = b.len;
	return 0;
}

void cli_resp_free(struct cli_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

/* A 4xx/5xx as an exit status, err from the API's error body
 * ({"error": {"code", "message"}}) when it has one. */
static int failed(const struct cli_resp *r, const char *method, const char *path, char *err)
{
	cJSON *j = cJSON_ParseWithLength(r->body, r->len);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "message"));

	if (msg != NULL)
		err_set(err, "%s (%ld)", msg, r->status);
	else
		err_set(err, "%s %s: HTTP %ld", method, path, r->status);
	cJSON_Delete(j);
	if (r->status == 401 || r->status == 403)
		return CLI_EXIT_AUTH;
	return r->status >= 400 && r->status < 500 ? CLI_EXIT_REFUSED : CLI_EXIT_SOFTWARE;
}

int cli_get_text(struct cli_http *c, const char *path, struct cli_resp *r, char *err)
{
	if (cli_http_do(c, "GET", path, NULL, r, err) < 0)
		return CLI_EXIT_UNREACHABLE;
	if (r->status >= 200 && r->status < 300)
		return CLI_EXIT_OK;
	int rc = failed(r, "GET", path, err);
	cli_resp_free(r);
	return rc;
}

int cli_call(struct cli_http *c, const char *method, const char *path, const char *body,
    cJSON **json, char *err)
{
	struct cli_resp r;
	int rc = CLI_EXIT_OK;

	*json = NULL;
	if (cli_http_do(c, method, path, body, &r, err) < 0)
		return CLI_EXIT_UNREACHABLE;
	if (r.status < 200 || r.status >= 300)
		rc = failed(&r, method, path, err);
	else if ((*json = cJSON_ParseWithLength(r.body, r.len)) == NULL) {
		err_set(err, "%s %s: the answer is not JSON", method, path);
		rc = CLI_EXIT_SOFTWARE;
	}
	cli_resp_free(&r);
	return rc;
}

/* One GET of cli_http_stream: its own handle, so that the streams run at once. */
struct stream {
	CURL *h;
	const struct cli_sink *sink;
	long *status;
	CURLcode result;
	struct body_buf b; /* a non-2xx answer's body, dropped */
	char curl_err[CURL_ERROR_SIZE];
};

static size_t on_stream(char *data, size_t size, size_t n, void *arg)
{
	struct stream *s = arg;
	size_t len = size * n;

	if (curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, s->status) != CURLE_OK ||
	    *s->status < 200 || *s->status >= 300)
		return on_body(data, size, n, &s->b);
	return s->sink->write(s->sink->arg, data, len, s->b.err) < 0 ? 0 : len;
}

static CURLcode stream_prepare(struct cli_http *c, struct stream *s, const char *path)
{
	char url[URL_MAX * 2];
	CURLcode rc;

	snprintf(url, sizeof(url), "%s%s", c->base, path);
	if ((s->h = curl_easy_init()) == NULL)
		return CURLE_OUT_OF_MEMORY;
	/* No total timeout: a stream lasts as long as its job. */
	if ((rc = curl_easy_setopt(s->h, CURLOPT_URL, url)) != CURLE_OK ||
	    (rc = curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, c->get_headers)) != CURLE_OK ||
	    (rc = curl_easy_setopt(s->h, CURLOPT_ERRORBUFFER, s->curl_err)) != CURLE_OK ||
	    (rc = curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S)) != CURLE_OK ||
	    (rc = curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_stream)) != CURLE_OK ||
	    (rc = curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s)) != CURLE_OK)
		return rc;
	return CURLE_OK;
}

/* Runs the added streams to their ends; 0, or -1 with err. */
static int stream_run(CURLM *m, struct stream *s, int n, char *err)
{
	int running = 1, left;
	CURLMcode mc = CURLM_OK;
	CURLMsg *msg;

	while (running > 0 && mc == CURLM_OK) {
		mc = curl_multi_perform(m, &running);
		if (mc == CURLM_OK && running > 0)
			mc = curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	if (mc != CURLM_OK) {
		err_set(err, "curl_multi_perform: %s", curl_multi_strerror(mc));
		return -1;
	}
	while ((msg = curl_multi_info_read(m, &left)) != NULL)
		for (int i = 0; i < n; i++)
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == s[i].h)
				s[i].result = msg->data.result;
	return 0;
}

int cli_http_stream(struct cli_http *c, int n, const char *const paths[],
    const struct cli_sink sinks[], long status[], char *err)
{
	struct stream s[CLI_STREAMS_MAX] = { 0 };
	CURLM *m = n <= CLI_STREAMS_MAX ? curl_multi_init() : NULL;
	int rc = 0;

	if (m == NULL) {
		err_set(err, "curl_multi_init: out of memory");
		return -1;
	}
	for (int i = 0; i < n && rc == 0; i++) {
		s[i] = (struct stream){ .sink = &sinks[i], .status = &status[i] };
		status[i] = 0;
		CURLcode e = stream_prepare(c, &s[i], paths[i]);
		CURLMcode me = e == CURLE_OK ? curl_multi_add_handle(m, s[i].h) : CURLM_OK;
		if (e != CURLE_OK)
			err_set(err, "curl_easy_setopt: %s", curl_easy_strerror(e));
		else if (me != CURLM_OK)
			err_set(err, "curl_multi_add_handle: %s", curl_multi_strerror(me));
		rc = e != CURLE_OK || me != CURLM_OK ? -1 : 0;
	}
	if (rc == 0)
		rc = stream_run(m, s, n, err);
	for (int i = 0; i < n; i++) {
		if (rc == 0 && s[i].result != CURLE_OK) {
			if (s[i].result == CURLE_WRITE_ERROR && s[i].b.err[0])
				err_set(err, "%s", s[i].b.err);
			else
				unreachable(c, s[i].h, s[i].curl_err, s[i].result, err);
			rc = -1;
		}
		if (s[i].h != NULL) {
			curl_multi_remove_handle(m, s[i].h);
			curl_easy_cleanup(s[i].h);
		}
		free(s[i].b.p);
	}
	curl_multi_cleanup(m);
	return rc;
}
