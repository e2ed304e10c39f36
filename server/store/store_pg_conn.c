/*
 * store_pg_conn.c — the session half of the PostgreSQL driver (store_pg.h):
 * plain commands, the schema version and migrations (under an advisory lock,
 * so that nodes starting together do not race), preparing the statement
 * table, reconnecting after a lost session, session statements that a new
 * session must repeat (settings, LISTEN, the node's lock), and LISTEN's
 * notifications.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_migrations.h"
#include "store_pg.h"

/* pg_advisory_xact_lock(JOBD_LOCK, LOCK_MIGRATE): 0x6a6f6264 is "jobd". */
#define JOBD_LOCK "1785684580"
#define LOCK_MIGRATE "1"
#define RECONNECT_FIRST_US 100000
#define RECONNECT_MAX_US 5000000

/* libpq messages end in a newline and may span lines: keep the first. */
void pg_keep_error(struct pg_conn *c, const char *msg)
{
	snprintf(c->err, sizeof(c->err), "%s", msg && *msg ? msg : "unknown error");
	c->err[strcspn(c->err, "\n")] = '\0';
}

const char *pg_errmsg(struct store *st)
{
	struct pg_conn *c = pg_conn_of(st);
	if (c == NULL || c->db == NULL)
		return "no connection";
	return c->err[0] ? c->err : PQerrorMessage(c->db);
}

/* NOTICEs (e.g. "relation already exists, skipping") are not errors. */
void pg_quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int pg_exec(struct store *st, const char *sql, char *err)
{
	struct pg_conn *c = pg_conn_of(st);
	bool begin = strcmp(sql, "BEGIN") == 0, commit = strcmp(sql, "COMMIT") == 0;

	if (begin && pg_needs_reconnect(c) && pg_reconnect(c) < 0) {
		err_set(err, "postgres reconnect: %s", c->err);
		return -1;
	}
	/* A transaction lost with its session must not end in a COMMIT that a
	 * new session answers with a mere warning. */
	if (commit && !c->in_tx) {
		err_set(err, "postgres COMMIT: the transaction was lost with its connection");
		return -1;
	}
	if (commit || strcmp(sql, "ROLLBACK") == 0)
		c->in_tx = false;
	PGresult *r = PQexec(c->db, sql);
	ExecStatusType status = PQresultStatus(r);
	int ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;

	if (!ok)
		pg_keep_error(c, PQresultErrorMessage(r));
	/* COMMIT of a failed transaction answers ROLLBACK, not an error: the
	 * caller must not tell clients that their jobs are stored. */
	if (ok && strcmp(sql, "COMMIT") == 0 && strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
		pg_keep_error(c, "the transaction had failed and was rolled back");
		ok = 0;
	}
	PQclear(r);
	if (!ok) {
		err_set(err, "postgres exec \"%.60s\": %s", sql, c->err);
		return -1;
	}
	c->in_tx |= begin;
	return 0;
}

int pg_in_transaction(struct store *st)
{
	struct pg_conn *c = pg_conn_of(st);
	return c->in_tx || PQtransactionStatus(c->db) != PQTRANS_IDLE;
}

/* One value from a query without parameters; -1 when it fails. */
static int query_int(struct store *st, const char *sql, int *out, char *err)
{
	struct pg_conn *c = pg_conn_of(st);
	PGresult *r = PQexec(c->db, sql);

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		pg_keep_error(c, PQresultErrorMessage(r));
		err_set(err, "postgres \"%.60s\": %s", sql, c->err);
		PQclear(r);
		return -1;
	}
	*out = PQgetisnull(r, 0, 0) ? 0 : atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

int pg_schema_version(struct store *st, int *version, char *err)
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
	struct pg_conn *c = pg_conn_of(st);
	char version[16];
	const char *values[2] = { version, m->name };

	snprintf(version, sizeof(version), "%d", m->version);
	PGresult *r = PQexecParams(c->db,
	    "INSERT INTO jobd_schema (version, name) VALUES ($1::int, $2::text)", 2, NULL, values,
	    NULL, NULL, 0);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok) {
		pg_keep_error(c, PQresultErrorMessage(r));
		err_set(err, "postgres record migration %s: %s", m->name, c->err);
	}
	PQclear(r);
	return ok ? 0 : -1;
}

/* Pending migrations in one transaction, after taking the migration lock:
 * a node that waited for it reads the version the other one left. */
int pg_migrate(struct store *st, char *err)
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

/* Each statement with its parameters' types from the catalogue, so no text
 * casts a parameter and none is left for PostgreSQL to guess. */
