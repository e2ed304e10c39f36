/*
 * testutil_seam.h — link-time seams of the system calls under the worker
 * processes, for tests linked with the Makefile's UNIT_SEAM_PROC
 * (-Wl,--wrap=fork,--wrap=sendmsg): fork (spawning a worker) and sendmsg
 * (every protocol message) fail while their seam's counter is above zero,
 * with its errno, else run for real. A test wraps more calls with a seam of
 * its own (tu_seam_fail). Include once per test binary (it defines the
 * wraps); a child that execs starts with every counter at zero.
 */
#ifndef JOBD_TESTUTIL_SEAM_H
#define JOBD_TESTUTIL_SEAM_H

#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>

struct seam {
	int fails; /* calls still to fail */
	int err;   /* with this errno */
	int calls;
};

static struct seam fork_seam, sendmsg_seam;

/* 1: this call fails with s->err (in errno). */
static inline int tu_seam_fail(struct seam *s)
{
	s->calls++;
	if (s->fails <= 0)
		return 0;
	s->fails--;
	errno = s->err;
	return 1;
}

pid_t __real_fork(void);
pid_t __wrap_fork(void);
ssize_t __real_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t __wrap_sendmsg(int fd, const struct msghdr *msg, int flags);

pid_t __wrap_fork(void) { return tu_seam_fail(&fork_seam) ? -1 : __real_fork(); }

ssize_t __wrap_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return tu_seam_fail(&sendmsg_seam) ? -1 : __real_sendmsg(fd, msg, flags);
}

#endif
