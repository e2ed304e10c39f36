/*
 * api_output.c — GET /v1/jobs/{id}/stdout and /stderr: the captured bytes
 * as text/plain, up to --output-limit, with X-Jobd-Truncated: true when the
 * job wrote more. Works while the job runs (the worker appends to the file).
 */
#include "api.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
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

	capture_path(path, sizeof(path), cfg->output_dir, req->id, which);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if ((fd < 0 && errno != ENOENT) || (fd >= 0 && fstat(fd, &st) < 0)) {
		err_set(err, "open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		http_internal(r, err);
		return;
	}
	/* Only what the file holds now (it may still grow), never more than the cap. */
	int64_t want = fd < 0 ? 0 : st.st_size < cfg->output_limit ? st.st_size : cfg->output_limit;
	char *buf = malloc((size_t)want + 1);
	ssize_t got = 0;
	if (buf == NULL) {
		if (fd >= 0)
			close(fd);
		http_internal(r, "out of memory");
		return;
	}
	while (fd >= 0 && got < want) {
		ssize_t n = read(fd, buf + got, (size_t)(want - got));
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
