/*
 * test_store_retention.c — server/store/store_retention.c, --retain-finished:
 * which finished jobs a purge deletes (final, finished before the cutoff,
 * oldest first, at most a batch), what goes with them (dependency edges,
 * idempotency keys, batches left empty, rerun_of links), the output bytes
 * it reports, and ids never reused. The --max-output-disk side is in
 * test_store_output.c.
 */
#include "testutil_retention.h"

#include "store/store_deps.h"

static void test_purge_deletes_only_final_jobs_that_finished_before_the_cutoff(void **state)
{
	struct fixture *f = *state;
	struct purge_result res;
	int64_t old_ok = finished_job(f, "old-ok", JOB_SUCCEEDED, 0, T0, 10, 0);
	int64_t old_failed = finished_job(f, "old-failed", JOB_FAILED, 0, T0 + SEC, 0, 5);
	int64_t old_canceled = tu_add_job(&f->base, "old-canceled", 0, 1, 0, T0);
	assert_int_equal(store_job_cancel_queued(f->base.st, old_canceled, T0 + 2 * SEC, f->base.err), 1);
	int64_t recent = finished_job(f, "recent", JOB_SUCCEEDED, 0, T0 + 100 * SEC, 10, 0);
	int64_t running = tu_add_job(&f->base, "running", 0, 1, 0, T0);
	assert_int_equal(tu_claim(&f->base, T0), running);
	int64_t queued = tu_add_job(&f->base, "queued", 0, 1, 0, T0);

	purge(f, T0 + 50 * SEC, 500, &res);
	assert_int_equal(res.n_jobs, 3);
	assert_int_equal(res.jobs[0].id, old_ok);
	assert_int_equal(res.jobs[0].state, JOB_SUCCEEDED);
	assert_int_equal(res.jobs[1].id, old_failed);
	assert_int_equal(res.jobs[1].state, JOB_FAILED);
	assert_int_equal(res.jobs[2].id, old_canceled);
	assert_int_equal(res.jobs[2].state, JOB_CANCELED);
	assert_int_equal(res.n_batches, 0);
	store_retention_result_free(&res);
	assert_false(exists(f, old_ok));
	assert_false(exists(f, old_failed));
	assert_false(exists(f, old_canceled));
	assert_true(exists(f, recent));
	assert_true(exists(f, running));
	assert_true(exists(f, queued));
	assert_int_equal(tu_state_of(&f->base, running), JOB_RUNNING);

	purge(f, T0 + 50 * SEC, 500, &res);
	assert_int_equal(res.n_jobs, 0);
	store_retention_result_free(&res);
}

static void test_purge_takes_the_oldest_finished_first_at_most_limit_at_a_time(void **state)
{
	struct fixture *f = *state;
	struct purge_result res;
	int64_t ids[5];

	/* Submitted in id order, finished in reverse: the finish time decides. */
	for (int i = 0; i < 5; i++)
		ids[i] = finished_job(f, "j", JOB_SUCCEEDED, 0, T0 + (10 - i) * SEC, 1, 0);
	tu_add_job(&f->base, "newest", 0, 1, 0, T0);
	purge(f, T0 + 60 * SEC, 2, &res);
	assert_int_equal(res.n_jobs, 2);
	assert_int_equal(res.jobs[0].id, ids[4]);
	assert_int_equal(res.jobs[1].id, ids[3]);
	store_retention_result_free(&res);
	purge(f, T0 + 60 * SEC, 2, &res);
	assert_int_equal(res.n_jobs, 2);
	assert_int_equal(res.jobs[0].id, ids[2]);
	store_retention_result_free(&res);
	purge(f, T0 + 60 * SEC, 2, &res);
	assert_int_equal(res.n_jobs, 1);
	assert_int_equal(res.jobs[0].id, ids[0]);
	store_retention_result_free(&res);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM jobs"), 1);
}

