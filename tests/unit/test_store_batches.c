/*
 * test_store_batches.c — server/store/store_batches.c on a real SQLite file: a
 * batch is stored with its idempotency key, and read back with the
 * aggregates of its jobs (counts per state, first start, last finish, total
 * run time) behind makespan and speedup, one by one or a page of the
 * newest.
 */
#include "testutil_store.h"

static void test_batch_idempotency_key_finds_the_original(void **state)
{
	struct store_fixture *f = *state;
	int64_t batch, again, found = 0;

	assert_int_equal(store_batch_insert(f->st, "b", 1, "key-1", 0, NULL, T0, &batch, f->err), 0);
	assert_int_equal(store_batch_find_idem(f->st, "key-1", &found, f->err), 1);
	assert_int_equal(found, batch);
	assert_int_equal(store_batch_find_idem(f->st, "nope", &found, f->err), 0);
	assert_int_equal(store_batch_insert(f->st, "b", 1, "key-1", 0, NULL, T0, &again, f->err), -1);
	/* Jobs and batches keep their keys apart. */
	assert_int_equal(store_job_find_idem(f->st, "key-1", &found, f->err), 0);
}

static void test_batch_get_aggregates_its_jobs(void **state)
{
	struct store_fixture *f = *state;
	int64_t b, *ids;
	int n;
	struct batch bt;

	assert_int_equal(store_batch_insert(f->st, "nightly", 3, NULL, 0, NULL, T0, &b, f->err), 0);
	int64_t j1 = tu_add_job(f, NULL, 2, 1, b, T0);
	int64_t j2 = tu_add_job(f, NULL, 1, 1, b, T0);
	int64_t j3 = tu_add_job(f, NULL, 0, 1, b, T0);
	assert_int_equal(tu_claim(f, T0), j1);
	assert_int_equal(tu_claim(f, T0), j2);
	tu_finish(f, j1, JOB_SUCCEEDED, T0 + 1000, T0 + 4000);
	tu_finish(f, j2, JOB_FAILED, T0 + 500, T0 + 9000);

	assert_int_equal(store_batch_get(f->st, b, &bt, f->err), 1);
	assert_int_equal(bt.id, b);
	assert_string_equal(bt.name, "nightly");
	assert_int_equal(bt.total, 3);
	assert_int_equal(bt.created_us, T0);
	assert_int_equal(bt.counts[JOB_QUEUED], 1);
	assert_int_equal(bt.counts[JOB_SUCCEEDED], 1);
	assert_int_equal(bt.counts[JOB_FAILED], 1);
	assert_int_equal(bt.counts[JOB_RUNNING], 0);
	assert_int_equal(bt.first_start_us, T0 + 500);
	assert_int_equal(bt.last_finish_us, T0 + 9000);
	assert_int_equal(bt.total_run_us, 3000 + 8500);
	batch_free(&bt);

	assert_int_equal(store_batch_job_ids(f->st, b, &ids, &n, f->err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], j1);
	assert_int_equal(ids[2], j3);
	free(ids);
	assert_int_equal(store_batch_get(f->st, b + 1, &bt, f->err), 0);
}

static void test_batch_with_no_job_started_has_no_start(void **state)
{
	struct store_fixture *f = *state;
	int64_t b, *ids;
	int n;
	struct batch bt;

	assert_int_equal(store_batch_insert(f->st, NULL, 1, NULL, 0, NULL, T0, &b, f->err), 0);
	int64_t j = tu_add_job(f, NULL, 0, 1, b, T0);
	assert_int_equal(store_job_cancel_queued(f->st, j, T0 + 7, f->err), 1);
	assert_int_equal(store_batch_get(f->st, b, &bt, f->err), 1);
	assert_null(bt.name);
	assert_int_equal(bt.counts[JOB_CANCELED], 1);
	assert_int_equal(bt.first_start_us, 0);
	assert_int_equal(bt.last_finish_us, T0 + 7);
	assert_int_equal(bt.total_run_us, 0);
	batch_free(&bt);
	assert_int_equal(store_batch_job_ids(f->st, b + 1, &ids, &n, f->err), 0);
	assert_int_equal(n, 0);
	free(ids);
}

static void test_batch_list_pages_newest_first_with_each_batchs_aggregates(void **state)
{
	struct store_fixture *f = *state;
	int64_t b[3];
	struct batch *page;
	int n;
	bool more;

	for (int i = 0; i < 3; i++)
		assert_int_equal(store_batch_insert(f->st, i == 1 ? "mid" : NULL, 1, NULL, 0, NULL, T0 + i, &b[i],
		    f->err), 0);
	int64_t j = tu_add_job(f, NULL, 0, 1, b[1], T0);
	assert_int_equal(tu_claim(f, T0), j);
	tu_finish(f, j, JOB_SUCCEEDED, T0 + 100, T0 + 600);

	assert_int_equal(store_batch_list(f->st, 0, 2, &page, &n, &more, f->err), 0);
	assert_int_equal(n, 2);
	assert_true(more);
	assert_int_equal(page[0].id, b[2]);
	assert_int_equal(page[0].created_us, T0 + 2);
	assert_int_equal(page[0].counts[JOB_SUCCEEDED], 0);
	assert_int_equal(page[1].id, b[1]);
	assert_string_equal(page[1].name, "mid");
	assert_int_equal(page[1].counts[JOB_SUCCEEDED], 1);
	assert_int_equal(page[1].first_start_us, T0 + 100);
	assert_int_equal(page[1].last_finish_us, T0 + 600);
	assert_int_equal(page[1].total_run_us, 500);
	store_batch_list_free(page, n);

	assert_int_equal(store_batch_list(f->st, b[1], 2, &page, &n, &more, f->err), 0);
	assert_int_equal(n, 1);
	assert_false(more);
	assert_int_equal(page[0].id, b[0]);
	assert_null(page[0].name);
	store_batch_list_free(page, n);

	assert_int_equal(store_batch_list(f->st, b[0], 2, &page, &n, &more, f->err), 0);
	assert_int_equal(n, 0);
	assert_false(more);
	store_batch_list_free(page, n);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tu_store_setup, tu_store_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_batch_idempotency_key_finds_the_original),
		T(test_batch_get_aggregates_its_jobs),
		T(test_batch_with_no_job_started_has_no_start),
		T(test_batch_list_pages_newest_first_with_each_batchs_aggregates),
	};
	return cmocka_run_group_tests_name("store_batches", tests, NULL, NULL);
}
