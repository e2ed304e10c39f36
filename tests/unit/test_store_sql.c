/*
 * test_store_sql.c — server/store_sql.c, the statement catalogue
 * (store_stmts.def) compiled: every statement named and typed, SQLite's
 * texts preparing on the embedded schema with as many parameters as the
 * catalogue declares, the column enums naming the columns they index, and
 * PostgreSQL's texts and types as its driver prepares them; the multi-row
 * form of a one-row INSERT. PostgreSQL
 * itself checks its texts in tests/pg/check-sql-tables.sh.
 */
#include "testutil.h"

#include <sqlite3.h>

#include "store/store_internal.h"
#include "store/store_jobs.h"
#include "store/store_migrations.h"

static sqlite3 *schema(void)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		fail_msg("sqlite3_open: %s", sqlite3_errmsg(db));
	for (int i = 0; i < store_migrations_sqlite_count; i++)
		if (sqlite3_exec(db, store_migrations_sqlite[i].sql, NULL, NULL, &msg) != SQLITE_OK)
			fail_msg("migration %s: %s", store_migrations_sqlite[i].name, msg);
	return db;
}

static void test_every_statement_has_its_name_and_known_parameter_types(void **state)
{
	unsigned int oids[64];

	(void)state;
	for (int i = 0; i < STMT_COUNT; i++) {
		assert_non_null(store_stmts[i].name);
		assert_non_null(store_stmts[i].types);
		assert_non_null(store_sql_pg[i]);
		assert_int_equal(store_sql_pg_types(i, oids, 64), (int)strlen(store_stmts[i].types));
	}
	assert_string_equal(store_stmts[STMT_JOB_GET].name, "STMT_JOB_GET");
	assert_string_equal(store_stmts[C_JOB_LOCK].name, "C_JOB_LOCK");
}

static void test_sqlite_texts_prepare_with_the_declared_parameter_count(void **state)
{
	sqlite3 *db = schema();
	int on_sqlite = 0;

	(void)state;
	for (int i = 0; i < STMT_COUNT; i++) {
		sqlite3_stmt *s = NULL;
		if (store_sql_sqlite[i] == NULL)
			continue;
		if (sqlite3_prepare_v2(db, store_sql_sqlite[i], -1, &s, NULL) != SQLITE_OK)
			fail_msg("%s: %s", store_stmts[i].name, sqlite3_errmsg(db));
		if (sqlite3_bind_parameter_count(s) != (int)strlen(store_stmts[i].types))
			fail_msg("%s: %d parameters, the catalogue declares \"%s\"", store_stmts[i].name,
			    sqlite3_bind_parameter_count(s), store_stmts[i].types);
		sqlite3_finalize(s);
		on_sqlite++;
	}
	assert_true(on_sqlite > 50);
	sqlite3_close(db);
}

