/*
 * webhook_post.c — one webhook attempt and the rules around it (see
 * webhook.h): the POST through libcurl, the body's HMAC-SHA256 signature
 * through libcrypto, and when the next try comes.
 *
 * The POST follows no redirect (a 3xx is an answer, not delivered: the
 * receiver chose the URL), reads at most WEBHOOK_MAX_REPLY bytes of the
 * reply and drops them, and is bounded by --webhook-timeout as a whole
 * (connecting included). CURLOPT_NOSIGNAL: libcurl must not touch signals
 * in a threaded server (no SIGALRM for DNS timeouts, no SIGPIPE handler).
 */
#include "webhook.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/libcrypto.h"
#include "common/libcurl.h"

#define WEBHOOK_MAX_REPLY (64 * 1024)
#define WEBHOOK_BACKOFF_CAP_S 3600.0

int64_t webhook_backoff_us(int attempt, double base_s, double r01)
{
	double step = base_s;

	for (int i = 1; i < attempt && step < WEBHOOK_BACKOFF_CAP_S; i++)
		step *= 2;
	if (step > WEBHOOK_BACKOFF_CAP_S)
		step = WEBHOOK_BACKOFF_CAP_S;
	/* "Equal jitter", as jobs' retries (dispatch_end.c): half fixed, half
	 * random, so deliveries that failed together spread out. */
	return (int64_t)llround((step / 2 + step / 2 * r01) * 1e6);
}

int webhook_signature(const char *secret, const void *body, size_t len, char *out, size_t cap,
    char *err)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	size_t pos;

	if (libcrypto_load(err) < 0)
		return -1;
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), body, len, mac, &mac_len) == NULL) {
		err_set(err, "HMAC-SHA256 of %zu bytes failed", len);
		return -1;
	}
	if (cap < sizeof("sha256=") + 2 * (size_t)mac_len) {
		err_set(err, "signature buffer of %zu bytes too small", cap);
		return -1;
	}
	pos = (size_t)snprintf(out, cap, "sha256=");
	for (unsigned int i = 0; i < mac_len; i++)
		pos += (size_t)snprintf(out + pos, cap - pos, "%02x", mac[i]);
	return 0;
}

static size_t on_reply(char *data, size_t size, size_t n, void *arg)
{
	size_t *got = arg;

	(void)data;
	*got += size * n;
	/* Fewer bytes than offered makes libcurl stop with CURLE_WRITE_ERROR. */
	return *got > WEBHOOK_MAX_REPLY ? 0 : size * n;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	const bool *stop = arg;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return __atomic_load_n(stop, __ATOMIC_RELAXED) ? 1 : 0;
}

/* Adds "name: value" to *list; false when out of memory. */
static bool add_header(struct curl_slist **list, const char *name, const char *value)
{
	char line[256];
	struct curl_slist *l;

	snprintf(line, sizeof(line), "%s: %s", name, value);
	if ((l = curl_slist_append(*list, line)) == NULL)
		return false;
	*list = l;
	return true;
}

void webhook_post(const struct webhook_request *q, const bool *stop, struct webhook_result *res)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL;
	size_t reply = 0;
	long code = 0;
	int64_t t0 = clock_mono_us();
	CURL *h = NULL;
	CURLcode rc;

	memset(res, 0, sizeof(*res));
	if (libcurl_load(res->error) < 0)
		goto out;
	if ((h = curl_easy_init()) == NULL) {
		err_set(res->error, "curl_easy_init failed");
		goto out;
	}
	if (!add_header(&headers, "Content-Type", "application/json") ||
	    !add_header(&headers, "X-Jobd-Event", q->event) ||
	    !add_header(&headers, "X-Jobd-Delivery", q->uuid) ||
	    (q->signature[0] && !add_header(&headers, "X-Jobd-Signature", q->signature)) ||
	    !add_header(&headers, "Expect", "")) {
		err_set(res->error, "curl_slist_append: out of memory");
		goto out;
	}
	long timeout_ms = (long)ceil(q->timeout_s * 1000);
	curl_easy_setopt(h, CURLOPT_URL, q->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "jobd-webhook");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_reply);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)stop);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	res->status = (int)code;
	if (rc == CURLE_WRITE_ERROR && reply > WEBHOOK_MAX_REPLY)
		rc = CURLE_OK; /* the status is in; the rest of the reply is not wanted */
	if (rc != CURLE_OK)
		err_set(res->error, "POST %s: %s", q->url,
		    curl_err[0] ? curl_err : curl_easy_strerror(rc));
	else if (code < 200 || code > 299)
		err_set(res->error, "HTTP %ld", code);
out:
	res->duration_us = clock_mono_us() - t0;
	if (headers != NULL)
		curl_slist_free_all(headers);
	if (h != NULL)
		curl_easy_cleanup(h);
}
