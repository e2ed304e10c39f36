/*
 * dispatch_output.c — a cluster node's job output in the database, so that
 * every node can serve it: the output files of a job that ended here are
 * copied in its final transaction, and those of running jobs every second
 * while they grow (dispatch_cluster.c's timer). Up to --output-limit bytes
 * per stream, as the files hold. Nothing on SQLite.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../worker/capture.h"
#include "dispatch_cluster.h"
#include "store_nodes.h"

/* Up to --output-limit bytes of one output file (malloc'd; *len 0 and an
 * empty buffer when there is none); NULL with err on failure. */
static char *read_output(const char *path, int64_t limit, size_t *len, char *err)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*len = 0;
	if (fd < 0 && errno == ENOENT)
		return malloc(1);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		err_set(err, "open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	size_t want = sb.st_size < limit ? (size_t)sb.st_size : (size_t)limit;
	char *buf = malloc(want + 1);
	if (buf == NULL) {
		err_set(err, "malloc %zu: out of memory", want);
		close(fd);
		return NULL;
	}
	while (*len < want) {
		ssize_t n = read(fd, buf + *len, want - *len);
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

int dispatch_output_copy(struct dispatch *d, int64_t job_id, int64_t seen[2], char *err)
{
	static const enum capture_stream streams[] = { CAPTURE_STDOUT, CAPTURE_STDERR };
	char path[CAPTURE_PATH_MAX];

	for (int i = 0; i < 2; i++) {
		struct stat sb;
		size_t len;
		capture_path(path, sizeof(path), d->cfg->output_dir, job_id, streams[i]);
		int64_t size = 0;
		if (seen != NULL) {
			size = stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
			if (size == seen[i] || seen[i] >= d->cfg->output_limit)
				continue;
		}
		char *data = read_output(path, d->cfg->output_limit, &len, err);
		if (data == NULL)
			return -1;
		int rc = len > 0 ? store_output_put(d->store, job_id, i + 1, data, len, err) : 0;
		free(data);
		if (rc < 0)
			return -1;
		if (seen != NULL)
			seen[i] = size; /* only once copied: a failed copy is tried again */
	}
	return 0;
}

int dispatch_cluster_keep_output(struct dispatch *d, struct turn *t, const struct job *job)
{
	if (d->cluster == NULL)
		return 0;
	/* What the per-second copy already sent for this attempt is not sent again. */
	int slot = job->worker;
	struct flushed *f = slot >= 0 && slot < d->cfg->workers ? &d->cluster->flushed[slot] : NULL;
	return dispatch_output_copy(d, job->id, f && f->job_id == job->id ? f->seen : NULL, t->err);
}
