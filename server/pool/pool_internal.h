/*
 * pool_internal.h — the slot table shared by pool.c (worker lifecycle:
 * spawn, reap, replace, stop) and pool_msgs.c (what is said to and by the
 * workers). Nothing outside the pool includes it.
 */
#ifndef JOBD_POOL_INTERNAL_H
#define JOBD_POOL_INTERNAL_H

#include <pthread.h>
#include <sys/types.h>

#include "pool.h"
#include "common/proto.h"

enum slot_state { SLOT_DOWN, SLOT_STARTING, SLOT_IDLE, SLOT_RESERVED, SLOT_BUSY };

struct slot {
	enum slot_state state;
	pid_t pid;
	int sock;
	struct proto_reader rd;
	int64_t job_id;
	int job_pid;            /* the job's process group, once STARTED */
	int64_t job_started_us;
	int64_t jobs_done;
	int64_t started_us;     /* wall clock, for /v1/workers */
	int64_t started_mono;
	int64_t respawn_at;     /* monotonic; 0 when none due */
	int64_t backoff_us;
	bool sock_closed;
};

struct pool {
	const struct config *cfg;
	struct pool_events ev;
	int n;
	struct slot *slots;
	pthread_mutex_t mu;     /* guards slots against pool_snapshot readers */
};

/* Closes the socket and SIGKILLs the worker; the reap reports its job lost. */
void pool_slot_abandon(struct pool *p, int i, const char *why);

#endif
