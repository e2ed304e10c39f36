/*
 * capture.c — writes a job's output stream to its capped file (capture.h).
 */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* What st_mode holds, for "… is a FIFO, not a regular file". */
static const char *kind_of(mode_t mode)
{
	return S_ISFIFO(mode) ? "a FIFO" : S_ISLNK(mode) ? "a symlink" : S_ISSOCK(mode) ? "a socket"
	     : S_ISDIR(mode) ? "a directory" : S_ISCHR(mode) || S_ISBLK(mode) ? "a device"
								  : "not a regular file";
}

/* flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, then S_ISREG. The job opens
 * the file before us only if it made it itself (the worker creates it on the
 * first byte, after the exec): a FIFO there would block the open (O_NONBLOCK:
 * ENXIO for a writer without a reader, an fd we then refuse otherwise), a
 * symlink would lead elsewhere (O_NOFOLLOW: ELOOP). O_NONBLOCK stays set:
 * it changes nothing for a regular file. fd and *size, or -1 with err and
 * errno; *not_regular tells the two failures apart. */
static int open_regular(const char *path, int flags, int *not_regular, int64_t *size, char *err)
{
	struct stat sb;
	int fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0640);

	*not_regular = 0;
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP || e == ENXIO || e == EISDIR || e == ENOTDIR) {
			/* ENOTDIR: the shard directory was replaced by a file. */
			*not_regular = 1;
			err_set(err, "%s is %s, not a regular file", path,
			    e == ELOOP ? "a symlink" : e == ENXIO ? "a FIFO or socket"
			    : e == EISDIR ? "a directory" : "under something that is not a directory");
		} else {
			err_set(err, "open %s: %s", path, strerror(e));
		}
		errno = e;
		return -1;
	}
	if (fstat(fd, &sb) < 0) {
		int e = errno;
		err_set(err, "fstat %s: %s", path, strerror(e));
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		*not_regular = 1;
		err_set(err, "%s is %s, not a regular file", path, kind_of(sb.st_mode));
		close(fd);
		errno = EINVAL;
		return -1;
	}
	*size = (int64_t)sb.st_size;
	return fd;
}

static int open_file(struct capture *c, char *err)
{
	int not_regular;
	int64_t size;

	c->fd = open_regular(c->path, O_WRONLY | O_CREAT | O_TRUNC, &not_regular, &size, err);
	if (c->fd < 0 && errno == ENOENT && make_parent(c->path) == 0)
		c->fd = open_regular(c->path, O_WRONLY | O_CREAT | O_TRUNC, &not_regular, &size, err);
	return c->fd < 0 ? -1 : 0;
}

enum capture_open capture_open_read(const char *path, int *fd, int64_t *size, char *err)
{
	int not_regular;

	*size = 0;
	*fd = open_regular(path, O_RDONLY, &not_regular, size, err);
	if (*fd >= 0)
		return CAPTURE_OPENED;
	return errno == ENOENT ? CAPTURE_ABSENT
	     : not_regular     ? CAPTURE_NOT_REGULAR
			       : CAPTURE_FAILED;
}

char *capture_read_fd(int fd, const char *path, int64_t want, size_t *len, char *err)
{
	size_t cap = want > 0 ? (size_t)want : 0;
	char *buf = malloc(cap + 1);

	*len = 0;
	if (buf == NULL) {
		err_set(err, "malloc %zu: out of memory", cap + 1);
		close(fd);
		return NULL;
	}
	while (*len < cap) {
		ssize_t n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(err, "read %s: %s", path, strerror(errno));
			close(fd);
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	close(fd);
	return buf;
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
	if (c->fd < 0 && open_file(c, err) < 0) {
		c->write_errno = errno;
		c->reported = 1;
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
