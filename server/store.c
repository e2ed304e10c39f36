/*
 * store.c — opens SQLite connections, applies migrations, prepares the
 * statement table, and runs transactions (see store.h). The SQL text of every
 * statement lives here, indexed by enum store_stmt_id.
 */
#include "store_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_migrations.h"

#define STORE_BUSY_TIMEOUT_MS 10000

static const char *const stmt_sql[STMT_COUNT] = {
	[STMT_JOB_INSERT] =
	    "INSERT INTO jobs (name, batch_id, command, env, cwd, stdin, state, priority,"
	    " timeout_s, max_attempts, idempotency_key, created_at, queued_at, run_at,"
	    " wait_until, retry_backoff_s, rerun_of, queue, limit_memory_mb, limit_cpu_s,"
	    " limit_open_files, limit_processes, schedule_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?8, ?9, ?10, ?11, ?11, ?12,"
	    " CASE WHEN ?12 > ?11 THEN ?12 END, ?13, ?14, coalesce(?15, 'default'), ?16, ?17,"
	    " ?18, ?19, ?20)",
	[STMT_JOB_BY_IDEM] = "SELECT id FROM jobs WHERE idempotency_key = ?1",
	[STMT_JOB_GET] = "SELECT " STORE_JOB_COLS " FROM jobs WHERE id = ?1",
	[STMT_JOB_CLAIM] =
	    "UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = ?2,"
	    " started_at = ?3, pid = NULL WHERE id = ?1 AND state = 'queued'",
	[STMT_JOB_STARTED] =
	    "UPDATE jobs SET pid = ?2, started_at = ?3 WHERE id = ?1 AND state = 'running'",
	[STMT_JOB_FINISH] =
	    "UPDATE jobs SET state = ?2, exit_code = ?3, signal = ?4, error = ?5,"
	    " started_at = ?6, finished_at = ?7, run_us = ?8, cpu_user_us = ?9,"
	    " cpu_sys_us = ?10, max_rss_kb = ?11, stdout_bytes = ?12, stderr_bytes = ?13,"
	    " pid = coalesce(?14, pid) WHERE id = ?1 AND state = 'running'",
	[STMT_JOB_REQUEUE] =
	    "UPDATE jobs SET state = 'queued', queued_at = ?2, error = ?3, pid = NULL, wait_until = ?4,"
	    " started_at = NULL, finished_at = NULL, exit_code = NULL, signal = NULL,"
	    " run_us = NULL, cpu_user_us = NULL, cpu_sys_us = NULL, max_rss_kb = NULL,"
	    " stdout_bytes = NULL, stderr_bytes = NULL"
	    " WHERE id = ?1 AND state = 'running'",
	[STMT_JOB_CANCEL_QUEUED] =
	    "UPDATE jobs SET state = 'canceled', finished_at = ?2, cancel_requested = 1,"
	    " error = 'canceled before it started' WHERE id = ?1 AND state = 'queued'",
	[STMT_JOB_CANCEL_REQUEST] =
	    "UPDATE jobs SET cancel_requested = 1 WHERE id = ?1 AND state = 'running'",
	[STMT_JOB_COUNTS] = "SELECT state, count(*) FROM jobs GROUP BY state",
	[STMT_JOBS_RUNNING] =
	    "SELECT id, attempts, max_attempts FROM jobs WHERE state = 'running' ORDER BY id",
	[STMT_LIST_ALL] =
	    "SELECT " STORE_JOB_COLS " FROM jobs WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
	[STMT_LIST_STATE] =
	    "SELECT " STORE_JOB_COLS " FROM jobs WHERE state = ?3 AND id < ?1"
	    " ORDER BY id DESC LIMIT ?2",
	[STMT_LIST_BATCH] =
	    "SELECT " STORE_JOB_COLS " FROM jobs WHERE batch_id = ?4 AND id < ?1"
	    " ORDER BY id DESC LIMIT ?2",
	[STMT_LIST_BATCH_STATE] =
	    "SELECT " STORE_JOB_COLS " FROM jobs WHERE batch_id = ?4 AND state = ?3"
	    " AND id < ?1 ORDER BY id DESC LIMIT ?2",
	/* A schedule's jobs: jobs_schedule (schedule_id, id) serves the keyset. */
	[STMT_LIST_SCHEDULE] =
	    "SELECT " STORE_JOB_COLS " FROM jobs WHERE schedule_id = ?4 AND id < ?1"
	    " ORDER BY id DESC LIMIT ?2",
	[STMT_LIST_SCHEDULE_STATE] =
	    "SELECT " STORE_JOB_COLS " FROM jobs WHERE schedule_id = ?4 AND state = ?3"
	    " AND id < ?1 ORDER BY id DESC LIMIT ?2",
	[STMT_BATCH_INSERT] =
	    "INSERT INTO batches (name, total, idempotency_key, created_at, rerun_of)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_BATCH_BY_IDEM] = "SELECT id FROM batches WHERE idempotency_key = ?1",
	[STMT_BATCH_GET] =
	    "SELECT id, name, total, created_at, rerun_of FROM batches WHERE id = ?1",
	[STMT_BATCH_STATS] =
	    "SELECT state, count(*), min(started_at), max(finished_at), sum(run_us)"
	    " FROM jobs WHERE batch_id = ?1 GROUP BY state",
	[STMT_BATCH_JOB_IDS] = "SELECT id FROM jobs WHERE batch_id = ?1 ORDER BY id",
	[STMT_JOBS_PROMOTE] =
	    /* queued_at moves to when it became due: queue_ms then measures the
	     * wait for a worker, not the requested delay. */
	    /* INDEXED BY (here and below): without statistics the planner
	     * takes jobs_state_id and walks every queued row. */
	    "UPDATE jobs INDEXED BY jobs_waiting SET queued_at = wait_until, wait_until = NULL"
	    " WHERE state = 'queued' AND wait_until IS NOT NULL AND wait_until <= ?1",
	[STMT_NEXT_WAKE] =
	    "SELECT min(wait_until) FROM jobs INDEXED BY jobs_waiting"
	    " WHERE state = 'queued' AND wait_until IS NOT NULL",
	[STMT_JOB_STDIN] = "SELECT stdin FROM jobs WHERE id = ?1",
	/* Dependencies (store_deps.c; migration 003). */
	[STMT_JOB_STATE] = "SELECT state FROM jobs WHERE id = ?1",
	[STMT_JOB_SET_DEPS] = "UPDATE jobs SET blocked = ?2, after_ids = ?3 WHERE id = ?1",
	[STMT_DEP_INSERT] = "INSERT OR IGNORE INTO job_deps (dep_id, job_id) VALUES (?1, ?2)",
	[STMT_DEPS_OF] = "SELECT job_id FROM job_deps WHERE dep_id = ?1",
	[STMT_DEP_UNBLOCK] =
	    "UPDATE jobs SET blocked = blocked - 1 WHERE id = ?1 AND state = 'queued' AND blocked > 0",
	[STMT_JOB_BLOCKED] = "SELECT blocked FROM jobs WHERE id = ?1",
	[STMT_DEP_CANCEL] =
	    "UPDATE jobs SET state = 'canceled', finished_at = ?2, error = ?3"
	    " WHERE id = ?1 AND state = 'queued'",
	/* Queues (store_queues.c; migration 004). */
	[STMT_QUEUE_HEAD] =
	    /* INDEXED BY: without it the planner may pick jobs_state_id and
	     * sort every queued row, O(n) per dispatch; with it, prepare fails
	     * loudly if the partial index can ever not serve this query. */
	    "SELECT id, priority FROM jobs INDEXED BY jobs_ready WHERE queue = ?1"
	    " AND state = 'queued' AND wait_until IS NULL AND blocked = 0"
	    " ORDER BY priority DESC, id LIMIT 1",
	[STMT_JOB_FOR_RUN] = "SELECT " STORE_JOB_COLS ", stdin FROM jobs WHERE id = ?1",
	[STMT_QUEUES_ALL] =
	    "SELECT name, concurrency, paused, created_at, updated_at FROM queues ORDER BY name",
	[STMT_QUEUE_GET] =
	    "SELECT name, concurrency, paused, created_at, updated_at FROM queues WHERE name = ?1",
	[STMT_QUEUE_ENSURE] =
	    "INSERT OR IGNORE INTO queues (name, created_at, updated_at) VALUES (?1, ?2, ?2)",
	[STMT_QUEUE_SET] =
	    "INSERT INTO queues (name, concurrency, paused, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (name) DO UPDATE SET"
	    " concurrency = ?2, paused = ?3, updated_at = ?4",
	[STMT_QUEUE_COUNTS] =
	    "SELECT queue, state, count(*) FROM jobs WHERE state IN ('queued', 'running')"
	    " GROUP BY queue, state",
	/* Schedules (store_schedules.c; migration 004). */
	[STMT_SCHED_INSERT] =
	    "INSERT INTO schedules (name, cron, timezone, overlap, catch_up, job, paused,"
	    " next_run_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
	[STMT_SCHED_GET] = "SELECT " STORE_SCHED_COLS " FROM schedules WHERE id = ?1",
	[STMT_SCHED_LIST] = "SELECT " STORE_SCHED_COLS " FROM schedules ORDER BY id",
	[STMT_SCHED_DELETE] = "DELETE FROM schedules WHERE id = ?1",
	[STMT_SCHED_PAUSE] =
	    "UPDATE schedules SET paused = ?2, next_run_at = ?3, updated_at = ?4 WHERE id = ?1",
	[STMT_SCHED_DUE] =
	    "SELECT " STORE_SCHED_COLS " FROM schedules INDEXED BY schedules_due"
	    " WHERE paused = 0 AND next_run_at IS NOT NULL AND next_run_at <= ?1"
	    " ORDER BY next_run_at LIMIT 1",
	[STMT_SCHED_FIRED] =
	    "UPDATE schedules SET next_run_at = ?2, last_run_at = ?3, last_job_id = ?4,"
	    " runs = runs + 1, last_error = NULL WHERE id = ?1",
	[STMT_SCHED_SKIPPED] =
	    "UPDATE schedules SET next_run_at = ?2, skipped = skipped + 1, last_error = ?3"
	    " WHERE id = ?1",
	[STMT_SCHED_WAKE] =
	    "SELECT min(next_run_at) FROM schedules INDEXED BY schedules_due"
	    " WHERE paused = 0 AND next_run_at IS NOT NULL",
	/* Retention (store_retention.c; migration 005). */
	[STMT_JOB_OUTPUT_PURGED] = "SELECT output_purged FROM jobs WHERE id = ?1",
};

