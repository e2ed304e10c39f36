/*
 * testutil_retention.h — the fixture of the retention store tests
 * (test_store_retention.c, test_store_output.c): a writer store with its
 * retention statements open, finished jobs with given output byte counts,
 * and a row count read on a connection of its own.
 */
#ifndef JOBD_TESTUTIL_RETENTION_H
#define JOBD_TESTUTIL_RETENTION_H

#include "testutil_store.h"

#include <sqlite3.h>

#include "store/store_retention.h"

#define CAP 1000 /* --output-limit for these tests */
#define SEC 1000000LL

struct fixture {
	struct store_fixture base; /* first: the tu_* helpers take it */
	struct store_retention *sr;
};

static inline int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_fixture *base;

	assert_non_null(f);
	tu_store_setup((void **)&base);
	f->base = *base;
	free(base);
	if (store_retention_open(f->base.st, &f->sr, f->base.err) != 0)
		fail_msg("store_retention_open: %s", f->base.err);
	*state = f;
	return 0;
}

static inline int teardown(void **state)
{
	struct fixture *f = *state;

	store_retention_close(f->sr);
	store_close(f->base.st);
	tu_rmtree(f->base.dir);
	free(f);
	return 0;
}

/* A job that ran from `at` to `at + 1 s` and ended in state, with the
 * given output byte counts (-1: unknown). */
static inline int64_t finished_job(struct fixture *f, const char *name, enum job_state state,
    int64_t batch_id, int64_t at, int64_t out, int64_t errb)
{
	int64_t id = tu_add_job(&f->base, name, 0, 1, batch_id, at);
	assert_int_equal(tu_claim(&f->base, at), id);
	struct run_result r = tu_result(state == JOB_SUCCEEDED ? 0 : 1, at, at + SEC);
	r.stdout_bytes = out;
	r.stderr_bytes = errb;
	if (store_job_finish(f->base.st, id, state, &r, NULL, f->base.err) != 0)
		fail_msg("store_job_finish: %s", f->base.err);
	return id;
}

static inline bool exists(struct fixture *f, int64_t id)
{
	struct job j;
	int rc = store_job_get(f->base.st, id, &j, f->base.err);
	assert_true(rc >= 0);
	if (rc == 1)
		job_free(&j);
	return rc == 1;
}

static inline void purge(struct fixture *f, int64_t cutoff, int limit, struct purge_result *res)
{
	if (store_retention_purge_jobs(f->sr, cutoff, limit, CAP, res, f->base.err) != 0)
		fail_msg("store_retention_purge_jobs: %s", f->base.err);
}

static inline int64_t count_rows(struct fixture *f, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t n;

	assert_int_equal(sqlite3_open_v2(f->base.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}


#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

#endif
