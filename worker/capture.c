/*
 * capture.c — writes a job's output stream to its capped file (capture.h).
 */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CAPTURE_SHARD 10000

void capture_path(char *buf, size_t len, const char *output_dir, int64_t job_id,
    enum capture_stream stream)
{
	snprintf(buf, len, "%s/%lld/%lld.%s", output_dir,
	    (long long)(job_id / CAPTURE_SHARD), (long long)job_id,
	    stream == CAPTURE_STDOUT ? "stdout" : "stderr");
}

void capture_init(struct capture *c, const char *output_dir, int64_t job_id,
    enum capture_stream stream, int64_t cap, int fresh)
{
	c->fd = -1;
	c->total = 0;
	c->cap = cap;
	c->write_errno = 0;
	c->reported = 0;
	capture_path(c->path, sizeof(c->path), output_dir, job_id, stream);
	/* A retry must not show the previous attempt's output. */
	if (fresh && unlink(c->path) < 0 && errno != ENOENT)
		c->write_errno = errno;
}

/* mkdir -p of the shard directory (output_dir itself exists). */
static int make_parent(const char *path)
{
	char dir[CAPTURE_PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int open_file(struct capture *c)
{
	c->fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (c->fd < 0 && errno == ENOENT && make_parent(c->path) == 0)
		c->fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	return c->fd < 0 ? -1 : 0;
}

int capture_write(struct capture *c, const char *buf, size_t n, char *err)
{
	int64_t room = c->cap - c->total;
	size_t keep = room <= 0 ? 0 : (size_t)room < n ? (size_t)room : n;

	c->total += (int64_t)n;
	if (keep == 0)
		return 0;
	if (c->write_errno != 0) {
		/* Said once: the first failure (maybe the fresh-attempt unlink). */
		if (!c->reported)
			err_set(err, "%s: %s", c->path, strerror(c->write_errno));
		return c->reported++ ? 0 : -1;
	}
	if (c->fd < 0 && open_file(c) < 0) {
		c->write_errno = errno;
		c->reported = 1;
		err_set(err, "open %s: %s", c->path, strerror(errno));
		return -1;
	}
	while (keep > 0) {
		ssize_t w = write(c->fd, buf, keep);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			c->write_errno = errno;
			c->reported = 1;
			err_set(err, "write %s: %s", c->path, strerror(errno));
			return -1;
		}
		buf += w;
		keep -= (size_t)w;
	}
	return 0;
}

void capture_close(struct capture *c)
{
	/* Never retry close after EINTR: the fd is gone either way on Linux. */
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
