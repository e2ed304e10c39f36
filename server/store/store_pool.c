/*
 * store_pool.c — reader connections shared by the HTTP threads (store.h).
 * Connections are opened on demand up to max_conns and kept; a thread that
 * finds none free waits for one to be released.
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

struct store_pool {
	pthread_mutex_t mu;
	pthread_cond_t freed;
	char *path;
	int open, max;
	struct store *free_list;
};

struct store_pool *store_pool_new(const char *path, int max_conns)
{
	struct store_pool *p = calloc(1, sizeof(*p));

	if (p == NULL || (p->path = strdup(path)) == NULL) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->freed, NULL);
	p->max = max_conns;
	return p;
}

struct store *store_pool_acquire(struct store_pool *p, char *err)
{
	struct store *st = NULL;

	pthread_mutex_lock(&p->mu);
	while (p->free_list == NULL && p->open >= p->max)
		pthread_cond_wait(&p->freed, &p->mu);
	if (p->free_list != NULL) {
		st = p->free_list;
		p->free_list = st->next_free;
		pthread_mutex_unlock(&p->mu);
		return st;
	}
	p->open++; /* reserve the slot, open outside the lock */
	pthread_mutex_unlock(&p->mu);
	if (store_open(&st, p->path, STORE_READER, err) < 0) {
		pthread_mutex_lock(&p->mu);
		p->open--;
		pthread_cond_signal(&p->freed);
		pthread_mutex_unlock(&p->mu);
		return NULL;
	}
	return st;
}

void store_pool_release(struct store_pool *p, struct store *st)
{
	/* A reader left mid-statement would pin an old WAL snapshot. */
	st->drv->reset_all(st);
	pthread_mutex_lock(&p->mu);
	st->next_free = p->free_list;
	p->free_list = st;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->mu);
}

void store_pool_free(struct store_pool *p)
{
	if (p == NULL)
		return;
	while (p->free_list != NULL) {
		struct store *st = p->free_list;
		p->free_list = st->next_free;
		store_close(st);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->freed);
	free(p->path);
	free(p);
}
