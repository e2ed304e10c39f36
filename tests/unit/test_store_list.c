/*
 * test_store_list.c — store_job_list (server/store/store_jobs.c) on a real
 * SQLite file: newest first in exact keyset pages, several states merged,
 * state and batch filters.
 */
#include "testutil_store.h"

/* Lists with f and checks the ids in order and the more flag. */
static void assert_list(struct store_fixture *fx, const struct job_list_filter *f,
    const int64_t *want, int n_want, bool want_more)
{
	struct job *jobs;
	int n;
	bool more;

	if (store_job_list(fx->st, f, &jobs, &n, &more, fx->err) != 0)
		fail_msg("store_job_list: %s", fx->err);
	assert_int_equal(n, n_want);
	for (int i = 0; i < n; i++)
		assert_int_equal(jobs[i].id, want[i]);
	assert_int_equal(more, want_more);
	store_job_list_free(jobs, n);
}

static void test_list_is_newest_first_with_exact_keyset_pages(void **state)
{
	struct store_fixture *f = *state;
	int64_t id[5];

	for (int i = 0; i < 5; i++)
		id[i] = tu_add_job(f, NULL, 0, 1, 0, T0);
	struct job_list_filter page = { .limit = 2 };
	assert_list(f, &page, (int64_t[]){ id[4], id[3] }, 2, true);
	page.before_id = id[3];
	assert_list(f, &page, (int64_t[]){ id[2], id[1] }, 2, true);
	page.before_id = id[1];
	assert_list(f, &page, (int64_t[]){ id[0] }, 1, false);
	/* A last page that is exactly full has no next. */
	page.before_id = id[2];
	assert_list(f, &page, (int64_t[]){ id[1], id[0] }, 2, false);
	page.limit = 5;
	page.before_id = 0;
	assert_list(f, &page, (int64_t[]){ id[4], id[3], id[2], id[1], id[0] }, 5, false);
}

static void test_list_merges_several_states_newest_first(void **state)
{
	struct store_fixture *f = *state;
	int64_t id[6];

	/* States by id: 0 running, 1 queued, 2 canceled, 3 queued, 4 canceled, 5 succeeded */
	for (int i = 0; i < 6; i++)
		id[i] = tu_add_job(f, NULL, i == 0 || i == 5 ? 10 : 0, 1, 0, T0);
	assert_int_equal(tu_claim(f, T0), id[0]);
	assert_int_equal(tu_claim(f, T0), id[5]);
	tu_finish(f, id[5], JOB_SUCCEEDED, T0, T0 + 1);
	assert_int_equal(store_job_cancel_queued(f->st, id[2], T0, f->err), 1);
	assert_int_equal(store_job_cancel_queued(f->st, id[4], T0, f->err), 1);

	struct job_list_filter fl = {
		.state_mask = (1u << JOB_QUEUED) | (1u << JOB_CANCELED), .limit = 3,
	};
	assert_list(f, &fl, (int64_t[]){ id[4], id[3], id[2] }, 3, true);
	fl.before_id = id[2];
	assert_list(f, &fl, (int64_t[]){ id[1] }, 1, false);
	fl.before_id = 0;
	fl.limit = 4;
	assert_list(f, &fl, (int64_t[]){ id[4], id[3], id[2], id[1] }, 4, false);
	fl.state_mask = 1u << JOB_RUNNING;
	assert_list(f, &fl, (int64_t[]){ id[0] }, 1, false);
}

/* Last in main: under UBSan a failure here aborts the binary. */
static void test_list_with_a_state_filter_that_matches_nothing_is_empty(void **state)
{
	struct store_fixture *f = *state;
	struct job_list_filter fl = { .state_mask = 1u << JOB_FAILED, .limit = 10 };

	tu_add_job(f, NULL, 0, 1, 0, T0);
	assert_list(f, &fl, NULL, 0, false);
}

static void test_list_filters_by_batch(void **state)
{
	struct store_fixture *f = *state;
	int64_t b1, b2;

	assert_int_equal(store_batch_insert(f->st, "one", 2, NULL, 0, NULL, T0, &b1, f->err), 0);
	assert_int_equal(store_batch_insert(f->st, "two", 1, NULL, 0, NULL, T0, &b2, f->err), 0);
	int64_t a = tu_add_job(f, NULL, 0, 1, b1, T0);
	int64_t other = tu_add_job(f, NULL, 0, 1, b2, T0);
	int64_t c = tu_add_job(f, NULL, 0, 1, b1, T0);
	tu_add_job(f, NULL, 0, 1, 0, T0);
	assert_int_equal(store_job_cancel_queued(f->st, c, T0, f->err), 1);

	struct job_list_filter fl = { .batch_id = b1, .limit = 10 };
	assert_list(f, &fl, (int64_t[]){ c, a }, 2, false);
	fl.limit = 1;
	assert_list(f, &fl, (int64_t[]){ c }, 1, true);
	fl.state_mask = 1u << JOB_QUEUED;
	assert_list(f, &fl, (int64_t[]){ a }, 1, false);
	fl.batch_id = b2;
	assert_list(f, &fl, (int64_t[]){ other }, 1, false);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tu_store_setup, tu_store_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_list_is_newest_first_with_exact_keyset_pages),
		T(test_list_merges_several_states_newest_first),
		T(test_list_filters_by_batch),
		T(test_list_with_a_state_filter_that_matches_nothing_is_empty),
	};
	return cmocka_run_group_tests_name("store_list", tests, NULL, NULL);
}
