/*
 * store_pg.c — the PostgreSQL driver of store_driver.h (libpq): connects to
 * a postgres:// URL, applies migrations/postgres/ under an advisory lock so
 * that nodes starting together do not race, prepares the statement table of
 * store_sql_pg.c, and binds, runs and reads statements for the query files.
 * Parameters go as text (bytea as binary), results come back as text. The
 * only file that calls libpq; nothing here knows a query.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_internal.h"
#include "store_migrations.h"

#define PG_MAX_PARAMS 32
/* pg_advisory_xact_lock(JOBD_LOCK, LOCK_MIGRATE): 0x6a6f6264 is "jobd". */
#define JOBD_LOCK "1785684580"
#define LOCK_MIGRATE "1"
#define LOCK_WRITER "2"
#define WRITER_LOCK_TRIES 30 /* 100 ms apart */

struct pg_conn;

struct pg_stmt {
	struct store_stmt base; /* first: the accessors' view */
	struct pg_conn *c;
	int id;
	int nparams; /* the highest $N of its text */
	const char *values[PG_MAX_PARAMS];
	int lengths[PG_MAX_PARAMS];
	int formats[PG_MAX_PARAMS];
	char num[PG_MAX_PARAMS][32]; /* numbers bound, as text */
	PGresult *res;               /* NULL until stepped */
	int row;                     /* the row the columns read */
	unsigned char *blob;         /* the last bytea read, unescaped */
};

struct pg_conn {
	PGconn *db;
	enum store_mode mode;
	int64_t changes;
	char err[ERR_LEN]; /* the last failure's message */
	struct pg_stmt stmts[STMT_COUNT];
};

static struct pg_conn *conn_of(struct store *st) { return st->conn; }

static struct pg_stmt *pg(struct store_stmt *s) { return (struct pg_stmt *)s; }

/* libpq messages end in a newline and may span lines: keep the first. */
static void keep_error(struct pg_conn *c, const char *msg)
{
	snprintf(c->err, sizeof(c->err), "%s", msg && *msg ? msg : "unknown error");
	c->err[strcspn(c->err, "\n")] = '\0';
}

static const char *pg_errmsg(struct store *st)
{
	struct pg_conn *c = conn_of(st);
	if (c == NULL || c->db == NULL)
		return "no connection";
	return c->err[0] ? c->err : PQerrorMessage(c->db);
}

/* NOTICEs (e.g. "relation already exists, skipping") are not errors. */
static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int reconnect(struct pg_conn *c);

static int pg_exec(struct store *st, const char *sql, char *err)
{
	struct pg_conn *c = conn_of(st);
	if (PQstatus(c->db) == CONNECTION_BAD && strcmp(sql, "BEGIN") == 0 && reconnect(c) < 0) {
		err_set(err, "postgres reconnect: %s", c->err);
		return -1;
	}
	PGresult *r = PQexec(c->db, sql);
	ExecStatusType status = PQresultStatus(r);
	int ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;

	if (!ok)
		keep_error(c, PQresultErrorMessage(r));
	/* COMMIT of a failed transaction answers ROLLBACK, not an error: the
	 * caller must not tell clients that their jobs are stored. */
	if (ok && strcmp(sql, "COMMIT") == 0 && strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
		keep_error(c, "the transaction had failed and was rolled back");
		ok = 0;
	}
	PQclear(r);
	if (!ok) {
		err_set(err, "postgres exec \"%.60s\": %s", sql, c->err);
		return -1;
	}
	return 0;
}

static int pg_in_transaction(struct store *st)
{
	return PQtransactionStatus(conn_of(st)->db) != PQTRANS_IDLE;
}

/* One value from a query without parameters; -1 when it fails. */
static int query_int(struct store *st, const char *sql, int *out, char *err)
{
	struct pg_conn *c = conn_of(st);
	PGresult *r = PQexec(c->db, sql);

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		keep_error(c, PQresultErrorMessage(r));
		err_set(err, "postgres \"%.60s\": %s", sql, c->err);
		PQclear(r);
		return -1;
	}
	*out = PQgetisnull(r, 0, 0) ? 0 : atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

static int pg_schema_version(struct store *st, int *version, char *err)
{
	int exists;

	if (query_int(st, "SELECT (to_regclass('jobd_schema') IS NOT NULL)::int", &exists, err) < 0)
		return -1;
	*version = 0;
	return exists ? query_int(st, "SELECT coalesce(max(version), 0) FROM jobd_schema",
			    version, err)
		      : 0;
}

