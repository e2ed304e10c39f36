/*
 * api_output.c — GET /v1/jobs/{id}/stdout and /stderr: the captured bytes
 * as text/plain, up to --output-limit, with X-Jobd-Truncated: true when the
 * job wrote more. Works while the job runs (the worker appends to the file).
 * Output that --max-output-disk deleted is 410 output_purged: the job is
 * still there, its output never will be again. In a cluster, a job run by
 * another node is served from the copy its node keeps in the database: at
 * most a second behind while the job runs, complete once it ended. A file
 * the job replaced by anything but a regular file (a FIFO, a symlink) is
 * never opened for reading: 409 conflict, at once.
 *
 * ?offset=N answers the bytes from N on (none when N is at or past the end).
 * ?follow=true hands the request to api_follow.c once these checks passed:
 * a stream of the bytes as the job writes them, ended when it is final.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "api_common.h"
#include "api_follow.h"
#include "common/capture.h"
#include "store/store_jobs.h"
#include "store/store_nodes.h"
#include "store/store_retention.h"

/* Asked after reading the file: retention marks a job's output purged
 * before it deletes the files, so output found missing by then (or read
 * just before it went) is reported as purged, not as empty. 1 when r is set. */
static int output_gone(struct http_req *req, struct http_resp *r)
{
	char err[ERR_LEN];
	bool purged = false;
	struct store *st = api_reader(req, r);

	if (st == NULL)
		return 1;
	int found = store_retention_output_purged(st, req->id, &purged, err);
	api_reader_done(req, st);
	if (found < 0)
		http_internal(r, err);
	else if (found == 0)
		http_error(r, 404, "not_found", NULL, "no job %lld", (long long)req->id);
	else if (purged)
		http_error(r, 410, "output_purged", NULL,
		    "the output of job %lld was deleted to keep output under --max-output-disk",
		    (long long)req->id);
	return found != 1 || purged;
}

/* ?offset=N into *off (0 when absent): 0, or -1 with a 400 naming it in r. */
static int output_offset(const struct http_req *req, struct http_resp *r, int64_t *off)
{
	const char *v = http_query(req, "offset");

	*off = 0;
	if (v == NULL || api_parse_int(v, 0, INT64_MAX, off) == 0)
		return 0;
	http_error(r, 400, "invalid_request", "offset", "offset must be an integer >= 0");
	return -1;
}

/* ?follow=true|false into *follow: 0, or -1 with a 400 naming it in r. */
static int output_follow(const struct http_req *req, struct http_resp *r, bool *follow)
{
	const char *v = http_query(req, "follow");

	*follow = v != NULL && strcmp(v, "true") == 0;
	if (v == NULL || *follow || strcmp(v, "false") == 0)
		return 0;
	http_error(r, 400, "invalid_request", "follow", "follow must be true or false");
	return -1;
}

/* buf (len bytes, the stream from its start) from byte off on. */
static void answer(struct http_resp *r, char *buf, size_t len, int64_t off, bool cut)
{
	size_t skip = (uint64_t)off < len ? (size_t)off : len;

	memmove(buf, buf + skip, len - skip);
	r->status = 200;
	r->body = buf;
	r->len = len - skip;
	r->content_type = "text/plain; charset=utf-8";
	http_header(r, "X-Jobd-Truncated", "%s", cut ? "true" : "false");
	http_header(r, "Cache-Control", "no-store");
}

/* A job another node ran: its output as that node kept it in the database. */
static void serve_from_db(struct http_req *req, struct http_resp *r, enum capture_stream which,
    int64_t total, int64_t off)
{
	char err[ERR_LEN], *buf;
	size_t len;
	struct store *st = api_reader(req, r);

	if (st == NULL)
		return;
	int rc = store_output_get(st, req->id, which == CAPTURE_STDOUT ? 1 : 2, &buf, &len, err);
	api_reader_done(req, st);
	if (rc < 0) {
		http_internal(r, err);
		return;
	}
	if (rc == 0 && (buf = malloc(1)) == NULL) {
		http_internal(r, "out of memory");
		return;
	}
	if (output_gone(req, r)) {
		free(buf);
		return;
	}
	answer(r, buf, len, off, total > req->app->cfg->output_limit);
}

static void serve_stream(struct http_req *req, struct http_resp *r, enum capture_stream which)
{
	const struct config *cfg = req->app->cfg;
	char err[ERR_LEN], path[CAPTURE_PATH_MAX];
	struct job job;
	int64_t off;
	bool follow;

	if (output_offset(req, r, &off) < 0 || output_follow(req, r, &follow) < 0 ||
	    !api_load_job(req, r, &job))
		return;
	int64_t total = which == CAPTURE_STDOUT ? job.stdout_bytes : job.stderr_bytes;
	int64_t node = job.node_id, self = dispatch_node_id(req->app->dispatch);
	job_free(&job);
	if (follow) {
		if (!output_gone(req, r))
			api_follow(req, r, which, node, off);
		return;
	}
	if (node != 0 && node != self) {
		serve_from_db(req, r, which, total, off);
		return;
	}

	capture_path(path, sizeof(path), cfg->output_dir, req->id, which);
	int fd;
	int64_t size;
	size_t got = 0;
	char *buf;
	switch (capture_open_read(path, &fd, &size, err)) {
	case CAPTURE_OPENED:
		/* Only what the file holds now (it may still grow), never more than the cap. */
		buf = capture_read_fd(fd, path, size < cfg->output_limit ? size : cfg->output_limit,
		    &got, err);
		break;
	case CAPTURE_ABSENT:
		if ((buf = malloc(1)) == NULL)
			err_set(err, "malloc 1: out of memory");
		break;
	case CAPTURE_NOT_REGULAR:
		/* The job swapped its file for a FIFO or a symlink: nothing to
		 * serve, and not the server's fault (API.md). */
		http_error(r, 409, "conflict", NULL,
		    "%s of job %lld is not a regular file (the job replaced it): not served",
		    which == CAPTURE_STDOUT ? "stdout" : "stderr", (long long)req->id);
		return;
	default:
		buf = NULL;
		break;
	}
	if (buf == NULL) {
		http_internal(r, err);
		return;
	}
	if (output_gone(req, r)) {
		free(buf);
		return;
	}
	answer(r, buf, got, off, total > cfg->output_limit || (total < 0 && (int64_t)got >= cfg->output_limit));
}

void api_job_stdout(struct http_req *req, struct http_resp *r)
{
	serve_stream(req, r, CAPTURE_STDOUT);
}

void api_job_stderr(struct http_req *req, struct http_resp *r)
{
	serve_stream(req, r, CAPTURE_STDERR);
}
