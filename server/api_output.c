/*
 * api_output.c — GET /v1/jobs/{id}/stdout and /stderr: the captured bytes
 * as text/plain, up to --output-limit, with X-Jobd-Truncated: true when the
 * job wrote more. Works while the job runs (the worker appends to the file).
 */
#include "api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../worker/capture.h"
#include "api_common.h"
#include "store_jobs.h"

static void serve_stream(struct http_req *req, struct http_resp *r, enum capture_stream which)
{
	const struct config *cfg = req->app->cfg;
	char err[ERR_LEN], path[CAPTURE_PATH_MAX];
	struct job job;

	if (!api_load_job(req, r, &job))
		return;
	int64_t total = which == CAPTURE_STDOUT ? job.stdout_bytes : job.stderr_bytes;
	job_free(&job);

	char *buf = malloc((size_t)cfg->output_limit + 1);
	ssize_t got = 0;
	if (buf == NULL) {
		http_internal(r, "out of memory");
		return;
	}
	capture_path(path, sizeof(path), cfg->output_dir, req->id, which);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		err_set(err, "open %s: %s", path, strerror(errno));
		free(buf);
		http_internal(r, err);
		return;
	}
	while (fd >= 0 && got < cfg->output_limit) {
		ssize_t n = read(fd, buf + got, (size_t)(cfg->output_limit - got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	if (fd >= 0)
		close(fd);
	r->status = 200;
	r->body = buf;
	r->len = (size_t)got;
	r->content_type = "text/plain; charset=utf-8";
	bool cut = total > cfg->output_limit || (total < 0 && got >= cfg->output_limit);
	http_header(r, "X-Jobd-Truncated", "%s", cut ? "true" : "false");
	http_header(r, "Cache-Control", "no-store");
}

void api_job_stdout(struct http_req *req, struct http_resp *r)
{
	serve_stream(req, r, CAPTURE_STDOUT);
}

void api_job_stderr(struct http_req *req, struct http_resp *r)
{
	serve_stream(req, r, CAPTURE_STDERR);
}
