/*
 * store_sqlite.c — the SQLite driver of store_driver.h: opens a database
 * file (WAL, synchronous=NORMAL, a small page cache), applies the embedded
 * migrations by PRAGMA user_version, prepares SQLite's statement table
 * (store_stmts.def, compiled by store_sql.c) and, on first use, the
 * multi-row forms some of them take (store_sql_rows), and binds, steps and reads
 * statements for the query files. The only file that calls sqlite3_*;
 * nothing here knows a query.
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "store_internal.h"
#include "store_migrations.h"

#define STORE_BUSY_TIMEOUT_MS 10000

struct sqlite_stmt {
	struct store_stmt base; /* first: the accessors' view */
	sqlite3_stmt *s;
};

struct sqlite_conn {
	sqlite3 *db;
	struct sqlite_stmt stmts[STMT_COUNT]; /* s is NULL when not prepared */
	/* Multi-row forms (sq_stmt_rows), prepared on first use: rows[id]
	 * holds rows_n[id] rows. */
	struct sqlite_stmt rows[STMT_COUNT];
	int rows_n[STMT_COUNT];
};

static sqlite3 *db_of(struct store *st) { return ((struct sqlite_conn *)st->conn)->db; }

static sqlite3_stmt *raw(struct store_stmt *s) { return ((struct sqlite_stmt *)s)->s; }

static const char *sq_errmsg(struct store *st)
{
	return st->conn && db_of(st) ? sqlite3_errmsg(db_of(st)) : "no connection";
}

static int sq_exec(struct store *st, const char *sql, char *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db_of(st), sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(err, "sqlite exec \"%.60s\": %s", sql, msg ? msg : sqlite3_errmsg(db_of(st)));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int sq_in_transaction(struct store *st) { return !sqlite3_get_autocommit(db_of(st)); }

static int sq_schema_version(struct store *st, int *version, char *err)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db_of(st), "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) {
		store_err(st, err, "prepare PRAGMA user_version");
		return -1;
	}
	int rc = sqlite3_step(s);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW) {
		store_err(st, err, "PRAGMA user_version");
		return -1;
	}
	return 0;
}

/* Each pending migration and its user_version in one transaction, before
 * foreign keys are turned on: a migration that rebuilds a table (the 12
 * steps of SQLite's ALTER TABLE page, 007_unique.sql) drops one that others
 * and its own copy refer to, and foreign_keys cannot change inside a
 * transaction. */
static int migrate(struct store *st, char *err)
{
	int have;

	if (sq_schema_version(st, &have, err) < 0)
		return -1;
	for (int i = 0; i < store_migrations_sqlite_count; i++) {
		const struct store_migration *m = &store_migrations_sqlite[i];
		char pragma[64];
		if (m->version <= have)
			continue;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
		if (sq_exec(st, "BEGIN IMMEDIATE", err) < 0)
			return -1;
		if (sq_exec(st, m->sql, err) < 0 || sq_exec(st, pragma, err) < 0) {
			char inner[ERR_LEN];
			snprintf(inner, sizeof(inner), "%s", err);
			err_set(err, "migration %s: %s", m->name, inner);
			sq_exec(st, "ROLLBACK", NULL);
			return -1;
		}
		if (sq_exec(st, "COMMIT", err) < 0)
			return -1;
	}
	int newest = store_migrations_sqlite[store_migrations_sqlite_count - 1].version;
	if (have > newest) {
		err_set(err, "database schema version %d is newer than this jobd (%d)", have, newest);
		return -1;
	}
	return 0;
}

