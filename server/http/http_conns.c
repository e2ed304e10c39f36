/*
 * http_conns.c — the request-header deadline: a FIFO of connections
 * waiting for headers and the watchdog thread that cuts the overdue ones
 * (see http_conns.h).
 */
#include "http_conns.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"

/* One per connection, owned by libmicrohttpd's socket_context from
 * NOTIFY_STARTED to NOTIFY_CLOSED. Linked into the FIFO while waiting. */
struct conn_entry {
	struct conn_entry *prev, *next;
	int fd;
	bool waiting;
	int64_t since_us;         /* monotonic: accepted, or last response sent */
};

struct http_conns {
	pthread_mutex_t mu;
	pthread_cond_t cond;      /* CLOCK_MONOTONIC: the head changed, or stop */
	pthread_t thread;
	int64_t timeout_us;
	struct conn_entry *head, *tail; /* waiting for headers, oldest first */
	bool stopping;
};

/* Called with c->mu held. Entries go in at the tail with "now", so the
 * FIFO stays sorted by deadline. */
static void enqueue(struct http_conns *c, struct conn_entry *e)
{
	if (e->waiting)
		return;
	e->since_us = clock_mono_us();
	e->waiting = true;
	e->next = NULL;
	e->prev = c->tail;
	if (c->tail != NULL)
		c->tail->next = e;
	else
		c->head = e;
	c->tail = e;
	if (c->head == e)
		pthread_cond_signal(&c->cond); /* the watchdog may sleep without a deadline */
}

static void dequeue(struct http_conns *c, struct conn_entry *e)
{
	if (!e->waiting)
		return;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
	e->waiting = false;
}

static void *watchdog(void *arg)
{
	struct http_conns *c = arg;

	pthread_mutex_lock(&c->mu);
	while (!c->stopping) {
		struct conn_entry *e = c->head;
		if (e == NULL) {
			pthread_cond_wait(&c->cond, &c->mu);
			continue;
		}
		int64_t due = e->since_us + c->timeout_us;
		if (clock_mono_us() < due) {
			struct timespec ts = { .tv_sec = due / 1000000,
				.tv_nsec = (long)(due % 1000000) * 1000 };
			pthread_cond_timedwait(&c->cond, &c->mu, &ts);
			continue;
		}
		/* The connection's event loop sees EOF and closes it; the fd is still
		 * ours to touch because NOTIFY_CLOSED (which takes mu) comes first. */
		if (shutdown(e->fd, SHUT_RDWR) < 0 && errno != ENOTCONN)
			log_warn("http: shutdown of a connection past the header deadline (fd %d)", e->fd);
		dequeue(c, e);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int http_conns_start(struct http_conns **out, double header_timeout_s, char *err)
{
	struct http_conns *c = calloc(1, sizeof(*c));
	pthread_condattr_t a;

	if (c == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	c->timeout_us = (int64_t)(header_timeout_s * 1e6);
	if ((errno = pthread_mutex_init(&c->mu, NULL)) != 0) {
		err_set(err, "pthread_mutex_init: %s", strerror(errno));
		free(c);
		return -1;
	}
	/* clock_mono_us is CLOCK_MONOTONIC: the deadlines are in it too. */
	if ((errno = pthread_condattr_init(&a)) != 0 ||
	    (errno = pthread_condattr_setclock(&a, CLOCK_MONOTONIC)) != 0 ||
	    (errno = pthread_cond_init(&c->cond, &a)) != 0) {
		err_set(err, "pthread_cond_init: %s", strerror(errno));
		pthread_mutex_destroy(&c->mu);
		free(c);
		return -1;
	}
	pthread_condattr_destroy(&a);
	if ((errno = pthread_create(&c->thread, NULL, watchdog, c)) != 0) {
		err_set(err, "pthread_create: %s", strerror(errno));
		pthread_cond_destroy(&c->cond);
		pthread_mutex_destroy(&c->mu);
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void http_conns_stop(struct http_conns *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->stopping = true;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->mu);
	if ((errno = pthread_join(c->thread, NULL)) != 0)
		log_warn("http: pthread_join of the header-deadline watchdog");
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

void http_conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct http_conns *c = cls;
	struct conn_entry *e = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		/* Without an entry the connection has only the idle timeout. */
		if (fd == NULL || (e = calloc(1, sizeof(*e))) == NULL) {
			log_warnx("http: a connection without a header deadline (out of memory)");
			return;
		}
		e->fd = fd->connect_fd;
		*socket_context = e;
		pthread_mutex_lock(&c->mu);
		enqueue(c, e);
		pthread_mutex_unlock(&c->mu);
		return;
	}
	if (e == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	dequeue(c, e);
	pthread_mutex_unlock(&c->mu);
	free(e);
	*socket_context = NULL;
}

static struct conn_entry *entry_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

void http_conns_headers_done(struct http_conns *c, struct MHD_Connection *conn)
{
	struct conn_entry *e = entry_of(conn);

	if (e == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	dequeue(c, e);
	pthread_mutex_unlock(&c->mu);
}

/* The peer has half-closed and sent nothing more: EOF is all that is left. */
static bool peer_done(int fd)
{
	char b;
	return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

void http_conns_request_done(struct http_conns *c, struct MHD_Connection *conn)
{
	struct conn_entry *e = entry_of(conn);

	if (e == NULL)
		return;
	/* SHUT_RD wakes the connection's event loop, which reads the EOF and
	 * closes it; the response already handed to the kernel still goes out. */
	if (peer_done(e->fd)) {
		if (shutdown(e->fd, SHUT_RD) < 0 && errno != ENOTCONN)
			log_warn("http: shutdown of a connection its client had closed (fd %d)", e->fd);
		return;
	}
	pthread_mutex_lock(&c->mu);
	enqueue(c, e);
	pthread_mutex_unlock(&c->mu);
}