static void test_purge_deletes_batches_it_emptied_and_keeps_the_others(void **state)
{
	struct fixture *f = *state;
	struct purge_result res;
	struct batch b;
	int64_t all_old, half_old;

	assert_int_equal(store_batch_insert(f->base.st, "all-old", 2, "batch-key", 0, NULL, T0, &all_old,
			     f->base.err), 0);
	assert_int_equal(store_batch_insert(f->base.st, "half-old", 2, NULL, 0, NULL, T0, &half_old,
			     f->base.err), 0);
	finished_job(f, "a1", JOB_SUCCEEDED, all_old, T0, 1, 0);
	finished_job(f, "a2", JOB_FAILED, all_old, T0, 1, 0);
	finished_job(f, "h1", JOB_SUCCEEDED, half_old, T0, 1, 0);
	int64_t h2 = tu_add_job(&f->base, "h2", 0, 1, half_old, T0);

	purge(f, T0 + 60 * SEC, 500, &res);
	assert_int_equal(res.n_jobs, 3);
	assert_int_equal(res.n_batches, 1);
	store_retention_result_free(&res);
	assert_int_equal(store_batch_get(f->base.st, all_old, &b, f->base.err), 0);
	assert_int_equal(store_batch_get(f->base.st, half_old, &b, f->base.err), 1);
	assert_int_equal(b.counts[JOB_QUEUED], 1);
	assert_int_equal(b.counts[JOB_SUCCEEDED], 0);
	batch_free(&b);
	assert_true(exists(f, h2));

	/* The batch's idempotency key went with it. */
	int64_t found = 0;
	assert_int_equal(store_batch_find_idem(f->base.st, "batch-key", &found, f->base.err), 0);
}

static void test_purge_removes_dependency_edges_and_idempotency_keys(void **state)
{
	struct fixture *f = *state;
	struct dep_effects fx = { 0 };
	struct purge_result res;
	struct job_spec spec = { .command = (char *)"[\"true\"]", .env = (char *)"{}",
		.timeout_s = 60, .max_attempts = 1 };
	int64_t a, b, found = 0;
	int bad = -1;

	assert_int_equal(store_job_insert(f->base.st, &spec, 0, "job-key", T0, &a, f->base.err), 0);
	b = tu_add_job(&f->base, "b", 0, 1, 0, T0);
	assert_int_equal(store_deps_add(f->base.st, b, &a, 1, T0, &fx, &bad, f->base.err), 0);
	assert_int_equal(tu_claim(&f->base, T0), a);
	tu_finish(&f->base, a, JOB_SUCCEEDED, T0, T0 + SEC);
	assert_int_equal(store_deps_ended(f->base.st, a, JOB_SUCCEEDED, T0 + SEC, &fx, f->base.err), 0);
	store_deps_effects_free(&fx);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM job_deps"), 1);

	/* a is old enough, b is not finished: a's edge to b goes anyway. */
	purge(f, T0 + 60 * SEC, 500, &res);
	assert_int_equal(res.n_jobs, 1);
	store_retention_result_free(&res);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM job_deps"), 0);
	assert_true(exists(f, b));
	assert_int_equal(store_job_find_idem(f->base.st, "job-key", &found, f->base.err), 0);
	assert_int_equal(store_job_insert(f->base.st, &spec, 0, "job-key", T0, &a, f->base.err), 0);

	/* b, finished and old, takes its own edges (to a purged job) along. */
	int64_t c = tu_add_job(&f->base, "c", 0, 1, 0, T0);
	assert_int_equal(store_deps_add(f->base.st, c, &b, 1, T0, &fx, &bad, f->base.err), 0);
	store_deps_effects_free(&fx);
	assert_int_equal(tu_claim(&f->base, T0 + 2 * SEC), b); /* FIFO: before the new a */
	tu_finish(&f->base, b, JOB_FAILED, T0, T0 + 2 * SEC);
	assert_int_equal(store_deps_ended(f->base.st, b, JOB_FAILED, T0 + 2 * SEC, &fx, f->base.err), 0);
	store_deps_effects_free(&fx);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM job_deps"), 1);
	tu_add_job(&f->base, "newer", 0, 1, 0, T0); /* the newest job always stays */
	purge(f, T0 + 60 * SEC, 500, &res);
	assert_int_equal(res.n_jobs, 2); /* b, and c canceled by it */
	store_retention_result_free(&res);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM job_deps"), 0);

	/* A waiting job canceled while its dependency runs: its edge goes
	 * with it, the dependency stays. */
	int64_t waiter = tu_add_job(&f->base, "waiter", 0, 1, 0, T0);
	assert_int_equal(tu_claim(&f->base, T0 + 3 * SEC), a);
	assert_int_equal(store_deps_add(f->base.st, waiter, &a, 1, T0, &fx, &bad, f->base.err), 0);
	store_deps_effects_free(&fx);
	assert_int_equal(store_job_cancel_queued(f->base.st, waiter, T0 + 3 * SEC, f->base.err), 1);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM job_deps"), 1);
	tu_add_job(&f->base, "newest", 0, 1, 0, T0);
	purge(f, T0 + 60 * SEC, 500, &res);
	assert_int_equal(res.n_jobs, 1);
	assert_int_equal(res.jobs[0].id, waiter);
	store_retention_result_free(&res);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM job_deps"), 0);
	assert_int_equal(tu_state_of(&f->base, a), JOB_RUNNING);
}

