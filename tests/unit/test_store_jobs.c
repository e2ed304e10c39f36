/*
 * test_store_jobs.c — server/store/store_jobs.c and store_batches.c on a real
 * SQLite file: the job life cycle as the dispatcher drives it (insert, claim
 * by priority then FIFO, finish, requeue, cancel, the jobs left running)
 * and idempotency keys, a batch's jobs inserted many to a statement. Listing: test_store_list.c; batches themselves:
 * test_store_batches.c.
 */
#include "testutil_store.h"

static void test_insert_then_get_round_trips_every_field(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec spec = {
		.name = (char *)"resize-17", .command = (char *)"[\"sleep\",\"1\"]",
		.env = (char *)"{\"K\":\"V\"}", .cwd = (char *)"/srv", .stdin_data = (char *)"in",
		.stdin_len = 2, .timeout_s = 2.5, .priority = -7, .max_attempts = 3,
	};
	int64_t id;
	struct job j;

	assert_int_equal(store_job_insert(f->st, &spec, 0, NULL, T0, &id, f->err), 0);
	tu_get_job(f, id, &j);
	assert_int_equal(j.id, id);
	assert_string_equal(j.name, "resize-17");
	assert_int_equal(j.batch_id, 0);
	assert_string_equal(j.command, "[\"sleep\",\"1\"]");
	assert_string_equal(j.env, "{\"K\":\"V\"}");
	assert_string_equal(j.cwd, "/srv");
	assert_int_equal(j.state, JOB_QUEUED);
	assert_int_equal(j.priority, -7);
	assert_true(j.timeout_s == 2.5);
	assert_int_equal(j.max_attempts, 3);
	assert_int_equal(j.attempts, 0);
	assert_int_equal(j.worker, -1);
	assert_int_equal(j.pid, -1);
	assert_int_equal(j.exit_code, -1);
	assert_int_equal(j.term_signal, -1);
	assert_null(j.error);
	assert_false(j.cancel_requested);
	assert_int_equal(j.created_us, T0);
	assert_int_equal(j.queued_us, T0);
	assert_int_equal(j.started_us, 0);
	assert_int_equal(j.finished_us, 0);
	assert_int_equal(j.run_us, -1);
	assert_int_equal(j.max_rss_kb, -1);
	assert_int_equal(j.stdout_bytes, -1);
	job_free(&j);
	assert_int_equal(store_job_get(f->st, id + 1, &j, f->err), 0);
}

static void test_claim_takes_highest_priority_then_oldest(void **state)
{
	struct store_fixture *f = *state;
	int64_t low = tu_add_job(f, "low", 0, 1, 0, T0);
	int64_t high1 = tu_add_job(f, "high1", 5, 1, 0, T0);
	int64_t high2 = tu_add_job(f, "high2", 5, 1, 0, T0);
	int64_t neg = tu_add_job(f, "neg", -1, 1, 0, T0);

	assert_int_equal(tu_claim(f, T0 + 1), high1);
	assert_int_equal(tu_claim(f, T0 + 2), high2);
	assert_int_equal(tu_claim(f, T0 + 3), low);
	assert_int_equal(tu_claim(f, T0 + 4), neg);
	assert_int_equal(tu_claim(f, T0 + 5), 0);
}

static void test_claim_marks_the_job_running_and_loads_stdin(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec spec = {
		.command = (char *)"\"cat\"", .env = (char *)"{}", .stdin_data = (char *)"a\0b",
		.stdin_len = 3, .timeout_s = 1, .max_attempts = 1,
	};
	int64_t id;
	struct job j;

	assert_int_equal(tu_claim_next(f->st, 0, T0, &j, f->err), 0);
	assert_int_equal(store_job_insert(f->st, &spec, 0, NULL, T0, &id, f->err), 0);
	assert_int_equal(tu_claim_next(f->st, 3, T0 + 800, &j, f->err), 1);
	assert_int_equal(j.id, id);
	assert_int_equal(j.state, JOB_RUNNING);
	assert_int_equal(j.attempts, 1);
	assert_int_equal(j.worker, 3);
	assert_int_equal(j.stdin_len, 3);
	assert_memory_equal(j.stdin_data, "a\0b", 3);
	job_free(&j);
	tu_get_job(f, id, &j);
	assert_int_equal(j.state, JOB_RUNNING);
	assert_int_equal(j.attempts, 1);
	assert_int_equal(j.worker, 3);
	assert_int_equal(j.started_us, T0 + 800);
	job_free(&j);
}

