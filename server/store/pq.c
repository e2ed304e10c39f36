/*
 * pq.c — loads libpq.so.5 and fills the function table of pq.h, once per
 * process, the first time a PostgreSQL store is opened.
 */
#define PQ_NO_REDIRECT
#include "pq.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

struct pq_funcs pq;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_err[ERR_LEN]; /* "" once loaded */

static void load(void)
{
	void *h = dlopen(PQ_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		err_set(load_err, "dlopen %s (PostgreSQL's client library, Debian package libpq5): %s",
		    PQ_SONAME, dlerror());
		return;
	}
	/* dlsym returns void *; a function pointer is assigned through memcpy,
	 * which ISO C allows where the cast is not. */
#define PQ_RESOLVE(name)                                                               \
	{                                                                              \
		void *f = dlsym(h, #name);                                             \
		if (f == NULL) {                                                       \
			err_set(load_err, "dlsym %s in %s: %s", #name, PQ_SONAME, dlerror()); \
			return;                                                        \
		}                                                                      \
		memcpy(&pq.name, &f, sizeof(f));                                       \
	}
	PQ_FUNCS(PQ_RESOLVE)
#undef PQ_RESOLVE
}

int pq_load(char *err)
{
	int rc = pthread_once(&once, load);

	if (rc != 0) {
		err_set(err, "pthread_once: %s", strerror(rc));
		return -1;
	}
	if (load_err[0] != '\0') {
		err_set(err, "%s", load_err);
		return -1;
	}
	return 0;
}
