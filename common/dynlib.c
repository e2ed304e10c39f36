/*
 * dynlib.c — dlopen and dlsym into a table of function pointers, once
 * per process (dynlib.h).
 */
#include "dynlib.h"

#include <dlfcn.h>
#include <string.h>

int dynlib_open(const char *soname, const char *what, const struct dynlib_sym *syms, size_t n,
    char *err)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		err_set(err, "dlopen %s (%s): %s", soname, what, dlerror());
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		void *f = dlsym(h, syms[i].name);
		if (f == NULL) {
			err_set(err, "dlsym %s in %s: %s", syms[i].name, soname, dlerror());
			return -1;
		}
		/* dlsym returns void *; a function pointer is assigned through
		 * memcpy, which ISO C allows where the cast is not. */
		memcpy(syms[i].slot, &f, sizeof(f));
	}
	return 0;
}

int dynlib_once(pthread_once_t *once, void (*load)(void), const char *load_err, char *err)
{
	int rc = pthread_once(once, load);

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
