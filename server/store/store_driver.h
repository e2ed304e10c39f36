/*
 * store_driver.h — what a database backend provides to the store: a
 * connection, its migrations, and prepared statements that are bound,
 * stepped and read through a small table of functions. The query files
 * (store_jobs.c, store_queues.c, …) are written once over the forwarding
 * accessors of store_internal.h and never see the backend's own types.
 *
 * A backend is a driver (store_sqlite.c, store_pg.c) plus its statement
 * table indexed by enum store_stmt_id. Every statement is declared once, in
 * store_stmts.def, with one text for both backends or a text each; the
 * enum below, both tables and their names and parameter types
 * (store_sql.c) are generated from it, so every table keeps the same
 * parameter numbers and result columns per statement and the query code
 * binds and reads them alike.
 *
 * How to add a statement: see store_stmts.def (one STMT line there). A
 * statement only PostgreSQL has is NULL in SQLite's table (never prepared
 * there, and never used: the caller checks store_shared()).
 */
#ifndef JOBD_STORE_DRIVER_H
#define JOBD_STORE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "store_nodes.h"

enum store_stmt_id {
#define STMT(id, conns, types, sql, pg) id,
#include "store_stmts.def"
	STMT_COUNT
};

/* What the catalogue says of a statement besides its text (store_sql.c). */
struct store_stmt_info {
	const char *name;  /* "STMT_JOB_GET": for messages and the SQL-table test */
	const char *types; /* its parameters' types, one letter per ?N (store_stmts.def) */
	bool writer_only;  /* prepared on the writer's connection only */
};

/* What a step returns; errors are negative, and the driver's errmsg()
 * says more. */
enum store_rc {
	STORE_DOWN = -3,     /* the connection is lost (PostgreSQL) */
	STORE_CONFLICT = -2, /* a unique constraint (SQLSTATE 23505) */
	STORE_ERR = -1,
	STORE_DONE = 0,
	STORE_ROW = 1,
};

/* Capabilities: none of them on SQLite. */
#define STORE_SHARED 0x1u        /* many nodes share the database */
#define STORE_NOTIFY 0x2u        /* LISTEN/NOTIFY */
#define STORE_OUTPUT_IN_DB 0x4u  /* job output kept in the database */

/* A prepared statement. Each driver's own struct begins with this one, so
 * the accessors reach the driver from the statement alone. Drivers own
 * their statements: prepared at open, finalized at close. */
struct store_stmt {
	const struct store_driver *drv;
};

struct store;

/*
 * Bound text and blobs are not copied: they must stay valid until the
 * statement is stepped to its end or fetched again. Column reads return
 * NULL-safe values: col_i64 gives null_value for NULL, col_double 0,
 * col_text and col_blob NULL (and *len 0); text and blobs are borrowed
 * until the next step or reset.
 */
struct store_driver {
	const char *name; /* "sqlite"; error messages start with it */
	unsigned caps;
	const char *const *sql; /* [STMT_COUNT] */
	const char *begin;      /* starts the writer's transaction: "BEGIN IMMEDIATE" */
	/* Fills st->conn; a writer creates the database and migrates it. */
	int (*open)(struct store *st, const char *target, enum store_mode mode, char *err);
	void (*close)(struct store *st);
	int (*exec)(struct store *st, const char *sql, char *err);
	int (*in_transaction)(struct store *st);
	int (*schema_version)(struct store *st, int *version, char *err);
	const char *(*errmsg)(struct store *st);
	/* Rows changed by the last finished INSERT, UPDATE or DELETE. */
	int64_t (*changes)(struct store *st);
	/* The id the last INSERT made, where its statement returns no row
	 * (SQL_RETURNING_ID is empty); NULL where it does. */
	int64_t (*inserted_id)(struct store *st);
	/* Reset and unbound; never NULL for a statement the mode prepared. */
	struct store_stmt *(*stmt)(struct store *st, enum store_stmt_id id);
	/* The INSERT id with its VALUES tuple rows times (store_sql_rows),
	 * prepared on first use, reset and unbound; NULL when it cannot be
	 * had: then insert row by row. NULL on PostgreSQL (at most
	 * PG_MAX_PARAMS parameters a statement). */
	struct store_stmt *(*stmt_rows)(struct store *st, enum store_stmt_id id, int rows);
	int (*step)(struct store *st, struct store_stmt *s); /* enum store_rc */
	void (*reset)(struct store_stmt *s);
	/* Resets every statement: a reader back in its pool holds no snapshot. */
	void (*reset_all)(struct store *st);
	void (*bind_null)(struct store_stmt *s, int i);
	void (*bind_i64)(struct store_stmt *s, int i, int64_t v);
	void (*bind_double)(struct store_stmt *s, int i, double v);
	void (*bind_text)(struct store_stmt *s, int i, const char *v);
	void (*bind_blob)(struct store_stmt *s, int i, const void *v, size_t len);
	int (*col_is_null)(struct store_stmt *s, int i);
	int64_t (*col_i64)(struct store_stmt *s, int i, int64_t null_value);
	double (*col_double)(struct store_stmt *s, int i);
	const char *(*col_text)(struct store_stmt *s, int i);
	const void *(*col_blob)(struct store_stmt *s, int i, size_t *len);
	/* NULL on SQLite (no STORE_SHARED / STORE_NOTIFY): */
	/* Runs sql now and again in every new session after a reconnect; a
	 * later statement under the same key replaces the earlier. */
	int (*session)(struct store *st, const char *key, const char *sql, char *err);
	/* The socket to poll for notifications; -1 while disconnected. */
	int (*listen_fd)(struct store *st);
	/* Calls fn for each notification received; -1 if the connection failed. */
	int (*notifications)(struct store *st, store_notify_fn fn, void *ctx);
};

extern const struct store_driver store_sqlite_driver;
extern const struct store_driver store_pg_driver;
/* The catalogue compiled (store_sql.c): each backend's text, NULL where it
 * has none; ?N parameters in both (store_sql_pg_text() makes them $N). */
extern const struct store_stmt_info store_stmts[STMT_COUNT];
extern const char *const store_sql_sqlite[STMT_COUNT];
extern const char *const store_sql_pg[STMT_COUNT];

/* Whether a connection of this mode prepares the statement: the writer all,
 * a reader those not marked WRITER in store_stmts.def. */
static inline bool store_stmt_on(enum store_stmt_id id, enum store_mode mode)
{
	return mode == STORE_WRITER || !store_stmts[id].writer_only;
}

/* PostgreSQL's text of a statement, ?N turned into $N: malloc'd (the caller
 * frees it), or NULL without memory. */
char *store_sql_pg_text(enum store_stmt_id id);
/* Its parameter types as PostgreSQL type OIDs, into oids[max]: the count,
 * or -1 for more than max or a letter store_stmts.def does not define. */
int store_sql_pg_types(enum store_stmt_id id, unsigned int *oids, int max);
/* A one-row INSERT made multi-row: sql's VALUES tuple rows times, the
 * parameters of row r (from 0) numbered ?N + r * nparams. malloc'd, or
 * NULL when sql has no VALUES tuple or without memory. */
char *store_sql_rows(const char *sql, int nparams, int rows);

#endif
