/*
 * store.c — the backend-neutral half of store.h: picks the driver for a
 * database target, opens and closes connections through it, and runs
 * transactions and savepoints. The SQL of every statement lives in the
 * statement catalogue (store_stmts.def, compiled by store_sql.c); the drivers
 * (store_sqlite.c, store_pg.c) are the only code that calls a database
 * library.
 */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

/* postgres:// and postgresql:// URLs go to PostgreSQL, anything else is a
 * SQLite path. */
static const struct store_driver *driver_for(const char *target)
{
	if (strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0)
		return &store_pg_driver;
	return &store_sqlite_driver;
}

void store_err(struct store *st, char *err, const char *what)
{
	if (st == NULL || st->drv == NULL) {
		err_set(err, "store %s: no connection", what);
		return;
	}
	err_set(err, "%s %s: %s", st->drv->name, what, st->drv->errmsg(st));
}

int store_schema_version(struct store *st, int *version, char *err)
{
	return st->drv->schema_version(st, version, err);
}

int store_open(struct store **out, const char *target, enum store_mode mode, char *err)
{
	struct store *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (st == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	st->drv = driver_for(target);
	st->mode = mode;
	if (st->drv->open(st, target, mode, err) < 0) {
		store_close(st);
		return -1;
	}
	*out = st;
	return 0;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->drv->close(st);
	free(st);
}

int store_begin(struct store *st, char *err) { return st->drv->exec(st, st->drv->begin, err); }

int store_commit(struct store *st, char *err) { return st->drv->exec(st, "COMMIT", err); }

void store_rollback(struct store *st)
{
	if (st->drv->in_transaction(st))
		st->drv->exec(st, "ROLLBACK", NULL);
}

int store_savepoint(struct store *st, char *err) { return st->drv->exec(st, "SAVEPOINT req", err); }

int store_release(struct store *st, char *err) { return st->drv->exec(st, "RELEASE req", err); }

void store_rollback_to_savepoint(struct store *st)
{
	st->drv->exec(st, "ROLLBACK TO req", NULL);
	st->drv->exec(st, "RELEASE req", NULL);
}
