/*
 * store_internal.h — shared by store*.c only: the connection struct and the
 * statement table. Every statement is prepared at open, fetched reset and
 * unbound with store_stmt(), and finalized at close.
 */
#ifndef JOBD_STORE_INTERNAL_H
#define JOBD_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>

#include "store.h"

/* Columns of a job row, in the order store_row_to_job() reads them. */
#define STORE_JOB_COLS \
	"id, name, batch_id, command, env, cwd, state, priority, timeout_s, " \
	"max_attempts, attempts, worker, pid, exit_code, signal, error, " \
	"cancel_requested, created_at, queued_at, started_at, finished_at, run_us, " \
	"cpu_user_us, cpu_sys_us, max_rss_kb, stdout_bytes, stderr_bytes, " \
	"run_at, wait_until, retry_backoff_s, rerun_of, blocked, after_ids, queue, " \
	"limit_memory_mb, limit_cpu_s, limit_open_files, limit_processes, schedule_id, " \
	"output_purged"
#define STORE_JOB_NCOLS 40

/* Columns of a schedule row, in the order store_schedules.c reads them. */
#define STORE_SCHED_COLS \
	"id, name, cron, timezone, overlap, catch_up, job, paused, next_run_at, " \
	"last_run_at, last_job_id, runs, skipped, last_error, created_at, updated_at"

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
	STMT_COUNT
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmts[STMT_COUNT];
	enum store_mode mode;
	struct store *next_free; /* in a store_pool */
};

sqlite3_stmt *store_stmt(struct store *st, enum store_stmt_id id);
sqlite3 *store_db(struct store *st);
/* "sqlite3_step INSERT job: disk I/O error" into err. */
void store_err(struct store *st, char *err, const char *what);

struct job;
void store_bind_text(sqlite3_stmt *s, int i, const char *v);
void store_bind_i64_or_null(sqlite3_stmt *s, int i, int64_t v, int64_t null_value);
char *store_col_text(sqlite3_stmt *s, int i);
int64_t store_col_i64(sqlite3_stmt *s, int i, int64_t null_value);
int store_step_done(struct store *st, sqlite3_stmt *s, const char *what, char *err);
int store_step_changed(struct store *st, sqlite3_stmt *s, const char *what, char *err);
int store_step_id(struct store *st, sqlite3_stmt *s, int64_t *id, const char *what, char *err);
void store_row_to_job(sqlite3_stmt *s, struct job *j);
void store_parse_ids(const char *text, int64_t **ids, int *n);

#endif
