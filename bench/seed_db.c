/*
 * seed_db.c — grows a stopped jobd's database for the growth rows (issue 5, row 5).
 *
 * Appends COUNT finished jobs (every FAIL_EVERY-th one failed, the rest
 * succeeded) to the `jobs` table in ONE transaction, so 1M rows take seconds.
 * Rows are final, so a restarted jobd has nothing to run; created_at runs up
 * to now, 1 ms apart. jobd must be stopped: this is a second writer.
 *
 *   seed_db -d DB_PATH -n COUNT [-f FAIL_EVERY] [-m MIGRATIONS_DIR]
 *
 * Prints "seeded=N seconds=S total_rows=T".
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "jobrow.h"

static int64_t now_us(int clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long count_rows(sqlite3 *db)
{
	sqlite3_stmt *st;
	long n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM jobs", -1, &st, NULL)
	    == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int main(int argc, char **argv)
{
	const char *db_path = NULL, *mig = "migrations/sqlite";
	long count = 0, fail_every = 10, i;
	char err[JOBROW_ERR_LEN];
	sqlite3_stmt *st;
	sqlite3 *db;
	int64_t t0, base;
	int opt;

	while ((opt = getopt(argc, argv, "d:n:f:m:")) != -1) {
		switch (opt) {
		case 'd': db_path = optarg; break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		case 'f': fail_every = strtol(optarg, NULL, 10); break;
		case 'm': mig = optarg; break;
		default: goto usage;
		}
	}
	if (!db_path || count < 1 || fail_every < 1)
		goto usage;
	if (jobrow_open(db_path, mig, &db, err) < 0 ||
	    jobrow_prepare(db, &st, err) < 0 ||
	    jobrow_exec(db, "BEGIN IMMEDIATE", err) < 0)
		goto fail;
	t0 = now_us(CLOCK_MONOTONIC);
	base = now_us(CLOCK_REALTIME) - (int64_t)count * 1000;
	for (i = 0; i < count; i++)
		if (jobrow_insert(db, st, i, i % fail_every == fail_every - 1 ?
		    "failed" : "succeeded", base + i * 1000, err) < 0)
			goto fail;
	if (jobrow_exec(db, "COMMIT", err) < 0)
		goto fail;
	printf("seeded=%ld seconds=%.3f total_rows=%ld\n", count,
	    (double)(now_us(CLOCK_MONOTONIC) - t0) / 1e6, count_rows(db));
	sqlite3_finalize(st);
	/* fold the WAL back so jobd starts on a clean file */
	jobrow_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", err);
	sqlite3_close(db);
	return 0;
fail:
	fprintf(stderr, "seed_db: %s\n", err);
	return 1;
usage:
	fprintf(stderr, "usage: seed_db -d DB -n COUNT [-f FAIL_EVERY] "
	    "[-m MIGRATIONS]\n");
	return 2;
}
