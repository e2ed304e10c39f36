/*
 * store.h — the durable state: one database connection per struct store
 * (SQLite, or PostgreSQL for a cluster: store_nodes.h), with its statements
 * prepared once. The only place that knows there is SQL.
 *
 * Ownership: the dispatcher's thread owns the single writer connection
 * (every INSERT/UPDATE goes through it, in group-committed transactions);
 * HTTP threads borrow reader connections from a store_pool. SQLite runs in
 * WAL mode, so readers never block the writer nor see half a transaction.
 * synchronous=NORMAL: a committed transaction survives kill -9 of the
 * server (it is in the WAL file); only a power cut can lose the last ones.
 */
#ifndef JOBD_STORE_H
#define JOBD_STORE_H

#include <pthread.h>
#include <stdbool.h>

#include "common/err.h"

struct store;

enum store_mode { STORE_WRITER, STORE_READER };

/* The writer creates the file and applies migrations; readers need both done. */
int store_open(struct store **out, const char *path, enum store_mode mode, char *err);
void store_close(struct store *st);

int store_begin(struct store *st, char *err);
int store_commit(struct store *st, char *err);
void store_rollback(struct store *st);
/* One nested savepoint, so one request's failure spares the others of a group. */
int store_savepoint(struct store *st, char *err);
int store_release(struct store *st, char *err);
void store_rollback_to_savepoint(struct store *st);

/* The schema version now in the database (PRAGMA user_version; jobd_schema). */
int store_schema_version(struct store *st, int *version, char *err);

/* Many nodes share this database (PostgreSQL): store_nodes.h applies. */
bool store_shared(const struct store *st);

/* A bounded pool of reader connections, opened on first use. */
struct store_pool;
struct store_pool *store_pool_new(const char *path, int max_conns);
/* Blocks while all are in use. NULL with err if a connection cannot open. */
struct store *store_pool_acquire(struct store_pool *pool, char *err);
void store_pool_release(struct store_pool *pool, struct store *st);
void store_pool_free(struct store_pool *pool);

#endif