static void test_purge_unlinks_reruns_of_purged_jobs_and_batches(void **state)
{
	struct fixture *f = *state;
	struct purge_result res;
	struct job j;
	struct batch b;
	int64_t orig_batch, rerun_batch, rerun;

	assert_int_equal(store_batch_insert(f->base.st, "orig", 1, NULL, 0, NULL, T0, &orig_batch,
			     f->base.err), 0);
	int64_t orig = finished_job(f, "orig", JOB_FAILED, orig_batch, T0, 1, 0);
	assert_int_equal(store_batch_insert(f->base.st, "rerun", 1, NULL, orig_batch, NULL, T0,
			     &rerun_batch, f->base.err), 0);
	struct job_spec spec = { .command = (char *)"[\"true\"]", .env = (char *)"{}",
		.timeout_s = 60, .max_attempts = 1, .rerun_of = orig };
	assert_int_equal(store_job_insert(f->base.st, &spec, rerun_batch, NULL, T0, &rerun,
			     f->base.err), 0);

	purge(f, T0 + 60 * SEC, 500, &res);
	assert_int_equal(res.n_jobs, 1);
	assert_int_equal(res.n_batches, 1);
	store_retention_result_free(&res);
	tu_get_job(&f->base, rerun, &j);
	assert_int_equal(j.rerun_of, 0);
	job_free(&j);
	assert_int_equal(store_batch_get(f->base.st, rerun_batch, &b, f->base.err), 1);
	assert_int_equal(b.rerun_of, 0);
	batch_free(&b);
}

static void test_purge_reports_output_on_disk_and_which_jobs_may_have_files(void **state)
{
	struct fixture *f = *state;
	struct purge_result res, marked;
	int64_t big = finished_job(f, "big", JOB_SUCCEEDED, 0, T0, 5000, 7);
	int64_t silent = finished_job(f, "silent", JOB_SUCCEEDED, 0, T0 + 1, 0, 0);
	int64_t unknown = finished_job(f, "unknown", JOB_FAILED, 0, T0 + 2, -1, -1);
	int64_t trimmed = finished_job(f, "trimmed", JOB_SUCCEEDED, 0, T0 + 3, 100, 0);

	/* big's output was deleted before: nothing of it is left to count. */
	if (store_retention_purge_output(f->sr, 1, 10, CAP, &marked, f->base.err) != 0)
		fail_msg("purge_output: %s", f->base.err);
	assert_int_equal(marked.n_jobs, 1);
	assert_int_equal(marked.jobs[0].id, big);
	store_retention_result_free(&marked);
	tu_add_job(&f->base, "newest", 0, 1, 0, T0);
	purge(f, T0 + 60 * SEC, 500, &res);
	assert_int_equal(res.n_jobs, 4);
	assert_int_equal(res.jobs[0].id, big);
	assert_false(res.jobs[0].files);
	assert_int_equal(res.jobs[0].output_bytes, 0);
	assert_int_equal(res.jobs[1].id, silent);
	assert_false(res.jobs[1].files);
	assert_int_equal(res.jobs[2].id, unknown);
	assert_true(res.jobs[2].files);
	assert_int_equal(res.jobs[2].output_bytes, 0);
	assert_int_equal(res.jobs[3].id, trimmed);
	assert_true(res.jobs[3].files);
	assert_int_equal(res.jobs[3].output_bytes, 100);
	assert_int_equal(res.output_bytes, 100);
	store_retention_result_free(&res);
}

