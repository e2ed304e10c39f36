/*
 * test_render.c — server/render/render.c (and the timestamp format of clock.c):
 * the JSON shapes of API.md, parsed back and checked member by member, with
 * null for every value not known yet.
 */
#include "testutil.h"

#include "common/clock.h"
#include "render/render.h"

#define T0 1795554272123456LL /* 2026-11-24T21:04:32.123456Z */

/* Every member API.md shows for a job. */
static const char *const job_members[] = {
	"id", "name", "batch_id", "command", "env", "cwd", "state", "priority", "timeout_s",
	"max_attempts", "attempts", "worker", "cpus", "slots", "pid", "exit_code", "signal", "error",
	"created_at", "started_at", "finished_at", "queue_ms", "run_ms", "cpu_user_ms",
	"cpu_sys_ms", "max_rss_kb", "stdout_bytes", "stderr_bytes",
};

/* A job as the store hands out one that was just submitted. */
static struct job queued_job(void)
{
	struct job j = {
		.id = 42, .command = (char *)"[\"sleep\",\"1\"]", .env = (char *)"{}",
		.state = JOB_QUEUED, .timeout_s = 3600, .max_attempts = 1, .worker = -1, .pid = -1,
		.exit_code = -1, .term_signal = -1, .created_us = T0, .queued_us = T0,
		.run_us = -1, .cpu_user_us = -1, .cpu_sys_us = -1, .max_rss_kb = -1,
		.stdout_bytes = -1, .stderr_bytes = -1,
	};
	return j;
}

static cJSON *job_json(const struct job *j)
{
	return tu_json_take(render_job(j));
}

static void test_timestamps_are_rfc3339_utc_with_milliseconds(void **state)
{
	char buf[CLOCK_RFC3339_LEN];
	(void)state;

	clock_format_rfc3339(T0, buf);
	assert_string_equal(buf, "2026-11-24T21:04:32.123Z");
	clock_format_rfc3339(1000000LL * 86400 * 365 + 999, buf);
	assert_string_equal(buf, "1971-01-01T00:00:00.000Z");
	clock_format_rfc3339(951782400LL * 1000000 + 999999, buf); /* leap day */
	assert_string_equal(buf, "2000-02-29T00:00:00.999Z");
}

static void test_queued_job_has_every_field_with_nulls_for_unknowns(void **state)
{
	struct job j = queued_job();
	cJSON *o = job_json(&j);
	static const char *const nulls[] = {
		"name", "batch_id", "cwd", "worker", "slots", "pid", "exit_code", "signal", "error",
		"started_at", "finished_at", "queue_ms", "run_ms", "cpu_user_ms", "cpu_sys_ms",
		"max_rss_kb", "stdout_bytes", "stderr_bytes",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(job_members) / sizeof(job_members[0]); i++)
		tu_member(o, job_members[i]);
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		tu_assert_null_member(o, nulls[i]);
	assert_true(tu_number(o, "id") == 42);
	assert_string_equal(tu_string(o, "state"), "queued");
	assert_string_equal(tu_string(o, "created_at"), "2026-11-24T21:04:32.123Z");
	assert_true(tu_number(o, "attempts") == 0);
	assert_true(tu_number(o, "timeout_s") == 3600);
	assert_true(cJSON_IsArray(tu_member(o, "command")));
	assert_string_equal(cJSON_GetArrayItem(tu_member(o, "command"), 1)->valuestring, "1");
	assert_true(cJSON_IsObject(tu_member(o, "env")));
	assert_true(cJSON_IsFalse(tu_member(o, "cancel_requested")));
	cJSON_Delete(o);
}

static void test_finished_job_shows_its_measurements(void **state)
{
	struct job j = queued_job();
	(void)state;

	j.name = (char *)"resize-17";
	j.batch_id = 3;
	j.command = (char *)"\"echo hi\"";
	j.env = (char *)"{\"K\":\"V\"}";
	j.state = JOB_FAILED;
	j.attempts = 1;
	j.worker = 0;
	j.pid = 12345;
	j.exit_code = 2;
	j.error = (char *)"exit status 2";
	j.started_us = T0 + 800;
	j.finished_us = T0 + 1002900;
	j.run_us = 1002100;
	j.cpu_user_us = 400;
	j.cpu_sys_us = 900;
	j.max_rss_kb = 1800;
	j.stdout_bytes = 0;
	j.stderr_bytes = 7;
	cJSON *o = job_json(&j);
	assert_string_equal(tu_string(o, "name"), "resize-17");
	assert_true(tu_number(o, "batch_id") == 3);
	assert_string_equal(tu_string(o, "command"), "echo hi");
	assert_string_equal(tu_string(tu_member(o, "env"), "K"), "V");
	assert_string_equal(tu_string(o, "state"), "failed");
	assert_true(tu_number(o, "worker") == 0);
	assert_true(tu_number(o, "cpus") == 1);
	assert_int_equal(cJSON_GetArraySize(tu_member(o, "slots")), 1); /* [worker] */
	assert_true(cJSON_GetArrayItem(tu_member(o, "slots"), 0)->valuedouble == 0);
	assert_true(tu_number(o, "pid") == 12345);
	assert_true(tu_number(o, "exit_code") == 2);
	tu_assert_null_member(o, "signal");
	assert_string_equal(tu_string(o, "error"), "exit status 2");
	assert_string_equal(tu_string(o, "started_at"), "2026-11-24T21:04:32.124Z");
	assert_string_equal(tu_string(o, "finished_at"), "2026-11-24T21:04:33.126Z");
	assert_true(tu_number(o, "queue_ms") == 0.8);
	assert_true(tu_number(o, "run_ms") == 1002.1);
	assert_true(tu_number(o, "cpu_user_ms") == 0.4);
	assert_true(tu_number(o, "cpu_sys_ms") == 0.9);
	assert_true(tu_number(o, "max_rss_kb") == 1800);
	assert_true(tu_number(o, "stdout_bytes") == 0);
	assert_true(tu_number(o, "stderr_bytes") == 7);
	cJSON_Delete(o);
}