static int record_version(struct store *st, const struct store_migration *m, char *err)
{
	struct pg_conn *c = conn_of(st);
	char version[16];
	const char *values[2] = { version, m->name };

	snprintf(version, sizeof(version), "%d", m->version);
	PGresult *r = PQexecParams(c->db,
	    "INSERT INTO jobd_schema (version, name) VALUES ($1::int, $2::text)", 2, NULL, values,
	    NULL, NULL, 0);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok) {
		keep_error(c, PQresultErrorMessage(r));
		err_set(err, "postgres record migration %s: %s", m->name, c->err);
	}
	PQclear(r);
	return ok ? 0 : -1;
}

/* Pending migrations in one transaction, after taking the migration lock:
 * a node that waited for it reads the version the other one left. */
static int migrate(struct store *st, char *err)
{
	int have;
	int newest = store_migrations_postgres[store_migrations_postgres_count - 1].version;

	if (pg_exec(st, "BEGIN", err) < 0)
		return -1;
	if (pg_exec(st, "SELECT pg_advisory_xact_lock(" JOBD_LOCK ", " LOCK_MIGRATE ")", err) < 0 ||
	    pg_exec(st, "CREATE TABLE IF NOT EXISTS jobd_schema (version integer PRIMARY KEY,"
			" name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
		err) < 0 ||
	    pg_schema_version(st, &have, err) < 0)
		goto fail;
	if (have > newest) {
		err_set(err, "database schema version %d is newer than this jobd (%d)", have, newest);
		goto fail;
	}
	for (int i = 0; i < store_migrations_postgres_count; i++) {
		const struct store_migration *m = &store_migrations_postgres[i];
		if (m->version <= have)
			continue;
		if (pg_exec(st, m->sql, err) < 0) {
			char inner[ERR_LEN];
			snprintf(inner, sizeof(inner), "%s", err);
			err_set(err, "migration %s: %s", m->name, inner);
			goto fail;
		}
		if (record_version(st, m, err) < 0)
			goto fail;
	}
	return pg_exec(st, "COMMIT", err);
fail:
	pg_exec(st, "ROLLBACK", NULL);
	return -1;
}

static int highest_param(const char *sql)
{
	int n = 0;

	for (const char *p = strchr(sql, '$'); p != NULL; p = strchr(p + 1, '$')) {
		int v = atoi(p + 1);
		if (v > n)
			n = v;
	}
	return n;
}

static int prepare_all(struct pg_conn *c, char *err)
{
	int n = c->mode == STORE_WRITER ? STMT_COUNT : STMT_WRITER_ONLY;

	for (int i = 0; i < n; i++) {
		struct pg_stmt *s = &c->stmts[i];
		char name[16];
		s->base.drv = &store_pg_driver;
		s->c = c;
		s->id = i;
		s->nparams = highest_param(store_sql_pg[i]);
		if (s->nparams > PG_MAX_PARAMS) {
			err_set(err, "postgres statement %d: %d parameters, at most %d", i,
			    s->nparams, PG_MAX_PARAMS);
			return -1;
		}
		snprintf(name, sizeof(name), "s%d", i);
		PGresult *r = PQprepare(c->db, name, store_sql_pg[i], 0, NULL);
		int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			keep_error(c, PQresultErrorMessage(r));
		PQclear(r);
		if (!ok) {
			err_set(err, "postgres prepare statement %d: %s", i, c->err);
			return -1;
		}
	}
	return 0;
}

/* One writer per database until nodes can share it (docs/design/scale-out.md):
 * a second jobd on the same database would requeue the first one's running
 * jobs at its start. The session lock goes with the session, even on kill -9. */
static int lock_writer(struct pg_conn *c, char *err)
{
	PGresult *r = PQexec(c->db, "SELECT pg_try_advisory_lock(" JOBD_LOCK ", " LOCK_WRITER ")");
	int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	int got = ok && strcmp(PQgetvalue(r, 0, 0), "t") == 0;

	if (!ok)
		keep_error(c, PQresultErrorMessage(r));
	PQclear(r);
	if (!ok) {
		err_set(err, "postgres writer lock: %s", c->err);
		return -1;
	}
	if (!got) {
		err_set(err, "another jobd already serves this database (one node per database "
			     "until clustering is supported)");
		keep_error(c, err);
		return -1;
	}
	return 0;
}

/* At start a moment's patience: the session of a jobd killed just before
 * may take that long to end on the server. */
