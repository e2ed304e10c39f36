/*
 * test_store.c — server/store/store.c, store_sqlite.c and store_pool.c against a
 * real SQLite file in a fresh temporary directory per test: schema and
 * migrations, reopening, transactions and savepoints, and the reader pool's
 * reuse, waiting and failure handling. The queries have their own file, test_store_jobs.c.
 */
#include "testutil_store.h"
#include "store/store_migrations.h"

#include <pthread.h>
#include <sqlite3.h>

static void test_open_creates_the_latest_schema_version(void **state)
{
	struct store_fixture *f = *state;
	int version = -1;

	assert_int_equal(store_schema_version(f->st, &version, f->err), 0);
	assert_int_equal(version, store_migrations_sqlite[store_migrations_sqlite_count - 1].version);
	assert_true(tu_exists(f->db));
}

static void test_reopen_keeps_schema_and_rows(void **state)
{
	struct store_fixture *f = *state;
	int version = -1;
	int64_t id = tu_add_job(f, "kept", 0, 1, 0, T0);

	store_close(f->st);
	if (store_open(&f->st, f->db, STORE_WRITER, f->err) != 0)
		fail_msg("reopen: %s", f->err);
	assert_int_equal(store_schema_version(f->st, &version, f->err), 0);
	assert_int_equal(version, store_migrations_sqlite[store_migrations_sqlite_count - 1].version);
	assert_int_equal(tu_state_of(f, id), JOB_QUEUED);
}

static void test_open_makes_the_database_directory(void **state)
{
	struct store_fixture *f = *state;
	char path[TU_PATH_MAX];
	struct store *st;

	tu_join(path, sizeof(path), f->dir, "data/jobd.db");
	if (store_open(&st, path, STORE_WRITER, f->err) != 0)
		fail_msg("store_open: %s", f->err);
	store_close(st);
	assert_true(tu_exists(path));
}

static void test_reader_does_not_create_a_missing_database(void **state)
{
	struct store_fixture *f = *state;
	char path[TU_PATH_MAX];
	struct store *st = (struct store *)f; /* not NULL: a failed open must clear it */

	tu_join(path, sizeof(path), f->dir, "absent.db");
	assert_int_equal(store_open(&st, path, STORE_READER, f->err), -1);
	assert_null(st);
	tu_assert_contains(f->err, path);
	assert_false(tu_exists(path));
}

static void test_schema_newer_than_this_binary_is_refused(void **state)
{
	struct store_fixture *f = *state;
	sqlite3 *db;

	store_close(f->st);
	f->st = NULL;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&f->st, f->db, STORE_WRITER, f->err), -1);
	assert_null(f->st);
	tu_assert_contains(f->err, "newer");
}

static void test_rollback_discards_and_savepoint_spares_earlier_work(void **state)
{
	struct store_fixture *f = *state;
	int64_t counts[JOB_STATE_COUNT];

	assert_int_equal(store_begin(f->st, f->err), 0);
	tu_add_job(f, NULL, 0, 1, 0, T0);
	store_rollback(f->st);
	assert_int_equal(store_begin(f->st, f->err), 0);
	tu_add_job(f, NULL, 0, 1, 0, T0);
	assert_int_equal(store_savepoint(f->st, f->err), 0);
	tu_add_job(f, NULL, 0, 1, 0, T0);
	store_rollback_to_savepoint(f->st);
	assert_int_equal(store_commit(f->st, f->err), 0);
	assert_int_equal(store_job_counts(f->st, counts, f->err), 0);
	assert_int_equal(counts[JOB_QUEUED], 1);
}

static void test_pool_reuses_released_readers_that_see_commits(void **state)
{
	struct store_fixture *f = *state;
	struct store_pool *pool = store_pool_new(f->db, 1);
	int64_t id = tu_add_job(f, NULL, 0, 1, 0, T0);
	struct store *r1, *r2;
	struct job j;

	assert_non_null(pool);
	r1 = store_pool_acquire(pool, f->err);
	assert_non_null(r1);
	assert_int_equal(store_job_get(r1, id, &j, f->err), 1);
	job_free(&j);
	store_pool_release(pool, r1);
	r2 = store_pool_acquire(pool, f->err);
	assert_ptr_equal(r2, r1);
	store_pool_release(pool, r2);
	store_pool_free(pool);
}

struct waiter {
	struct store_pool *pool;
	struct store *got;
	int done;
	pthread_mutex_t mu;
};

