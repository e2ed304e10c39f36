/*
 * store_sql_pg.c — the SQL text of every statement on PostgreSQL, indexed by
 * enum store_stmt_id (store_driver.h), over migrations/postgres/. Each
 * statement keeps the parameter numbers and result columns of its SQLite
 * text (store_sql_sqlite.c), so the query files bind and read both alike;
 * tests/pg/check-sql-tables.sh checks the shapes.
 *
 * Dialect kept here:
 * - $N parameters, each cast at every use ($1::bigint, $2::text,
 *   $3::double precision, $4::boolean, $5::bytea), one type per parameter:
 *   the driver prepares without parameter types and sends every value as
 *   text (bytea as binary), so an uncast parameter would compare as text.
 *   Flags are bound as 0/1, which ::boolean accepts.
 * - Flags are boolean columns, returned as they are (the driver reads
 *   't'/'f' as 1/0); SQL says `NOT paused`, `output_purged = true`.
 * - No INDEXED BY (the planner picks the partial indexes on its own);
 *   ON CONFLICT DO NOTHING for INSERT OR IGNORE; greatest()/least() for
 *   scalar max()/min().
 * - Where SQLite's order depends on NULLs (first in ASC, last in DESC) or
 *   on the scan order of an index, the order is spelled out (NULLS FIRST,
 *   a trailing id), so both backends return the same rows in the same order.
 * - No row locks: single-node semantics, as on SQLite.
 * No "$" in this file's SQL but parameters: the driver counts them by it.
 */
#include "store_internal.h"

/* Both spelled exactly as in the partial indexes of
 * migrations/postgres/001_schema.sql: PostgreSQL uses a partial index only
 * when it can prove the query's WHERE implies the index's. */
#define FINAL_STATES "state IN ('succeeded', 'failed', 'timed_out', 'canceled')"
#define OUTPUT_ON_DISK \
	"NOT output_purged AND (stdout_bytes > 0 OR stderr_bytes > 0) AND " FINAL_STATES

/* SQLite reads a negative LIMIT as no limit; PostgreSQL rejects it, and
 * reads LIMIT NULL as no limit. (The callers pass at least 1 today.) */
#define LIMIT(p) " LIMIT CASE WHEN " p " >= 0 THEN " p " END"

/* The list statements without a state filter leave ?3 unused: SQLite
 * allows the gap, PostgreSQL cannot type an unused parameter. This names
 * it (text, as the _STATE statements bind it) and folds away at planning. */
#define STATE_UNUSED " AND ($3::text IS NULL OR true)"

/* This node's id in the session (store_node_register). */
#define NODE_ID "current_setting('jobd.node_id')::bigint"
/* Jobs whose output files are here: run by this node or an earlier
 * incarnation of it (the same name), or never run. */
#define OWN_OUTPUT \
	"(node_id IS NULL OR node_id IN (SELECT id FROM nodes" \
	" WHERE name = current_setting('jobd.node_name')))"
/* Jobs this node may purge: its own, and those of nodes gone for good (no
 * incarnation of their name alive: a live one keeps its files). */
#define PURGEABLE \
	"(" OWN_OUTPUT " OR node_id IN (SELECT id FROM nodes n WHERE state <> 'alive'" \
	" AND NOT EXISTS (SELECT 1 FROM nodes m WHERE m.name = n.name AND m.state = 'alive')))"