static int wait_writer_lock(struct pg_conn *c, char *err)
{
	for (int i = 0;; i++) {
		if (lock_writer(c, err) == 0)
			return 0;
		if (i == WRITER_LOCK_TRIES || PQstatus(c->db) == CONNECTION_BAD)
			return -1;
		struct timespec pause = { 0, 100 * 1000 * 1000 };
		nanosleep(&pause, NULL);
	}
}

/* After the server restarted or the network failed: a new session, whose
 * prepared statements are gone, so prepare them again. The caller retries
 * later when this fails (the dispatcher's turn backs off). */
static int reconnect(struct pg_conn *c)
{
	char err[ERR_LEN];

	PQreset(c->db);
	if (PQstatus(c->db) != CONNECTION_OK) {
		keep_error(c, PQerrorMessage(c->db));
		return -1;
	}
	if ((c->mode == STORE_WRITER && lock_writer(c, err) < 0) || prepare_all(c, err) < 0) {
		keep_error(c, err);
		return -1;
	}
	c->err[0] = '\0';
	return 0;
}

static int pg_open(struct store *st, const char *url, enum store_mode mode, char *err)
{
	struct pg_conn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	st->conn = c;
	c->mode = mode;
	c->db = PQconnectdb(url);
	if (c->db == NULL) {
		err_set(err, "postgres connect: out of memory");
		return -1;
	}
	if (PQstatus(c->db) != CONNECTION_OK) {
		keep_error(c, PQerrorMessage(c->db));
		err_set(err, "postgres connect: %s", c->err);
		return -1;
	}
	PQsetNoticeProcessor(c->db, quiet_notices, NULL);
	/* Times are µs integers, so the session's zone matters to no query;
	 * synchronous_commit stays on: a 201 means the job is on disk. */
	if (pg_exec(st, "SET synchronous_commit = on", err) < 0 ||
	    (mode == STORE_WRITER && (migrate(st, err) < 0 || wait_writer_lock(c, err) < 0)))
		return -1;
	return prepare_all(c, err);
}

static void clear_result(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	PQfreemem(s->blob);
	s->blob = NULL;
}

static void pg_close(struct store *st)
{
	struct pg_conn *c = st->conn;

	if (c == NULL)
		return;
	for (int i = 0; i < STMT_COUNT; i++)
		clear_result(&c->stmts[i]);
	PQfinish(c->db);
	free(c);
	st->conn = NULL;
}

static int64_t pg_changes(struct store *st) { return conn_of(st)->changes; }

static void unbind(struct pg_stmt *s)
{
	for (int i = 0; i < s->nparams; i++) {
		s->values[i] = NULL;
		s->lengths[i] = 0;
		s->formats[i] = 0;
	}
}

static void pg_reset(struct store_stmt *st) { clear_result(pg(st)); }

static struct store_stmt *pg_stmt(struct store *st, enum store_stmt_id id)
{
	struct pg_stmt *s = &conn_of(st)->stmts[id];
	clear_result(s);
	unbind(s);
	return &s->base;
}

/* Like sqlite3_changes(): only INSERT, UPDATE and DELETE set the count. */
static void note_changes(struct pg_conn *c, PGresult *r)
{
	const char *tag = PQcmdStatus(r);
	if (strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 ||
	    strncmp(tag, "DELETE", 6) == 0)
		c->changes = strtoll(PQcmdTuples(r), NULL, 10);
}

static int run(struct pg_conn *c, struct pg_stmt *s)
{
	char name[16];

	snprintf(name, sizeof(name), "s%d", s->id);
	s->res = PQexecPrepared(c->db, name, s->nparams, s->values, s->lengths, s->formats, 0);
	s->row = -1;
	ExecStatusType status = PQresultStatus(s->res);
	if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
		note_changes(c, s->res);
		return 0;
	}
	keep_error(c, PQresultErrorMessage(s->res));
	const char *state = PQresultErrorField(s->res, PG_DIAG_SQLSTATE);
	clear_result(s);
	if (PQstatus(c->db) == CONNECTION_BAD)
		return STORE_DOWN;
	if (state != NULL && strcmp(state, "23505") == 0)
		return STORE_CONFLICT;
	return STORE_ERR;
}

static int pg_step(struct store *st, struct store_stmt *base)
{
	struct pg_stmt *s = pg(base);

	/* A reader outside any transaction may reconnect at once. */
	if (s->res == NULL && PQstatus(conn_of(st)->db) == CONNECTION_BAD &&
	    PQtransactionStatus(conn_of(st)->db) != PQTRANS_INTRANS && reconnect(conn_of(st)) < 0)
		return STORE_DOWN;
	if (s->res == NULL) {
		int rc = run(conn_of(st), s);
		if (rc < 0)
			return rc;
	}
	PQfreemem(s->blob);
	s->blob = NULL;
	if (s->row + 1 < PQntuples(s->res)) {
		s->row++;
		return STORE_ROW;
	}
	s->row = PQntuples(s->res);
	return STORE_DONE;
}

