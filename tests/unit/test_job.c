/*
 * test_job.c — common/job.c: state names as the API spells them, the table
 * of allowed transitions, and the state each attempt's result leads to,
 * retries and cancel requests included.
 */
#include "testutil.h"

#include "common/job.h"

static const char *const names[JOB_STATE_COUNT] = {
	[JOB_QUEUED] = "queued", [JOB_RUNNING] = "running", [JOB_SUCCEEDED] = "succeeded",
	[JOB_FAILED] = "failed", [JOB_TIMED_OUT] = "timed_out", [JOB_CANCELED] = "canceled",
};

static void test_state_names_are_the_api_spellings_and_parse_back(void **state)
{
	enum job_state s;
	(void)state;

	for (int i = 0; i < JOB_STATE_COUNT; i++) {
		assert_string_equal(job_state_name((enum job_state)i), names[i]);
		assert_int_equal(job_state_parse(names[i], &s), 0);
		assert_int_equal(s, i);
	}
	assert_string_equal(job_state_name(JOB_STATE_COUNT), "unknown");
	assert_int_equal(job_state_parse("Queued", &s), -1);
	assert_int_equal(job_state_parse("", &s), -1);
	assert_int_equal(job_state_parse("unknown", &s), -1);
	assert_int_equal(job_state_parse("queued ", &s), -1);
}

static void test_only_the_four_outcomes_are_final(void **state)
{
	(void)state;
	assert_false(job_state_is_final(JOB_QUEUED));
	assert_false(job_state_is_final(JOB_RUNNING));
	assert_true(job_state_is_final(JOB_SUCCEEDED));
	assert_true(job_state_is_final(JOB_FAILED));
	assert_true(job_state_is_final(JOB_TIMED_OUT));
	assert_true(job_state_is_final(JOB_CANCELED));
}

static void test_transitions_follow_the_api_state_diagram(void **state)
{
	/* allowed[from][to], rows and columns in enum order:
	 * queued running succeeded failed timed_out canceled */
	static const bool allowed[JOB_STATE_COUNT][JOB_STATE_COUNT] = {
		[JOB_QUEUED] = { 0, 1, 0, 0, 0, 1 },
		[JOB_RUNNING] = { 1, 0, 1, 1, 1, 1 },
		[JOB_SUCCEEDED] = { 0 },
		[JOB_FAILED] = { 0 },
		[JOB_TIMED_OUT] = { 0 },
		[JOB_CANCELED] = { 0 },
	};
	(void)state;

	for (int from = 0; from < JOB_STATE_COUNT; from++)
		for (int to = 0; to < JOB_STATE_COUNT; to++)
			if (job_transition_allowed((enum job_state)from, (enum job_state)to) !=
			    allowed[from][to])
				fail_msg("%s -> %s: want %s", names[from], names[to],
				    allowed[from][to] ? "allowed" : "refused");
}

/* The state a job on its attempt-th of max_attempts goes to after status. */
static enum job_state next(int attempt, int max_attempts, bool cancel_requested,
    enum run_status status, int exit_code)
{
	struct job job = {
		.state = JOB_RUNNING, .attempts = attempt, .max_attempts = max_attempts,
		.cancel_requested = cancel_requested,
	};
	struct run_result r = { .status = status, .exit_code = exit_code, .term_signal = -1 };

	return job_next_state(&job, &r);
}

static void test_exit_zero_succeeds_even_with_attempts_left(void **state)
{
	(void)state;
	assert_int_equal(next(1, 1, false, RUN_EXITED, 0), JOB_SUCCEEDED);
	assert_int_equal(next(1, 3, false, RUN_EXITED, 0), JOB_SUCCEEDED);
}

static void test_last_attempt_ends_in_the_state_of_its_result(void **state)
{
	(void)state;
	assert_int_equal(next(1, 1, false, RUN_EXITED, 1), JOB_FAILED);
	assert_int_equal(next(3, 3, false, RUN_EXITED, 255), JOB_FAILED);
	assert_int_equal(next(1, 1, false, RUN_SIGNALED, 0), JOB_FAILED);
	assert_int_equal(next(1, 1, false, RUN_START_FAILED, 0), JOB_FAILED);
	assert_int_equal(next(2, 2, false, RUN_TIMED_OUT, 0), JOB_TIMED_OUT);
	assert_int_equal(next(1, 1, false, RUN_CANCELED, 0), JOB_CANCELED);
}

static void test_failed_or_timed_out_attempt_with_attempts_left_is_requeued(void **state)
{
	(void)state;
	assert_int_equal(next(1, 2, false, RUN_EXITED, 1), JOB_QUEUED);
	assert_int_equal(next(1, 10, false, RUN_SIGNALED, 0), JOB_QUEUED);
	assert_int_equal(next(9, 10, false, RUN_START_FAILED, 0), JOB_QUEUED);
	assert_int_equal(next(1, 2, false, RUN_TIMED_OUT, 0), JOB_QUEUED);
}

static void test_canceled_attempt_is_never_retried(void **state)
{
	(void)state;
	assert_int_equal(next(1, 5, false, RUN_CANCELED, 0), JOB_CANCELED);
	assert_int_equal(next(1, 5, true, RUN_CANCELED, 0), JOB_CANCELED);
}