static void test_finish_records_the_attempt(void **state)
{
	struct store_fixture *f = *state;
	int64_t id = tu_add_job(f, NULL, 0, 1, 0, T0);
	struct run_result r = tu_result(3, T0 + 2000, T0 + 5000);
	struct job j;

	assert_int_equal(tu_claim(f, T0 + 1000), id);
	assert_int_equal(store_job_set_started(f->st, id, 4242, T0 + 2000, f->err), 0);
	assert_int_equal(store_job_finish(f->st, id, JOB_FAILED, &r, "exit 3", f->err), 0);
	tu_get_job(f, id, &j);
	assert_int_equal(j.state, JOB_FAILED);
	assert_int_equal(j.pid, 4242);
	assert_int_equal(j.exit_code, 3);
	assert_int_equal(j.term_signal, -1);
	assert_string_equal(j.error, "exit 3");
	assert_int_equal(j.started_us, T0 + 2000);
	assert_int_equal(j.finished_us, T0 + 5000);
	assert_int_equal(j.run_us, 3000);
	assert_int_equal(j.cpu_user_us, 400);
	assert_int_equal(j.cpu_sys_us, 900);
	assert_int_equal(j.max_rss_kb, 1800);
	assert_int_equal(j.stdout_bytes, 12);
	job_free(&j);
}

static void test_requeue_returns_a_running_job_to_the_queue(void **state)
{
	struct store_fixture *f = *state;
	int64_t id = tu_add_job(f, NULL, 0, 2, 0, T0);
	struct job j;

	assert_int_equal(tu_claim(f, T0 + 10), id);
	assert_int_equal(store_job_set_started(f->st, id, 99, T0 + 20, f->err), 0);
	assert_int_equal(store_job_requeue(f->st, id, T0 + 30, 0, "worker died", f->err), 0);
	tu_get_job(f, id, &j);
	assert_int_equal(j.state, JOB_QUEUED);
	assert_int_equal(j.attempts, 1);
	assert_int_equal(j.queued_us, T0 + 30);
	assert_int_equal(j.started_us, 0);
	assert_int_equal(j.pid, -1);
	assert_string_equal(j.error, "worker died");
	job_free(&j);
	assert_int_equal(tu_claim(f, T0 + 40), id);
	tu_get_job(f, id, &j);
	assert_int_equal(j.attempts, 2);
	job_free(&j);
}

static void test_attempt_updates_leave_jobs_that_are_not_running_alone(void **state)
{
	struct store_fixture *f = *state;
	int64_t queued = tu_add_job(f, NULL, 0, 1, 0, T0);
	struct job j;

	/* A late DONE for a job already requeued or canceled must not resurrect it. */
	tu_finish(f, queued, JOB_SUCCEEDED, T0, T0 + 1);
	assert_int_equal(store_job_set_started(f->st, queued, 7, T0, f->err), 0);
	assert_int_equal(store_job_requeue(f->st, queued, T0 + 2, 0, "x", f->err), 0);
	tu_get_job(f, queued, &j);
	assert_int_equal(j.state, JOB_QUEUED);
	assert_int_equal(j.pid, -1);
	assert_null(j.error);
	assert_int_equal(j.queued_us, T0);
	job_free(&j);
}

/* A new job brought to state from the way the dispatcher does. */
static int64_t job_in(struct store_fixture *f, enum job_state from)
{
	int64_t id = tu_add_job(f, NULL, 0, 3, 0, T0);
	struct job j;

	if (from == JOB_QUEUED)
		return id;
	if (store_job_claim(f->st, id, (int[]){ 0 }, 1, T0, &j, f->err) != 1)
		fail_msg("store_job_claim: %s", f->err);
	job_free(&j);
	if (from != JOB_RUNNING)
		tu_finish(f, id, from, T0, T0 + 1);
	assert_int_equal(tu_state_of(f, id), from);
	return id;
}

static void write_state(struct store_fixture *f, int64_t id, enum job_state from,
    enum job_state to)
{
	struct job j;

