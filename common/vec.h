/*
 * vec.h — the one growable array: a pointer, a count the caller keeps and a
 * capacity vec_reserve() doubles. Every list jobd builds row by row (job
 * lists, queues, schedules, nodes, the dispatcher's per-turn arrays) and
 * every growing byte buffer (the worker protocol reader, /metrics text,
 * request bodies, cgroup files) grows through it, so the overflow check and
 * the out-of-memory report live in one place. It owns nothing: the caller
 * frees *items, also after a failure.
 */
#ifndef JOBD_VEC_H
#define JOBD_VEC_H

#include <stddef.h>

/* The first allocation holds about this many bytes (at least one element):
 * small lists and buffers never grow, long ones double a few times. */
#define VEC_FIRST_BYTES 4096

/* Room for need elements of elem bytes at *items, which has room for *cap:
 * grows to twice *cap (at first VEC_FIRST_BYTES' worth), or need if that is
 * more. 0, or -1 with err ("realloc N x M bytes: out of memory", or too
 * many) and *items and *cap unchanged. */
int vec_reserve(void **items, size_t *cap, size_t need, size_t elem, char *err);

/* vec_reserve for a typed pointer p with its size_t capacity. */
#define VEC_RESERVE(p, cap, need, err) \
	vec_reserve((void **)&(p), &(cap), (need), sizeof(*(p)), (err))

#endif
