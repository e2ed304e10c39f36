/*
 * test_spec_control.c — server/spec/spec_control.c and server/spec/spec_schedule.c:
 * a spec's `queue`, `limits` (shape, names, the server's maxima) and
 * `unique_key` with `unique_while`, and the
 * body of POST /v1/schedules (cron, timezone, choices, the job it submits).
 */
#include "testutil_spec.h"

#include "spec/spec.h"

static const struct spec_limits limits = {
	.default_timeout_s = 60, .max_timeout_s = 120,
	.max = { .memory_mb = 4096, .cpu_s = 600, .open_files = 1024, .processes = 64 },
};

static int job_from(const char *body, struct job_spec *spec, struct spec_error *e)
{
	return tu_spec_job(&limits, body, spec, e);
}

static void assert_job_rejected(const char *body, const char *field, const char *words)
{
	tu_spec_rejected(&limits, body, field, words);
}

static void test_queue_defaults_to_none_and_is_kept_when_given(void **state)
{
	struct spec_error e;
	struct job_spec spec;
	(void)state;

	assert_int_equal(job_from("{\"command\": \"x\"}", &spec, &e), 0);
	assert_null(spec.queue);
	job_spec_free(&spec);
	assert_int_equal(job_from("{\"command\": \"x\", \"queue\": \"night.ly:batch-2_a\"}", &spec, &e), 0);
	assert_string_equal(spec.queue, "night.ly:batch-2_a");
	job_spec_free(&spec);
}

static void test_queue_names_outside_the_alphabet_or_too_long_are_refused(void **state)
{
	char body[200];
	(void)state;

	assert_job_rejected("{\"command\": \"x\", \"queue\": \"\"}", "queue", "queue must be a name");
	assert_job_rejected("{\"command\": \"x\", \"queue\": \"a b\"}", "queue", "letters");
	assert_job_rejected("{\"command\": \"x\", \"queue\": \"../x\"}", "queue", "letters");
	assert_job_rejected("{\"command\": \"x\", \"queue\": 3}", "queue", "queue must be");
	snprintf(body, sizeof(body), "{\"command\": \"x\", \"queue\": \"%065d\"}", 0);
	assert_job_rejected(body, "queue", "1 to 64");
	assert_true(spec_queue_name_valid("default"));
	assert_false(spec_queue_name_valid("caf\xc3\xa9"));
}

static void test_limits_are_read_and_absent_ones_stay_zero(void **state)
{
	struct spec_error e;
	struct job_spec spec;
	(void)state;

	assert_int_equal(job_from("{\"command\": \"x\", \"limits\": {\"memory_mb\": 256, "
				  "\"cpu_s\": 10, \"processes\": 64}}", &spec, &e), 0);
	assert_int_equal(spec.limits.memory_mb, 256);
	assert_int_equal(spec.limits.cpu_s, 10);
	assert_int_equal(spec.limits.open_files, 0);
	assert_int_equal(spec.limits.processes, 64);
	job_spec_free(&spec);
}

static void test_limits_over_the_servers_maximum_name_the_limit(void **state)
{
	(void)state;
	assert_job_rejected("{\"command\": \"x\", \"limits\": {\"memory_mb\": 4097}}",
	    "limits.memory_mb", "from 1 to 4096 (the server's maximum)");
	assert_job_rejected("{\"command\": \"x\", \"limits\": {\"processes\": 65}}",
	    "limits.processes", "from 1 to 64");
	assert_job_rejected("{\"command\": \"x\", \"limits\": {\"cpu_s\": 0}}", "limits.cpu_s",
	    "from 1");
	assert_job_rejected("{\"command\": \"x\", \"limits\": {\"open_files\": 1.5}}",
	    "limits.open_files", "must be an integer");
	assert_job_rejected("{\"command\": \"x\", \"limits\": {\"open_files\": \"9\"}}",
	    "limits.open_files", "must be an integer");
	assert_job_rejected("{\"command\": \"x\", \"limits\": {\"disk_mb\": 1}}", "limits.disk_mb",
	    "unknown field");
	assert_job_rejected("{\"command\": \"x\", \"limits\": [256]}", "limits",
	    "limits must be an object");
}

