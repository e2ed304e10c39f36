/*
 * orphans.h — kills and reaps the processes a job left behind, as their
 * subreaper. The worker (PR_SET_CHILD_SUBREAPER) inherits every process a
 * job orphans — a double fork, a `setsid cmd &` that outlives its shell —
 * so when the job's main process ends, whatever is still its child is
 * left over from the job: SIGKILLed and reaped, and so are the children
 * those had, which come to us the moment their parent dies, until none is
 * left. This holds with or without a cgroup (cgroup.h), and is all there
 * is without one. The server (also a subreaper) uses it for what a dead
 * worker left, keeping its live workers.
 *
 * Most jobs leave nothing, and then one waitid says so: a subreaper with
 * no child at all has nothing of a job's left, since every live process of
 * the job descends from a child of ours (its main process is reaped; what
 * it left came to us the moment it died, before we could see it dead).
 * Only when a child is there are children listed, in
 * /proc/self/task/<tid>/children, or by a scan of /proc/<pid>/stat for our
 * pid as the parent where the kernel has no such file
 * (CONFIG_PROC_CHILDREN off). A child cannot be reused as a pid before we
 * reap it, so each kill hits what was listed.
 *
 * Not for a vforked child: it allocates. Nothing here logs.
 */
#ifndef JOBD_ORPHANS_H
#define JOBD_ORPHANS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Whether this process has any child, alive or not yet reaped: one
 * waitid that reaps nothing. false means nothing it inherited is left. */
bool orphans_any(void);

/* SIGKILLs and reaps every child of this process but those in keep[0..n),
 * and what they leave, until none is left. Returns how many were killed,
 * or -1 with err when /proc could not be read. */
int orphans_kill(const pid_t *keep, size_t n_keep, char *err);

#endif
