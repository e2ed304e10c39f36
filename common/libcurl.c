/*
 * libcurl.c — loads libcurl.so.4 and fills the function table of
 * libcurl.h, once per process, the first time an HTTP client needs it
 * (dynlib.h).
 */
#define LIBCURL_NO_REDIRECT
#include "libcurl.h"

#include "dynlib.h"

struct libcurl_funcs libcurl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_err[ERR_LEN]; /* "" once loaded */

static void load(void)
{
#define LIBCURL_SYM(name) DYNLIB_SYM(libcurl, name)
	static const struct dynlib_sym syms[] = { LIBCURL_FUNCS(LIBCURL_SYM) };
#undef LIBCURL_SYM

	if (dynlib_open(LIBCURL_SONAME, "the HTTP client library, Debian package libcurl4", syms,
		sizeof(syms) / sizeof(syms[0]), load_err) < 0)
		return;
	/* Not thread-safe itself, hence here, under the once. */
	CURLcode rc = libcurl.curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
		err_set(load_err, "curl_global_init: %s", libcurl.curl_easy_strerror(rc));
}

int libcurl_load(char *err)
{
	return dynlib_once(&once, load, load_err, err);
}
