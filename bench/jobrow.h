/*
 * jobrow.h — one INSERT of a plausible job row into jobd's real `jobs` table,
 * shared by sqlite_commit.c (the storage limit) and seed_db.c (growth seeding).
 *
 * The statement is built from PRAGMA table_info(jobs), not hard-coded, so the
 * bench keeps measuring the schema migrations/sqlite/NNN_*.sql define as it changes.
 * Column values are chosen by name (see jobrow.c); columns with a default are
 * left to it. Errors go to the caller's err buffer, never to stdout.
 */
#ifndef JOBD_BENCH_JOBROW_H
#define JOBD_BENCH_JOBROW_H

#include <sqlite3.h>
#include <stdint.h>

#define JOBROW_ERR_LEN 512

/* Applies migrations/sqlite/NNN_*.sql in order when the db has no `jobs` table,
 * then sets WAL and synchronous=NORMAL (jobd's settings). */
int jobrow_open(const char *db_path, const char *migrations_dir, sqlite3 **out,
    char *err);

/* Prepares the INSERT; the caller finalizes it. */
int jobrow_prepare(sqlite3 *db, sqlite3_stmt **out, char *err);

/* Binds row number i (0-based) in state `state` ("queued", "succeeded",
 * "failed", ...) stamped at time t_us (µs since the epoch), and steps it. */
int jobrow_insert(sqlite3 *db, sqlite3_stmt *st, int64_t i, const char *state,
    int64_t t_us, char *err);

/* Runs one SQL text (BEGIN, COMMIT, ...) with an error message. */
int jobrow_exec(sqlite3 *db, const char *sql, char *err);

#endif
