/*
 * test_store_output.c — server/store/store_retention.c, --max-output-disk: a
 * job's bytes on disk (each stream capped), marking the oldest outputs
 * purged until enough is freed (at most a batch at a time), the oldest
 * finish time, and the purged flag of a missing job.
 */
#include "testutil_retention.h"

static void test_job_bytes_caps_each_stream_and_counts_unknown_as_zero(void **state)
{
	(void)state;
	assert_int_equal(store_retention_job_bytes(10, 20, CAP), 30);
	assert_int_equal(store_retention_job_bytes(5000, 20, CAP), CAP + 20);
	assert_int_equal(store_retention_job_bytes(-1, 5000, CAP), CAP);
	assert_int_equal(store_retention_job_bytes(0, 0, CAP), 0);
}

static void test_purge_output_marks_the_oldest_until_enough_is_freed(void **state)
{
	struct fixture *f = *state;
	struct purge_result res;
	bool purged;
	int64_t total;
	int64_t newest = finished_job(f, "newest", JOB_SUCCEEDED, 0, T0 + 30 * SEC, 100, 0);
	int64_t oldest = finished_job(f, "oldest", JOB_FAILED, 0, T0, 100, 50);
	int64_t middle = finished_job(f, "middle", JOB_TIMED_OUT, 0, T0 + 10 * SEC, 2000, 0);
	int64_t none = finished_job(f, "none", JOB_SUCCEEDED, 0, T0 - SEC, 0, 0);
	int64_t running = tu_add_job(&f->base, "running", 0, 1, 0, T0 - 10 * SEC);
	assert_int_equal(tu_claim(&f->base, T0), running);

	assert_int_equal(store_retention_output_total(f->sr, CAP, &total, f->base.err), 0);
	assert_int_equal(total, 100 + 150 + CAP);

	if (store_retention_purge_output(f->sr, 151, 500, CAP, &res, f->base.err) != 0)
		fail_msg("purge_output: %s", f->base.err);
	assert_int_equal(res.n_jobs, 2);
	assert_int_equal(res.jobs[0].id, oldest);
	assert_int_equal(res.jobs[0].output_bytes, 150);
	assert_true(res.jobs[0].files);
	assert_int_equal(res.jobs[1].id, middle);
	assert_int_equal(res.jobs[1].output_bytes, CAP);
	assert_int_equal(res.output_bytes, 150 + CAP);
	store_retention_result_free(&res);

	assert_int_equal(store_retention_output_purged(f->base.st, oldest, &purged, f->base.err), 1);
	assert_true(purged);
	assert_int_equal(store_retention_output_purged(f->base.st, middle, &purged, f->base.err), 1);
	assert_true(purged);
	assert_int_equal(store_retention_output_purged(f->base.st, newest, &purged, f->base.err), 1);
	assert_false(purged);
	assert_int_equal(store_retention_output_purged(f->base.st, none, &purged, f->base.err), 1);
	assert_false(purged);
	assert_int_equal(store_retention_output_total(f->sr, CAP, &total, f->base.err), 0);
	assert_int_equal(total, 100);
	assert_true(exists(f, oldest)); /* the rows stay */

	/* Then newest; never the running job, however old. */
	if (store_retention_purge_output(f->sr, 1000000, 500, CAP, &res, f->base.err) != 0)
		fail_msg("purge_output: %s", f->base.err);
	assert_int_equal(res.n_jobs, 1);
	assert_int_equal(res.jobs[0].id, newest);
	store_retention_result_free(&res);
	if (store_retention_purge_output(f->sr, 1000000, 500, CAP, &res, f->base.err) != 0)
		fail_msg("purge_output: %s", f->base.err);
	assert_int_equal(res.n_jobs, 0);
	assert_int_equal(res.output_bytes, 0);
	store_retention_result_free(&res);
	assert_int_equal(store_retention_output_purged(f->base.st, running, &purged, f->base.err), 1);
	assert_false(purged);
	assert_int_equal(store_retention_output_total(f->sr, CAP, &total, f->base.err), 0);
	assert_int_equal(total, 0);
}

static void test_purge_output_stops_at_limit_jobs(void **state)
{
	struct fixture *f = *state;
	struct purge_result res;

	for (int i = 0; i < 5; i++)
		finished_job(f, "j", JOB_SUCCEEDED, 0, T0 + i * SEC, 10, 0);
	if (store_retention_purge_output(f->sr, 1000, 3, CAP, &res, f->base.err) != 0)
		fail_msg("purge_output: %s", f->base.err);
	assert_int_equal(res.n_jobs, 3);
	assert_int_equal(res.output_bytes, 30);
	store_retention_result_free(&res);
}

static void test_oldest_finished_is_the_earliest_finish_or_zero(void **state)
{
	struct fixture *f = *state;
	int64_t at = -1;

	assert_int_equal(store_retention_oldest_finished(f->sr, &at, f->base.err), 0);
	assert_int_equal(at, 0);
	int64_t running = tu_add_job(&f->base, "running", 0, 1, 0, T0);
	assert_int_equal(tu_claim(&f->base, T0), running);
	assert_int_equal(store_retention_oldest_finished(f->sr, &at, f->base.err), 0);
	assert_int_equal(at, 0);
	finished_job(f, "later", JOB_SUCCEEDED, 0, T0 + 20 * SEC, 0, 0);
	finished_job(f, "earlier", JOB_FAILED, 0, T0 + 5 * SEC, 0, 0);
	assert_int_equal(store_retention_oldest_finished(f->sr, &at, f->base.err), 0);
	assert_int_equal(at, T0 + 6 * SEC); /* started at T0 + 5 s, ran 1 s */
}

static void test_output_purged_of_a_missing_job_is_not_found(void **state)
{
	struct fixture *f = *state;
	bool purged = true;

	assert_int_equal(store_retention_output_purged(f->base.st, 4242, &purged, f->base.err), 0);
}

static void test_a_batch_limit_below_one_is_an_error(void **state)
{
	struct fixture *f = *state;
	struct purge_result res;

	assert_int_equal(store_retention_purge_jobs(f->sr, T0, 0, CAP, &res, f->base.err), -1);
	tu_assert_contains(f->base.err, "at least 1");
	assert_null(res.jobs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_bytes_caps_each_stream_and_counts_unknown_as_zero),
		T(test_purge_output_marks_the_oldest_until_enough_is_freed),
		T(test_purge_output_stops_at_limit_jobs),
		T(test_oldest_finished_is_the_earliest_finish_or_zero),
		T(test_output_purged_of_a_missing_job_is_not_found),
		T(test_a_batch_limit_below_one_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
