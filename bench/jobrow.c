/*
 * jobrow.c — see jobrow.h. Builds "INSERT INTO jobs(...)" from the live schema
 * and picks each column's value from its name, so seeded rows look like jobs
 * jobd itself finished (succeeded/failed rows with timestamps and timings).
 * A column this file does not recognise gets NULL if nullable, else 0 or ''.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jobrow.h"

#define MAX_COLS 64
#define SQL_MAX 8192

enum kind {
	K_NULL, K_ZERO, K_EMPTY, K_STATE, K_COMMAND, K_ENV, K_CREATED,
	K_STARTED, K_FINISHED, K_DURATION, K_EXIT, K_ONE, K_TIMEOUT, K_RSS
};

struct col {
	enum kind kind;
	int is_int;      /* declared type has INT affinity */
	int is_text;
};

static struct col g_cols[MAX_COLS];
static int g_ncols;

int jobrow_exec(sqlite3 *db, const char *sql, char *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, JOBROW_ERR_LEN, "exec %.60s: %s", sql, msg);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int only_sql(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && strcmp(d->d_name + n - 4, ".sql") == 0;
}

static int apply_migrations(sqlite3 *db, const char *dir, char *err)
{
	struct dirent **names;
	char path[4096], *sql;
	int n, i, rc = 0;
	FILE *f;
	long len;

	n = scandir(dir, &names, only_sql, by_name);
	if (n <= 0) {
		snprintf(err, JOBROW_ERR_LEN, "scandir %s: no migrations", dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		f = fopen(path, "rb");
		sql = NULL;
		if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
		    fseek(f, 0, SEEK_SET) || !(sql = calloc(1, (size_t)len + 1)) ||
		    fread(sql, 1, (size_t)len, f) != (size_t)len) {
			snprintf(err, JOBROW_ERR_LEN, "read %.400s failed", path);
			rc = -1;
		} else if (jobrow_exec(db, sql, err) < 0) {
			rc = -1;
		}
		if (f)
			fclose(f);
		free(sql);
		if (rc)
			break;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int has_jobs_table(sqlite3 *db)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE "
	    "type='table' AND name='jobs'", -1, &st, NULL) != SQLITE_OK)
		return 0;
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int jobrow_open(const char *db_path, const char *migrations_dir, sqlite3 **out,
    char *err)
{
	sqlite3 *db;

	if (sqlite3_open(db_path, &db) != SQLITE_OK) {
		snprintf(err, JOBROW_ERR_LEN, "open %s: %s", db_path,
		    sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	if (jobrow_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    " PRAGMA foreign_keys=ON;", err) < 0 ||
	    (!has_jobs_table(db) && apply_migrations(db, migrations_dir, err))) {
		sqlite3_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static enum kind kind_of(const char *name, int notnull)
{
	static const struct { const char *prefix; enum kind kind; } map[] = {
		{ "state", K_STATE }, { "command", K_COMMAND }, { "env", K_ENV },
		{ "created", K_CREATED }, { "queued", K_CREATED },
		{ "submitted", K_CREATED }, { "updated", K_FINISHED },
		{ "started", K_STARTED }, { "finished", K_FINISHED },
		{ "run_us", K_DURATION }, { "cpu_", K_DURATION },
		{ "exit_code", K_EXIT }, { "attempts", K_ONE },
		{ "max_attempts", K_ONE }, { "timeout", K_TIMEOUT },
		{ "max_rss", K_RSS },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncmp(name, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].kind;
	if (ends_with(name, "_bytes") || strcmp(name, "priority") == 0 ||
	    strcmp(name, "worker") == 0)
		return K_ZERO;
	return notnull ? K_EMPTY : K_NULL;
}

int jobrow_prepare(sqlite3 *db, sqlite3_stmt **out, char *err)
{
	char sql[SQL_MAX], vals[SQL_MAX];
	size_t sl, vl;
	sqlite3_stmt *info;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA table_info(jobs)", -1, &info, NULL)
	    != SQLITE_OK) {
		snprintf(err, JOBROW_ERR_LEN, "table_info: %s", sqlite3_errmsg(db));
		return -1;
	}
	sl = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO jobs(");
	vl = (size_t)snprintf(vals, sizeof(vals), ") VALUES(");
	g_ncols = 0;
	while ((rc = sqlite3_step(info)) == SQLITE_ROW && g_ncols < MAX_COLS) {
		const char *name = (const char *)sqlite3_column_text(info, 1);
		const char *type = (const char *)sqlite3_column_text(info, 2);
		int notnull = sqlite3_column_int(info, 3);
		int has_default = sqlite3_column_type(info, 4) != SQLITE_NULL;
		int pk = sqlite3_column_int(info, 5);
		enum kind k = kind_of(name, notnull);

		if (pk || (has_default && (k == K_EMPTY || k == K_NULL)))
			continue;
		g_cols[g_ncols].kind = k;
		g_cols[g_ncols].is_int = type && strcasestr(type, "INT") != NULL;
		g_cols[g_ncols].is_text = type && (strcasestr(type, "TEXT") ||
		    strcasestr(type, "CHAR"));
		sl += (size_t)snprintf(sql + sl, sizeof(sql) - sl, "%s%s",
		    g_ncols ? "," : "", name);
		vl += (size_t)snprintf(vals + vl, sizeof(vals) - vl, "%s?",
		    g_ncols ? "," : "");
		g_ncols++;
	}
	sqlite3_finalize(info);
	if (g_ncols == 0 || sl + vl + 2 >= sizeof(sql)) {
		snprintf(err, JOBROW_ERR_LEN, "no usable columns in jobs");
		return -1;
	}
	snprintf(sql + sl, sizeof(sql) - sl, "%s)", vals);
	if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK) {
		snprintf(err, JOBROW_ERR_LEN, "prepare %.300s: %s", sql,
		    sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static const char *const g_states[] = {
	"queued", "running", "succeeded", "failed", "timed_out", "canceled"
};

static int state_index(const char *state)
{
	int i;

	for (i = 0; i < (int)(sizeof(g_states) / sizeof(g_states[0])); i++)
		if (strcmp(g_states[i], state) == 0)
			return i;
	return 0;
}

/* A time column: µs integer, or RFC 3339 text when declared TEXT. */
static void bind_time(sqlite3_stmt *st, int idx, const struct col *c,
    int64_t us)
{
	char buf[96];
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;

	if (!c->is_text) {
		sqlite3_bind_int64(st, idx, us);
		return;
	}
	gmtime_r(&secs, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(us % 1000000 / 1000));
	sqlite3_bind_text(st, idx, buf, -1, SQLITE_TRANSIENT);
}

int jobrow_insert(sqlite3 *db, sqlite3_stmt *st, int64_t i, const char *state,
    int64_t t_us, char *err)
{
	int final = strcmp(state, "queued") != 0 && strcmp(state, "running") != 0;
	int c, idx, rc;

	(void)i;
	for (c = 0; c < g_ncols; c++) {
		const struct col *col = &g_cols[c];

		idx = c + 1;
		switch (col->kind) {
		case K_STATE:
			if (col->is_int)
				sqlite3_bind_int(st, idx, state_index(state));
			else
				sqlite3_bind_text(st, idx, state, -1, SQLITE_STATIC);
			break;
		case K_COMMAND:
			sqlite3_bind_text(st, idx, "[\"true\"]", -1, SQLITE_STATIC);
			break;
		case K_ENV: sqlite3_bind_text(st, idx, "{}", -1, SQLITE_STATIC); break;
		case K_CREATED: bind_time(st, idx, col, t_us); break;
		case K_STARTED:
		case K_FINISHED:
			if (!final)
				sqlite3_bind_null(st, idx);
			else
				bind_time(st, idx, col, t_us +
				    (col->kind == K_STARTED ? 500 : 1500));
			break;
		case K_DURATION:
		case K_EXIT:
		case K_RSS:
			if (!final)
				sqlite3_bind_null(st, idx);
			else if (col->kind == K_EXIT)
				sqlite3_bind_int(st, idx, strcmp(state, "failed") == 0);
			else
				sqlite3_bind_int(st, idx, col->kind == K_RSS ? 1800 : 1000);
			break;
		case K_ONE: sqlite3_bind_int(st, idx, 1); break;
		case K_TIMEOUT: sqlite3_bind_int(st, idx, 3600); break;
		case K_ZERO: sqlite3_bind_int(st, idx, 0); break;
		case K_EMPTY:
			if (col->is_int)
				sqlite3_bind_int(st, idx, 0);
			else
				sqlite3_bind_text(st, idx, "", 0, SQLITE_STATIC);
			break;
		case K_NULL: sqlite3_bind_null(st, idx); break;
		}
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, JOBROW_ERR_LEN, "insert job: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}
