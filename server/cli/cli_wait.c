/*
 * cli_wait.c — polling for a job's end and for its output (cli_wait.h).
 */
#include "cli_wait.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_exit.h"

#define POLL_MAX_MS 500

bool cli_job_final(const cJSON *job)
{
	return cli_exit_of_job(job) >= 0;
}

void cli_backoff(int *ms)
{
	struct timespec ts = { .tv_sec = *ms / 1000, .tv_nsec = (long)(*ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	*ms = *ms * 2 > POLL_MAX_MS ? POLL_MAX_MS : *ms * 2;
}

static int get_job(struct cli_http *c, int64_t id, cJSON **job, char *err)
{
	char path[CLI_PATH_MAX];

	snprintf(path, sizeof(path), "/v1/jobs/%lld", (long long)id);
	return cli_call(c, "GET", path, NULL, job, err);
}

int cli_wait_job(struct cli_http *c, int64_t id, cJSON **job, char *err)
{
	int ms = CLI_POLL_FIRST_MS;

	for (;;) {
		int rc = get_job(c, id, job, err);
		if (rc != CLI_EXIT_OK || cli_job_final(*job))
			return rc;
		cJSON_Delete(*job);
		cli_backoff(&ms);
	}
}

/* All of buf to fd (a terminal, a pipe). 0, or -1 with err. */
static int write_all(int fd, const char *buf, size_t len, char *err)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(err, "write to fd %d: %s", fd, strerror(errno));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* buf to fd with tag and a tab before every line (parallel --tag); a last
 * line without its newline gets one. */
static int write_tagged(int fd, const char *buf, size_t len, const char *tag, char *err)
{
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t line = nl != NULL ? (size_t)(nl - buf) + 1 : len;
		if (write_all(fd, tag, strlen(tag), err) < 0 || write_all(fd, "\t", 1, err) < 0 ||
		    write_all(fd, buf, line, err) < 0 || (nl == NULL && write_all(fd, "\n", 1, err) < 0))
			return -1;
		buf += line;
		len -= line;
	}
	return 0;
}

/* GET stream from *offset on to fd; *offset and *got advance by what came. */
static int copy_from(struct cli_http *c, int64_t id, const char *stream, int fd, const char *tag,
    int64_t *offset, size_t *got, char *err)
{
	char path[CLI_PATH_MAX];
	struct cli_resp r;

	snprintf(path, sizeof(path), "/v1/jobs/%lld/%s?offset=%lld", (long long)id, stream,
	    (long long)*offset);
	int rc = cli_get_text(c, path, &r, err);
	if (rc != CLI_EXIT_OK)
		return rc;
	int w = tag != NULL ? write_tagged(fd, r.body, r.len, tag, err) : write_all(fd, r.body, r.len, err);
	*offset += (int64_t)r.len;
	*got += r.len;
	cli_resp_free(&r);
	return w < 0 ? CLI_EXIT_SOFTWARE : CLI_EXIT_OK;
}

int cli_copy_output(struct cli_http *c, int64_t id, const char *stream, int fd, const char *tag,
    char *err)
{
	int64_t offset = 0;
	size_t got = 0;

	return copy_from(c, id, stream, fd, tag, &offset, &got, err);
}

struct follower {
	int64_t id;
	unsigned streams;
	int64_t offset[2]; /* bytes of stdout, stderr written so far */
};

static const char *const stream_names[2] = { "stdout", "stderr" };

/* One round of polling: whatever each stream has beyond what was written.
 * *got counts the new bytes. */
static int follow_round(struct cli_http *c, struct follower *f, size_t *got, char *err)
{
	for (int s = 0; s < 2; s++) {
		if (!(f->streams & (1u << s)))
			continue;
		int rc = copy_from(c, f->id, stream_names[s], s + 1, NULL, &f->offset[s], got, err);
		if (rc != CLI_EXIT_OK)
			return rc;
	}
	return CLI_EXIT_OK;
}

struct sink_arg {
	int fd;
	int64_t *offset;
};

static int sink_write(void *arg, const char *buf, size_t len, char *err)
{
	struct sink_arg *a = arg;

	if (write_all(a->fd, buf, len, err) < 0)
		return -1;
	*a->offset += (int64_t)len;
	return 0;
}

/* The streams as the server sends them (?follow=true), at once, until the
 * job is final. A server that declines (400 from one without follow, 503
 * with too many followers) leaves it to the polling after it, from the
 * offsets reached. 0, or an exit status with err. */
static int follow_streamed(struct cli_http *c, struct follower *f, char *err)
{
	char paths[CLI_STREAMS_MAX][CLI_PATH_MAX];
	const char *p[CLI_STREAMS_MAX];
	struct sink_arg args[CLI_STREAMS_MAX];
	struct cli_sink sinks[CLI_STREAMS_MAX];
	long status[CLI_STREAMS_MAX];
	int n = 0;

	for (int s = 0; s < 2; s++) {
		if (!(f->streams & (1u << s)))
			continue;
		snprintf(paths[n], sizeof(paths[n]), "/v1/jobs/%lld/%s?follow=true&offset=%lld",
		    (long long)f->id, stream_names[s], (long long)f->offset[s]);
		p[n] = paths[n];
		args[n] = (struct sink_arg){ .fd = s + 1, .offset = &f->offset[s] };
		sinks[n] = (struct cli_sink){ .write = sink_write, .arg = &args[n] };
		n++;
	}
	return cli_http_stream(c, n, p, sinks, status, err) < 0 ? CLI_EXIT_UNREACHABLE : CLI_EXIT_OK;
}

int cli_follow_job(struct cli_http *c, int64_t id, unsigned streams, cJSON **job, char *err)
{
	struct follower f = { .id = id, .streams = streams };
	int ms = CLI_POLL_FIRST_MS;
	int rc = follow_streamed(c, &f, err);

	if (rc != CLI_EXIT_OK)
		return rc;
	/* Streamed to the end, the job is final: one round finds nothing more. */
	for (;;) {
		/* The state first: once it is final every byte is in the files,
		 * so the round after it drains them all. */
		rc = get_job(c, id, job, err);
		if (rc != CLI_EXIT_OK)
			return rc;
		bool final = cli_job_final(*job);
		size_t got = 0;
		if ((rc = follow_round(c, &f, &got, err)) != CLI_EXIT_OK || final) {
			if (rc != CLI_EXIT_OK) {
				cJSON_Delete(*job);
				*job = NULL;
			}
			return rc;
		}
		cJSON_Delete(*job);
		if (got > 0)
			ms = CLI_POLL_FIRST_MS;
		cli_backoff(&ms);
	}
}
