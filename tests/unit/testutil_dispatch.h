/*
 * testutil_dispatch.h — a real dispatcher with nothing real around it but
 * its SQLite store, for the tests of its turn (test_dispatch_turn.c,
 * test_dispatch_seams.c): the fake pool and clock of testutil_fakepool.h
 * and the COMMIT seam of testutil_commit.h (COMMITs counted, or failed);
 * link with the Makefile's UNIT_FAKE_DISPATCH.
 *
 * The store is a file in a fresh temporary directory, not ":memory:": the
 * dispatcher opens a second connection of its own (retention), a test reads
 * what was committed through a third (a reader, as HTTP threads do), and
 * recovery needs the file to outlive a dispatcher. The dispatcher is used
 * only through dispatch.h and dispatch_internal.h's functions, never its
 * fields; commands are filled in one place (tu_cmd_jobs, tu_cmd_cancel).
 */
#ifndef JOBD_TESTUTIL_DISPATCH_H
#define JOBD_TESTUTIL_DISPATCH_H

#include "testutil_store.h"
#include "testutil_commit.h"
#include "testutil_fakepool.h"

#include "config/config.h"
#include "dispatch/dispatch_internal.h"

/* A dispatcher on <dir>/jobd.db with `workers` slots, and a reader. */
struct turn_fixture {
	struct store_fixture base; /* first: tu_store_* and tu_get_job take it; st is the reader */
	char out[TU_PATH_MAX];
	int workers;
	struct config cfg;
	struct dispatch *d;
};

/* A fixture with its directory, nothing open yet (a test may seed the
 * database first with tu_seed_open). */
static inline struct turn_fixture *tu_turn_new(int workers)
{
	struct turn_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fake_reset();
	tu_commit_seam_reset();
	/* A turn that never answers would hang the test: end it instead. */
	alarm(60);
	f->workers = workers;
	tu_tmpdir(f->base.dir, sizeof(f->base.dir));
	tu_join(f->base.db, sizeof(f->base.db), f->base.dir, "jobd.db");
	tu_join(f->out, sizeof(f->out), f->base.dir, "output");
	return f;
}

/* A writer connection on the fixture's database, before the dispatcher's. */
static inline void tu_seed_open(struct turn_fixture *f)
{
	if (store_open(&f->base.st, f->base.db, STORE_WRITER, f->base.err) != 0)
		fail_msg("store_open: %s", f->base.err);
}

static inline void tu_seed_close(struct turn_fixture *f)
{
	store_close(f->base.st);
	f->base.st = NULL;
}

/* Opens the dispatcher through its real path (migrations, recovery,
 * counts, queues, the pool) and the reader. */
static inline void tu_dispatch_open(struct turn_fixture *f)
{
	char workers[16];
	char *argv[] = { (char *)"jobd", (char *)"--db", f->base.db, (char *)"--output-dir",
		f->out, (char *)"--workers", workers, NULL };

	snprintf(workers, sizeof(workers), "%d", f->workers);
	if (config_load(&f->cfg, 7, argv, f->base.err) != 0)
		fail_msg("config_load: %s", f->base.err);
	log_set_level("warn"); /* main's to do; the jobs' info lines would drown the results */
	if (dispatch_open(&f->d, &f->cfg, f->base.err) != 0)
		fail_msg("dispatch_open: %s", f->base.err);
	if (store_open(&f->base.st, f->base.db, STORE_READER, f->base.err) != 0)
		fail_msg("store_open reader: %s", f->base.err);
	fake.reader = f->base.st;
}

/* The dispatcher goes as in a crash: nothing recorded on the way out. */
static inline void tu_dispatch_close(struct turn_fixture *f)
{
	dispatch_free(f->d);
	f->d = NULL;
	store_close(f->base.st);
	f->base.st = fake.reader = NULL;
}

static inline int tu_turn_setup(void **state, int workers)
{
	struct turn_fixture *f = tu_turn_new(workers);

	tu_dispatch_open(f);
	*state = f;
	return 0;
}

static inline int tu_turn_teardown(void **state)
{
	struct turn_fixture *f = *state;

	if (f->d != NULL)
		tu_dispatch_close(f);
	tu_rmtree(f->base.dir);
	free(f);
	alarm(0);
	return 0;
}

/* A job spec running ["true"] (strings not owned: never job_spec_free it). */
static inline struct job_spec tu_spec(const char *name, int priority, int max_attempts)
{
	return (struct job_spec){ .name = (char *)name, .command = (char *)"[\"true\"]",
		.env = (char *)"{}", .timeout_s = 60, .priority = priority,
		.max_attempts = max_attempts };
}

/* The one place commands are filled: a submit (one spec) or a batch. */
static inline void tu_cmd_jobs(struct cmd *c, struct job_spec *specs, size_t n)
{
	*c = (struct cmd){ .type = n == 1 ? CMD_SUBMIT : CMD_BATCH,
		.submit = { .specs = specs, .n_specs = n } };
}

static inline void tu_cmd_cancel(struct cmd *c, int64_t id)
{
	*c = (struct cmd){ .type = CMD_CANCEL, .target = { .job_id = id } };
}

/* Queues c for the next turn (returns at once). */
static inline void tu_enqueue(struct turn_fixture *f, struct cmd *c) { dispatch_enqueue(f->d, c); }

/* Takes c's answer, which a turn must have given already. */
static inline enum cmd_status tu_answer(struct turn_fixture *f, struct cmd *c)
{
	dispatch_wait(f->d, c);
	return c->status;
}

/* One turn; the COMMITs it ran. */
static inline int tu_turn(struct turn_fixture *f)
{
	int before = commits_run;

	dispatch_turn(f->d);
	return commits_run - before;
}

/* Submits each spec as a job of its own, all queued before one turn;
 * their ids into ids[]; returns the COMMITs the turn ran. */
static inline int tu_submit_all(struct turn_fixture *f, struct job_spec *specs, size_t n,
    int64_t *ids)
{
	struct cmd *c = calloc(n, sizeof(*c));

	assert_non_null(c);
	for (size_t i = 0; i < n; i++) {
		tu_cmd_jobs(&c[i], &specs[i], 1);
		tu_enqueue(f, &c[i]);
	}
	int commits = tu_turn(f);
	for (size_t i = 0; i < n; i++) {
		if (tu_answer(f, &c[i]) != CMD_OK)
			fail_msg("submit %zu: status %d: %s", i, c[i].status, c[i].err);
		ids[i] = c[i].job.id;
		job_free(&c[i].job);
	}
	free(c);
	return commits;
}

/* Submits one job in a turn of its own and returns its id. */
static inline int64_t tu_submit(struct turn_fixture *f, struct job_spec spec)
{
	int64_t id;

	tu_submit_all(f, &spec, 1, &id);
	return id;
}

/* The dispatcher's counts (what /v1/stats shows) equal a recount of the
 * store: no path left them to a later recount. */
static inline void tu_assert_counts_true(struct turn_fixture *f)
{
	struct stats_info s;
	int64_t counts[JOB_STATE_COUNT];

	dispatch_stats(f->d, &s);
	if (store_job_counts(f->base.st, counts, f->base.err) != 0)
		fail_msg("store_job_counts: %s", f->base.err);
	assert_memory_equal(s.counts, counts, sizeof(counts));
}

static inline int64_t tu_count(struct turn_fixture *f, enum job_state st)
{
	struct stats_info s;

	dispatch_stats(f->d, &s);
	return s.counts[st];
}

#endif