static void test_queue_ms_is_measured_from_the_last_time_it_was_queued(void **state)
{
	struct job j = queued_job();
	(void)state;

	/* A retried job: created long ago, requeued at T0 + 5 s, started 250 µs later. */
	j.created_us = T0 - 60000000;
	j.queued_us = T0 + 5000000;
	j.started_us = T0 + 5000250;
	j.state = JOB_RUNNING;
	j.cancel_requested = true;
	cJSON *o = job_json(&j);
	assert_true(tu_number(o, "queue_ms") == 0.25);
	assert_true(cJSON_IsTrue(tu_member(o, "cancel_requested")));
	cJSON_Delete(o);
}

static void test_job_list_carries_next_url_or_null(void **state)
{
	struct job jobs[2] = { queued_job(), queued_job() };
	(void)state;

	jobs[1].id = 41;
	cJSON *o = tu_json_take(render_job_list(jobs, 2, "/v1/jobs?limit=2&before_id=41"));
	assert_int_equal(cJSON_GetArraySize(tu_member(o, "jobs")), 2);
	assert_true(tu_number(cJSON_GetArrayItem(tu_member(o, "jobs"), 1), "id") == 41);
	assert_string_equal(tu_string(o, "next"), "/v1/jobs?limit=2&before_id=41");
	cJSON_Delete(o);
	o = tu_json_take(render_job_list(NULL, 0, NULL));
	assert_int_equal(cJSON_GetArraySize(tu_member(o, "jobs")), 0);
	tu_assert_null_member(o, "next");
	cJSON_Delete(o);
}

static void test_stats_counts_list_every_state(void **state)
{
	struct stats_info s = { .workers = 4, .busy = 1, .counts = { [JOB_QUEUED] = 9 },
		.submitted_total = 10, .finished_total = 0, .uptime_s = 1.5 };
	(void)state;

	cJSON *o = tu_json_take(render_stats(&s));
	assert_true(tu_number(o, "workers") == 4);
	assert_true(tu_number(o, "busy") == 1);
	tu_assert_counts(tu_member(o, "counts"), s.counts);
	assert_true(tu_number(o, "submitted_total") == 10);
	assert_true(tu_number(o, "finished_total") == 0);
	assert_true(tu_number(o, "uptime_s") == 1.5);
	cJSON_Delete(o);
}

static void test_workers_show_idle_and_busy_slots(void **state)
{
	struct worker_info w[2] = {
		{ .slot = 0, .pid = 100, .busy = true, .job_id = 42, .job_started_us = T0,
		  .jobs_done = 3, .started_us = T0 },
		{ .slot = 1, .pid = -1, .busy = false, .started_us = T0 },
	};
	(void)state;

	cJSON *o = tu_json_take(render_workers(w, 2, "cpus"));
	const cJSON *arr = tu_member(o, "workers");
	assert_true(tu_number(o, "size") == 2);
	assert_string_equal(tu_string(cJSON_GetArrayItem(arr, 0), "state"), "busy");
	assert_true(tu_number(cJSON_GetArrayItem(arr, 0), "job_id") == 42);
	assert_true(tu_number(cJSON_GetArrayItem(arr, 0), "jobs_done") == 3);
	assert_string_equal(tu_string(cJSON_GetArrayItem(arr, 1), "state"), "idle");
	tu_assert_null_member(cJSON_GetArrayItem(arr, 1), "job_id");
	tu_assert_null_member(cJSON_GetArrayItem(arr, 1), "pid");
	assert_true(tu_number(cJSON_GetArrayItem(arr, 1), "slot") == 1);
	cJSON_Delete(o);
}

