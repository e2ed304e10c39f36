/*
 * test_render_event.c — server/render/render_event.c: the compact job object
 * of a /v1/events `job` event has exactly its members, each equal (as JSON)
 * to the same member of render_job's object, for queued, running and
 * finished jobs, fractional milliseconds, a retry's wait, and strings that
 * need escaping or are not UTF-8.
 */
#include "testutil.h"

#include "render/render.h"

#define T0 1795554272123456LL /* 2026-11-24T21:04:32.123456Z */

static const char *const event_members[] = {
	"id", "state", "batch_id", "queue", "attempts", "max_attempts", "worker", "pid",
	"exit_code", "signal", "error", "cancel_requested", "created_at", "started_at",
	"finished_at", "next_attempt_at", "queue_ms", "run_ms", "node_id",
};
#define N_MEMBERS (sizeof(event_members) / sizeof(event_members[0]))

static struct job base_job(void)
{
	struct job j = {
		.id = 7, .command = (char *)"[\"true\"]", .env = (char *)"{}", .state = JOB_QUEUED,
		.timeout_s = 3600, .max_attempts = 3, .worker = -1, .pid = -1, .exit_code = -1,
		.term_signal = -1, .created_us = T0, .queued_us = T0, .run_us = -1,
		.cpu_user_us = -1, .cpu_sys_us = -1, .max_rss_kb = -1, .stdout_bytes = -1,
		.stderr_bytes = -1,
	};
	return j;
}

/* Every member of the event equals the full object's; nothing else is there
 * but, for a multi-core job, its slots (also the full object's). */
static void assert_event_matches(const struct job *j)
{
	cJSON *ev = tu_json_take(render_job_event(j));
	cJSON *full = tu_json_take(render_job(j));
	size_t n = N_MEMBERS + (j->slots != NULL);

	assert_int_equal(cJSON_GetArraySize(ev), n);
	for (size_t i = 0; i < n; i++) {
		const char *k = i < N_MEMBERS ? event_members[i] : "slots";
		cJSON *a = cJSON_GetObjectItemCaseSensitive(ev, k);
		cJSON *b = cJSON_GetObjectItemCaseSensitive(full, k);
		if (a == NULL || b == NULL || !cJSON_Compare(a, b, true))
			fail_msg("member %s differs: event %s, job %s", k,
			    a ? cJSON_PrintUnformatted(a) : "(none)", b ? cJSON_PrintUnformatted(b) : "(none)");
	}
	cJSON_Delete(ev);
	cJSON_Delete(full);
}

static void test_queued_running_and_finished_jobs_match_the_full_object(void **state)
{
	struct job j = base_job();
	(void)state;

	assert_event_matches(&j);
	j.state = JOB_RUNNING;
	j.attempts = 1;
	j.worker = 1;
	j.pid = 4242;
	j.batch_id = 3;
	j.node_id = 2;
	j.started_us = T0 + 2774;
	assert_event_matches(&j);
	j.state = JOB_FAILED;
	j.exit_code = 3;
	j.finished_us = T0 + 210557000;
	j.run_us = 210557;
	j.cancel_requested = true;
	j.error = (char *)"exit code 3";
	assert_event_matches(&j);
}

/* The dashboard draws a multi-core job in each lane it holds from events. */
static void test_a_multi_core_job_carries_its_slots(void **state)
{
	struct job j = base_job();
	(void)state;

	j.state = JOB_RUNNING;
	j.attempts = 1;
	j.worker = 1;
	j.cpus = 2;
	j.slots = (char *)"[1,0]";
	j.started_us = T0 + 2774;
	assert_event_matches(&j);
}

static void test_milliseconds_keep_their_microsecond_fraction(void **state)
{
	static const int64_t runs[] = { 0, 1, 10, 100, 1000, 1001, 1010, 1100, 999999, 123456789 };
	struct job j = base_job();
	(void)state;

	j.state = JOB_SUCCEEDED;
	j.started_us = T0 + 5;
	j.finished_us = T0 + 10000000;
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		j.run_us = runs[i];
		assert_event_matches(&j);
	}
}

static void test_a_retry_shows_when_it_will_start(void **state)
{
	struct job j = base_job();
	(void)state;

	j.attempts = 1;
	j.wait_until_us = T0 + 5000000;
	j.error = (char *)"attempt 1 of 3: exit code 1; retrying in 5.0 s";
	assert_event_matches(&j);
}

static void test_strings_are_escaped_and_made_utf8(void **state)
{
	struct job j = base_job();
	(void)state;

	j.queue = (char *)"q\\\"\x01";
	j.error = (char *)"cannot exec \"/no/such\"\t\xc3\xa9 \xff end\n";
	char *text = render_job_event(&j);
	tu_assert_contains(text, "\"queue\":\"q\\\\\\\"\\u0001\"");
	free(text);
	assert_event_matches(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queued_running_and_finished_jobs_match_the_full_object),
		cmocka_unit_test(test_a_multi_core_job_carries_its_slots),
		cmocka_unit_test(test_milliseconds_keep_their_microsecond_fraction),
		cmocka_unit_test(test_a_retry_shows_when_it_will_start),
		cmocka_unit_test(test_strings_are_escaped_and_made_utf8),
	};
	return cmocka_run_group_tests_name("render_event", tests, NULL, NULL);
}
