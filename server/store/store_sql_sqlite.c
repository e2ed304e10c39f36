/*
 * store_sql_sqlite.c — the SQL text of every statement on SQLite, indexed by
 * enum store_stmt_id (store_driver.h). A PostgreSQL table (store_sql_pg.c)
 * will keep the same parameter numbers and result columns per statement.
 * Dialect kept here: ?N parameters, INDEXED BY, INSERT OR IGNORE, scalar
 * max()/min(), 0/1 booleans. The inserts return their new id (RETURNING,
 * SQLite 3.35+), as PostgreSQL will.
 */
#include "store_internal.h"

/* Both spelled exactly as in the partial indexes of 005_retention.sql:
 * SQLite uses a partial index only when the query's WHERE repeats its terms,
 * and INDEXED BY turns a mismatch into a prepare error, not a table scan. */
#define FINAL_STATES "state IN ('succeeded', 'failed', 'timed_out', 'canceled')"
#define OUTPUT_ON_DISK \
	"output_purged = 0 AND (stdout_bytes > 0 OR stderr_bytes > 0) AND " FINAL_STATES

const char *const store_sql_sqlite[STMT_COUNT] = {
	[STMT_JOB_INSERT] =
	    "INSERT INTO jobs (name, batch_id, command, env, cwd, stdin, state, priority,"
	    " timeout_s, max_attempts, idempotency_key, created_at, queued_at, run_at,"
	    " wait_until, retry_backoff_s, rerun_of, queue, limit_memory_mb, limit_cpu_s,"
	    " limit_open_files, limit_processes, schedule_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?8, ?9, ?10, ?11, ?11, ?12,"
	    " CASE WHEN ?12 > ?11 THEN ?12 END, ?13, ?14, coalesce(?15, 'default'), ?16, ?17,"
	    " ?18, ?19, ?20) RETURNING id",
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
	    " VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
	[STMT_BATCH_BY_IDEM] = "SELECT id FROM batches WHERE idempotency_key = ?1",
	[STMT_BATCH_GET] =
	    "SELECT id, name, total, created_at, rerun_of FROM batches WHERE id = ?1",
	[STMT_BATCH_STATS] =
	    "SELECT state, count(*), min(started_at), max(finished_at), sum(run_us)"
	    " FROM jobs WHERE batch_id = ?1 GROUP BY state",
	[STMT_BATCH_JOB_IDS] = "SELECT id FROM jobs WHERE batch_id = ?1 ORDER BY id",
	[STMT_BATCH_LIST] =
	    "SELECT id, name, total, created_at, rerun_of FROM batches WHERE id < ?1"
	    " ORDER BY id DESC LIMIT ?2",
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
	[STMT_QUEUE_TOTAL] = "SELECT count(*) FROM queues",
	/* Schedules (store_schedules.c; migration 004). */
	[STMT_SCHED_INSERT] =
	    "INSERT INTO schedules (name, cron, timezone, overlap, catch_up, job, paused,"
	    " next_run_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)"
	    " RETURNING id",
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
	/* Purges (store_retention.c; migration 005): writer only. */
	[R_CANDIDATES] =
	    "SELECT id, batch_id, state, stdout_bytes, stderr_bytes, output_purged"
	    " FROM jobs INDEXED BY jobs_finished WHERE " FINAL_STATES " AND finished_at < ?1"
	    " AND id < (SELECT max(id) FROM jobs) ORDER BY finished_at, id LIMIT ?2",
	/* A final job's edges are spent: its dependents were unblocked or
	 * canceled when it ended, and its own dependencies all ended before it. */
	[R_DEPS_FROM] = "DELETE FROM job_deps WHERE dep_id = ?1",
	[R_DEPS_TO] = "DELETE FROM job_deps WHERE job_id = ?1",
	/* rerun_of is a foreign key: it cannot keep naming a deleted job. */
	[R_RERUNS] = "UPDATE jobs SET rerun_of = NULL WHERE rerun_of = ?1",
	[R_DELETE_JOB] = "DELETE FROM jobs WHERE id = ?1 AND " FINAL_STATES,
	[R_BATCH_RERUNS] =
	    "UPDATE batches SET rerun_of = NULL WHERE rerun_of = ?1"
	    " AND NOT EXISTS (SELECT 1 FROM jobs WHERE batch_id = ?1)",
	[R_BATCH_DELETE] =
	    "DELETE FROM batches WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM jobs WHERE batch_id = ?1)",
	[R_BATCH_MAX] = "SELECT max(id) FROM batches",
	[R_OUTPUT_CANDIDATES] =
	    "SELECT id, stdout_bytes, stderr_bytes FROM jobs INDEXED BY jobs_output"
	    " WHERE " OUTPUT_ON_DISK " ORDER BY finished_at, id LIMIT ?1",
	[R_MARK_PURGED] = "UPDATE jobs SET output_purged = 1 WHERE id = ?1 AND " OUTPUT_ON_DISK,
	/* store_retention_job_bytes() in SQL. */
	[R_OUTPUT_TOTAL] =
	    "SELECT coalesce(sum(max(min(coalesce(stdout_bytes, 0), ?1), 0)"
	    " + max(min(coalesce(stderr_bytes, 0), ?1), 0)), 0)"
	    " FROM jobs INDEXED BY jobs_output WHERE " OUTPUT_ON_DISK,
	[R_OLDEST] =
	    "SELECT finished_at FROM jobs INDEXED BY jobs_finished WHERE " FINAL_STATES
	    " AND finished_at IS NOT NULL ORDER BY finished_at LIMIT 1",
};
