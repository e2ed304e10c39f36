/*
 * check_sql_tables.c — checks the statement catalogue (server/store_stmts.def,
 * compiled by server/store_sql.c) on real databases, statement by statement,
 * so the query files can bind and read both backends alike. Run by
 * tests/pg/check-sql-tables.sh:
 *
 *   check_sql_tables POSTGRES_URL [REPO_DIR]
 *
 * POSTGRES_URL names an empty database. migrations/sqlite/NNN_*.sql are applied
 * to an in-memory SQLite database, migrations/postgres/NNN_*.sql to
 * PostgreSQL (in one transaction); then, for every statement of the
 * catalogue (its names come from it too), both texts are prepared as the
 * drivers prepare them and compared:
 * - placeholders are ?N only: no "$", no "?" but a parameter's, and no cast
 *   on a parameter (its type is declared in the catalogue instead);
 * - PostgreSQL must prepare it with the declared types;
 * - the same number of parameters: the declared types, SQLite's highest ?N
 *   and PQnparams (a parameter left for PostgreSQL to type fails here);
 * - no parameter of unknown type (OID 705);
 * - where PostgreSQL can infer a parameter's type without the declared one,
 *   it agrees with it (any integer width for an integer);
 * - the same number of result columns, and the same names where SQLite's is
 *   a plain column name (same order) — but an INSERT whose PostgreSQL text
 *   ends in SQL_RETURNING_ID returns nothing on SQLite (its driver reads the
 *   new id from the connection);
 * - compatible types where SQLite's column has a declared type.
 * Prints one line per statement, then "N passed, M failed"; exits 1 if any
 * failed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <glob.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_driver.h"

#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_FLOAT8 701
#define OID_UNKNOWN 705
#define OID_NUMERIC 1700

static const char *oid_name(Oid t)
{
	switch (t) {
	case OID_BOOL: return "bool";
	case OID_BYTEA: return "bytea";
	case OID_INT8: return "int8";
	case OID_INT2: return "int2";
	case OID_INT4: return "int4";
	case OID_TEXT: return "text";
	case OID_FLOAT8: return "float8";
	case OID_UNKNOWN: return "UNKNOWN";
	case OID_NUMERIC: return "numeric";
	default: return "other";
	}
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return NULL;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[8192];
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			char *nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (buf == NULL)
		buf = calloc(1, 1);
	else
		buf[len] = '\0';
	return buf;
}

static int apply_sqlite(sqlite3 *db, const char *repo)
{
	char pattern[4096];
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s/migrations/sqlite/[0-9]*.sql", repo);
	if (glob(pattern, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
		fprintf(stderr, "no SQLite migrations match %s\n", pattern);
		return -1;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) { /* glob sorts */
		char *sql = read_file(g.gl_pathv[i]), *msg = NULL;
		if (sql == NULL || sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
			fprintf(stderr, "sqlite: %s: %s\n", g.gl_pathv[i], msg ? msg : "cannot read");
			sqlite3_free(msg);
			free(sql);
			globfree(&g);
			return -1;
		}
		free(sql);
	}
	printf("sqlite: applied %zu migrations\n", g.gl_pathc);
	globfree(&g);
	return 0;
}

static bool pg_ok(PGconn *pg, const char *sql, const char *what)
{
	PGresult *r = PQexec(pg, sql);
	ExecStatusType s = PQresultStatus(r);
	bool ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "postgres: %s: %s", what, PQresultErrorMessage(r));
	PQclear(r);
	return ok;
}

static int apply_pg(PGconn *pg, const char *repo)
{
	char pattern[4096];
	glob_t g;
	snprintf(pattern, sizeof(pattern), "%s/migrations/postgres/[0-9]*_*.sql", repo);
	if (glob(pattern, 0, NULL, &g) != 0) {
		fprintf(stderr, "postgres: no migrations match %s\n", pattern);
		return -1;
	}
	bool ok = pg_ok(pg, "BEGIN", "BEGIN");
	for (size_t i = 0; ok && i < g.gl_pathc; i++) {
		char *sql = read_file(g.gl_pathv[i]);
		ok = sql != NULL && pg_ok(pg, sql, g.gl_pathv[i]);
		free(sql);
		if (ok)
			printf("postgres: applied %s\n", g.gl_pathv[i]);
	}
	globfree(&g);
	ok = ok && pg_ok(pg, "COMMIT", "COMMIT");
	if (!ok) {
		pg_ok(pg, "ROLLBACK", "ROLLBACK");
		return -1;
	}
	/* Settings the cluster's statements read (store_node_register). */
	return pg_ok(pg, "SELECT set_config('jobd.node_id', '1', false),"
			 " set_config('jobd.node_name', 'n', false), set_config('jobd.lease_us', '1', false)",
		   "set_config") ? 0 : -1;
}