static void test_cancel_request_turns_any_failure_into_canceled(void **state)
{
	(void)state;
	assert_int_equal(next(1, 5, true, RUN_EXITED, 143), JOB_CANCELED);
	assert_int_equal(next(1, 1, true, RUN_SIGNALED, 0), JOB_CANCELED);
	assert_int_equal(next(1, 5, true, RUN_TIMED_OUT, 0), JOB_CANCELED);
	assert_int_equal(next(1, 5, true, RUN_START_FAILED, 0), JOB_CANCELED);
}

static void test_cancel_request_racing_a_clean_exit_leaves_it_succeeded(void **state)
{
	(void)state;
	assert_int_equal(next(1, 1, true, RUN_EXITED, 0), JOB_SUCCEEDED);
}

static void test_unknown_run_status_counts_as_a_failure(void **state)
{
	(void)state;
	assert_int_equal(next(1, 1, false, RUN_STATUS_COUNT, 0), JOB_FAILED);
	assert_int_equal(next(1, 2, false, RUN_STATUS_COUNT, 0), JOB_QUEUED);
}

static void test_free_releases_strings_and_clears_the_struct(void **state)
{
	struct job_spec spec = { .name = strdup("n"), .command = strdup("\"x\""), .priority = 4 };
	struct job job = { .error = strdup("e"), .cwd = strdup("/"), .id = 9 };
	(void)state;

	job_spec_free(&spec);
	assert_null(spec.name);
	assert_int_equal(spec.priority, 0);
	job_spec_free(&spec); /* twice is harmless */
	job_free(&job);
	assert_null(job.error);
	assert_int_equal(job.id, 0);
	job_free(&job);
}

static void test_state_lists_format_in_state_order_and_parse_back(void **state)
{
	char buf[JOB_STATE_LIST_MAX];
	unsigned all = (1u << JOB_STATE_COUNT) - 1, mask;
	(void)state;

	assert_int_equal(job_state_list_parse("succeeded,queued,running", &mask), 0);
	assert_int_equal(mask, JOB_UNIQUE_WHILE_DEFAULT | (1u << JOB_SUCCEEDED));
	job_state_list_format(mask, buf, sizeof(buf));
	assert_string_equal(buf, "queued,running,succeeded");
	assert_true(job_state_list_format(all, buf, sizeof(buf)) < JOB_STATE_LIST_MAX);
	assert_int_equal(job_state_list_parse(buf, &mask), 0);
	assert_int_equal(mask, all);
	assert_int_equal(job_state_list_format(all, buf, 8), (int)strlen(
	    "queued,running,succeeded,failed,timed_out,canceled"));
	assert_int_equal(job_state_list_parse("queued,sleeping", &mask), -1);
	assert_int_equal(job_state_list_parse("queue", &mask), -1);
	assert_int_equal(job_state_list_parse("", &mask), -1);
}

static void test_unique_while_needs_queued_and_running_and_any_final_states(void **state)
{
	unsigned base = JOB_UNIQUE_WHILE_DEFAULT;
	(void)state;

	assert_true(job_unique_while_valid(base));
	for (int s = JOB_SUCCEEDED; s < JOB_STATE_COUNT; s++)
		assert_true(job_unique_while_valid(base | (1u << s)));
	assert_true(job_unique_while_valid((1u << JOB_STATE_COUNT) - 1));
	/* A retry (running → queued) would enter {queued} from outside. */
	assert_false(job_unique_while_valid(1u << JOB_QUEUED));
	/* A job is inserted queued. */
	assert_false(job_unique_while_valid(1u << JOB_RUNNING));
	/* running → succeeded would enter the set from outside. */
	assert_false(job_unique_while_valid((1u << JOB_QUEUED) | (1u << JOB_SUCCEEDED)));
	assert_false(job_unique_while_valid(0));
	assert_false(job_unique_while_valid(base | (1u << JOB_STATE_COUNT)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names_are_the_api_spellings_and_parse_back),
		cmocka_unit_test(test_only_the_four_outcomes_are_final),
		cmocka_unit_test(test_transitions_follow_the_api_state_diagram),
		cmocka_unit_test(test_exit_zero_succeeds_even_with_attempts_left),
		cmocka_unit_test(test_last_attempt_ends_in_the_state_of_its_result),
		cmocka_unit_test(test_failed_or_timed_out_attempt_with_attempts_left_is_requeued),
		cmocka_unit_test(test_canceled_attempt_is_never_retried),
		cmocka_unit_test(test_cancel_request_turns_any_failure_into_canceled),
		cmocka_unit_test(test_cancel_request_racing_a_clean_exit_leaves_it_succeeded),
		cmocka_unit_test(test_unknown_run_status_counts_as_a_failure),
		cmocka_unit_test(test_free_releases_strings_and_clears_the_struct),
		cmocka_unit_test(test_state_lists_format_in_state_order_and_parse_back),
		cmocka_unit_test(test_unique_while_needs_queued_and_running_and_any_final_states),
	};
	return cmocka_run_group_tests_name("job", tests, NULL, NULL);
}
