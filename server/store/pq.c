/*
 * pq.c — loads libpq.so.5 and fills the function table of pq.h, once per
 * process, the first time a PostgreSQL store is opened (common/dynlib.h).
 */
#define PQ_NO_REDIRECT
#include "pq.h"

#include "common/dynlib.h"

struct pq_funcs pq;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_err[ERR_LEN]; /* "" once loaded */

static void load(void)
{
#define PQ_SYM(name) DYNLIB_SYM(pq, name)
	static const struct dynlib_sym syms[] = { PQ_FUNCS(PQ_SYM) };
#undef PQ_SYM

	dynlib_open(PQ_SONAME, "PostgreSQL's client library, Debian package libpq5", syms,
	    sizeof(syms) / sizeof(syms[0]), load_err);
}

int pq_load(char *err)
{
	return dynlib_once(&once, load, load_err, err);
}