const char *const store_sql_pg[STMT_COUNT] = {
	[STMT_JOB_INSERT] =
	    "INSERT INTO jobs (name, batch_id, command, env, cwd, stdin, state, priority,"
	    " timeout_s, max_attempts, idempotency_key, created_at, queued_at, run_at,"
	    " wait_until, retry_backoff_s, rerun_of, queue, limit_memory_mb, limit_cpu_s,"
	    " limit_open_files, limit_processes, schedule_id)"
	    " VALUES ($1::text, $2::bigint, $3::text, $4::text, $5::text, $6::bytea, 'queued',"
	    " $7::bigint, $8::double precision, $9::bigint, $10::text, $11::bigint, $11::bigint,"
	    " $12::bigint, CASE WHEN $12::bigint > $11::bigint THEN $12::bigint END,"
	    " $13::double precision, $14::bigint, coalesce($15::text, 'default'), $16::bigint,"
	    " $17::bigint, $18::bigint, $19::bigint, $20::bigint) RETURNING id",
	[STMT_JOB_BY_IDEM] = "SELECT id FROM jobs WHERE idempotency_key = $1::text",
	[STMT_JOB_GET] = "SELECT " STORE_JOB_COLS " FROM jobs WHERE id = $1::bigint",
	/* The claim records this node and its lease (session settings made by
	 * store_node_register), so the statement keeps SQLite's parameters. */
	[STMT_JOB_CLAIM] =
	    "UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = $2::bigint,"
	    " started_at = $3::bigint, pid = NULL, node_id = " NODE_ID ","
	    " lease_until = jobd_now_us() + current_setting('jobd.lease_us')::bigint"
	    " WHERE id = $1::bigint AND state = 'queued'",
	/* Fenced: a node whose attempt was reclaimed cannot write into the next. */
	[STMT_JOB_STARTED] =
	    "UPDATE jobs SET pid = $2::bigint, started_at = $3::bigint"
	    " WHERE id = $1::bigint AND state = 'running' AND node_id = " NODE_ID,
	[STMT_JOB_FINISH] =
	    "UPDATE jobs SET state = $2::text, exit_code = $3::bigint, signal = $4::bigint,"
	    " error = $5::text, started_at = $6::bigint, finished_at = $7::bigint,"
	    " run_us = $8::bigint, cpu_user_us = $9::bigint, cpu_sys_us = $10::bigint,"
	    " max_rss_kb = $11::bigint, stdout_bytes = $12::bigint, stderr_bytes = $13::bigint,"
	    " pid = coalesce($14::bigint, pid) WHERE id = $1::bigint AND state = 'running'",
	[STMT_JOB_REQUEUE] =
	    "UPDATE jobs SET state = 'queued', queued_at = $2::bigint, error = $3::text, pid = NULL,"
	    " wait_until = $4::bigint,"
	    " started_at = NULL, finished_at = NULL, exit_code = NULL, signal = NULL,"
	    " run_us = NULL, cpu_user_us = NULL, cpu_sys_us = NULL, max_rss_kb = NULL,"
	    " stdout_bytes = NULL, stderr_bytes = NULL"
	    " WHERE id = $1::bigint AND state = 'running'",
	[STMT_JOB_CANCEL_QUEUED] =
	    "UPDATE jobs SET state = 'canceled', finished_at = $2::bigint, cancel_requested = true,"
	    " error = 'canceled before it started' WHERE id = $1::bigint AND state = 'queued'",
	[STMT_JOB_CANCEL_REQUEST] =
	    "UPDATE jobs SET cancel_requested = true WHERE id = $1::bigint AND state = 'running'",
	[STMT_JOB_COUNTS] = "SELECT state, count(*) FROM jobs GROUP BY state",
	/* Jobs left running by this node: at start, by its earlier incarnations
	 * (store_node_register marked them dead); at shutdown, by itself. Other
	 * nodes' jobs are theirs until their lease ends (C_EXPIRED). */
	[STMT_JOBS_RUNNING] =
	    "SELECT id, attempts, max_attempts FROM jobs WHERE state = 'running'"
	    " AND node_id IN (SELECT id FROM nodes WHERE name = current_setting('jobd.node_name')"
	    " AND (state = 'dead' OR id = " NODE_ID ")) ORDER BY id",
	[STMT_LIST_ALL] =
	    "SELECT " STORE_JOB_COLS " FROM jobs WHERE id < $1::bigint"
	    " ORDER BY id DESC" LIMIT("$2::bigint"),
	[STMT_LIST_STATE] =
	    "SELECT " STORE_JOB_COLS " FROM jobs WHERE state = $3::text AND id < $1::bigint"
	    " ORDER BY id DESC" LIMIT("$2::bigint"),
	[STMT_LIST_BATCH] =
	    "SELECT " STORE_JOB_COLS " FROM jobs WHERE batch_id = $4::bigint AND id < $1::bigint"
	    STATE_UNUSED " ORDER BY id DESC" LIMIT("$2::bigint"),
	[STMT_LIST_BATCH_STATE] =
	    "SELECT " STORE_JOB_COLS " FROM jobs WHERE batch_id = $4::bigint AND state = $3::text"
	    " AND id < $1::bigint ORDER BY id DESC" LIMIT("$2::bigint"),
	/* A schedule's jobs: jobs_schedule (schedule_id, id) serves the keyset. */
	[STMT_LIST_SCHEDULE] =
	    "SELECT " STORE_JOB_COLS " FROM jobs WHERE schedule_id = $4::bigint"
	    " AND id < $1::bigint" STATE_UNUSED " ORDER BY id DESC" LIMIT("$2::bigint"),
	[STMT_LIST_SCHEDULE_STATE] =
	    "SELECT " STORE_JOB_COLS " FROM jobs WHERE schedule_id = $4::bigint"
	    " AND state = $3::text AND id < $1::bigint ORDER BY id DESC" LIMIT("$2::bigint"),
	[STMT_BATCH_INSERT] =
	    "INSERT INTO batches (name, total, idempotency_key, created_at, rerun_of)"
	    " VALUES ($1::text, $2::bigint, $3::text, $4::bigint, $5::bigint) RETURNING id",
	[STMT_BATCH_BY_IDEM] = "SELECT id FROM batches WHERE idempotency_key = $1::text",
	[STMT_BATCH_GET] =
	    "SELECT id, name, total, created_at, rerun_of FROM batches WHERE id = $1::bigint",
	/* sum(bigint) is numeric in PostgreSQL: back to bigint, as SQLite's. */
	[STMT_BATCH_STATS] =
	    "SELECT state, count(*), min(started_at), max(finished_at), sum(run_us)::bigint"
	    " FROM jobs WHERE batch_id = $1::bigint GROUP BY state",
	[STMT_BATCH_JOB_IDS] = "SELECT id FROM jobs WHERE batch_id = $1::bigint ORDER BY id",
	[STMT_BATCH_LIST] =
	    "SELECT id, name, total, created_at, rerun_of FROM batches WHERE id < $1::bigint"
	    " ORDER BY id DESC" LIMIT("$2::bigint"),
	[STMT_JOBS_PROMOTE] =
	    /* queued_at moves to when it became due: queue_ms then measures the
	     * wait for a worker, not the requested delay. Served by jobs_waiting. */
	    "UPDATE jobs SET queued_at = wait_until, wait_until = NULL"
	    " WHERE state = 'queued' AND wait_until IS NOT NULL AND wait_until <= $1::bigint",
	[STMT_NEXT_WAKE] =
	    "SELECT min(wait_until) FROM jobs WHERE state = 'queued' AND wait_until IS NOT NULL",
	[STMT_JOB_STDIN] = "SELECT stdin FROM jobs WHERE id = $1::bigint",
	/* Dependencies (store_deps.c; migration 003). */
	[STMT_JOB_STATE] = "SELECT state FROM jobs WHERE id = $1::bigint",
	[STMT_JOB_SET_DEPS] =
	    "UPDATE jobs SET blocked = $2::bigint, after_ids = $3::text WHERE id = $1::bigint",
	[STMT_DEP_INSERT] =
	    "INSERT INTO job_deps (dep_id, job_id) VALUES ($1::bigint, $2::bigint)"
	    " ON CONFLICT DO NOTHING",
	/* SQLite reads the WITHOUT ROWID primary key (dep_id, job_id) in order,
	 * so dependents are followed (canceled, unblocked) by job id: the same
	 * here, from the primary key index. */
	[STMT_DEPS_OF] = "SELECT job_id FROM job_deps WHERE dep_id = $1::bigint ORDER BY job_id",
	[STMT_DEP_UNBLOCK] =
	    "UPDATE jobs SET blocked = blocked - 1"
	    " WHERE id = $1::bigint AND state = 'queued' AND blocked > 0",
	[STMT_JOB_BLOCKED] = "SELECT blocked FROM jobs WHERE id = $1::bigint",
	[STMT_DEP_CANCEL] =
	    "UPDATE jobs SET state = 'canceled', finished_at = $2::bigint, error = $3::text"
	    " WHERE id = $1::bigint AND state = 'queued'",
	/* Queues (store_queues.c; migration 004). */
	[STMT_QUEUE_HEAD] =
	    /* One seek of the partial index jobs_ready (queue, priority DESC, id):
	     * queue is COLLATE "C" in the column and so in the comparison, as the
	     * index is. */
	    "SELECT id, priority FROM jobs WHERE queue = $1::text"
	    " AND state = 'queued' AND wait_until IS NULL AND blocked = 0"
	    " ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED",
	[STMT_JOB_FOR_RUN] = "SELECT " STORE_JOB_COLS ", stdin FROM jobs WHERE id = $1::bigint",
	/* name is COLLATE "C": bytewise order, as SQLite's. */
	[STMT_QUEUES_ALL] =
	    "SELECT name, concurrency, paused, created_at, updated_at FROM queues ORDER BY name",
	[STMT_QUEUE_GET] =
	    "SELECT name, concurrency, paused, created_at, updated_at FROM queues"
	    " WHERE name = $1::text",
	[STMT_QUEUE_ENSURE] =
	    "INSERT INTO queues (name, created_at, updated_at) VALUES ($1::text, $2::bigint, $2::bigint)"
	    " ON CONFLICT DO NOTHING",
	[STMT_QUEUE_SET] =
	    "INSERT INTO queues (name, concurrency, paused, created_at, updated_at)"
	    " VALUES ($1::text, $2::bigint, $3::boolean, $4::bigint, $4::bigint)"
	    " ON CONFLICT (name) DO UPDATE SET"
	    " concurrency = $2::bigint, paused = $3::boolean, updated_at = $4::bigint",
	[STMT_QUEUE_COUNTS] =
	    "SELECT queue, state, count(*) FROM jobs WHERE state IN ('queued', 'running')"
	    " GROUP BY queue, state",
	[STMT_QUEUE_TOTAL] = "SELECT count(*) FROM queues",
	/* Schedules (store_schedules.c; migration 004). */
	[STMT_SCHED_INSERT] =
	    "INSERT INTO schedules (name, cron, timezone, overlap, catch_up, job, paused,"
	    " next_run_at, created_at, updated_at) VALUES ($1::text, $2::text, $3::text, $4::text,"
	    " $5::text, $6::text, $7::boolean, $8::bigint, $9::bigint, $9::bigint) RETURNING id",
	[STMT_SCHED_GET] = "SELECT " STORE_SCHED_COLS " FROM schedules WHERE id = $1::bigint",
	[STMT_SCHED_LIST] = "SELECT " STORE_SCHED_COLS " FROM schedules ORDER BY id",
	[STMT_SCHED_DELETE] = "DELETE FROM schedules WHERE id = $1::bigint",
	[STMT_SCHED_PAUSE] =
	    "UPDATE schedules SET paused = $2::boolean, next_run_at = $3::bigint,"
	    " updated_at = $4::bigint WHERE id = $1::bigint",
	/* Ties on next_run_at go by id, as SQLite's scan of schedules_due
	 * (next_run_at, rowid) returns them; the index here is (next_run_at, id). */
	[STMT_SCHED_DUE] =
	    "SELECT " STORE_SCHED_COLS " FROM schedules"
	    " WHERE NOT paused AND next_run_at IS NOT NULL AND next_run_at <= $1::bigint"
	    " ORDER BY next_run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
	[STMT_SCHED_FIRED] =
	    "UPDATE schedules SET next_run_at = $2::bigint, last_run_at = $3::bigint,"
	    " last_job_id = $4::bigint, runs = runs + 1, last_error = NULL WHERE id = $1::bigint",
	[STMT_SCHED_SKIPPED] =
	    "UPDATE schedules SET next_run_at = $2::bigint, skipped = skipped + 1,"
	    " last_error = $3::text WHERE id = $1::bigint",
	[STMT_SCHED_WAKE] =
	    "SELECT min(next_run_at) FROM schedules WHERE NOT paused AND next_run_at IS NOT NULL",
	/* Retention (store_retention.c; migration 005). */
	[STMT_NODES_LIST] =
	    "SELECT id, name, host, pid, listen, pool_size, started_at, heartbeat_at, lease_until,"
	    " state, stopped_at FROM nodes WHERE state = 'alive'"
	    " OR stopped_at > jobd_now_us() - 86400000000 ORDER BY id",
	[STMT_NODES_BUSY] =
	    "SELECT node_id, worker, id FROM jobs WHERE state = 'running' ORDER BY node_id, worker",
	[STMT_OUTPUT_GET] =
	    "SELECT data FROM job_output WHERE job_id = $1::bigint AND stream = $2::smallint",
	[STMT_JOB_OUTPUT_PURGED] = "SELECT output_purged FROM jobs WHERE id = $1::bigint",
	/* Purges (store_retention.c): writer only. finished_at < cutoff drops
	 * NULLs, so no NULLS clause; jobs_finished is (finished_at, id). */
	/* Output files are on the node that ran the job: a node purges its own
	 * jobs, those that never ran, and those of nodes no longer alive. */
	[R_CANDIDATES] =
	    "SELECT id, batch_id, state, stdout_bytes, stderr_bytes, output_purged"
	    " FROM jobs WHERE " FINAL_STATES " AND finished_at < $1::bigint"
	    " AND id < (SELECT max(id) FROM jobs) AND " PURGEABLE
	    " ORDER BY finished_at, id" LIMIT("$2::bigint"),
	/* A final job's edges are spent: its dependents were unblocked or
	 * canceled when it ended, and its own dependencies all ended before it. */
	[R_DEPS_FROM] = "DELETE FROM job_deps WHERE dep_id = $1::bigint",
	[R_DEPS_TO] = "DELETE FROM job_deps WHERE job_id = $1::bigint",
	/* rerun_of is a foreign key: it cannot keep naming a deleted job. */
	[R_RERUNS] = "UPDATE jobs SET rerun_of = NULL WHERE rerun_of = $1::bigint",
	[R_DELETE_JOB] = "DELETE FROM jobs WHERE id = $1::bigint AND " FINAL_STATES,
	[R_BATCH_RERUNS] =
	    "UPDATE batches SET rerun_of = NULL WHERE rerun_of = $1::bigint"
	    " AND NOT EXISTS (SELECT 1 FROM jobs WHERE batch_id = $1::bigint)",
	[R_BATCH_DELETE] =
	    "DELETE FROM batches WHERE id = $1::bigint"
	    " AND NOT EXISTS (SELECT 1 FROM jobs WHERE batch_id = $1::bigint)",
	[R_BATCH_MAX] = "SELECT max(id) FROM batches",
	/* NULLS FIRST: SQLite's ascending order; jobs_output is
	 * (finished_at NULLS FIRST, id), so the scan stays index-ordered. */
	[R_OUTPUT_CANDIDATES] =
	    "SELECT id, stdout_bytes, stderr_bytes FROM jobs"
	    " WHERE " OUTPUT_ON_DISK " AND " OWN_OUTPUT " ORDER BY finished_at NULLS FIRST, id"
	    LIMIT("$1::bigint"),
	[R_MARK_PURGED] =
	    "UPDATE jobs SET output_purged = true WHERE id = $1::bigint AND " OUTPUT_ON_DISK,
	/* store_retention_job_bytes() in SQL. greatest()/least() skip NULLs
	 * where SQLite's max()/min() return NULL: the columns are coalesced and
	 * the cap is always bound, so no NULL reaches them. sum() is numeric. */
	[R_OUTPUT_TOTAL] =
	    "SELECT coalesce(sum(greatest(least(coalesce(stdout_bytes, 0), $1::bigint), 0)"
	    " + greatest(least(coalesce(stderr_bytes, 0), $1::bigint), 0)), 0)::bigint"
	    " FROM jobs WHERE " OUTPUT_ON_DISK " AND " OWN_OUTPUT,
	[R_OLDEST] =
	    "SELECT finished_at FROM jobs WHERE " FINAL_STATES
	    " AND finished_at IS NOT NULL ORDER BY finished_at LIMIT 1",
	[C_NODE_REGISTER] =
	    "INSERT INTO nodes (name, host, pid, listen, pool_size, started_at, heartbeat_at,"
	    " lease_until) VALUES ($1::text, $2::text, $3::int, $4::text, $5::int, jobd_now_us(),"
	    " jobd_now_us(), jobd_now_us() + $6::bigint) RETURNING id, lease_until",
	[C_NODES_SAME_NAME] =
	    "SELECT id FROM nodes WHERE name = $1::text AND state = 'alive' AND id <> $2::bigint",
	/* Each node holds the session lock of its id while it lives: whoever
	 * can take it knows that node's session is gone. */
	[C_NODE_TRY_LOCK] = "SELECT pg_try_advisory_lock(" STORE_NODE_LOCK ", $1::int)",
	[C_NODE_UNLOCK] = "SELECT pg_advisory_unlock(" STORE_NODE_LOCK ", $1::int)",
	[C_NODE_MARK] =
	    "UPDATE nodes SET state = $2::text, stopped_at = jobd_now_us()"
	    " WHERE id = $1::bigint AND state = 'alive'",
	[C_HEARTBEAT] =
	    "UPDATE nodes SET heartbeat_at = jobd_now_us(), lease_until = jobd_now_us() + $2::bigint"
	    " WHERE id = $1::bigint AND state = 'alive' RETURNING lease_until",
	[C_LEASE_RENEW] =
	    "UPDATE jobs SET lease_until = jobd_now_us() + $2::bigint"
	    " WHERE node_id = $1::bigint AND state = 'running' RETURNING id, cancel_requested",
	/* Running jobs whose node's lease ended: another node takes them over. */
	[C_EXPIRED] =
	    "SELECT j.id, j.attempts, j.max_attempts, n.name, n.host, n.pid FROM jobs j"
	    " JOIN nodes n ON n.id = j.node_id WHERE j.state = 'running'"
	    " AND j.lease_until < jobd_now_us() ORDER BY j.id LIMIT $1::bigint"
	    " FOR UPDATE OF j SKIP LOCKED",
	[C_NODES_EXPIRE] =
	    "UPDATE nodes SET state = 'dead', stopped_at = jobd_now_us()"
	    " WHERE state = 'alive' AND lease_until < jobd_now_us() RETURNING id, name",
	[C_NOTIFY] = "SELECT pg_notify($1::text, $2::text)",
	/* Claimers of one limited queue take turns: the row lock is held to the
	 * commit, and the count after it (C_QUEUE_RUNNING, a later snapshot)
	 * sees every claim committed before. */
	[C_QUEUE_LOCK] =
	    "SELECT name FROM queues WHERE name = $1::text FOR NO KEY UPDATE SKIP LOCKED",
	[C_QUEUE_RUNNING] =
	    "SELECT count(*) FROM jobs WHERE queue = $1::text AND state = 'running'",
	[C_RETENTION_LOCK] = "SELECT pg_try_advisory_xact_lock(1785684580, 2)",
	/* A report is applied under the job row's lock: a takeover between the
	 * fence check and the update would otherwise slip through. */
	[C_JOB_LOCK] = "SELECT id FROM jobs WHERE id = $1::bigint FOR UPDATE",
	[C_OUTPUT_PUT] =
	    "INSERT INTO job_output (job_id, stream, data) VALUES ($1::bigint, $2::smallint,"
	    " $3::bytea) ON CONFLICT (job_id, stream) DO UPDATE SET data = excluded.data",
};
