/*
 * store_internal.h — shared by store*.c only: the connection struct and the
 * forwarding accessors the query files use to fetch, bind, step and read
 * statements without knowing the backend (store_driver.h). Every statement
 * is prepared at open, fetched reset and unbound with store_stmt(), and
 * finalized at close.
 */
#ifndef JOBD_STORE_INTERNAL_H
#define JOBD_STORE_INTERNAL_H

#include <stdint.h>

#include "store.h"
#include "store_driver.h"

/* The advisory lock class a node's session holds with its id (store_nodes.c
 * takes it; the PostgreSQL statements test and release it). */
#define STORE_NODE_LOCK "1785684581"

/* Columns of a job row, in the order store_row_to_job() reads them. */
#define STORE_JOB_COLS \
	"id, name, batch_id, command, env, cwd, state, priority, timeout_s, " \
	"max_attempts, attempts, worker, pid, exit_code, signal, error, " \
	"cancel_requested, created_at, queued_at, started_at, finished_at, run_us, " \
	"cpu_user_us, cpu_sys_us, max_rss_kb, stdout_bytes, stderr_bytes, " \
	"run_at, wait_until, retry_backoff_s, rerun_of, blocked, after_ids, queue, " \
	"limit_memory_mb, limit_cpu_s, limit_open_files, limit_processes, schedule_id, " \
	"output_purged, node_id"
#define STORE_JOB_NCOLS 41

/* Columns of a schedule row, in the order store_schedules.c reads them. */
#define STORE_SCHED_COLS \
	"id, name, cron, timezone, overlap, catch_up, job, paused, next_run_at, " \
	"last_run_at, last_job_id, runs, skipped, last_error, created_at, updated_at"

struct store {
	const struct store_driver *drv;
	void *conn; /* the driver's connection and statements */
	enum store_mode mode;
	struct store *next_free; /* in a store_pool */
};

/* "sqlite step INSERT job: disk I/O error" into err. */
void store_err(struct store *st, char *err, const char *what);

/* The forwarding accessors: one indirect call each, to the statement's driver. */
static inline struct store_stmt *store_stmt(struct store *st, enum store_stmt_id id)
{
	return st->drv->stmt(st, id);
}
/* STORE_ROW, STORE_DONE, or a negative enum store_rc. */
static inline int store_next(struct store *st, struct store_stmt *s)
{
	return st->drv->step(st, s);
}
static inline void store_reset(struct store_stmt *s) { s->drv->reset(s); }
static inline void store_bind_null(struct store_stmt *s, int i) { s->drv->bind_null(s, i); }
static inline void store_bind_i64(struct store_stmt *s, int i, int64_t v)
{
	s->drv->bind_i64(s, i, v);
}
static inline void store_bind_double(struct store_stmt *s, int i, double v)
{
	s->drv->bind_double(s, i, v);
}
/* NULL binds SQL NULL. Not copied: see store_driver.h. */
static inline void store_bind_text(struct store_stmt *s, int i, const char *v)
{
	if (v == NULL)
		s->drv->bind_null(s, i);
	else
		s->drv->bind_text(s, i, v);
}
static inline void store_bind_blob(struct store_stmt *s, int i, const void *v, size_t len)
{
	s->drv->bind_blob(s, i, v, len);
}
static inline void store_bind_i64_or_null(struct store_stmt *s, int i, int64_t v,
    int64_t null_value)
{
	if (v == null_value)
		s->drv->bind_null(s, i);
	else
		s->drv->bind_i64(s, i, v);
}
static inline int store_col_is_null(struct store_stmt *s, int i)
{
	return s->drv->col_is_null(s, i);
}
static inline int64_t store_col_i64(struct store_stmt *s, int i, int64_t null_value)
{
	return s->drv->col_i64(s, i, null_value);
}
static inline int store_col_int(struct store_stmt *s, int i)
{
	return (int)s->drv->col_i64(s, i, 0);
}
static inline double store_col_double(struct store_stmt *s, int i)
{
	return s->drv->col_double(s, i);
}
/* Borrowed until the next step or reset; NULL for SQL NULL. */
static inline const char *store_col_str(struct store_stmt *s, int i)
{
	return s->drv->col_text(s, i);
}
static inline const void *store_col_blob(struct store_stmt *s, int i, size_t *len)
{
	return s->drv->col_blob(s, i, len);
}
/* A strdup'd copy, or NULL for SQL NULL (or no memory). */
char *store_col_text(struct store_stmt *s, int i);

struct job;
int store_step_done(struct store *st, struct store_stmt *s, const char *what, char *err);
int store_step_changed(struct store *st, struct store_stmt *s, const char *what, char *err);
int store_step_returning_id(struct store *st, struct store_stmt *s, int64_t *id,
    const char *what, char *err);
int store_step_id(struct store *st, struct store_stmt *s, int64_t *id, const char *what,
    char *err);
void store_row_to_job(struct store_stmt *s, struct job *j);
void store_parse_ids(const char *text, int64_t **ids, int *n);

#endif
