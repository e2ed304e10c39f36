/*
 * fds.c — close-on-exec or close every fd from a number up (see fds.h).
 * Async-signal-safe: system calls and a stack buffer only, because
 * start.c calls it in a vforked child that shares the worker's memory.
 *
 * Traps: getdents64 on /proc/self/fd lists the directory's own fd too;
 * closing while reading is fine there (procfs positions by fd number).
 * Never retry close after EINTR: the fd is gone either way on Linux.
 */
#include "fds.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* As the kernel lays out a getdents64 record. */
struct fds_dirent {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

static int act(int fd, int cloexec)
{
	if (!cloexec) {
		/* Whatever close says (EINTR, EIO), the fd is released. */
		(void)close(fd);
		return 0;
	}
	int flags = fcntl(fd, F_GETFD);
	if (flags < 0)
		return -1;
	return (flags & FD_CLOEXEC) || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0 ? 0 : -1;
}

static int parse_fd(const char *s)
{
	int n = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || n > (INT32_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}

/* Every fd listed in /proc/self/fd. 0, or -1 when /proc cannot say. */
static int sweep_proc(int low, int cloexec)
{
	char buf[4096] __attribute__((aligned(8)));
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0)
		return -1;
	for (;;) {
		long n = syscall(SYS_getdents64, dir, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int saved = errno;
			close(dir);
			errno = saved;
			return n < 0 ? -1 : 0;
		}
		for (long off = 0; off < n;) {
			const struct fds_dirent *d = (const struct fds_dirent *)(buf + off);
			int fd = parse_fd(d->name);
			off += d->reclen;
			/* EBADF: an fd that was listed and is gone (the dir's own
			 * after a close, say); nothing else can fail here. */
			if (fd >= low && fd != dir && act(fd, cloexec) < 0 && errno != EBADF) {
				int saved = errno;
				close(dir);
				errno = saved;
				return -1;
			}
		}
	}
}

/* No /proc: every number the process may hold. */
static int sweep_all(int low, int cloexec)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	rlim_t top = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT32_MAX ? INT32_MAX : rl.rlim_cur;
	for (rlim_t fd = (rlim_t)low; fd < top; fd++)
		if (act((int)fd, cloexec) < 0 && errno != EBADF)
			return -1;
	return 0;
}

static int sweep(int low, int cloexec)
{
	if (close_range((unsigned)low, ~0u, cloexec ? CLOSE_RANGE_CLOEXEC : 0) == 0)
		return 0;
	/* ENOSYS (before 5.9), EINVAL (the flag, before 5.11), or a seccomp
	 * filter that refuses it: walk the fds ourselves. */
	if (sweep_proc(low, cloexec) == 0)
		return 0;
	return sweep_all(low, cloexec);
}

int fds_cloexec_from(int low) { return sweep(low, 1); }

int fds_close_from(int low) { return sweep(low, 0); }