	if (to == JOB_RUNNING) {
		if (store_job_claim(f->st, id, (int[]){ 0 }, 1, T0 + 2, &j, f->err) == 1)
			job_free(&j);
	} else if (to == JOB_QUEUED) {
		assert_int_equal(store_job_requeue(f->st, id, T0 + 2, 0, "x", f->err), 0);
	} else if (to == JOB_CANCELED && from == JOB_QUEUED) {
		assert_true(store_job_cancel_queued(f->st, id, T0 + 2, f->err) >= 0);
	} else {
		tu_finish(f, id, to, T0, T0 + 2);
	}
}

/* The WHERE state = ... of every statement that moves a job is the
 * compare-and-set that makes job.c's table hold against other writers (a
 * node, a late report): each statement's move is one the table allows, and
 * it changes a row in that state and in no other. */
static void test_state_writers_change_exactly_what_the_state_table_allows(void **state)
{
	static const struct {
		enum job_state from, to;
	} writers[] = {
		{ JOB_QUEUED, JOB_RUNNING },     /* claim */
		{ JOB_QUEUED, JOB_CANCELED },    /* cancel before it started */
		{ JOB_RUNNING, JOB_QUEUED },     /* requeue */
		{ JOB_RUNNING, JOB_SUCCEEDED },  /* finish ... */
		{ JOB_RUNNING, JOB_FAILED },
		{ JOB_RUNNING, JOB_TIMED_OUT },
		{ JOB_RUNNING, JOB_CANCELED },
	};
	struct store_fixture *f = *state;

	for (size_t w = 0; w < sizeof(writers) / sizeof(writers[0]); w++) {
		assert_true(job_transition_allowed(writers[w].from, writers[w].to));
		for (enum job_state from = JOB_QUEUED; from < JOB_STATE_COUNT; from++) {
			int64_t id = job_in(f, from);
			write_state(f, id, writers[w].from, writers[w].to);
			assert_int_equal(tu_state_of(f, id) != from, from == writers[w].from);
		}
	}
}

static void test_cancel_acts_on_queued_jobs_and_flags_running_ones(void **state)
{
	struct store_fixture *f = *state;
	int64_t running = tu_add_job(f, NULL, 1, 1, 0, T0);
	int64_t queued = tu_add_job(f, NULL, 0, 1, 0, T0);
	struct job j;

	assert_int_equal(tu_claim(f, T0), running);
	assert_int_equal(store_job_cancel_queued(f->st, running, T0, f->err), 0);
	assert_int_equal(store_job_request_cancel(f->st, queued, f->err), 0);
	assert_int_equal(store_job_cancel_queued(f->st, queued, T0 + 5, f->err), 1);
	assert_int_equal(store_job_cancel_queued(f->st, queued, T0 + 6, f->err), 0);
	tu_get_job(f, queued, &j);
	assert_int_equal(j.state, JOB_CANCELED);
	assert_int_equal(j.finished_us, T0 + 5);
	job_free(&j);
	assert_int_equal(store_job_request_cancel(f->st, running, f->err), 1);
	tu_get_job(f, running, &j);
	assert_int_equal(j.state, JOB_RUNNING);
	assert_true(j.cancel_requested);
	job_free(&j);
}

static void test_counts_list_every_state(void **state)
{
	struct store_fixture *f = *state;
	int64_t counts[JOB_STATE_COUNT];
	const int64_t want[JOB_STATE_COUNT] = { [JOB_QUEUED] = 1, [JOB_RUNNING] = 1,
		[JOB_SUCCEEDED] = 1 };

	tu_add_job(f, NULL, 2, 1, 0, T0);
	tu_add_job(f, NULL, 1, 1, 0, T0);
	tu_add_job(f, NULL, 0, 1, 0, T0);
	tu_finish(f, tu_claim(f, T0), JOB_SUCCEEDED, T0, T0 + 1);
	assert_true(tu_claim(f, T0) > 0);
	assert_int_equal(store_job_counts(f->st, counts, f->err), 0);
	assert_memory_equal(counts, want, sizeof(want));
}

static void test_running_lists_the_jobs_left_running_by_id(void **state)
{
	struct store_fixture *f = *state;
	int64_t first = tu_add_job(f, NULL, 1, 2, 0, T0);
	int64_t second = tu_add_job(f, NULL, 0, 1, 0, T0);
	tu_add_job(f, NULL, -1, 1, 0, T0);
	int64_t *ids;
	int n;

	assert_int_equal(tu_claim(f, T0 + 1), first);
	assert_int_equal(tu_claim(f, T0 + 2), second);
	assert_int_equal(store_jobs_running(f->st, &ids, &n, f->err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], first);
	assert_int_equal(ids[1], second);
	free(ids);
	tu_finish(f, first, JOB_SUCCEEDED, T0 + 1, T0 + 3);
	tu_finish(f, second, JOB_FAILED, T0 + 2, T0 + 3);
	assert_int_equal(store_jobs_running(f->st, &ids, &n, f->err), 0);
	assert_int_equal(n, 0);
	free(ids);
}

