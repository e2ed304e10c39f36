/*
 * testutil_commit.h — the COMMIT seam, for tests linked with
 * -Wl,--wrap=sqlite3_exec (the Makefile's UNIT_SEAM_COMMIT): while
 * commit_failures > 0, a "COMMIT" does not run and fails as a full disk
 * would (SQLITE_FULL), leaving the transaction open, as SQLite does; every
 * COMMIT that does run is counted in commits_run (so a test can see how
 * many transactions a dispatcher turn took); everything else runs for real.
 * fsync itself is called inside libsqlite3.so, where a link-time wrap
 * cannot reach, so the commit is the seam. Atomic: a dispatcher loop may
 * run on another thread. Include once per test binary (it defines the wrap).
 */
#ifndef JOBD_TESTUTIL_COMMIT_H
#define JOBD_TESTUTIL_COMMIT_H

#include <sqlite3.h>
#include <string.h>

static int commit_failures;
static int commits_refused;
static int commits_run;

int __real_sqlite3_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **),
    void *arg, char **errmsg);
int __wrap_sqlite3_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **),
    void *arg, char **errmsg);

int __wrap_sqlite3_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **),
    void *arg, char **errmsg)
{
	if (strcmp(sql, "COMMIT") == 0) {
		if (__atomic_load_n(&commit_failures, __ATOMIC_SEQ_CST) > 0) {
			__atomic_sub_fetch(&commit_failures, 1, __ATOMIC_SEQ_CST);
			__atomic_add_fetch(&commits_refused, 1, __ATOMIC_SEQ_CST);
			if (errmsg != NULL)
				*errmsg = sqlite3_mprintf("%s", sqlite3_errstr(SQLITE_FULL));
			return SQLITE_FULL;
		}
		__atomic_add_fetch(&commits_run, 1, __ATOMIC_SEQ_CST);
	}
	return __real_sqlite3_exec(db, sql, cb, arg, errmsg);
}

static inline void tu_commit_seam_reset(void)
{
	commit_failures = commits_refused = commits_run = 0;
}

#endif
