/*
 * store_sql.c — the statement catalogue (store_stmts.def) compiled into the
 * tables the drivers prepare from: names, parameter types and who prepares
 * each statement; SQLite's texts; PostgreSQL's texts (its own where the
 * catalogue gives one, else the shared one in its dialect). Nothing here is
 * written by hand but the turning of ?N into $N and of type letters into
 * PostgreSQL's type OIDs, which the PostgreSQL driver and the SQL-table
 * test both use.
 */
#include <postgres_ext.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define ALL false
#define WRITER true
const struct store_stmt_info store_stmts[STMT_COUNT] = {
#define STMT(id, conns, types, sql, pg) [id] = { #id, types, conns },
#include "store_stmts.def"
};
#undef ALL
#undef WRITER

const char *const store_sql_sqlite[STMT_COUNT] = {
#define STMT(id, conns, types, sql, pg) [id] = sql,
#include "store_stmts.def"
};

/* pg when the catalogue gives PostgreSQL its own text, else sql: NULL is a
 * (void *), a string literal is not. */
#define PG_TEXT(sql, pg) _Generic((pg), void *: (sql), default: (pg))
#define STMT_DIALECT_PG
const char *const store_sql_pg[STMT_COUNT] = {
#define STMT(id, conns, types, sql, pg) [id] = PG_TEXT(sql, pg),
#include "store_stmts.def"
};
#undef STMT_DIALECT_PG
#undef PG_TEXT

char *store_sql_pg_text(enum store_stmt_id id)
{
	size_t len = strlen(store_sql_pg[id]) + 1;
	char *text = malloc(len);

	if (text == NULL)
		return NULL;
	memcpy(text, store_sql_pg[id], len);
	/* The catalogue holds no "?" but its parameters (the test checks). */
	for (char *p = strchr(text, '?'); p != NULL; p = strchr(p + 1, '?'))
		*p = '$';
	return text;
}

/* PostgreSQL's built-in type OIDs (catalog/pg_type.dat): fixed since 7.x,
 * and not in libpq's headers. */
static Oid pg_type(char letter)
{
	switch (letter) {
	case 'i': return 20;  /* bigint */
	case '4': return 23;  /* integer */
	case '2': return 21;  /* smallint */
	case 't': return 25;  /* text */
	case 'f': return 701; /* double precision */
	case 'b': return 16;  /* boolean */
	case 'x': return 17;  /* bytea */
	case 'j': return 3802; /* jsonb (bound as its text) */
	default: return 0;
	}
}

int store_sql_pg_types(enum store_stmt_id id, unsigned int *oids, int max)
{
	const char *types = store_stmts[id].types;
	int n = (int)strlen(types);

	if (n > max)
		return -1;
	for (int i = 0; i < n; i++)
		if ((oids[i] = pg_type(types[i])) == 0)
			return -1;
	return n;
}
