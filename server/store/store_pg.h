/*
 * store_pg.h — shared by the two halves of the PostgreSQL driver only:
 * store_pg.c (statements: bind, run, read; open and close) and
 * store_pg_conn.c (the session: plain commands, migrations, preparing,
 * reconnecting, session settings and notifications).
 */
#ifndef JOBD_STORE_PG_H
#define JOBD_STORE_PG_H

#include "pq.h"
#include "store_internal.h"

#define PG_MAX_PARAMS 32
#define PG_MAX_SESSION 16 /* session statements replayed after a reconnect */

struct pg_conn;

struct pg_stmt {
	struct store_stmt base; /* first: the accessors' view */
	struct pg_conn *c;
	int id;
	int nparams; /* its parameters: the types of store_stmts.def */
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
	bool stale;         /* a new session failed half-way: make another */
	int64_t retry_at;   /* monotonic µs before which no reconnect is tried */
	int64_t backoff_us;
	bool in_tx;         /* BEGIN succeeded; no COMMIT or ROLLBACK yet */
	char *session[PG_MAX_SESSION];
	char *session_key[PG_MAX_SESSION];
	int n_session;
	struct pg_stmt stmts[STMT_COUNT];
};

static inline struct pg_conn *pg_conn_of(struct store *st) { return st->conn; }

/* Keeps the first line of a libpq message as the connection's error. */
void pg_keep_error(struct pg_conn *c, const char *msg);
const char *pg_errmsg(struct store *st);
int pg_exec(struct store *st, const char *sql, char *err);
int pg_in_transaction(struct store *st);
int pg_schema_version(struct store *st, int *version, char *err);
/* Pending migrations/postgres/ files, under the migration lock. */
int pg_migrate(struct store *st, char *err);
int pg_prepare_all(struct pg_conn *c, char *err);
/* A new session after a lost one: prepared statements and session
 * statements again. */
int pg_reconnect(struct pg_conn *c);
bool pg_needs_reconnect(struct pg_conn *c);
void pg_quiet_notices(void *arg, const char *message);
int pg_session(struct store *st, const char *key, const char *sql, char *err);
int pg_listen_fd(struct store *st);
int pg_notifications(struct store *st, store_notify_fn fn, void *ctx);
void pg_conn_free_session(struct pg_conn *c);

#endif
