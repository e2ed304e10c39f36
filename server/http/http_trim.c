/*
 * http_trim.c — gives the heap back to the OS once requests stop, not after
 * each one.
 *
 * glibc trims the heap's top whenever a free leaves more than its trim
 * threshold (128 KiB) unused at the top. A 10,000-job batch parses into a
 * few MB of cJSON nodes and specs, so every large request paid again for
 * the page faults (zeroed pages) of memory the one before had just given
 * back: 13 % of the server's time in a batch ingest. Here the threshold is
 * raised, and one thread trims (malloc_trim) once no request has begun or
 * ended for HTTP_TRIM_IDLE_MS — so an idle server's memory is what it was
 * (event streams may stay open), and a busy one keeps what it is using.
 */
#include "http_trim.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"

/* Requests touch only the atomics, and the lock on the first request
 * after a trim (the thread may be waiting for one). Activity, not requests
 * in flight, is what counts: an open event stream is a request that lasts. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool running, stopping;
	atomic_bool dirty;          /* requests came since the last trim */
	_Atomic int64_t last_us;    /* monotonic µs of the last request's start or end */
} trim = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Waits until requests came and then none for HTTP_TRIM_IDLE_MS. */
static bool wait_idle(void)
{
	while (!trim.stopping) {
		int64_t due = atomic_load(&trim.last_us) + (int64_t)HTTP_TRIM_IDLE_MS * 1000;

		if (!atomic_load(&trim.dirty)) {
			pthread_cond_wait(&trim.cv, &trim.mu);
		} else if (clock_mono_us() >= due) {
			return true;
		} else {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			int64_t ns = (int64_t)ts.tv_nsec + (due - clock_mono_us()) * 1000;
			ts.tv_sec += ns / 1000000000;
			ts.tv_nsec = ns % 1000000000;
			pthread_cond_timedwait(&trim.cv, &trim.mu, &ts);
		}
	}
	return false;
}

static void *trim_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&trim.mu);
	while (wait_idle()) {
		atomic_store(&trim.dirty, false);
		pthread_mutex_unlock(&trim.mu);
		malloc_trim(0);
		pthread_mutex_lock(&trim.mu);
	}
	pthread_mutex_unlock(&trim.mu);
	return NULL;
}

int http_trim_start(char *err)
{
	pthread_condattr_t ca;
	int rc;

	if ((rc = pthread_condattr_init(&ca)) != 0 ||
	    (rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) != 0 ||
	    (rc = pthread_cond_init(&trim.cv, &ca)) != 0) {
		err_set(err, "http trim: pthread_cond_init: %s", strerror(rc));
		return -1;
	}
	pthread_condattr_destroy(&ca);
	if (mallopt(M_TRIM_THRESHOLD, HTTP_TRIM_THRESHOLD) == 0)
		log_warnx("http trim: mallopt M_TRIM_THRESHOLD failed; the heap is trimmed after each large request");
	if ((rc = pthread_create(&trim.thread, NULL, trim_main, NULL)) != 0) {
		pthread_cond_destroy(&trim.cv);
		err_set(err, "http trim: pthread_create: %s", strerror(rc));
		return -1;
	}
	trim.running = true;
	return 0;
}

void http_trim_stop(void)
{
	if (!trim.running)
		return;
	pthread_mutex_lock(&trim.mu);
	trim.stopping = true;
	pthread_cond_signal(&trim.cv);
	pthread_mutex_unlock(&trim.mu);
	pthread_join(trim.thread, NULL);
	pthread_cond_destroy(&trim.cv);
	trim.running = false;
}

void http_trim_activity(void)
{
	atomic_store(&trim.last_us, clock_mono_us());
	if (atomic_exchange(&trim.dirty, true))
		return;
	pthread_mutex_lock(&trim.mu);
	if (trim.running)
		pthread_cond_signal(&trim.cv);
	pthread_mutex_unlock(&trim.mu);
}