static void pg_reset_all(struct store *st)
{
	struct pg_conn *c = st->conn;
	for (int i = 0; i < STMT_COUNT; i++)
		clear_result(&c->stmts[i]);
}

/* Parameters beyond the statement's own are a bug in the query code. */
static int param_ok(struct pg_stmt *s, int i) { return i >= 1 && i <= s->nparams; }

static void pg_bind_null(struct store_stmt *st, int i)
{
	struct pg_stmt *s = pg(st);
	if (param_ok(s, i))
		s->values[i - 1] = NULL;
}

static void pg_bind_i64(struct store_stmt *st, int i, int64_t v)
{
	struct pg_stmt *s = pg(st);
	if (!param_ok(s, i))
		return;
	snprintf(s->num[i - 1], sizeof(s->num[i - 1]), "%lld", (long long)v);
	s->values[i - 1] = s->num[i - 1];
	s->formats[i - 1] = 0;
}

static void pg_bind_double(struct store_stmt *st, int i, double v)
{
	struct pg_stmt *s = pg(st);
	if (!param_ok(s, i))
		return;
	snprintf(s->num[i - 1], sizeof(s->num[i - 1]), "%.17g", v);
	s->values[i - 1] = s->num[i - 1];
	s->formats[i - 1] = 0;
}

static void pg_bind_text(struct store_stmt *st, int i, const char *v)
{
	struct pg_stmt *s = pg(st);
	if (!param_ok(s, i))
		return;
	s->values[i - 1] = v;
	s->formats[i - 1] = 0;
}

/* As SQLite: a NULL pointer binds NULL, an empty blob is an empty value. */
static void pg_bind_blob(struct store_stmt *st, int i, const void *v, size_t len)
{
	struct pg_stmt *s = pg(st);
	if (!param_ok(s, i))
		return;
	s->values[i - 1] = v == NULL ? NULL : len > 0 ? v : "";
	s->lengths[i - 1] = (int)len;
	s->formats[i - 1] = 1;
}

/* A column of the current row, or NULL when there is none or it is NULL. */
static const char *cell(struct pg_stmt *s, int i)
{
	if (s->res == NULL || s->row < 0 || s->row >= PQntuples(s->res) || i >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row, i))
		return NULL;
	return PQgetvalue(s->res, s->row, i);
}

static int pg_col_is_null(struct store_stmt *st, int i) { return cell(pg(st), i) == NULL; }

/* Booleans come back as 't'/'f': 1/0, as SQLite stores them. */
static int64_t pg_col_i64(struct store_stmt *st, int i, int64_t null_value)
{
	const char *v = cell(pg(st), i);
	if (v == NULL)
		return null_value;
	if (v[0] == 't' || v[0] == 'f')
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

static double pg_col_double(struct store_stmt *st, int i)
{
	const char *v = cell(pg(st), i);
	return v == NULL ? 0 : strtod(v, NULL);
}

static const char *pg_col_text(struct store_stmt *st, int i) { return cell(pg(st), i); }

/* bytea arrives as text ("\x…"): unescaped into s->blob, kept to the next step. */
static const void *pg_col_blob(struct store_stmt *st, int i, size_t *len)
{
	struct pg_stmt *s = pg(st);
	const char *v = cell(s, i);

	*len = 0;
	PQfreemem(s->blob);
	s->blob = NULL;
	if (v == NULL)
		return NULL;
	s->blob = PQunescapeBytea((const unsigned char *)v, len);
	if (s->blob == NULL || *len == 0) {
		*len = 0;
		return NULL;
	}
	return s->blob;
}

const struct store_driver store_pg_driver = {
	.name = "postgres",
	.caps = 0,
	.sql = store_sql_pg,
	/* READ COMMITTED: one writer per database until nodes share it. */
	.begin = "BEGIN",
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.in_transaction = pg_in_transaction,
	.schema_version = pg_schema_version,
	.errmsg = pg_errmsg,
	.changes = pg_changes,
	.stmt = pg_stmt,
	.step = pg_step,
	.reset = pg_reset,
	.reset_all = pg_reset_all,
	.bind_null = pg_bind_null,
	.bind_i64 = pg_bind_i64,
	.bind_double = pg_bind_double,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.col_is_null = pg_col_is_null,
	.col_i64 = pg_col_i64,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
};
