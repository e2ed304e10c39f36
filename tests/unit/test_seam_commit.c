/*
 * test_seam_commit.c — a failed COMMIT of the group commit, at the store and
 * through the real dispatcher: the error names the COMMIT and its cause, the
 * submit it carried is answered as failed (never acknowledged), the job is
 * not in the database after it is reopened, and the next turn commits again.
 *
 * The COMMIT seam is testutil_commit.h's (a link-time wrap of sqlite3_exec).
 */
#include "testutil_loop.h"
#include "testutil_store.h"
#include "testutil_commit.h"

static int reset(void **state)
{
	tu_commit_seam_reset();
	return tu_store_setup(state);
}

static int64_t jobs_in(struct store *st)
{
	int64_t counts[JOB_STATE_COUNT], sum = 0;
	char err[ERR_LEN];

	if (store_job_counts(st, counts, err) < 0)
		fail_msg("store_job_counts: %s", err);
	for (int i = 0; i < JOB_STATE_COUNT; i++)
		sum += counts[i];
	return sum;
}

static void reopen(struct store_fixture *f)
{
	store_close(f->st);
	if (store_open(&f->st, f->db, STORE_WRITER, f->err) != 0)
		fail_msg("store_open: %s", f->err);
}

static void test_a_failed_commit_names_it_and_loses_only_the_uncommitted(void **state)
{
	struct store_fixture *f = *state;

	int64_t kept = tu_add_job(f, "kept", 0, 1, 0, T0);
	assert_int_equal(store_begin(f->st, f->err), 0);
	tu_add_job(f, "lost", 0, 1, 0, T0);
	commit_failures = 1;
	assert_int_equal(store_commit(f->st, f->err), -1);
	tu_assert_contains(f->err, "COMMIT");
	tu_assert_contains(f->err, "database or disk is full");
	store_rollback(f->st);
	reopen(f);
	assert_int_equal(jobs_in(f->st), 1);
	struct job j;
	assert_int_equal(store_job_get(f->st, kept, &j, f->err), 1);
	assert_string_equal(j.name, "kept");
	job_free(&j);
}

static void submit(struct loop *l, struct cmd *c, struct job_spec *spec)
{
	tu_loop_spec(l, spec, "seam");
	*c = (struct cmd){ .type = CMD_SUBMIT, .submit = { .specs = spec, .n_specs = 1 } };
	dispatch_submit(l->d, c);
	job_spec_free(spec);
}

static void test_a_submit_whose_commit_fails_is_not_acknowledged_nor_stored(void **state)
{
	struct store_fixture *f = *state;
	struct loop *l = tu_loop_new(f->dir);
	struct job_spec spec;
	struct cmd c;

	commit_failures = 1;
	submit(l, &c, &spec);
	assert_int_equal(commits_refused, 1);
	assert_int_equal(c.status, CMD_FAILED);
	tu_assert_contains(c.err, "COMMIT");
	tu_assert_contains(c.err, "database or disk is full");
	assert_int_equal(c.job.id, 0); /* no job to show, nothing for the caller to free */

	/* The next turn commits: that submit is acknowledged with its id. */
	submit(l, &c, &spec);
	assert_int_equal(c.status, CMD_OK);
	int64_t acked = c.job.id;
	assert_true(acked > 0);
	job_free(&c.job);
	tu_loop_stop(l);

	struct store *st;
	char db[TU_PATH_MAX];
	tu_join(db, sizeof(db), f->dir, "loop.db");
	if (store_open(&st, db, STORE_WRITER, f->err) != 0)
		fail_msg("store_open: %s", f->err);
	assert_int_equal(jobs_in(st), 1);
	struct job j;
	assert_int_equal(store_job_get(st, acked, &j, f->err), 1);
	assert_string_equal(j.name, "seam");
	job_free(&j);
	store_close(st);
	free(l);
}

#define T(name) cmocka_unit_test_setup_teardown(name, reset, tu_store_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_failed_commit_names_it_and_loses_only_the_uncommitted),
		T(test_a_submit_whose_commit_fails_is_not_acknowledged_nor_stored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
