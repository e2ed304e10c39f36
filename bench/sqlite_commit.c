/*
 * sqlite_commit.c — the storage limit for single-job POSTs (issue 5, row 3).
 *
 * Creates a fresh database from migrations/sqlite/NNN_*.sql (WAL, synchronous=NORMAL, as
 * jobd runs it) and commits one queued job row per transaction, the way a
 * server without group commit acknowledges each POST. Stops after COUNT rows
 * or SECONDS and prints "commits=N seconds=S commits_per_s=R".
 *
 *   sqlite_commit -d DB_PATH -m MIGRATIONS_DIR [-t SECONDS] [-n COUNT]
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

int main(int argc, char **argv)
{
	const char *db_path = NULL, *mig = "migrations/sqlite";
	double secs = 3;
	long count = 1000000, n;
	char err[JOBROW_ERR_LEN];
	sqlite3_stmt *st;
	sqlite3 *db;
	int64_t t0, limit_us;
	int opt;

	while ((opt = getopt(argc, argv, "d:m:t:n:")) != -1) {
		switch (opt) {
		case 'd': db_path = optarg; break;
		case 'm': mig = optarg; break;
		case 't': secs = strtod(optarg, NULL); break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		default: goto usage;
		}
	}
	if (!db_path)
		goto usage;
	unlink(db_path); /* a fresh file each run: equal footing with jobd */
	if (jobrow_open(db_path, mig, &db, err) < 0 ||
	    jobrow_prepare(db, &st, err) < 0) {
		fprintf(stderr, "sqlite_commit: %s\n", err);
		return 1;
	}
	limit_us = (int64_t)(secs * 1e6);
	t0 = now_us(CLOCK_MONOTONIC);
	for (n = 0; n < count && now_us(CLOCK_MONOTONIC) - t0 < limit_us; n++) {
		if (jobrow_exec(db, "BEGIN IMMEDIATE", err) < 0 ||
		    jobrow_insert(db, st, n, "queued", now_us(CLOCK_REALTIME),
		    err) < 0 || jobrow_exec(db, "COMMIT", err) < 0) {
			fprintf(stderr, "sqlite_commit: %s\n", err);
			return 1;
		}
	}
	secs = (double)(now_us(CLOCK_MONOTONIC) - t0) / 1e6;
	printf("commits=%ld seconds=%.4f commits_per_s=%.1f\n", n, secs,
	    (double)n / secs);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return 0;
usage:
	fprintf(stderr, "usage: sqlite_commit -d DB [-m MIGRATIONS] [-t S] "
	    "[-n COUNT]\n");
	return 2;
}
