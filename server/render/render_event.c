/*
 * render_event.c — the compact job object of a /v1/events `job` event (see
 * render.h): the fields a state change moves, printed straight from the
 * struct with integer formatting — no cJSON tree, no doubles — because the
 * dispatcher makes one per change while someone listens. Values are
 * written as render_job_object writes them, so a client can merge the two.
 */
#include "render.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/utf8.h"

/* Room for every field but the two strings, whose escaped form is at most
 * six bytes per byte. */
#define EVENT_FIXED_LEN 640

struct out {
	char *buf;
	size_t len, cap;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = (size_t)n < o->cap - o->len ? o->len + (size_t)n : o->cap - 1;
}

static void put_int(struct out *o, const char *k, int64_t v, int64_t null_value)
{
	if (v == null_value)
		put(o, ",\"%s\":null", k);
	else
		put(o, ",\"%s\":%" PRId64, k, v);
}

static void put_time(struct out *o, const char *k, int64_t us)
{
	char t[CLOCK_RFC3339_LEN];

	if (us <= 0) {
		put(o, ",\"%s\":null", k);
		return;
	}
	clock_format_rfc3339(us, t);
	put(o, ",\"%s\":\"%s\"", k, t);
}

/* Milliseconds with the microseconds as a fraction, trailing zeros cut, as
 * cJSON prints the double render_add_ms gives it. */
static void put_ms(struct out *o, const char *k, int64_t us)
{
	if (us < 0) {
		put(o, ",\"%s\":null", k);
		return;
	}
	int frac = (int)(us % 1000);
	if (frac == 0) {
		put(o, ",\"%s\":%" PRId64, k, us / 1000);
		return;
	}
	char f[4];
	snprintf(f, sizeof(f), "%03d", frac);
	for (int i = 2; i > 0 && f[i] == '0'; i--)
		f[i] = '\0';
	put(o, ",\"%s\":%" PRId64 ".%s", k, us / 1000, f);
}

/* A JSON string; ill-formed UTF-8 is left to the final sanitizing pass. */
static void put_str(struct out *o, const char *k, const char *v)
{
	if (v == NULL) {
		put(o, ",\"%s\":null", k);
		return;
	}
	put(o, ",\"%s\":\"", k);
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			put(o, "\\%c", *p);
		else if (*p < 0x20)
			put(o, "\\u%04x", *p);
		else if (o->len + 1 < o->cap)
			o->buf[o->len++] = (char)*p;
	}
	o->buf[o->len] = '\0';
	put(o, "\"");
}

char *render_job_event(const struct job *j)
{
	const char *queue = j->queue ? j->queue : "default";
	struct out o = { .cap = EVENT_FIXED_LEN + 6 * (strlen(queue) + (j->error ? strlen(j->error) : 0)) +
			       (j->slots ? strlen(j->slots) + 16 : 0) };

	if ((o.buf = malloc(o.cap)) == NULL)
		return NULL;
	put(&o, "{\"id\":%" PRId64 ",\"state\":\"%s\"", j->id, job_state_name(j->state));
	put_int(&o, "batch_id", j->batch_id, 0);
	put_str(&o, "queue", queue);
	put(&o, ",\"attempts\":%d,\"max_attempts\":%d", j->attempts, j->max_attempts);
	put_int(&o, "worker", j->worker, -1);
	if (j->slots != NULL) /* a multi-core job's (stored JSON); [worker] goes without saying */
		put(&o, ",\"slots\":%s", j->slots);
	put_int(&o, "pid", j->pid, -1);
	put_int(&o, "exit_code", j->exit_code, -1);
	put_int(&o, "signal", j->term_signal, -1);
	put_str(&o, "error", j->error);
	put(&o, ",\"cancel_requested\":%s", j->cancel_requested ? "true" : "false");
	put_time(&o, "created_at", j->created_us);
	put_time(&o, "started_at", j->started_us);
	put_time(&o, "finished_at", j->finished_us);
	put_time(&o, "next_attempt_at", j->state == JOB_QUEUED && j->attempts > 0 ? j->wait_until_us : 0);
	put_ms(&o, "queue_ms", j->started_us > 0 ? j->started_us - j->queued_us : -1);
	put_ms(&o, "run_ms", j->run_us);
	put_int(&o, "node_id", j->node_id, 0);
	put(&o, "}");
	return utf8_sanitize(o.buf);
}
