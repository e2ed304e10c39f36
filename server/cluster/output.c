/*
 * output.c — a cluster node's job output in the database, so that every
 * node can serve it: the output files of a job that ended here are copied
 * in its final transaction, and those of running jobs every second while
 * they grow (node.c's timer). Up to --output-limit bytes
 * per stream, as the files hold. Nothing on SQLite. Files are opened with
 * capture_open_read: this runs on the dispatcher thread, which a FIFO
 * planted by a job must never block.
 */
#include <stdlib.h>
#include <unistd.h>

#include "node.h"
#include "common/capture.h"
#include "common/log.h"
#include "store/store_nodes.h"

int output_copy(struct cluster *c, int64_t job_id, int64_t seen[2], char *err)
{
	static const enum capture_stream streams[] = { CAPTURE_STDOUT, CAPTURE_STDERR };
	char path[CAPTURE_PATH_MAX], ferr[ERR_LEN];
	int64_t limit = c->cfg->output_limit;

	for (int i = 0; i < 2; i++) {
		int fd;
		int64_t size;
		size_t len;
		capture_path(path, sizeof(path), c->cfg->output_dir, job_id, streams[i]);
		enum capture_open o = capture_open_read(path, &fd, &size, ferr);
		/* A FIFO or symlink in its place (the job made it) is never read
		 * here, on the dispatcher thread; neither it nor a file that cannot
		 * be opened (a job can replace its shard directory too) fails the
		 * job's final transaction, which would be tried again forever: the
		 * stream keeps what was copied before. */
		if (o != CAPTURE_OPENED)
			size = 0;
		if (seen != NULL && (size == seen[i] || seen[i] >= limit)) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		char *data = o == CAPTURE_OPENED
				 ? capture_read_fd(fd, path, size < limit ? size : limit, &len, ferr)
				 : NULL;
		if (o == CAPTURE_FAILED || (o == CAPTURE_OPENED && data == NULL))
			log_warnx("job %lld: output not copied to the database: %s", (long long)job_id,
			    ferr);
		if (o == CAPTURE_OPENED && data == NULL)
			continue; /* seen unchanged: tried again */
		int rc = data != NULL && len > 0
			     ? store_output_put(c->store, job_id, i + 1, data, len, err)
			     : 0;
		free(data);
		if (rc < 0)
			return -1;
		if (seen != NULL)
			seen[i] = size; /* only once copied: a failed copy is tried again */
	}
	return 0;
}

int output_keep(struct cluster *c, const struct job *job, char *err)
{
	/* What the per-second copy already sent for this attempt is not sent again. */
	int slot = job->worker;
	struct flushed *f = slot >= 0 && slot < c->cfg->workers ? &c->flushed[slot] : NULL;
	return output_copy(c, job->id, f && f->job_id == job->id ? f->seen : NULL, err);
}