static void test_column_enums_index_the_columns_they_name(void **state)
{
	sqlite3 *db = schema();
	sqlite3_stmt *s = NULL;

	(void)state;
	assert_int_equal(sqlite3_prepare_v2(db, store_sql_sqlite[STMT_JOB_FOR_RUN], -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_column_count(s), JOB_COL_COUNT + 1);
	assert_string_equal(sqlite3_column_name(s, JOB_COL_id), "id");
	assert_string_equal(sqlite3_column_name(s, JOB_COL_started_at), "started_at");
	assert_string_equal(sqlite3_column_name(s, JOB_COL_node_id), "node_id");
	assert_string_equal(sqlite3_column_name(s, JOB_COL_COUNT), "stdin");
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_prepare_v2(db, store_sql_sqlite[STMT_SCHED_GET], -1, &s, NULL),
	    SQLITE_OK);
	assert_string_equal(sqlite3_column_name(s, SCHED_COL_updated_at), "updated_at");
	sqlite3_finalize(s);
	assert_int_equal(sqlite3_prepare_v2(db, store_sql_sqlite[STMT_QUEUE_GET], -1, &s, NULL),
	    SQLITE_OK);
	assert_string_equal(sqlite3_column_name(s, QUEUE_COL_paused), "paused");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void test_postgres_text_numbers_parameters_with_dollars(void **state)
{
	(void)state;
	char *text = store_sql_pg_text(STMT_DEP_CANCEL);
	assert_non_null(text);
	assert_string_equal(text, "UPDATE jobs SET state = 'canceled', finished_at = $2, error = $3"
				  " WHERE id = $1 AND state = 'queued'");
	free(text);
	for (int i = 0; i < STMT_COUNT; i++) {
		text = store_sql_pg_text(i);
		assert_non_null(text);
		assert_null(strchr(text, '?'));
		free(text);
	}
}

static void test_postgres_gets_its_own_dialect_and_types(void **state)
{
	unsigned int oids[8];

	(void)state;
	assert_non_null(strstr(store_sql_sqlite[STMT_JOBS_PROMOTE], "INDEXED BY jobs_waiting"));
	assert_null(strstr(store_sql_pg[STMT_JOBS_PROMOTE], "INDEXED BY"));
	assert_non_null(strstr(store_sql_sqlite[STMT_SCHED_WAKE], "paused = 0"));
	assert_non_null(strstr(store_sql_pg[STMT_SCHED_WAKE], "NOT paused"));
	assert_non_null(strstr(store_sql_pg[STMT_QUEUE_HEAD], "SKIP LOCKED"));
	assert_null(store_sql_sqlite[C_HEARTBEAT]);
	/* C_OUTPUT_PUT: bigint, smallint, bytea. */
	assert_int_equal(store_sql_pg_types(C_OUTPUT_PUT, oids, 8), 3);
	assert_int_equal(oids[0], 20);
	assert_int_equal(oids[1], 21);
	assert_int_equal(oids[2], 17);
	assert_int_equal(store_sql_pg_types(STMT_JOB_INSERT, oids, 8), -1); /* 20 > 8 */
}

static void test_purge_and_cluster_statements_are_the_writers_only(void **state)
{
	(void)state;
	assert_true(store_stmts[R_CANDIDATES].writer_only);
	assert_true(store_stmts[C_EXPIRED].writer_only);
	assert_false(store_stmts[STMT_JOB_GET].writer_only);
	assert_false(store_stmts[STMT_NODES_LIST].writer_only);
}

static void test_a_one_row_insert_made_multi_row_numbers_each_rows_parameters_on(void **state)
{
	char *sql = store_sql_rows("INSERT INTO t (a, b) VALUES (?1, coalesce(?2, 'x(')) RETURNING id",
	    2, 3);

	(void)state;
	assert_string_equal(sql, "INSERT INTO t (a, b) VALUES (?1, coalesce(?2, 'x(')), "
				 "(?3, coalesce(?4, 'x(')), (?5, coalesce(?6, 'x(')) RETURNING id");
	free(sql);
	assert_null(store_sql_rows("SELECT 1", 0, 2));
	sql = store_sql_rows("UPDATE t SET b = v.column2 FROM (VALUES (?1, ?2)) AS v WHERE a = v.column1",
	    2, 2);
	assert_string_equal(sql, "UPDATE t SET b = v.column2 FROM (VALUES (?1, ?2), (?3, ?4)) AS v "
				 "WHERE a = v.column1");
	free(sql);
	/* The jobs insert, as store_jobs.c makes it multi-row. */
	int per = (int)strlen(store_stmts[STMT_JOB_INSERT].types);
	sqlite3 *db = schema();
	sqlite3_stmt *s = NULL;
	sql = store_sql_rows(store_sql_sqlite[STMT_JOB_INSERT], per, STORE_INSERT_ROWS);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_bind_parameter_count(s), per * STORE_INSERT_ROWS);
	sqlite3_finalize(s);
	sqlite3_close(db);
	free(sql);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_statement_has_its_name_and_known_parameter_types),
		cmocka_unit_test(test_sqlite_texts_prepare_with_the_declared_parameter_count),
		cmocka_unit_test(test_column_enums_index_the_columns_they_name),
		cmocka_unit_test(test_postgres_text_numbers_parameters_with_dollars),
		cmocka_unit_test(test_postgres_gets_its_own_dialect_and_types),
		cmocka_unit_test(test_purge_and_cluster_statements_are_the_writers_only),
		cmocka_unit_test(test_a_one_row_insert_made_multi_row_numbers_each_rows_parameters_on),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