static void *acquire_in_thread(void *arg)
{
	struct waiter *w = arg;
	char err[ERR_LEN];
	struct store *st = store_pool_acquire(w->pool, err);

	pthread_mutex_lock(&w->mu);
	w->got = st;
	w->done = 1;
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void test_pool_acquire_waits_for_a_release_when_full(void **state)
{
	struct store_fixture *f = *state;
	struct waiter w = { .pool = store_pool_new(f->db, 1), .mu = PTHREAD_MUTEX_INITIALIZER };
	pthread_t t;
	int done;

	struct store *held = store_pool_acquire(w.pool, f->err);
	assert_non_null(held);
	assert_int_equal(pthread_create(&t, NULL, acquire_in_thread, &w), 0);
	usleep(50000); /* a wrong pool would hand out a second connection by now */
	pthread_mutex_lock(&w.mu);
	done = w.done;
	pthread_mutex_unlock(&w.mu);
	assert_int_equal(done, 0);
	store_pool_release(w.pool, held);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_ptr_equal(w.got, held);
	store_pool_release(w.pool, w.got);
	store_pool_free(w.pool);
}

static void test_pool_failure_to_open_frees_the_slot(void **state)
{
	struct store_fixture *f = *state;
	char path[TU_PATH_MAX];

	tu_join(path, sizeof(path), f->dir, "absent.db");
	struct store_pool *pool = store_pool_new(path, 1);
	/* Twice: a leaked reservation would block the second call forever. */
	assert_null(store_pool_acquire(pool, f->err));
	tu_assert_contains(f->err, "absent.db");
	assert_null(store_pool_acquire(pool, f->err));
	store_pool_free(pool);
}
static void exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

/* A database made by the jobd before 007_unique.sql (the UNIQUE column
 * constraint on idempotency_key, rebuilt away by 007) upgrades keeping
 * every row, and idempotency keys stay unique. */
static void test_upgrade_to_unique_keeps_rows_and_idempotency(void **state)
{
	struct store_fixture *f = *state;
	sqlite3 *db;
	int64_t id;
	struct job j;

	store_close(f->st);
	f->st = NULL;
	assert_int_equal(unlink(f->db), 0);
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	for (int i = 0; i < store_migrations_sqlite_count && store_migrations_sqlite[i].version < 7;
	     i++) {
		char pragma[64];
		exec_ok(db, store_migrations_sqlite[i].sql);
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
		    store_migrations_sqlite[i].version);
		exec_ok(db, pragma);
	}
	exec_ok(db, "INSERT INTO batches (id, name, total, created_at) VALUES (4, 'b', 1, 1)");
	exec_ok(db, "INSERT INTO jobs (id, name, batch_id, command, state, timeout_s, created_at,"
		    " queued_at, idempotency_key, finished_at, exit_code) VALUES"
		    " (7, 'keyed', 4, '[\"true\"]', 'succeeded', 5, 1, 1, 'k7', 9, 0),"
		    " (8, 'plain', NULL, 'echo', 'queued', 5, 2, 2, NULL, NULL, NULL),"
		    " (9, 'plain2', NULL, 'echo', 'queued', 5, 3, 3, NULL, NULL, NULL)");
	exec_ok(db, "UPDATE jobs SET rerun_of = 7 WHERE id = 9");
	sqlite3_close(db);

	if (store_open(&f->st, f->db, STORE_WRITER, f->err) != 0)
		fail_msg("upgrade: %s", f->err);
	tu_get_job(f, 7, &j);
	assert_string_equal(j.name, "keyed");
	assert_int_equal(j.batch_id, 4);
	assert_int_equal(j.state, JOB_SUCCEEDED);
	assert_int_equal(j.exit_code, 0);
	assert_null(j.unique_key);
	job_free(&j);
	assert_int_equal(tu_state_of(f, 8), JOB_QUEUED);
	tu_get_job(f, 9, &j);
	assert_int_equal(j.rerun_of, 7);
	job_free(&j);
	assert_int_equal(store_job_find_idem(f->st, "k7", &id, f->err), 1);
	assert_int_equal(id, 7);
	struct job_spec spec = { .command = "\"echo\"", .timeout_s = 1, .max_attempts = 1 };
	assert_int_equal(store_job_insert(f->st, &spec, 0, "k7", T0, &id, f->err), -1);
	assert_int_equal(store_job_insert(f->st, &spec, 0, NULL, T0, &id, f->err), 0);
	assert_int_equal(id, 10); /* ids go on after the rows kept */
}

/* jobs_unique: one holder per key while it is in its unique_while states. */
static void test_unique_key_is_held_by_one_job_in_its_states(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec spec = { .command = "\"echo\"", .timeout_s = 1, .max_attempts = 1,
		.unique_key = "k", .unique_while = JOB_UNIQUE_WHILE_DEFAULT };
	int64_t a, b, id = 0;

	assert_int_equal(store_job_find_unique(f->st, "k", &id, f->err), 0);
	assert_int_equal(store_job_insert(f->st, &spec, 0, NULL, T0, &a, f->err), 0);
	assert_int_equal(store_job_find_unique(f->st, "k", &id, f->err), 1);
	assert_int_equal(id, a);
	assert_int_equal(store_job_insert(f->st, &spec, 0, NULL, T0, &b, f->err), -1);
	assert_int_equal(tu_claim(f, T0), a);
	assert_int_equal(store_job_insert(f->st, &spec, 0, NULL, T0, &b, f->err), -1);
	tu_finish(f, a, JOB_SUCCEEDED, T0, T0 + 1);
	assert_int_equal(store_job_find_unique(f->st, "k", &id, f->err), 0);
	spec.unique_while |= 1u << JOB_SUCCEEDED;
	assert_int_equal(store_job_insert(f->st, &spec, 0, NULL, T0, &b, f->err), 0);
	assert_int_equal(tu_claim(f, T0), b);
	tu_finish(f, b, JOB_SUCCEEDED, T0, T0 + 2);
	assert_int_equal(store_job_find_unique(f->st, "k", &id, f->err), 1);
	assert_int_equal(id, b);
	struct job j;
	tu_get_job(f, b, &j);
	assert_string_equal(j.unique_key, "k");
	assert_int_equal(j.unique_while, spec.unique_while);
	job_free(&j);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tu_store_setup, tu_store_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_creates_the_latest_schema_version),
		T(test_reopen_keeps_schema_and_rows),
		T(test_open_makes_the_database_directory),
		T(test_reader_does_not_create_a_missing_database),
		T(test_schema_newer_than_this_binary_is_refused),
		T(test_rollback_discards_and_savepoint_spares_earlier_work),
		T(test_pool_reuses_released_readers_that_see_commits),
		T(test_pool_acquire_waits_for_a_release_when_full),
		T(test_pool_failure_to_open_frees_the_slot),
		T(test_upgrade_to_unique_keeps_rows_and_idempotency),
		T(test_unique_key_is_held_by_one_job_in_its_states),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