int pg_prepare_all(struct pg_conn *c, char *err)
{
	for (int i = 0; i < STMT_COUNT; i++) {
		struct pg_stmt *s = &c->stmts[i];
		char name[16];
		Oid types[PG_MAX_PARAMS];
		if (!store_stmt_on(i, c->mode))
			continue;
		s->base.drv = &store_pg_driver;
		s->c = c;
		s->id = i;
		if (store_sql_pg[i] == NULL)
			continue;
		s->nparams = store_sql_pg_types(i, types, PG_MAX_PARAMS);
		if (s->nparams < 0) {
			err_set(err, "postgres statement %s: parameter types \"%s\": more than %d,"
			    " or an unknown letter", store_stmts[i].name, store_stmts[i].types,
			    PG_MAX_PARAMS);
			return -1;
		}
		char *text = store_sql_pg_text(i);
		if (text == NULL) {
			err_set(err, "strdup: out of memory");
			return -1;
		}
		snprintf(name, sizeof(name), "s%d", i);
		PGresult *r = PQprepare(c->db, name, text, s->nparams, types);
		free(text);
		int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			pg_keep_error(c, PQresultErrorMessage(r));
		PQclear(r);
		if (!ok) {
			err_set(err, "postgres prepare statement %d (%s): %s", i, store_stmts[i].name,
			    c->err);
			return -1;
		}
	}
	return 0;
}

/* After the server restarted or the network failed: a new session, whose
 * prepared statements are gone, so prepare them again. The caller retries
 * later when this fails (the dispatcher's turn backs off). */
static int new_session(struct pg_conn *c)
{
	char err[ERR_LEN];

	PQreset(c->db);
	if (PQstatus(c->db) != CONNECTION_OK) {
		pg_keep_error(c, PQerrorMessage(c->db));
		return -1;
	}
	if (pg_prepare_all(c, err) < 0) {
		pg_keep_error(c, err);
		return -1;
	}
	for (int i = 0; i < c->n_session; i++) {
		PGresult *r = PQexec(c->db, c->session[i]);
		ExecStatusType status = PQresultStatus(r);
		if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
			pg_keep_error(c, PQresultErrorMessage(r));
		PQclear(r);
		if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
			return -1;
	}
	return 0;
}

bool pg_needs_reconnect(struct pg_conn *c)
{
	return c->stale || PQstatus(c->db) == CONNECTION_BAD;
}

/* With backoff: 100 ms after the first failure, doubling up to 5 s, so a
 * database that is down is not hammered by every transaction. */
int pg_reconnect(struct pg_conn *c)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;

	if (now < c->retry_at) {
		snprintf(c->err, sizeof(c->err), "the connection was lost; next try in %lld ms",
		    (long long)((c->retry_at - now + 999) / 1000));
		return -1;
	}
	c->in_tx = false;
	c->stale = new_session(c) < 0;
	if (c->stale) {
		c->backoff_us = c->backoff_us ? c->backoff_us * 2 : RECONNECT_FIRST_US;
		if (c->backoff_us > RECONNECT_MAX_US)
			c->backoff_us = RECONNECT_MAX_US;
		c->retry_at = now + c->backoff_us;
		return -1;
	}
	c->backoff_us = c->retry_at = 0;
	c->err[0] = '\0';
	return 0;
}


/* Runs sql now and again in every new session (pg_reconnect); a later
 * statement under the same key replaces the earlier one. */
int pg_session(struct store *st, const char *key, const char *sql, char *err)
{
	struct pg_conn *c = pg_conn_of(st);
	int i = 0;

	while (i < c->n_session && strcmp(c->session_key[i], key) != 0)
		i++;
	if (i == PG_MAX_SESSION) {
		err_set(err, "postgres: more than %d session statements", PG_MAX_SESSION);
		return -1;
	}
	if (pg_exec(st, sql, err) < 0)
		return -1;
	char *copy = strdup(sql), *key_copy = strdup(key);
	if (copy == NULL || key_copy == NULL) {
		free(copy);
		free(key_copy);
		err_set(err, "strdup: out of memory");
		return -1;
	}
	if (i == c->n_session) {
		c->n_session++;
	} else {
		free(c->session[i]);
		free(c->session_key[i]);
	}
	c->session[i] = copy;
	c->session_key[i] = key_copy;
	return 0;
}

void pg_conn_free_session(struct pg_conn *c)
{
	for (int i = 0; i < c->n_session; i++) {
		free(c->session[i]);
		free(c->session_key[i]);
	}
	c->n_session = 0;
}

int pg_listen_fd(struct store *st)
{
	struct pg_conn *c = pg_conn_of(st);
	return c->db != NULL && PQstatus(c->db) == CONNECTION_OK ? PQsocket(c->db) : -1;
}

/* Reads what the socket has and hands over every notification; -1 when the
 * connection failed (the next transaction reconnects). */
int pg_notifications(struct store *st, store_notify_fn fn, void *ctx)
{
	struct pg_conn *c = pg_conn_of(st);
	PGnotify *n;

	if (PQconsumeInput(c->db) == 0) {
		pg_keep_error(c, PQerrorMessage(c->db));
		return -1;
	}
	while ((n = PQnotifies(c->db)) != NULL) {
		fn(ctx, n->relname, n->extra);
		PQfreemem(n);
	}
	return 0;
}
