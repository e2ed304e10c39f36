/*
 * store_pg.c — the PostgreSQL driver of store_driver.h (libpq): opens a
 * session on a postgres:// URL (store_pg_conn.c migrates it and prepares
 * PostgreSQL's statement table of store_stmts.def with the declared
 * parameter types), and binds, runs and reads statements for the query
 * files. Parameters go as text (bytea as binary), results
 * come back as text. With store_pg_conn.c, the only code that calls libpq.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

static struct pg_stmt *pg(struct store_stmt *s) { return (struct pg_stmt *)s; }

static int pg_open(struct store *st, const char *url, enum store_mode mode, char *err)
{
	if (pq_load(err) < 0)
		return -1;
	struct pg_conn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	st->conn = c;
	c->mode = mode;
	/* Bounded waits, so that a node whose database went silent notices in
	 * seconds, not at TCP's two hours; the URL's own settings win. */
	static const char *const keys[] = { "connect_timeout", "keepalives", "keepalives_idle",
		"keepalives_interval", "keepalives_count", "tcp_user_timeout", "dbname", NULL };
	const char *const values[] = { "5", "1", "5", "2", "3", "10000", url, NULL };
	c->db = PQconnectdbParams(keys, values, 1);
	if (c->db == NULL) {
		err_set(err, "postgres connect: out of memory");
		return -1;
	}
	if (PQstatus(c->db) != CONNECTION_OK) {
		pg_keep_error(c, PQerrorMessage(c->db));
		err_set(err, "postgres connect: %s", c->err);
		return -1;
	}
	PQsetNoticeProcessor(c->db, pg_quiet_notices, NULL);
	/* Times are µs integers, so the session's zone matters to no query;
	 * synchronous_commit stays on: a 201 means the job is on disk. */
	if (pg_exec(st, "SET synchronous_commit = on", err) < 0 ||
	    (mode == STORE_WRITER && pg_migrate(st, err) < 0))
		return -1;
	return pg_prepare_all(c, err);
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
	pg_conn_free_session(c);
	free(c);
	st->conn = NULL;
}

static int64_t pg_changes(struct store *st) { return pg_conn_of(st)->changes; }

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
	struct pg_stmt *s = &pg_conn_of(st)->stmts[id];
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

static int run_once(struct pg_conn *c, struct pg_stmt *s)
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
	pg_keep_error(c, PQresultErrorMessage(s->res));
	const char *state = PQresultErrorField(s->res, PG_DIAG_SQLSTATE);
	bool unique = state != NULL && strcmp(state, "23505") == 0;
	clear_result(s);
	if (PQstatus(c->db) == CONNECTION_BAD)
		return STORE_DOWN;
	return unique ? STORE_CONFLICT : STORE_ERR;
}

/* A session found dead at its first use since the server restarted: outside
 * a transaction nothing was half done, so the statement runs once more on a
 * new session. Inside one, the caller's transaction fails and is retried. */
static int run(struct pg_conn *c, struct pg_stmt *s)
{
	bool idle = !c->in_tx && PQtransactionStatus(c->db) == PQTRANS_IDLE;
	int rc = run_once(c, s);

	if (rc == STORE_DOWN && idle && pg_reconnect(c) == 0)
		rc = run_once(c, s);
	return rc;
}

static int pg_step(struct store *st, struct store_stmt *base)
{
	struct pg_stmt *s = pg(base);

	/* Outside a transaction a lost session may be replaced at once. */
	if (s->res == NULL && !pg_conn_of(st)->in_tx && pg_needs_reconnect(pg_conn_of(st)) &&
	    pg_reconnect(pg_conn_of(st)) < 0)
		return STORE_DOWN;
	if (s->res == NULL) {
		int rc = run(pg_conn_of(st), s);
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
	.caps = STORE_SHARED | STORE_NOTIFY,
	.sql = store_sql_pg,
	/* READ COMMITTED: claims lock rows (SKIP LOCKED) and limited queues. */
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
	.session = pg_session,
	.listen_fd = pg_listen_fd,
	.notifications = pg_notifications,
};
