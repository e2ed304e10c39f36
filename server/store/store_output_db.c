/*
 * store_output_db.c — a cluster's job output in the database (job_output,
 * PostgreSQL migration 002): the copy a node keeps of its jobs' output
 * files so that every node can serve it, and the row lock under which a
 * worker's report is applied (store_nodes.h).
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_nodes.h"

int store_output_put(struct store *st, int64_t job_id, int stream, const void *data, size_t len,
    char *err)
{
	struct store_stmt *s = store_stmt(st, C_OUTPUT_PUT);
	store_bind_i64(s, 1, job_id);
	store_bind_i64(s, 2, stream);
	store_bind_blob(s, 3, len > 0 ? data : "", len);
	return store_step_done(st, s, "INSERT job output", err);
}

int store_output_get(struct store *st, int64_t job_id, int stream, char **data, size_t *len,
    char *err)
{
	struct store_stmt *s = store_stmt(st, STMT_OUTPUT_GET);
	store_bind_i64(s, 1, job_id);
	store_bind_i64(s, 2, stream);
	int rc = store_next(st, s);

	*data = NULL;
	*len = 0;
	if (rc == STORE_DONE)
		return 0;
	if (rc != STORE_ROW) {
		store_err(st, err, "SELECT job output");
		return -1;
	}
	const void *p = store_col_blob(s, 0, len);
	if ((*data = malloc(*len + 1)) == NULL) {
		store_reset(s);
		err_set(err, "malloc %zu: out of memory", *len);
		return -1;
	}
	if (*len > 0)
		memcpy(*data, p, *len);
	store_reset(s);
	return 1;
}

int store_job_lock(struct store *st, int64_t job_id, char *err)
{
	struct store_stmt *s = store_stmt(st, C_JOB_LOCK);
	store_bind_i64(s, 1, job_id);
	int rc = store_next(st, s);
	store_reset(s);
	if (rc == STORE_ROW || rc == STORE_DONE)
		return 0;
	store_err(st, err, "lock job");
	return -1;
}