void store_err(struct store *st, char *err, const char *what)
{
	err_set(err, "sqlite %s: %s", what, st && st->db ? sqlite3_errmsg(st->db) : "no connection");
}

sqlite3 *store_db(struct store *st) { return st->db; }

sqlite3_stmt *store_stmt(struct store *st, enum store_stmt_id id)
{
	sqlite3_stmt *s = st->stmts[id];
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

static int exec_sql(struct store *st, const char *sql, char *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(err, "sqlite exec \"%.60s\": %s", sql, msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int store_schema_version(struct store *st, int *version, char *err)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) {
		store_err(st, err, "prepare PRAGMA user_version");
		return -1;
	}
	int rc = sqlite3_step(s);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW) {
		store_err(st, err, "PRAGMA user_version");
		return -1;
	}
	return 0;
}

/* Each pending migration and its user_version in one transaction. */
static int migrate(struct store *st, char *err)
{
	int have;

	if (store_schema_version(st, &have, err) < 0)
		return -1;
	for (int i = 0; i < store_migrations_count; i++) {
		const struct store_migration *m = &store_migrations[i];
		char pragma[64];
		if (m->version <= have)
			continue;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
		if (exec_sql(st, "BEGIN IMMEDIATE", err) < 0)
			return -1;
		if (exec_sql(st, m->sql, err) < 0 || exec_sql(st, pragma, err) < 0) {
			char inner[ERR_LEN];
			snprintf(inner, sizeof(inner), "%s", err);
			err_set(err, "migration %s: %s", m->name, inner);
			exec_sql(st, "ROLLBACK", NULL);
			return -1;
		}
		if (exec_sql(st, "COMMIT", err) < 0)
			return -1;
	}
	if (have > store_migrations[store_migrations_count - 1].version) {
		err_set(err, "database schema version %d is newer than this jobd (%d)", have,
		    store_migrations[store_migrations_count - 1].version);
		return -1;
	}
	return 0;
}