static void test_error_names_the_field_only_when_one_is_at_fault(void **state)
{
	(void)state;
	cJSON *o = tu_json_take(render_error("invalid_request", "command is required",
	    "jobs[17].command"));
	const cJSON *e = tu_member(o, "error");
	assert_int_equal(cJSON_GetArraySize(o), 1);
	assert_string_equal(tu_string(e, "code"), "invalid_request");
	assert_string_equal(tu_string(e, "message"), "command is required");
	assert_string_equal(tu_string(e, "field"), "jobs[17].command");
	cJSON_Delete(o);

	for (int i = 0; i < 2; i++) {
		o = tu_json_take(render_error("not_found", "no job 9", i ? "" : NULL));
		e = tu_member(o, "error");
		assert_string_equal(tu_string(e, "code"), "not_found");
		assert_null(cJSON_GetObjectItemCaseSensitive(e, "field"));
		cJSON_Delete(o);
	}
}

static void test_health_is_a_status_object(void **state)
{
	(void)state;
	cJSON *o = tu_json_take(render_health("ok"));
	assert_string_equal(tu_string(o, "status"), "ok");
	cJSON_Delete(o);
}

/* Whatever the store holds (a row cut mid-character before cuts kept
 * characters whole), what goes out is UTF-8: ill-formed bytes as U+FFFD. */
static void test_stored_invalid_utf8_goes_out_as_replacement_characters(void **state)
{
	struct job j = queued_job();
	(void)state;

	j.state = JOB_FAILED;
	j.name = (char *)"caf\xc3\xa9";
	j.error = (char *)"exec /\xc3\xa9\xc3";
	j.command = (char *)"[\"/\xc3\"]";
	char *s = render_job_list(&j, 1, NULL);
	assert_non_null(s);
	assert_null(strstr(s, "\xc3\""));
	cJSON *o = tu_json_take(s);
	cJSON *job = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "jobs"), 0);
	assert_string_equal(tu_string(job, "name"), "caf\xc3\xa9");
	assert_string_equal(tu_string(job, "error"), "exec /\xc3\xa9\xef\xbf\xbd");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(job, "command"), 0)
				->valuestring, "/\xef\xbf\xbd");
	cJSON_Delete(o);
}

/* What the store holds for command and env is what spec.c printed with
 * cJSON_PrintUnformatted; it goes out as those bytes, exactly what parsing
 * and printing it again would give. */
static void test_stored_json_goes_out_as_it_was_printed(void **state)
{
	static const char *const sent[] = {
		"[\"sh\",\"-c\",\"echo \\\"hi\\\"\\n\\ttab \\\\ \\u00e9 \\u2028 /\"]",
		"\"echo caf\\u00e9 | tr a b\"",
		"{\"K\":\"V\",\"EMPTY\":\"\",\"Q\":\"a\\\"b\",\"CTL\":\"\\u0001\\u001f\"}",
		"[\"x\",\"\\ud83d\\ude00\"]",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++) {
		cJSON *v = cJSON_Parse(sent[i]);
		assert_non_null(v);
		char *stored = cJSON_PrintUnformatted(v);
		cJSON_Delete(v);
		v = cJSON_Parse(stored);
		char *again = cJSON_PrintUnformatted(v);
		cJSON_Delete(v);

		struct job j = queued_job();
		j.command = stored;
		j.env = stored;
		char *out = render_job(&j), want[1024];
		snprintf(want, sizeof(want), "\"command\":%s,\"env\":%s,", again, again);
		tu_assert_contains(out, want);
		free(out);
		free(again);
		free(stored);
	}
}

/* A row without the text (NULL) gets the field's empty value. */
static void test_missing_stored_json_falls_back(void **state)
{
	struct job j = queued_job();
	(void)state;

	j.command = NULL;
	j.env = NULL;
	char *out = render_job(&j);
	tu_assert_contains(out, "\"command\":null,\"env\":{},");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timestamps_are_rfc3339_utc_with_milliseconds),
		cmocka_unit_test(test_queued_job_has_every_field_with_nulls_for_unknowns),
		cmocka_unit_test(test_finished_job_shows_its_measurements),
		cmocka_unit_test(test_queue_ms_is_measured_from_the_last_time_it_was_queued),
		cmocka_unit_test(test_job_list_carries_next_url_or_null),
		cmocka_unit_test(test_stats_counts_list_every_state),
		cmocka_unit_test(test_workers_show_idle_and_busy_slots),
		cmocka_unit_test(test_error_names_the_field_only_when_one_is_at_fault),
		cmocka_unit_test(test_health_is_a_status_object),
		cmocka_unit_test(test_stored_invalid_utf8_goes_out_as_replacement_characters),
		cmocka_unit_test(test_stored_json_goes_out_as_it_was_printed),
		cmocka_unit_test(test_missing_stored_json_falls_back),
	};
	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
