/*
 * testutil_store.h — the fixture of the store tests (test_store.c,
 * test_store_jobs.c): a writer connection on a fresh SQLite file in its own
 * temporary directory, removed whole at teardown, and short verbs to put
 * jobs into it and take them out the way the dispatcher does.
 */
#ifndef JOBD_TESTUTIL_STORE_H
#define JOBD_TESTUTIL_STORE_H

#include "testutil.h"

#include "store/store.h"
#include "store/store_jobs.h"
#include "store/store_queues.h"

#define T0 1795554272000000LL /* 2026-11-24T21:04:32Z */

struct store_fixture {
	char dir[TU_PATH_MAX];
	char db[TU_PATH_MAX];
	struct store *st;
	char err[ERR_LEN];
};

static inline int tu_store_setup(void **state)
{
	struct store_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tu_tmpdir(f->dir, sizeof(f->dir));
	tu_join(f->db, sizeof(f->db), f->dir, "jobd.db");
	if (store_open(&f->st, f->db, STORE_WRITER, f->err) != 0)
		fail_msg("store_open: %s", f->err);
	*state = f;
	return 0;
}

static inline int tu_store_teardown(void **state)
{
	struct store_fixture *f = *state;

	store_close(f->st);
	tu_rmtree(f->dir);
	free(f);
	return 0;
}

/* Inserts a queued job running ["true"] and returns its id. */
static inline int64_t tu_add_job(struct store_fixture *f, const char *name, int priority,
    int max_attempts, int64_t batch_id, int64_t now_us)
{
	struct job_spec spec = {
		.name = (char *)name, .command = (char *)"[\"true\"]", .env = (char *)"{}",
		.timeout_s = 60, .priority = priority, .max_attempts = max_attempts,
	};
	int64_t id = 0;

	if (store_job_insert(f->st, &spec, batch_id, NULL, now_us, &id, f->err) != 0)
		fail_msg("store_job_insert: %s", f->err);
	assert_true(id > 0);
	return id;
}

static inline void tu_get_job(struct store_fixture *f, int64_t id, struct job *j)
{
	if (store_job_get(f->st, id, j, f->err) != 1)
		fail_msg("store_job_get %lld: %s", (long long)id, f->err);
}

static inline enum job_state tu_state_of(struct store_fixture *f, int64_t id)
{
	struct job j;
	enum job_state s;

	tu_get_job(f, id, &j);
	s = j.state;
	job_free(&j);
	return s;
}

/* Claims the head of the default queue on slot: 1, 0 none, -1 error. */
static inline int tu_claim_next(struct store *st, int slot, int64_t now_us, struct job *j,
    char *err)
{
	int64_t id;
	int prio;
	int r = store_queue_head(st, "default", &id, &prio, err);

	return r <= 0 ? r : store_job_claim(st, id, &slot, 1, now_us, j, err);
}

/* Claims the next job on slot 0 and returns its id (0 when none). */
static inline int64_t tu_claim(struct store_fixture *f, int64_t now_us)
{
	struct job j;
	int rc = tu_claim_next(f->st, 0, now_us, &j, f->err);

	if (rc < 0)
		fail_msg("claim: %s", f->err);
	if (rc == 0)
		return 0;
	int64_t id = j.id;
	job_free(&j);
	return id;
}

/* An attempt that exited with exit_code between the two times. */
static inline struct run_result tu_result(int exit_code, int64_t started_us, int64_t finished_us)
{
	struct run_result r = {
		.status = RUN_EXITED, .exit_code = exit_code, .term_signal = -1,
		.started_us = started_us, .finished_us = finished_us,
		.run_us = finished_us - started_us, .cpu_user_us = 400, .cpu_sys_us = 900,
		.max_rss_kb = 1800, .stdout_bytes = 12, .stderr_bytes = 0,
	};
	return r;
}

static inline void tu_finish(struct store_fixture *f, int64_t id, enum job_state state,
    int64_t started_us, int64_t finished_us)
{
	struct run_result r = tu_result(state == JOB_SUCCEEDED ? 0 : 1, started_us, finished_us);
	if (store_job_finish(f->st, id, state, &r, NULL, f->err) != 0)
		fail_msg("store_job_finish: %s", f->err);
}

#endif