/* mkdir of the database's directory, one level (./data by default). */
static int make_db_dir(const char *path, char *err)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		err_set(err, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int store_open(struct store **out, const char *path, enum store_mode mode, char *err)
{
	struct store *st = calloc(1, sizeof(*st));
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	*out = NULL;
	if (st == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	st->mode = mode;
	if (mode == STORE_WRITER) {
		flags |= SQLITE_OPEN_CREATE;
		if (make_db_dir(path, err) < 0)
			goto fail;
	}
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		err_set(err, "sqlite open %s: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	if (sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS) != SQLITE_OK) {
		store_err(st, err, "busy_timeout");
		goto fail;
	}
	/* Page caches are per connection: small ones keep the server's memory
	 * flat however large the table grows (the OS caches the file anyway). */
	if (exec_sql(st, mode == STORE_WRITER ? "PRAGMA cache_size = -512"
					      : "PRAGMA cache_size = -256", err) < 0)
		goto fail;
	if (mode == STORE_WRITER &&
	    (exec_sql(st, "PRAGMA journal_mode = WAL", err) < 0 ||
		exec_sql(st, "PRAGMA synchronous = NORMAL", err) < 0 ||
		exec_sql(st, "PRAGMA foreign_keys = ON", err) < 0 || migrate(st, err) < 0))
		goto fail;
	for (int i = 0; i < STMT_COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
			&st->stmts[i], NULL) != SQLITE_OK) {
			err_set(err, "sqlite prepare statement %d: %s", i, sqlite3_errmsg(st->db));
			goto fail;
		}
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(st->stmts[i]);
	/* close_v2 cannot fail once every statement is finalized. */
	sqlite3_close_v2(st->db);
	free(st);
}

int store_begin(struct store *st, char *err) { return exec_sql(st, "BEGIN IMMEDIATE", err); }

int store_commit(struct store *st, char *err) { return exec_sql(st, "COMMIT", err); }

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		exec_sql(st, "ROLLBACK", NULL);
}

int store_savepoint(struct store *st, char *err) { return exec_sql(st, "SAVEPOINT req", err); }

int store_release(struct store *st, char *err) { return exec_sql(st, "RELEASE req", err); }

void store_rollback_to_savepoint(struct store *st)
{
	exec_sql(st, "ROLLBACK TO req", NULL);
	exec_sql(st, "RELEASE req", NULL);
}