/* mkdir of the database's directory, one level (./data by default). */
static int make_db_dir(const char *path, char *err)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		err_set(err, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int prepare_all(struct store *st, struct sqlite_conn *c, enum store_mode mode, char *err)
{
	for (int i = 0; i < STMT_COUNT; i++) {
		if (!store_stmt_on(i, mode))
			continue;
		c->stmts[i].base.drv = &store_sqlite_driver;
		if (store_sql_sqlite[i] != NULL && sqlite3_prepare_v3(c->db, store_sql_sqlite[i], -1,
			SQLITE_PREPARE_PERSISTENT, &c->stmts[i].s, NULL) != SQLITE_OK) {
			err_set(err, "sqlite prepare statement %d (%s): %s", i, store_stmts[i].name,
			    sq_errmsg(st));
			return -1;
		}
	}
	return 0;
}

/* Once, before SQLite's first use: no allocation statistics. jobd never
 * reads them, and keeping them takes a global mutex on every malloc and
 * free SQLite makes — a tenth of a batch's time on the writer. */
static pthread_once_t sq_config_once = PTHREAD_ONCE_INIT;

static void sq_config(void)
{
	int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);

	if (rc != SQLITE_OK) /* SQLite was used before: harmless, only slower */
		log_warnx("sqlite config memstatus off: %s", sqlite3_errstr(rc));
}

static int sq_open(struct store *st, const char *path, enum store_mode mode, char *err)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	struct sqlite_conn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	st->conn = c;
	pthread_once(&sq_config_once, sq_config);
	if (mode == STORE_WRITER) {
		flags |= SQLITE_OPEN_CREATE;
		if (make_db_dir(path, err) < 0)
			return -1;
	}
	if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
		err_set(err, "sqlite open %s: %s", path,
		    c->db ? sqlite3_errmsg(c->db) : "out of memory");
		return -1;
	}
	sqlite3_extended_result_codes(c->db, 1);
	if (sqlite3_busy_timeout(c->db, STORE_BUSY_TIMEOUT_MS) != SQLITE_OK) {
		store_err(st, err, "busy_timeout");
		return -1;
	}
	/* Page caches are per connection: small ones keep the server's memory
	 * flat however large the table grows (the OS caches the file anyway). */
	if (sq_exec(st, mode == STORE_WRITER ? "PRAGMA cache_size = -512"
					     : "PRAGMA cache_size = -256", err) < 0)
		return -1;
	/* temp_store: every INSERT inside the group-commit transaction keeps a
	 * statement journal (the pages it changed, to undo just that statement
	 * on an error). In a temp file that was ~50 pwrite calls per job, most
	 * of a batch's time; in memory it is a copy, freed at the statement's end. */
	if (mode == STORE_WRITER &&
	    (sq_exec(st, "PRAGMA temp_store = MEMORY", err) < 0 ||
		sq_exec(st, "PRAGMA journal_mode = WAL", err) < 0 ||
		sq_exec(st, "PRAGMA synchronous = NORMAL", err) < 0 || migrate(st, err) < 0 ||
		sq_exec(st, "PRAGMA foreign_keys = ON", err) < 0))
		return -1;
	return prepare_all(st, c, mode, err);
}

static void sq_close(struct store *st)
{
	struct sqlite_conn *c = st->conn;

	if (c == NULL)
		return;
	for (int i = 0; i < STMT_COUNT; i++) {
		sqlite3_finalize(c->stmts[i].s);
		sqlite3_finalize(c->rows[i].s);
	}
	/* close_v2 cannot fail once every statement is finalized. */
	sqlite3_close_v2(c->db);
	free(c);
	st->conn = NULL;
}

static int64_t sq_changes(struct store *st) { return sqlite3_changes(db_of(st)); }

static int64_t sq_inserted_id(struct store *st) { return sqlite3_last_insert_rowid(db_of(st)); }

static struct store_stmt *sq_stmt(struct store *st, enum store_stmt_id id)
{
	struct sqlite_stmt *s = &((struct sqlite_conn *)st->conn)->stmts[id];
	sqlite3_reset(s->s);
	sqlite3_clear_bindings(s->s);
	return &s->base;
}

/* One statement inserting many rows costs about what one row does more
 * than the row itself (cursors opened on the table and each index, a
 * statement journal, the program's setup and halt): half of a batch's
 * insert time went there. */
static struct store_stmt *sq_stmt_rows(struct store *st, enum store_stmt_id id, int rows)
{
	struct sqlite_conn *c = st->conn;
	struct sqlite_stmt *s = &c->rows[id];

