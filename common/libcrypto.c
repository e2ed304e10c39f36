/*
 * libcrypto.c — loads libcrypto.so.3 and fills the function table of
 * libcrypto.h, once per process, the first time a webhook is signed
 * (dynlib.h).
 */
#define LIBCRYPTO_NO_REDIRECT
#include "libcrypto.h"

#include "dynlib.h"

struct libcrypto_funcs libcrypto;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_err[ERR_LEN]; /* "" once loaded */

static void load(void)
{
#define LIBCRYPTO_SYM(name) DYNLIB_SYM(libcrypto, name)
	static const struct dynlib_sym syms[] = { LIBCRYPTO_FUNCS(LIBCRYPTO_SYM) };
#undef LIBCRYPTO_SYM

	dynlib_open(LIBCRYPTO_SONAME, "OpenSSL's crypto library, Debian package libssl3", syms,
	    sizeof(syms) / sizeof(syms[0]), load_err);
}

int libcrypto_load(char *err)
{
	return dynlib_once(&once, load, load_err, err);
}