static void test_batch_specs_name_their_index_in_limit_errors(void **state)
{
	struct spec_error e;
	struct job_spec *specs;
	size_t n;
	char *name, *notify;
	const char *body = "{\"jobs\": [{\"command\": \"x\"}, {\"command\": \"x\", "
			   "\"limits\": {\"cpu_s\": 601}}]}";
	cJSON *root = spec_parse_json(body, strlen(body), &e);
	(void)state;

	assert_int_equal(spec_batch(root, &limits, &name, &notify, &specs, &n, &e), -1);
	cJSON_Delete(root);
	assert_string_equal(e.field, "jobs[1].limits.cpu_s");
}

static int schedule_from(const char *body, struct schedule *s, struct spec_error *e)
{
	cJSON *root = spec_parse_json(body, strlen(body), e);

	assert_non_null(root);
	int rc = spec_schedule(root, &limits, s, e);
	cJSON_Delete(root);
	return rc;
}

static void assert_schedule_rejected(const char *body, const char *field, const char *words)
{
	struct schedule s;
	struct spec_error e;

	assert_int_equal(schedule_from(body, &s, &e), -1);
	assert_string_equal(e.field, field);
	tu_assert_contains(e.message, words);
	assert_null(s.cron);
}

static void test_schedule_takes_defaults_and_keeps_the_job_as_json(void **state)
{
	struct schedule s;
	struct spec_error e;
	(void)state;

	assert_int_equal(schedule_from("{\"cron\": \"*/5 * * * *\", \"job\": {\"command\": "
				       "[\"echo\", \"hi\"], \"queue\": \"q\"}}", &s, &e), 0);
	assert_string_equal(s.cron, "*/5 * * * *");
	assert_string_equal(s.timezone, "UTC");
	assert_string_equal(s.overlap, "skip");
	assert_string_equal(s.catch_up, "none");
	assert_null(s.name);
	assert_false(s.paused);
	assert_string_equal(s.job, "{\"command\":[\"echo\",\"hi\"],\"queue\":\"q\"}");
	schedule_free(&s);
	assert_int_equal(schedule_from("{\"cron\": \"@daily\", \"timezone\": \"Europe/Berlin\", "
				       "\"overlap\": \"allow\", \"catch_up\": \"once\", \"name\": "
				       "\"n\", \"paused\": true, \"job\": {\"command\": \"x\"}}", &s, &e), 0);
	assert_string_equal(s.timezone, "Europe/Berlin");
	assert_string_equal(s.overlap, "allow");
	assert_string_equal(s.catch_up, "once");
	assert_string_equal(s.name, "n");
	assert_true(s.paused);
	schedule_free(&s);
}

static void test_schedule_rejections_name_the_field(void **state)
{
	(void)state;
	assert_schedule_rejected("{\"job\": {\"command\": \"x\"}}", "cron", "cron is required");
	assert_schedule_rejected("{\"cron\": \"61 * * * *\", \"job\": {\"command\": \"x\"}}", "cron",
	    "minute");
	assert_schedule_rejected("{\"cron\": \"* * * * *\", \"timezone\": \"No/Where\", \"job\": "
				 "{\"command\": \"x\"}}", "timezone", "unknown time zone");
	assert_schedule_rejected("{\"cron\": \"* * * * *\", \"overlap\": \"maybe\", \"job\": "
				 "{\"command\": \"x\"}}", "overlap", "\"skip\" or \"allow\"");
	assert_schedule_rejected("{\"cron\": \"* * * * *\", \"catch_up\": \"all\", \"job\": "
				 "{\"command\": \"x\"}}", "catch_up", "\"none\" or \"once\"");
	assert_schedule_rejected("{\"cron\": \"* * * * *\"}", "job", "job is required");
	assert_schedule_rejected("{\"cron\": \"* * * * *\", \"job\": {}}", "job.command", "");
	assert_schedule_rejected("{\"cron\": \"* * * * *\", \"job\": {\"command\": \"x\", "
				 "\"run_at\": \"2030-01-01T00:00:00Z\"}}", "job.run_at", "every firing");
	assert_schedule_rejected("{\"cron\": \"* * * * *\", \"job\": {\"command\": \"x\", "
				 "\"after\": [1]}}", "job.after", "every firing");
	assert_schedule_rejected("{\"cron\": \"* * * * *\", \"job\": {\"command\": \"x\"}, "
				 "\"when\": 1}", "when", "unknown field");
	assert_schedule_rejected("{\"cron\": \"* * * * *\", \"paused\": 1, \"job\": "
				 "{\"command\": \"x\"}}", "paused", "true or false");
}

