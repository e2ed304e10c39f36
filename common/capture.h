/*
 * capture.h — a job's stdout or stderr, kept in a file of its own under the
 * output directory, up to a byte cap; bytes beyond the cap are counted, not
 * kept. The file is created on the first byte, so jobs that print nothing
 * cost no file. The server reads the same files (capture_open_read) to
 * serve GET /v1/jobs/{id}/stdout while the job runs and after.
 *
 * The job runs as the same user and may replace its own output file: with a
 * FIFO (an open or read would wait for a writer that never comes), a symlink
 * (to a file that must not be served or overwritten) or anything else. So
 * every open of an output file, to write or to read, is O_NOFOLLOW and
 * O_NONBLOCK and is refused unless fstat says it is a regular file.
 */
#ifndef JOBD_CAPTURE_H
#define JOBD_CAPTURE_H

#include <stdint.h>
#include <stddef.h>

#include "err.h"

#define CAPTURE_PATH_MAX 4200

enum capture_stream { CAPTURE_STDOUT, CAPTURE_STDERR };

struct capture {
	char path[CAPTURE_PATH_MAX];
	int fd;          /* -1 until the first byte */
	int64_t total;   /* every byte the job wrote */
	int64_t cap;     /* bytes kept at most */
	int write_errno; /* first write error, 0 if none; output after it is counted only */
	int reported;    /* write_errno has been returned once */
};

/* <output_dir>/<id / 10000>/<id>.stdout|.stderr */
void capture_path(char *buf, size_t len, const char *output_dir, int64_t job_id,
    enum capture_stream stream);

/* Prepares c; when fresh, removes a previous attempt's file. */
void capture_init(struct capture *c, const char *output_dir, int64_t job_id,
    enum capture_stream stream, int64_t cap, int fresh);
/* Keeps what fits under the cap. Returns 0, or -1 with err on the first
 * failure to create or write the file (the job goes on; bytes still count). */
int capture_write(struct capture *c, const char *buf, size_t n, char *err);
void capture_close(struct capture *c);

enum capture_open {
	CAPTURE_OPENED,      /* *fd and *size set; the caller closes *fd */
	CAPTURE_ABSENT,      /* no file: the stream holds nothing (yet) */
	CAPTURE_NOT_REGULAR, /* a FIFO, symlink, socket or device took its place; err says which */
	CAPTURE_FAILED,      /* err names the call and errno */
};

/* Opens an output file to read it, never blocking and never following a
 * symlink; only a regular file is opened. */
enum capture_open capture_open_read(const char *path, int *fd, int64_t *size, char *err);
/* Up to want bytes from fd into a malloc'd buffer (*len what was read: the
 * file may shrink meanwhile); closes fd. NULL with err on failure. */
char *capture_read_fd(int fd, const char *path, int64_t want, size_t *len, char *err);

#endif
