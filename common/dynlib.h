/*
 * dynlib.h — a shared library loaded with dlopen the first time it is
 * needed, its functions resolved into a table of pointers. libpq
 * (store/pq.h) and libcurl (libcurl.h) come this way, so a process that
 * never needs one never maps it and what it pulls in (OpenSSL, Kerberos,
 * LDAP). Each user keeps its table, its pthread_once and its error; this
 * file does the loading and the once-only bookkeeping for all of them.
 */
#ifndef JOBD_DYNLIB_H
#define JOBD_DYNLIB_H

#include <pthread.h>
#include <stddef.h>

#include "common/err.h"

/* One function to resolve: its name and where its pointer goes. */
struct dynlib_sym {
	const char *name;
	void *slot; /* &table.name: a function pointer's address */
};
/* An entry of a struct dynlib_sym[] for table.name. */
#define DYNLIB_SYM(table, name) { #name, &(table).name },

/* dlopen(soname), then every sym into its slot. 0, or -1 with err naming
 * the library, what brings it (what: "the HTTP client library, Debian
 * package libcurl4") and dlerror(); the library stays loaded. */
int dynlib_open(const char *soname, const char *what, const struct dynlib_sym *syms, size_t n,
    char *err);

/* Runs load once per process (pthread_once), which leaves load_err "" on
 * success; 0, or -1 with load_err (or pthread_once's failure) in err. */
int dynlib_once(pthread_once_t *once, void (*load)(void), const char *load_err, char *err);

#endif
