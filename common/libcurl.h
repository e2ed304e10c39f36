/*
 * libcurl.h — libcurl, loaded on first use (libcurl.c), as store/pq.h loads libpq.
 *
 * jobd's HTTP clients — the command line (server/cli/) and, later, the
 * webhook sender — speak HTTP through libcurl: keep-alive, chunked bodies,
 * proxies, IPv6 and https:// behind a reverse proxy come with it, kept up
 * by others. The binary is not linked with -lcurl: a server that never
 * makes a request never maps libcurl and the TLS stack it pulls in (the
 * idle-RSS goal), so the first caller loads libcurl.so.4 with dlopen. This
 * header declares the types as usual and turns every function jobd calls
 * into a call through a pointer that libcurl_load() fills (the loading is
 * common/dynlib.h's, shared with store/pq.h). A call before libcurl_load()
 * succeeded is a bug (a NULL pointer).
 *
 * How to call another libcurl function: add it to LIBCURL_FUNCS and to the
 * redirects below, nowhere else.
 */
#ifndef JOBD_LIBCURL_H
#define JOBD_LIBCURL_H

/* curl_easy_setopt and curl_easy_getinfo are macros under gcc's type
 * checks; the redirects below must see plain names. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "common/err.h"

#define LIBCURL_SONAME "libcurl.so.4"

#define LIBCURL_FUNCS(X)                                                                 \
	X(curl_global_init) X(curl_easy_init) X(curl_easy_setopt) X(curl_easy_perform)    \
	X(curl_easy_getinfo) X(curl_easy_cleanup) X(curl_easy_strerror)                    \
	X(curl_slist_append) X(curl_slist_free_all) X(curl_multi_init)                    \
	X(curl_multi_add_handle) X(curl_multi_remove_handle) X(curl_multi_perform)         \
	X(curl_multi_poll) X(curl_multi_info_read) X(curl_multi_cleanup)                   \
	X(curl_multi_strerror)

struct libcurl_funcs {
#define LIBCURL_MEMBER(name) __typeof__(&name) name;
	LIBCURL_FUNCS(LIBCURL_MEMBER)
#undef LIBCURL_MEMBER
};
extern struct libcurl_funcs libcurl;

/* Loads libcurl and runs curl_global_init once for the whole process
 * (thread-safe); 0, or -1 with err naming the library and the reason. */
int libcurl_load(char *err);

#ifndef LIBCURL_NO_REDIRECT
/* curl.h made these two identity macros (CURL_DISABLE_TYPECHECK). */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init libcurl.curl_global_init
#define curl_easy_init libcurl.curl_easy_init
#define curl_easy_setopt libcurl.curl_easy_setopt
#define curl_easy_perform libcurl.curl_easy_perform
#define curl_easy_getinfo libcurl.curl_easy_getinfo
#define curl_easy_cleanup libcurl.curl_easy_cleanup
#define curl_easy_strerror libcurl.curl_easy_strerror
#define curl_slist_append libcurl.curl_slist_append
#define curl_slist_free_all libcurl.curl_slist_free_all
#define curl_multi_init libcurl.curl_multi_init
#define curl_multi_add_handle libcurl.curl_multi_add_handle
#define curl_multi_remove_handle libcurl.curl_multi_remove_handle
#define curl_multi_perform libcurl.curl_multi_perform
#define curl_multi_poll libcurl.curl_multi_poll
#define curl_multi_info_read libcurl.curl_multi_info_read
#define curl_multi_cleanup libcurl.curl_multi_cleanup
#define curl_multi_strerror libcurl.curl_multi_strerror
#endif

#endif
