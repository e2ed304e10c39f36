/*
 * store_driver.h — what a database backend provides to the store: a
 * connection, its migrations, and prepared statements that are bound,
 * stepped and read through a small table of functions. The query files
 * (store_jobs.c, store_queues.c, …) are written once over the forwarding
 * accessors of store_internal.h and never see the backend's own types.
 *
 * A backend is a driver (store_sqlite.c, store_pg.c) plus a statement
 * table indexed by enum store_stmt_id (store_sql_sqlite.c, store_sql_pg.c). Every table keeps the same parameter numbers and result
 * columns per statement, so the query code binds and reads them alike.
 *
 * How to add a statement: add its id below (before STMT_WRITER_ONLY if
 * readers use it too), then its text to every store_sql_*.c table. A
 * statement only one backend needs is NULL in the others' tables (never
 * prepared there, and never used: the caller checks store_shared()).
 */
#ifndef JOBD_STORE_DRIVER_H
#define JOBD_STORE_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "store_nodes.h"

enum store_stmt_id {
	STMT_JOB_INSERT,
	STMT_JOB_BY_IDEM,
	STMT_JOB_GET,
	STMT_JOB_CLAIM,
	STMT_JOB_STARTED,
	STMT_JOB_FINISH,
	STMT_JOB_REQUEUE,
	STMT_JOB_CANCEL_QUEUED,
	STMT_JOB_CANCEL_REQUEST,
	STMT_JOB_COUNTS,
	STMT_JOBS_RUNNING,
	STMT_LIST_ALL,
	STMT_LIST_STATE,
	STMT_LIST_BATCH,
	STMT_LIST_BATCH_STATE,
	STMT_LIST_SCHEDULE,
	STMT_LIST_SCHEDULE_STATE,
	STMT_BATCH_INSERT,
	STMT_BATCH_BY_IDEM,
	STMT_BATCH_GET,
	STMT_BATCH_STATS,
	STMT_BATCH_JOB_IDS,
	STMT_BATCH_LIST,
	STMT_JOBS_PROMOTE,
	STMT_NEXT_WAKE,
	STMT_JOB_STDIN,
	STMT_JOB_STATE,
	STMT_JOB_SET_DEPS,
	STMT_DEP_INSERT,
	STMT_DEPS_OF,
	STMT_DEP_UNBLOCK,
	STMT_JOB_BLOCKED,
	STMT_DEP_CANCEL,
	/* Queues (store_queues.c; migration 004). */
	STMT_QUEUE_HEAD,
	STMT_JOB_FOR_RUN,
	STMT_QUEUES_ALL,
	STMT_QUEUE_GET,
	STMT_QUEUE_ENSURE,
	STMT_QUEUE_SET,
	STMT_QUEUE_COUNTS,
	STMT_QUEUE_TOTAL,
	/* Schedules (store_schedules.c; migration 004). */
	STMT_SCHED_INSERT,
	STMT_SCHED_GET,
	STMT_SCHED_LIST,
	STMT_SCHED_DELETE,
	STMT_SCHED_PAUSE,
	STMT_SCHED_DUE,
	STMT_SCHED_FIRED,
	STMT_SCHED_SKIPPED,
	STMT_SCHED_WAKE,
	/* Retention (store_retention.c; migration 005). */
	STMT_JOB_OUTPUT_PURGED,
	/* Cluster reads (store_nodes.c): PostgreSQL only, NULL on SQLite. */
	STMT_NODES_LIST,
	STMT_NODES_BUSY,
	STMT_OUTPUT_GET,
	/* From here on, prepared on the writer only: retention runs on the
	 * dispatcher's connection, so readers need not prepare these. */
	STMT_WRITER_ONLY,
	R_CANDIDATES = STMT_WRITER_ONLY,
	R_DEPS_FROM,
	R_DEPS_TO,
	R_RERUNS,
	R_DELETE_JOB,
	R_BATCH_RERUNS,
	R_BATCH_DELETE,
	R_BATCH_MAX,
	R_OUTPUT_CANDIDATES,
	R_MARK_PURGED,
	R_OUTPUT_TOTAL,
	R_OLDEST,
	/* Cluster (store_nodes.c, store_output_db.c): PostgreSQL only, NULL on SQLite. */
	C_NODE_REGISTER,
	C_NODES_SAME_NAME,
	C_NODE_TRY_LOCK,
	C_NODE_UNLOCK,
	C_NODE_MARK,
	C_HEARTBEAT,
	C_LEASE_RENEW,
	C_EXPIRED,
	C_NODES_EXPIRE,
	C_NOTIFY,
	C_QUEUE_LOCK,
	C_QUEUE_RUNNING,
	C_RETENTION_LOCK,
	C_OUTPUT_PUT,
	C_JOB_LOCK,
	STMT_COUNT
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
	/* Reset and unbound; never NULL for a statement the mode prepared. */
	struct store_stmt *(*stmt)(struct store *st, enum store_stmt_id id);
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
/* The statement tables (store_sql_sqlite.c, store_sql_pg.c). */
extern const char *const store_sql_sqlite[STMT_COUNT];
extern const char *const store_sql_pg[STMT_COUNT];

#endif