struct check {
	const char *name;
	int failed;
	char line[4096];
	size_t len;
};

static void note(struct check *c, bool fail, const char *fmt, ...)
{
	va_list ap;
	if (c->len < sizeof(c->line)) {
		va_start(ap, fmt);
		int n = vsnprintf(c->line + c->len, sizeof(c->line) - c->len, fmt, ap);
		va_end(ap);
		if (n > 0)
			c->len += (size_t)n;
		if (c->len > sizeof(c->line))
			c->len = sizeof(c->line);
	}
	c->failed += fail;
}

/* The catalogue's text: ?N placeholders, none cast (the catalogue declares
 * the type), and no other "?" or "$" (the driver turns every "?" into "$"). */
static void check_placeholders(struct check *c, const char *sql)
{
	if (strchr(sql, '$') != NULL)
		note(c, true, " [a '$' in the text: write ?N]");
	for (const char *p = strchr(sql, '?'); p != NULL; p = strchr(p + 1, '?')) {
		char *end;
		long n = strtol(p + 1, &end, 10);
		if (end == p + 1 || n < 1)
			note(c, true, " [stray '?']");
		else if (strncmp(end, "::", 2) == 0)
			note(c, true, " [?%ld cast: declare its type in the catalogue]", n);
	}
}

static bool is_int(Oid t) { return t == OID_INT8 || t == OID_INT4 || t == OID_INT2; }

/* What PostgreSQL infers for each parameter without the declared types
 * against what the catalogue declares. A statement PostgreSQL cannot type
 * alone (an unused or bare parameter) is checked by its declared types only. */
static void check_inferred(struct check *c, PGconn *pg, int i, const char *text,
    const Oid *declared, int n)
{
	char pname[16];
	snprintf(pname, sizeof(pname), "u%d", i);
	PGresult *r = PQprepare(pg, pname, text, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		note(c, false, " (types: declared only)");
		return;
	}
	PQclear(r);
	r = PQdescribePrepared(pg, pname);
	if (PQresultStatus(r) == PGRES_COMMAND_OK) {
		for (int k = 0; k < PQnparams(r) && k < n; k++) {
			Oid t = PQparamtype(r, k);
			if (t != OID_UNKNOWN && t != declared[k] && !(is_int(t) && is_int(declared[k])))
				note(c, true, " [?%d declared %s, PostgreSQL infers %s]", k + 1,
				    oid_name(declared[k]), oid_name(t));
		}
	}
	PQclear(r);
}

/* Prepares PostgreSQL's text as the driver does: 0 and the description in
 * *out, or -1 with the failure noted. */
static int prepare_pg(struct check *c, PGconn *pg, int i, PGresult **out)
{
	Oid types[64];
	int n = store_sql_pg_types(i, types, 64);
	char *text = store_sql_pg_text(i), pname[16];

	*out = NULL;
	if (n < 0 || text == NULL) {
		note(c, true, " [types \"%s\": an unknown letter]", store_stmts[i].types);
		free(text);
		return -1;
	}
	snprintf(pname, sizeof(pname), "c%d", i);
	PGresult *r = PQprepare(pg, pname, text, n, types);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		note(c, true, " [pg prepare: %s]", PQresultErrorMessage(r));
		char *nl = strchr(c->line, '\n');
		if (nl != NULL)
			*nl = ' ';
		PQclear(r);
		free(text);
		return -1;
	}
	PQclear(r);
	check_inferred(c, pg, i, text, types, n);
	free(text);
	r = PQdescribePrepared(pg, pname);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		note(c, true, " [pg describe: %s]", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	int pp = PQnparams(r);
	note(c, pp != n, " declared %d", n);
	if (pp > 0)
		note(c, false, " (");
	for (int k = 0; k < pp; k++) {
		Oid t = PQparamtype(r, k);
		note(c, t == OID_UNKNOWN, "%s$%d %s", k ? " " : "", k + 1, oid_name(t));
	}
	if (pp > 0)
		note(c, false, ")");
	*out = r;
	return 0;
}