static void test_idempotency_key_finds_the_original_job(void **state)
{
	struct store_fixture *f = *state;
	struct job_spec spec = { .command = (char *)"\"true\"", .timeout_s = 1, .max_attempts = 1 };
	int64_t id, again, found = 0;

	assert_int_equal(store_job_insert(f->st, &spec, 0, "key-1", T0, &id, f->err), 0);
	assert_int_equal(store_job_find_idem(f->st, "key-1", &found, f->err), 1);
	assert_int_equal(found, id);
	assert_int_equal(store_job_find_idem(f->st, "key-2", &found, f->err), 0);
	/* The key is unique: a second insert with it fails rather than duplicates. */
	assert_int_equal(store_job_insert(f->st, &spec, 0, "key-1", T0, &again, f->err), -1);
	tu_assert_contains(f->err, "UNIQUE");
}

/* A batch's jobs go STORE_INSERT_ROWS to a statement: each still gets its
 * own fields and tags, and the ids follow the specs' order. */
static void test_jobs_inserted_together_keep_their_order_fields_and_tags(void **state)
{
	struct store_fixture *f = *state;
	enum { N = 2 * STORE_INSERT_ROWS + 3 };
	struct job_spec specs[N];
	char names[N][16];
	int64_t batch, ids[N];

	assert_int_equal(store_batch_insert(f->st, NULL, N, NULL, 0, NULL, T0, &batch, f->err), 0);
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "job-%d", i);
		specs[i] = (struct job_spec){ .name = names[i], .command = (char *)"[\"true\"]",
			.timeout_s = 1, .priority = i, .max_attempts = 1 + i % 3,
			.run_at_us = i % 2 ? T0 + i : 0,
			.tags = i % 3 == 0 ? (char *)"{\"kind\":\"third\"}" : NULL };
	}
	assert_int_equal(store_jobs_insert(f->st, specs, N, batch, T0, ids, f->err), 0);
	for (int i = 0; i < N; i++) {
		struct job j;
		if (i > 0)
			assert_true(ids[i] > ids[i - 1]);
		tu_get_job(f, ids[i], &j);
		assert_string_equal(j.name, names[i]);
		assert_int_equal(j.batch_id, batch);
		assert_int_equal(j.priority, i);
		assert_int_equal(j.max_attempts, 1 + i % 3);
		assert_int_equal(j.wait_until_us, i % 2 ? T0 + i : 0);
		if (i % 3 == 0)
			assert_string_equal(j.tags, "{\"kind\":\"third\"}");
		else
			assert_null(j.tags);
		job_free(&j);
	}
	struct job_tag tag = { "kind", "third" };
	struct job_list_filter filter = { .tags = &tag, .n_tags = 1, .limit = N };
	struct job *jobs;
	int n;
	bool more;
	assert_int_equal(store_job_list(f->st, &filter, &jobs, &n, &more, f->err), 0);
	assert_int_equal(n, (N + 2) / 3);
	for (int k = 0; k < n; k++)
		assert_int_equal(jobs[k].id, ids[N - 1 - (N - 1) % 3 - 3 * k]);
	store_job_list_free(jobs, n);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tu_store_setup, tu_store_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_insert_then_get_round_trips_every_field),
		T(test_claim_takes_highest_priority_then_oldest),
		T(test_claim_marks_the_job_running_and_loads_stdin),
		T(test_finish_records_the_attempt),
		T(test_requeue_returns_a_running_job_to_the_queue),
		T(test_attempt_updates_leave_jobs_that_are_not_running_alone),
		T(test_state_writers_change_exactly_what_the_state_table_allows),
		T(test_cancel_acts_on_queued_jobs_and_flags_running_ones),
		T(test_counts_list_every_state),
		T(test_running_lists_the_jobs_left_running_by_id),
		T(test_idempotency_key_finds_the_original_job),
		T(test_jobs_inserted_together_keep_their_order_fields_and_tags),
	};
	return cmocka_run_group_tests_name("store_jobs", tests, NULL, NULL);
}