static void test_unique_key_defaults_to_queued_and_running_and_takes_final_states(void **state)
{
	struct spec_error e;
	struct job_spec spec;
	(void)state;

	assert_int_equal(job_from("{\"command\": \"x\"}", &spec, &e), 0);
	assert_null(spec.unique_key);
	assert_int_equal(spec.unique_while, 0);
	job_spec_free(&spec);
	assert_int_equal(job_from("{\"command\": \"x\", \"unique_key\": \"a/b:c@d=e+f-g_h.i\"}",
	    &spec, &e), 0);
	assert_string_equal(spec.unique_key, "a/b:c@d=e+f-g_h.i");
	assert_int_equal(spec.unique_while, JOB_UNIQUE_WHILE_DEFAULT);
	job_spec_free(&spec);
	assert_int_equal(job_from("{\"command\": \"x\", \"unique_key\": \"k\", \"unique_while\":"
	    " [\"canceled\", \"running\", \"queued\", \"failed\"]}", &spec, &e), 0);
	assert_int_equal(spec.unique_while,
	    JOB_UNIQUE_WHILE_DEFAULT | (1u << JOB_CANCELED) | (1u << JOB_FAILED));
	job_spec_free(&spec);
}

static void test_unique_fields_out_of_shape_are_refused_naming_the_field(void **state)
{
	char body[300];
	(void)state;

	assert_job_rejected("{\"command\": \"x\", \"unique_key\": \"a,b\"}", "unique_key", "letters");
	assert_job_rejected("{\"command\": \"x\", \"unique_key\": \"\"}", "unique_key", "1 to 200");
	snprintf(body, sizeof(body), "{\"command\": \"x\", \"unique_key\": \"%0201d\"}", 0);
	assert_job_rejected(body, "unique_key", "1 to 200");
	assert_job_rejected("{\"command\": \"x\", \"unique_while\": [\"queued\", \"running\"]}",
	    "unique_while", "needs a unique_key");
	assert_job_rejected("{\"command\": \"x\", \"unique_key\": \"k\", \"unique_while\": []}",
	    "unique_while", "non-empty array");
	assert_job_rejected("{\"command\": \"x\", \"unique_key\": \"k\", \"unique_while\": [1]}",
	    "unique_while", "a job state");
	assert_job_rejected("{\"command\": \"x\", \"unique_key\": \"k\", \"unique_while\":"
	    " [\"queued\", \"succeeded\"]}", "unique_while", "must include queued and running");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_defaults_to_none_and_is_kept_when_given),
		cmocka_unit_test(test_queue_names_outside_the_alphabet_or_too_long_are_refused),
		cmocka_unit_test(test_unique_key_defaults_to_queued_and_running_and_takes_final_states),
		cmocka_unit_test(test_unique_fields_out_of_shape_are_refused_naming_the_field),
		cmocka_unit_test(test_limits_are_read_and_absent_ones_stay_zero),
		cmocka_unit_test(test_limits_over_the_servers_maximum_name_the_limit),
		cmocka_unit_test(test_batch_specs_name_their_index_in_limit_errors),
		cmocka_unit_test(test_schedule_takes_defaults_and_keeps_the_job_as_json),
		cmocka_unit_test(test_schedule_rejections_name_the_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
