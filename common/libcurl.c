/*
 * libcurl.c — loads libcurl.so.4 and fills the function table of
 * libcurl.h, once per process, the first time an HTTP client needs it.
 */
#define LIBCURL_NO_REDIRECT
#include "libcurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

struct libcurl_funcs libcurl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_err[ERR_LEN]; /* "" once loaded */

static void load(void)
{
	void *h = dlopen(LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		err_set(load_err, "dlopen %s (the HTTP client library, Debian package libcurl4): %s",
		    LIBCURL_SONAME, dlerror());
		return;
	}
	/* A function pointer is assigned through memcpy: ISO C has no cast
	 * from the void * of dlsym. */
#define LIBCURL_RESOLVE(name)                                                          \
	{                                                                              \
		void *f = dlsym(h, #name);                                             \
		if (f == NULL) {                                                       \
			err_set(load_err, "dlsym %s in %s: %s", #name, LIBCURL_SONAME,   \
			    dlerror());                                                \
			return;                                                        \
		}                                                                      \
		memcpy(&libcurl.name, &f, sizeof(f));                                  \
	}
	LIBCURL_FUNCS(LIBCURL_RESOLVE)
#undef LIBCURL_RESOLVE
	/* Not thread-safe itself, hence here, under the once. */
	CURLcode rc = libcurl.curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
		err_set(load_err, "curl_global_init: %s", libcurl.curl_easy_strerror(rc));
}

int libcurl_load(char *err)
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
