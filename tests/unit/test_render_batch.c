/*
 * test_render_batch.c — a batch's JSON (server/render/render.c): counts,
 * makespan and speedup only once they are known, and the batches list.
 */
#include "testutil.h"

#include "render/render.h"

#define T0 1795554272123456LL /* 2026-11-24T21:04:32.123456Z */

static void test_unfinished_batch_has_null_makespan_and_speedup(void **state)
{
	struct batch b = {
		.id = 5, .name = (char *)"nightly", .total = 3, .created_us = T0,
		.counts = { [JOB_RUNNING] = 1, [JOB_SUCCEEDED] = 2 },
		.first_start_us = T0 + 1000, .last_finish_us = T0 + 3000, .total_run_us = 3500,
	};
	int64_t ids[] = { 7, 10, 1234567890123 };
	(void)state;

	cJSON *o = tu_json_take(render_batch(&b, ids, 3));
	assert_true(tu_number(o, "id") == 5);
	assert_string_equal(tu_string(o, "name"), "nightly");
	assert_true(tu_number(o, "total") == 3);
	tu_assert_counts(tu_member(o, "counts"), b.counts);
	assert_string_equal(tu_string(o, "created_at"), "2026-11-24T21:04:32.123Z");
	assert_string_equal(tu_string(o, "started_at"), "2026-11-24T21:04:32.124Z");
	tu_assert_null_member(o, "finished_at");
	tu_assert_null_member(o, "makespan_ms");
	tu_assert_null_member(o, "speedup");
	assert_true(tu_number(o, "total_run_ms") == 3.5);
	const cJSON *got = tu_member(o, "job_ids");
	assert_int_equal(cJSON_GetArraySize(got), 3);
	for (int i = 0; i < 3; i++)
		assert_true(cJSON_GetArrayItem(got, i)->valuedouble == (double)ids[i]);
	cJSON_Delete(o);
	char *text = render_batch(&b, ids, 0); /* a batch whose ids are not known yet: none */
	assert_non_null(strstr(text, "\"job_ids\":[]"));
	free(text);
}

static void test_finished_batch_reports_makespan_and_speedup(void **state)
{
	struct batch b = {
		.id = 5, .total = 4, .created_us = T0,
		.counts = { [JOB_SUCCEEDED] = 2, [JOB_FAILED] = 1, [JOB_CANCELED] = 1 },
		.first_start_us = T0 + 1000, .last_finish_us = T0 + 2001000,
		.total_run_us = 6000000,
	};
	(void)state;

	cJSON *o = tu_json_take(render_batch(&b, NULL, 0));
	tu_assert_null_member(o, "name");
	assert_string_equal(tu_string(o, "finished_at"), "2026-11-24T21:04:34.124Z");
	assert_true(tu_number(o, "makespan_ms") == 2000);
	assert_true(tu_number(o, "total_run_ms") == 6000);
	assert_true(tu_number(o, "speedup") == 3);
	/* GET /v1/batches/{id} has no job_ids; only the POST answer does. */
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "job_ids"));
	cJSON_Delete(o);
}

static void test_batch_canceled_before_any_start_has_no_speedup(void **state)
{
	struct batch b = { .id = 1, .total = 1, .created_us = T0,
		.counts = { [JOB_CANCELED] = 1 }, .last_finish_us = T0 + 5 };
	(void)state;

	cJSON *o = tu_json_take(render_batch(&b, NULL, 0));
	tu_assert_null_member(o, "started_at");
	tu_assert_null_member(o, "makespan_ms");
	tu_assert_null_member(o, "speedup");
	cJSON_Delete(o);
}

static void test_batch_list_renders_each_batch_without_job_ids_and_the_next_link(void **state)
{
	struct batch bs[2] = {
		{ .id = 9, .total = 2, .created_us = T0, .counts = { [JOB_SUCCEEDED] = 2 },
		  .first_start_us = T0, .last_finish_us = T0 + 1000000, .total_run_us = 2000000 },
		{ .id = 7, .name = (char *)"old", .total = 1, .created_us = T0,
		  .counts = { [JOB_QUEUED] = 1 } },
	};
	(void)state;

	cJSON *o = tu_json_take(render_batch_list(bs, 2, "/v1/batches?limit=2&before_id=7"));
	const cJSON *arr = tu_member(o, "batches");
	assert_int_equal(cJSON_GetArraySize(arr), 2);
	const cJSON *first = cJSON_GetArrayItem(arr, 0), *second = cJSON_GetArrayItem(arr, 1);
	assert_true(tu_number(first, "id") == 9);
	assert_true(tu_number(first, "speedup") == 2);
	assert_null(cJSON_GetObjectItemCaseSensitive(first, "job_ids"));
	assert_string_equal(tu_string(second, "name"), "old");
	tu_assert_null_member(second, "speedup");
	assert_string_equal(tu_string(o, "next"), "/v1/batches?limit=2&before_id=7");
	cJSON_Delete(o);

	o = tu_json_take(render_batch_list(NULL, 0, NULL));
	assert_int_equal(cJSON_GetArraySize(tu_member(o, "batches")), 0);
	tu_assert_null_member(o, "next");
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unfinished_batch_has_null_makespan_and_speedup),
		cmocka_unit_test(test_finished_batch_reports_makespan_and_speedup),
		cmocka_unit_test(test_batch_canceled_before_any_start_has_no_speedup),
		cmocka_unit_test(test_batch_list_renders_each_batch_without_job_ids_and_the_next_link),
	};
	return cmocka_run_group_tests_name("render_batch", tests, NULL, NULL);
}