	if (s->s != NULL && c->rows_n[id] != rows) {
		sqlite3_finalize(s->s);
		s->s = NULL;
	}
	if (s->s == NULL) {
		char *sql = store_sql_rows(store_sql_sqlite[id], (int)strlen(store_stmts[id].types),
		    rows);
		int rc = sql == NULL ? SQLITE_NOMEM
				     : sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
					   &s->s, NULL);
		free(sql);
		if (rc != SQLITE_OK) {
			sqlite3_finalize(s->s);
			s->s = NULL;
			return NULL;
		}
		s->base.drv = &store_sqlite_driver;
		c->rows_n[id] = rows;
	}
	sqlite3_reset(s->s);
	sqlite3_clear_bindings(s->s);
	return &s->base;
}

static int sq_step(struct store *st, struct store_stmt *s)
{
	(void)st;
	switch (sqlite3_step(raw(s))) {
	case SQLITE_ROW:
		return STORE_ROW;
	case SQLITE_DONE:
		return STORE_DONE;
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return STORE_CONFLICT;
	default:
		return STORE_ERR;
	}
}

static void sq_reset(struct store_stmt *s) { sqlite3_reset(raw(s)); }

static void sq_reset_all(struct store *st)
{
	struct sqlite_conn *c = st->conn;
	for (int i = 0; i < STMT_COUNT; i++) {
		sqlite3_reset(c->stmts[i].s); /* a no-op on NULL */
		sqlite3_reset(c->rows[i].s);
	}
}

static void sq_bind_null(struct store_stmt *s, int i) { sqlite3_bind_null(raw(s), i); }

static void sq_bind_i64(struct store_stmt *s, int i, int64_t v)
{
	sqlite3_bind_int64(raw(s), i, v);
}

static void sq_bind_double(struct store_stmt *s, int i, double v)
{
	sqlite3_bind_double(raw(s), i, v);
}

static void sq_bind_text(struct store_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(raw(s), i, v, -1, SQLITE_STATIC);
}

static void sq_bind_blob(struct store_stmt *s, int i, const void *v, size_t len)
{
	sqlite3_bind_blob64(raw(s), i, v, len, SQLITE_STATIC);
}

static int sq_col_is_null(struct store_stmt *s, int i)
{
	return sqlite3_column_type(raw(s), i) == SQLITE_NULL;
}

static int64_t sq_col_i64(struct store_stmt *s, int i, int64_t null_value)
{
	sqlite3_stmt *r = raw(s);
	return sqlite3_column_type(r, i) == SQLITE_NULL ? null_value : sqlite3_column_int64(r, i);
}

static double sq_col_double(struct store_stmt *s, int i)
{
	return sqlite3_column_double(raw(s), i);
}

static const char *sq_col_text(struct store_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(raw(s), i);
}

static const void *sq_col_blob(struct store_stmt *s, int i, size_t *len)
{
	/* blob before bytes: the order SQLite documents for a stable pointer. */
	const void *p = sqlite3_column_blob(raw(s), i);
	int n = sqlite3_column_bytes(raw(s), i);
	*len = p != NULL && n > 0 ? (size_t)n : 0;
	return *len > 0 ? p : NULL;
}

const struct store_driver store_sqlite_driver = {
	.name = "sqlite",
	.caps = 0,
	.sql = store_sql_sqlite,
	/* IMMEDIATE takes the write lock now, so a turn never fails half-way
	 * on SQLITE_BUSY from upgrading a read transaction. */
	.begin = "BEGIN IMMEDIATE",
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.in_transaction = sq_in_transaction,
	.schema_version = sq_schema_version,
	.errmsg = sq_errmsg,
	.changes = sq_changes,
	.inserted_id = sq_inserted_id,
	.stmt = sq_stmt,
	.stmt_rows = sq_stmt_rows,
	.step = sq_step,
	.reset = sq_reset,
	.reset_all = sq_reset_all,
	.bind_null = sq_bind_null,
	.bind_i64 = sq_bind_i64,
	.bind_double = sq_bind_double,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.col_is_null = sq_col_is_null,
	.col_i64 = sq_col_i64,
	.col_double = sq_col_double,
	.col_text = sq_col_text,
	.col_blob = sq_col_blob,
};
