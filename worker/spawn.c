/*
 * spawn.c — fork + exec of a worker process (see spawn.h).
 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/proto.h"

extern char **environ;

int spawn_worker(const struct spawn_args *a, pid_t *pid, int *sock, char *err)
{
	int sv[2];
	char slot[16], parent[16], limit[32], grace[32];
	struct rlimit nofile;

	/* Everything the child needs is built before fork. */
	snprintf(slot, sizeof(slot), "%u", a->slot);
	snprintf(parent, sizeof(parent), "%d", (int)getpid());
	snprintf(limit, sizeof(limit), "%lld", (long long)a->output_limit);
	snprintf(grace, sizeof(grace), "%lld", (long long)a->kill_grace_ms);
	char *const argv[] = {
		(char *)a->exe, "--worker", slot, "--parent", parent,
		"--output-dir", (char *)a->output_dir, "--output-limit", limit,
		"--kill-grace-ms", grace, "--log-level", (char *)a->log_level,
		"--log-format", (char *)a->log_format, "--cgroups", a->cgroups ? "1" : "0", NULL,
	};

	/* The server raised its own soft limit for HTTP connections (main.c);
	 * jobs keep the one it started with. */
	if (a->nofile != 0) {
		if (getrlimit(RLIMIT_NOFILE, &nofile) < 0) {
			err_set(err, "getrlimit RLIMIT_NOFILE: %s", strerror(errno));
			return -1;
		}
		nofile.rlim_cur = (rlim_t)a->nofile;
	}

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err_set(err, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid_t child = fork();
	if (child < 0) {
		err_set(err, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (child == 0) {
		/* Async-signal-safe only until exec: we may have threads. dup2
		 * onto fd 3 clears close-on-exec; if sv[1] is already 3 clear it. */
		if (sv[1] == PROTO_WORKER_FD) {
			if (fcntl(sv[1], F_SETFD, 0) < 0)
				_exit(127);
		} else if (dup2(sv[1], PROTO_WORKER_FD) < 0) {
			_exit(127);
		}
		/* setrlimit is a bare system call: safe here as the rest is. */
		if (a->nofile != 0 && setrlimit(RLIMIT_NOFILE, &nofile) < 0)
			_exit(127);
		execve(a->exe, argv, environ);
		_exit(127);
	}
	close(sv[1]);
	*pid = child;
	*sock = sv[0];
	return 0;
}
