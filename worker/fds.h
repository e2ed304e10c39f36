/*
 * fds.h — what file descriptors a worker keeps and what a job inherits:
 * close-on-exec (or close) every descriptor from a number up, with
 * close_range(2) where the kernel has it (5.9 to close, 5.11 for
 * CLOSE_RANGE_CLOEXEC) and a walk of /proc/self/fd — or, without /proc,
 * of every number below RLIMIT_NOFILE — where it has not. Without the
 * fallback, a kernel before 5.11 would hand the worker's socket (fd 3) to
 * every job, and a job could forge the worker's DONE.
 *
 * Both functions make system calls only (no malloc, no stdio, a stack
 * buffer), so start.c may call fds_cloexec_from between vfork and exec.
 */
#ifndef JOBD_FDS_H
#define JOBD_FDS_H

/* Marks every fd >= low close-on-exec. 0, or -1 with errno set. */
int fds_cloexec_from(int low);
/* Closes every fd >= low. 0, or -1 with errno set. */
int fds_close_from(int low);

#endif
