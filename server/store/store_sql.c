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
#include <stdbool.h>
#include <stdio.h>
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

/* Appends len bytes of src to buf[*n..cap); -1 when they do not fit. */
static int put_text(char *buf, size_t cap, size_t *n, const char *src, size_t len)
{
	if (*n + len >= cap)
		return -1;
	memcpy(buf + *n, src, len);
	*n += len;
	buf[*n] = '\0';
	return 0;
}

/* The parenthesised tuple after "VALUES " in sql: [*start, *end) with its
 * parentheses; -1 when there is none (quotes may hold parentheses). */
static int values_tuple(const char *sql, const char **start, const char **end)
{
	const char *p = strstr(sql, "VALUES (");
	int depth = 0;

	if (p == NULL)
		return -1;
	*start = p += strlen("VALUES ");
	for (bool quoted = false; *p != '\0'; p++) {
		if (*p == '\'')
			quoted = !quoted;
		else if (!quoted && *p == '(')
			depth++;
		else if (!quoted && *p == ')' && --depth == 0)
			break;
	}
	if (*p != ')')
		return -1;
	*end = p + 1;
	return 0;
}

char *store_sql_rows(const char *sql, int nparams, int rows)
{
	const char *start, *end;

	if (rows < 1 || values_tuple(sql, &start, &end) < 0)
		return NULL;
	/* Each ?N of row r becomes ?(N + r*nparams): at most 3 more digits. */
	size_t tuple = (size_t)(end - start), cap = strlen(sql) + (size_t)rows * (tuple * 2 + 2) + 1;
	size_t n = 0;
	char *text = malloc(cap);

	if (text == NULL || put_text(text, cap, &n, sql, (size_t)(start - sql)) < 0)
		goto fail;
	for (int r = 0; r < rows; r++) {
		if (r > 0 && put_text(text, cap, &n, ", ", 2) < 0)
			goto fail;
		for (const char *p = start; p < end;) {
			if (*p != '?') {
				const char *q = p;
				while (q < end && *q != '?')
					q++;
				if (put_text(text, cap, &n, p, (size_t)(q - p)) < 0)
					goto fail;
				p = q;
				continue;
			}
			char *after, num[24];
			long param = strtol(p + 1, &after, 10);
			int len = snprintf(num, sizeof(num), "?%ld", param + (long)r * nparams);
			if (after == p + 1 || put_text(text, cap, &n, num, (size_t)len) < 0)
				goto fail;
			p = after;
		}
	}
	if (put_text(text, cap, &n, end, strlen(end)) < 0)
		goto fail;
	return text;
fail:
	free(text);
	return NULL;
}
