/*
 * testutil_loop.h — the real dispatcher on a thread of its own, for the
 * tests that hand it commands (test_seam_commit.c, test_dispatch_async.c):
 * a fresh SQLite file in the test's directory, one worker slot whose
 * worker exits at once (no job needs to run to commit a submit), and a
 * job spec to submit; and the sqlite3_exec seam's declarations.
 */
#ifndef JOBD_TESTUTIL_LOOP_H
#define JOBD_TESTUTIL_LOOP_H

#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>

#include <cjson/cJSON.h>

#include "config/config.h"
#include "dispatch/dispatch.h"
#include "spec/spec.h"

/* The COMMIT seam of the tests linked with -Wl,--wrap=sqlite3_exec (see
 * the Makefile's UNIT_WRAP_*): each defines the wrapper, which sees every
 * statement the dispatcher runs and calls the real one. */
int __real_sqlite3_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **),
    void *arg, char **errmsg);
int __wrap_sqlite3_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **),
    void *arg, char **errmsg);

struct loop {
	struct config cfg;
	struct dispatch *d;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int opened; /* 1 open, -1 failed */
	char err[ERR_LEN];
};

/* dispatch_open must run on the thread that runs the loop. */
static inline void *tu_loop_main(void *arg)
{
	struct loop *l = arg;
	int rc = dispatch_open(&l->d, &l->cfg, l->err);

	pthread_mutex_lock(&l->mu);
	l->opened = rc == 0 ? 1 : -1;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	if (rc == 0)
		dispatch_run(l->d);
	return NULL;
}

static inline void tu_loop_start(struct loop *l, const char *dir)
{
	char db[TU_PATH_MAX], out[TU_PATH_MAX];
	char *argv[] = { (char *)"jobd", (char *)"--db", db, (char *)"--output-dir", out,
		(char *)"--workers", (char *)"1", (char *)"--log-level", (char *)"warn", NULL };

	tu_join(db, sizeof(db), dir, "loop.db");
	tu_join(out, sizeof(out), dir, "output");
	if (config_load(&l->cfg, 9, argv, l->err) != 0)
		fail_msg("config_load: %s", l->err);
	/* No worker is needed to commit a submit: one that exits at once. */
	snprintf(l->cfg.self_exe, sizeof(l->cfg.self_exe), "/bin/false");
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	assert_int_equal(pthread_create(&l->thread, NULL, tu_loop_main, l), 0);
	pthread_mutex_lock(&l->mu);
	while (l->opened == 0)
		pthread_cond_wait(&l->cv, &l->mu);
	pthread_mutex_unlock(&l->mu);
	if (l->opened < 0)
		fail_msg("dispatch_open: %s", l->err);
}

/* A started loop in dir, to stop with tu_loop_stop and free(). */
static inline struct loop *tu_loop_new(const char *dir)
{
	struct loop *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	tu_loop_start(l, dir);
	return l;
}

/* SIGTERM: the loop drains and returns (the dispatcher is closed, not freed). */
static inline void tu_loop_halt(struct loop *l)
{
	dispatch_signal(SIGTERM);
	pthread_join(l->thread, NULL);
}

static inline void tu_loop_free(struct loop *l)
{
	dispatch_free(l->d);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
}

static inline void tu_loop_stop(struct loop *l)
{
	tu_loop_halt(l);
	tu_loop_free(l);
}

/* A job spec of `true` named name into *spec (free with job_spec_free). */
static inline void tu_loop_spec(struct loop *l, struct job_spec *spec, const char *name)
{
	struct spec_limits lim = spec_limits_of(&l->cfg);
	struct spec_error e;
	char body[256];

	snprintf(body, sizeof(body), "{\"command\":[\"true\"],\"name\":\"%s\"}", name);
	cJSON *root = cJSON_Parse(body);
	assert_non_null(root);
	assert_int_equal(spec_job(root, &lim, "", spec, &e), 0);
	cJSON_Delete(root);
}

#endif
