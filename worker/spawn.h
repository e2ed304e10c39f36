/*
 * spawn.h — starts one worker process for the server: socketpair, fork, and
 * an immediate exec of this same binary as `jobd --worker SLOT ...` with its
 * end of the socket on fd 3. Because exec follows fork at once, this is safe
 * from the server even while libmicrohttpd's threads run.
 *
 * Must be called from the server's main (dispatcher) thread: PR_SET_PDEATHSIG
 * in the worker fires when the thread that forked it exits.
 */
#ifndef JOBD_SPAWN_H
#define JOBD_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

struct spawn_args {
	const char *exe;
	unsigned slot;
	const char *output_dir;
	int64_t output_limit;
	int64_t kill_grace_ms;
	const char *log_level;
	const char *log_format;
	uint64_t nofile;          /* soft RLIMIT_NOFILE to give the worker (and so
	                             its jobs); 0: the server's own */
	bool cgroups;             /* false: the worker makes no cgroup */
};

/* On success *pid is the worker and *sock the server's end (close-on-exec,
 * owned by the caller). */
int spawn_worker(const struct spawn_args *a, pid_t *pid, int *sock, char *err);

#endif