/* SQLite's declared column type against PostgreSQL's, when SQLite knows it. */
static bool types_match(const char *decl, Oid t)
{
	if (decl == NULL)
		return true;
	if (strcasecmp(decl, "INTEGER") == 0)
		return t == OID_INT8 || t == OID_INT4 || t == OID_INT2 || t == OID_BOOL;
	if (strcasecmp(decl, "TEXT") == 0)
		return t == OID_TEXT;
	if (strcasecmp(decl, "REAL") == 0)
		return t == OID_FLOAT8;
	if (strcasecmp(decl, "BLOB") == 0)
		return t == OID_BYTEA;
	return true;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

static bool plain_name(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && *s != '_' && !isdigit((unsigned char)*s))
			return false;
	return true;
}

static void check_one(struct check *c, sqlite3 *db, PGconn *pg, int i)
{
	const char *lite = store_sql_sqlite[i], *pgsql = store_sql_pg[i];
	sqlite3_stmt *s = NULL;
	PGresult *r;

	if (pgsql == NULL) {
		note(c, true, " [no PostgreSQL text]");
		return;
	}
	check_placeholders(c, pgsql);
	if (lite == NULL) {
		/* PostgreSQL only (the cluster): it must prepare, fully typed. */
		if (prepare_pg(c, pg, i, &r) == 0) {
			note(c, false, " postgres only");
			PQclear(r);
		}
		return;
	}
	check_placeholders(c, lite);
	if (sqlite3_prepare_v2(db, lite, -1, &s, NULL) != SQLITE_OK) {
		note(c, true, " [sqlite prepare: %s]", sqlite3_errmsg(db));
		return;
	}
	if (prepare_pg(c, pg, i, &r) < 0) {
		sqlite3_finalize(s);
		return;
	}
	int lp = sqlite3_bind_parameter_count(s), pp = PQnparams(r);
	note(c, lp != pp, " params %d/%d%s", lp, pp, lp != pp ? " [DIFFER]" : "");

	int lc = sqlite3_column_count(s), pc = PQnfields(r);
	/* SQL_RETURNING_ID: SQLite's driver reads the new id from the connection. */
	bool returning_id = lc == 0 && pc == 1 && strcmp(PQfname(r, 0), "id") == 0 &&
			    ends_with(pgsql, " RETURNING id");
	if (returning_id)
		note(c, false, " cols 0/1 (id: sqlite3_last_insert_rowid)");
	else
		note(c, lc != pc, " cols %d/%d%s", lc, pc, lc != pc ? " [DIFFER]" : "");
	for (int k = 0; k < lc && k < pc; k++) {
		const char *ln = sqlite3_column_name(s, k), *pn = PQfname(r, k);
		if (plain_name(ln) && strcmp(ln, pn) != 0)
			note(c, true, " [col %d: sqlite %s, pg %s]", k, ln, pn);
		const char *decl = sqlite3_column_decltype(s, k);
		Oid t = PQftype(r, k);
		if (!types_match(decl, t))
			note(c, true, " [col %d %s: sqlite %s, pg %s]", k, ln, decl, oid_name(t));
		if (t == OID_NUMERIC)
			note(c, true, " [col %d %s is numeric: cast it]", k, ln);
	}
	PQclear(r);
	sqlite3_finalize(s);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s POSTGRES_URL [REPO_DIR]\n", argv[0]);
		return 2;
	}
	const char *repo = argc > 2 ? argv[2] : ".";
	sqlite3 *db = NULL;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK || apply_sqlite(db, repo) < 0)
		return 2;
	PGconn *pg = PQconnectdb(argv[1]);
	if (PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "postgres: connect: %s", PQerrorMessage(pg));
		return 2;
	}
	if (apply_pg(pg, repo) < 0)
		return 2;

	int passed = 0, failed = 0;
	for (int i = 0; i < STMT_COUNT; i++) {
		struct check c = { .name = store_stmts[i].name };
		check_one(&c, db, pg, i);
		printf("%s %s:%.*s\n", c.failed ? "FAIL" : "ok  ", c.name, (int)c.len, c.line);
		if (c.failed)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	PQfinish(pg);
	sqlite3_close(db);
	return failed ? 1 : 0;
}
