/*
 * api_follow.c — a follower of a job's output (see api_follow.h). Each read
 * takes what was written past the follower's offset: from the output file
 * when the job runs (or ran) on this node, else from the copy its node keeps
 * in the database (fetched again only once the follower has sent all of the
 * last one). With nothing new it asks the job's state: a final job's output
 * is read once more (what was written just before the end), then the stream
 * ends; otherwise the follower parks until the dispatcher's re-check.
 */
#include "api_follow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/log.h"
#include "dispatch/dispatch.h"
#include "dispatch/events.h"
#include "dispatch/follow.h"
#include "store/store_jobs.h"
#include "store/store_nodes.h"
#include "store/store.h"

struct follower {
	const struct app *app;
	int64_t job_id;
	enum capture_stream which;
	int64_t off;          /* bytes of the stream sent so far */
	int64_t node, self;   /* the job's node when last asked; this node's id */
	bool final;           /* the job was final when last asked */
	char *copy;           /* the database copy (another node's job) */
	size_t copy_len;
	struct follow *f;
};

static void park(void *conn) { MHD_suspend_connection(conn); }
static void wake(void *conn) { MHD_resume_connection(conn); }

static bool remote(const struct follower *fl) { return fl->node != 0 && fl->node != fl->self; }

/* Up to max bytes of the local file from fl->off, never past the cap:
 * the count, 0 when there is nothing new, -1 on failure (logged). */
static ssize_t from_file(struct follower *fl, char *buf, size_t max)
{
	char err[ERR_LEN], path[CAPTURE_PATH_MAX];
	int fd;
	int64_t size, limit = fl->app->cfg->output_limit;

	capture_path(path, sizeof(path), fl->app->cfg->output_dir, fl->job_id, fl->which);
	switch (capture_open_read(path, &fd, &size, err)) {
	case CAPTURE_OPENED:
		break;
	case CAPTURE_ABSENT:
		return 0;
	default:
		log_warnx("follow job %lld: %s", (long long)fl->job_id, err);
		return -1;
	}
	int64_t end = size < limit ? size : limit;
	size_t want = end > fl->off ? (size_t)(end - fl->off) : 0;
	ssize_t n = 0;
	if (want > 0) {
		do
			n = pread(fd, buf, want < max ? want : max, fl->off);
		while (n < 0 && errno == EINTR);
	}
	if (n < 0)
		log_warn("follow job %lld: pread %s", (long long)fl->job_id, path);
	if (close(fd) < 0)
		log_warn("follow job %lld: close %s", (long long)fl->job_id, path);
	return n;
}

/* As from_file, from the database copy of another node's job. */
static ssize_t from_db(struct follower *fl, char *buf, size_t max)
{
	char err[ERR_LEN];

	if ((size_t)fl->off >= fl->copy_len) {
		struct store *st = store_pool_acquire(fl->app->readers, err);
		if (st == NULL) {
			log_warnx("follow job %lld: %s", (long long)fl->job_id, err);
			return -1;
		}
		free(fl->copy);
		fl->copy = NULL;
		fl->copy_len = 0;
		int rc = store_output_get(st, fl->job_id, fl->which == CAPTURE_STDOUT ? 1 : 2,
		    &fl->copy, &fl->copy_len, err);
		store_pool_release(fl->app->readers, st);
		if (rc < 0) {
			log_warnx("follow job %lld: %s", (long long)fl->job_id, err);
			return -1;
		}
	}
	size_t left = (size_t)fl->off < fl->copy_len ? fl->copy_len - (size_t)fl->off : 0;
	size_t n = left < max ? left : max;
	memcpy(buf, fl->copy + fl->off, n);
	return (ssize_t)n;
}

/* Asks the job's state and node: 0, or -1 on failure (logged; a job
 * deleted meanwhile counts as final). */
static int ask_job(struct follower *fl)
{
	char err[ERR_LEN];
	struct job job;
	struct store *st = store_pool_acquire(fl->app->readers, err);

	if (st == NULL) {
		log_warnx("follow job %lld: %s", (long long)fl->job_id, err);
		return -1;
	}
	int found = store_job_get(st, fl->job_id, &job, err);
	store_pool_release(fl->app->readers, st);
	if (found < 0) {
		log_warnx("follow job %lld: %s", (long long)fl->job_id, err);
		return -1;
	}
	fl->final = found == 0 || job_state_is_final(job.state);
	if (found == 1) {
		fl->node = job.node_id;
		job_free(&job);
	}
	return 0;
}

static ssize_t follow_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct follower *fl = cls;

	(void)pos;
	for (;;) {
		ssize_t n = remote(fl) ? from_db(fl, buf, max) : from_file(fl, buf, max);
		if (n < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (n > 0) {
			fl->off += n;
			return n;
		}
		if (fl->final)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (ask_job(fl) < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (fl->final)
			continue; /* read once more: what it wrote before it ended */
		/* Parked: read again when woken. Shutdown: what was sent is all. */
		return follow_park(fl->f) ? 0 : MHD_CONTENT_READER_END_OF_STREAM;
	}
}

static void follow_free(void *cls)
{
	struct follower *fl = cls;

	follow_close(fl->f);
	free(fl->copy);
	free(fl);
}

void api_follow(struct http_req *req, struct http_resp *r, enum capture_stream which,
    int64_t node, int64_t off)
{
	int64_t max = req->app->cfg->max_event_streams;
	struct follower *fl = calloc(1, sizeof(*fl));

	if (fl == NULL) {
		http_internal(r, "out of memory");
		return;
	}
	*fl = (struct follower){ .app = req->app, .job_id = req->id, .which = which, .off = off,
		.node = node, .self = dispatch_node_id(req->app->dispatch) };
	struct events_waker w = { .park = park, .wake = wake, .arg = req->conn };
	if ((fl->f = follow_open(max, &w)) == NULL) {
		if (errno == EBUSY) {
			http_error(r, 503, "unavailable", NULL,
			    "too many event streams and output followers (%lld, --max-event-streams); poll with ?offset=N, or try again later",
			    (long long)max);
			http_header(r, "Retry-After", "%d", EVENTS_RETRY_AFTER_S);
		} else {
			http_internal(r, "out of memory");
		}
		free(fl);
		return;
	}
	http_stream(r, "text/plain; charset=utf-8", EVENTS_BLOCK, follow_read, fl, follow_free);
}
