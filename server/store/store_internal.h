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

/*
 * The columns of each multi-column read, declared once in SELECT order: the
 * list gives the SELECT text (STORE_JOB_COLS, used by store_stmts.def) and
 * an enum of positions (JOB_COL_started_at) that the readers use, so a
 * column added here moves every index after it. X(column) per column, SEP
 * between two.
 */
#define STORE_JOB_COLUMNS(X, SEP) \
	X(id) SEP X(name) SEP X(batch_id) SEP X(command) SEP X(env) SEP X(cwd) SEP \
	X(state) SEP X(priority) SEP X(timeout_s) SEP X(max_attempts) SEP X(attempts) SEP \
	X(worker) SEP X(pid) SEP X(exit_code) SEP X(signal) SEP X(error) SEP \
	X(cancel_requested) SEP X(created_at) SEP X(queued_at) SEP X(started_at) SEP \
	X(finished_at) SEP X(run_us) SEP X(cpu_user_us) SEP X(cpu_sys_us) SEP \
	X(max_rss_kb) SEP X(stdout_bytes) SEP X(stderr_bytes) SEP X(run_at) SEP \
	X(wait_until) SEP X(retry_backoff_s) SEP X(rerun_of) SEP X(blocked) SEP \
	X(after_ids) SEP X(queue) SEP X(limit_memory_mb) SEP X(limit_cpu_s) SEP \
	X(limit_open_files) SEP X(limit_processes) SEP X(schedule_id) SEP \
	X(output_purged) SEP X(node_id) SEP X(unique_key) SEP X(unique_while) SEP X(tags) SEP \
	X(notify) SEP X(notify_batch) SEP X(cpus) SEP X(slots)
#define STORE_SCHED_COLUMNS(X, SEP) \
	X(id) SEP X(name) SEP X(cron) SEP X(timezone) SEP X(overlap) SEP X(catch_up) SEP \
	X(job) SEP X(paused) SEP X(next_run_at) SEP X(last_run_at) SEP X(last_job_id) SEP \
	X(runs) SEP X(skipped) SEP X(last_error) SEP X(created_at) SEP X(updated_at)
#define STORE_BATCH_COLUMNS(X, SEP) \
	X(id) SEP X(name) SEP X(total) SEP X(created_at) SEP X(rerun_of)
#define STORE_QUEUE_COLUMNS(X, SEP) \
	X(name) SEP X(concurrency) SEP X(paused) SEP X(created_at) SEP X(updated_at) SEP \
	X(rate_limit) SEP X(rate_period_s)
#define STORE_NODE_COLUMNS(X, SEP) \
	X(id) SEP X(name) SEP X(host) SEP X(pid) SEP X(listen) SEP X(pool_size) SEP \
	X(started_at) SEP X(heartbeat_at) SEP X(lease_until) SEP X(state) SEP X(stopped_at) SEP X(draining)
#define STORE_HOOK_COLUMNS(X, SEP) \
	X(id) SEP X(job_id) SEP X(batch_id) SEP X(event) SEP X(url) SEP X(uuid) SEP X(state) SEP \
	X(created_at) SEP X(next_at) SEP X(attempts) SEP X(finished_at)

#define STORE_COL_NAME(c) #c
#define STORE_COMMA ,
#define STORE_JOB_COLS STORE_JOB_COLUMNS(STORE_COL_NAME, ", ")
#define STORE_SCHED_COLS STORE_SCHED_COLUMNS(STORE_COL_NAME, ", ")
#define STORE_BATCH_COLS STORE_BATCH_COLUMNS(STORE_COL_NAME, ", ")
#define STORE_QUEUE_COLS STORE_QUEUE_COLUMNS(STORE_COL_NAME, ", ")
#define STORE_NODE_COLS STORE_NODE_COLUMNS(STORE_COL_NAME, ", ")
#define STORE_HOOK_COLS STORE_HOOK_COLUMNS(STORE_COL_NAME, ", ")

#define JOB_COL(c) JOB_COL_##c
#define SCHED_COL(c) SCHED_COL_##c
#define BATCH_COL(c) BATCH_COL_##c
#define QUEUE_COL(c) QUEUE_COL_##c
#define NODE_COL(c) NODE_COL_##c
#define HOOK_COL(c) HOOK_COL_##c
/* JOB_COL_COUNT: STMT_JOB_FOR_RUN's stdin comes right after. */
enum store_job_col { STORE_JOB_COLUMNS(JOB_COL, STORE_COMMA), JOB_COL_COUNT };
enum store_sched_col { STORE_SCHED_COLUMNS(SCHED_COL, STORE_COMMA) };
enum store_batch_col { STORE_BATCH_COLUMNS(BATCH_COL, STORE_COMMA) };
enum store_queue_col { STORE_QUEUE_COLUMNS(QUEUE_COL, STORE_COMMA) };
enum store_node_col { STORE_NODE_COLUMNS(NODE_COL, STORE_COMMA) };
enum store_hook_col { STORE_HOOK_COLUMNS(HOOK_COL, STORE_COMMA) };
#undef JOB_COL
#undef SCHED_COL
#undef BATCH_COL
#undef QUEUE_COL
#undef NODE_COL
#undef HOOK_COL

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