static void test_the_newest_job_and_batch_stay_so_that_ids_are_never_reused(void **state)
{
	struct fixture *f = *state;
	struct purge_result res;
	struct batch b;
	int64_t first, second;

	assert_int_equal(store_batch_insert(f->base.st, "first", 1, NULL, 0, NULL, T0, &first,
			     f->base.err), 0);
	int64_t only = finished_job(f, "only", JOB_SUCCEEDED, first, T0, 1, 0);
	purge(f, T0 + 60 * SEC, 500, &res);
	assert_int_equal(res.n_jobs, 0);
	store_retention_result_free(&res);
	assert_true(exists(f, only));

	/* A newer job: the old one may go, but its batch is the newest one. */
	int64_t next = tu_add_job(&f->base, "next", 0, 1, 0, T0);
	purge(f, T0 + 60 * SEC, 500, &res);
	assert_int_equal(res.n_jobs, 1);
	assert_int_equal(res.n_batches, 0);
	store_retention_result_free(&res);
	assert_false(exists(f, only));
	assert_int_equal(store_batch_get(f->base.st, first, &b, f->base.err), 1);
	batch_free(&b);
	assert_true(tu_add_job(&f->base, "after", 0, 1, 0, T0) > next);

	/* Once a newer batch exists, a later purge deletes the spared one. */
	assert_int_equal(store_batch_insert(f->base.st, "second", 1, NULL, 0, NULL, T0, &second,
			     f->base.err), 0);
	assert_true(second > first);
	tu_add_job(&f->base, "in-second", 0, 1, second, T0);
	purge(f, T0 + 60 * SEC, 500, &res);
	assert_int_equal(res.n_jobs, 0);
	assert_int_equal(res.n_batches, 1);
	store_retention_result_free(&res);
	assert_int_equal(store_batch_get(f->base.st, first, &b, f->base.err), 0);
	assert_int_equal(store_batch_get(f->base.st, second, &b, f->base.err), 1);
	batch_free(&b);
}

/* Readers do not prepare the purge statements (store_driver.h). */
static void test_retention_needs_the_writer_connection(void **state)
{
	struct fixture *f = *state;
	struct store *reader;
	struct store_retention *sr = (struct store_retention *)&sr;

	assert_int_equal(store_open(&reader, f->base.db, STORE_READER, f->base.err), 0);
	assert_int_equal(store_retention_open(reader, &sr, f->base.err), -1);
	assert_null(sr);
	tu_assert_contains(f->base.err, "writer");
	store_close(reader);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_purge_deletes_only_final_jobs_that_finished_before_the_cutoff),
		T(test_purge_takes_the_oldest_finished_first_at_most_limit_at_a_time),
		T(test_purge_deletes_batches_it_emptied_and_keeps_the_others),
		T(test_purge_removes_dependency_edges_and_idempotency_keys),
		T(test_purge_unlinks_reruns_of_purged_jobs_and_batches),
		T(test_purge_reports_output_on_disk_and_which_jobs_may_have_files),
		T(test_the_newest_job_and_batch_stay_so_that_ids_are_never_reused),
		T(test_retention_needs_the_writer_connection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
