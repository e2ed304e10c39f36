/*
 * test_webhook.c — server/dispatch/webhook_post.c's rules: the backoff
 * between a webhook's attempts (doubling, capped at an hour, half of it
 * jitter) and the X-Jobd-Signature header (HMAC-SHA256 in hex, checked
 * against RFC 4231's test case 2); and server/spec/spec_notify.c's canonical
 * form of a notify and reading it back.
 */
#include "testutil.h"

#include "dispatch/webhook.h"
#include "spec/spec.h"

static void test_backoff_doubles_per_attempt_with_half_of_it_jitter(void **state)
{
	(void)state;
	assert_int_equal(webhook_backoff_us(1, 1.0, 0.0), 500000);
	assert_int_equal(webhook_backoff_us(1, 1.0, 1.0), 1000000);
	assert_int_equal(webhook_backoff_us(2, 1.0, 0.0), 1000000);
	assert_int_equal(webhook_backoff_us(3, 1.0, 1.0), 4000000);
	assert_int_equal(webhook_backoff_us(4, 0.05, 0.5), 300000);
}

static void test_backoff_is_capped_at_an_hour(void **state)
{
	(void)state;
	assert_int_equal(webhook_backoff_us(40, 1.0, 1.0), 3600000000LL);
	assert_int_equal(webhook_backoff_us(1000000, 1.0, 0.0), 1800000000LL);
	assert_int_equal(webhook_backoff_us(1, 7200.0, 1.0), 3600000000LL);
}

static void test_signature_is_hex_hmac_sha256_of_the_body(void **state)
{
	char sig[80], err[ERR_LEN];
	const char *body = "what do ya want for nothing?";

	(void)state;
	assert_int_equal(webhook_signature("Jefe", body, strlen(body), sig, sizeof(sig), err), 0);
	assert_string_equal(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b9"
				 "64ec3843");
	assert_int_equal(webhook_signature("Jefe", body, strlen(body), sig, 20, err), -1);
	assert_non_null(strstr(err, "too small"));
}

static void test_notify_is_kept_canonical_and_read_back(void **state)
{
	struct spec_error e;
	const char *body = "{\"notify\": {\"events\": [\"canceled\", \"failed\", \"failed\"],"
			   " \"url\": \"https://h.example/x?y=1\"}}";
	cJSON *root = spec_parse_json(body, strlen(body), &e);
	char *canon, *url;
	unsigned mask;

	(void)state;
	assert_int_equal(spec_notify_get(root, false, "", &canon, &e), 0);
	assert_string_equal(canon,
	    "{\"events\":[\"failed\",\"canceled\"],\"url\":\"https://h.example/x?y=1\"}");
	assert_int_equal(spec_notify_read(canon, &url, &mask), 0);
	assert_string_equal(url, "https://h.example/x?y=1");
	assert_int_equal(mask, (1u << JOB_FAILED) | (1u << JOB_CANCELED));
	free(url);
	free(canon);
	cJSON_Delete(root);
}

static void test_a_batch_notify_has_the_completed_event(void **state)
{
	struct spec_error e;
	const char *body = "{\"notify\": {\"url\": \"http://h\"}}";
	cJSON *root = spec_parse_json(body, strlen(body), &e);
	char *canon, *url;
	unsigned mask;

	(void)state;
	assert_int_equal(spec_notify_get(root, true, "", &canon, &e), 0);
	assert_int_equal(spec_notify_read(canon, &url, &mask), 0);
	assert_int_equal(mask, SPEC_NOTIFY_BATCH_COMPLETED);
	free(url);
	free(canon);
	cJSON_Delete(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_doubles_per_attempt_with_half_of_it_jitter),
		cmocka_unit_test(test_backoff_is_capped_at_an_hour),
		cmocka_unit_test(test_signature_is_hex_hmac_sha256_of_the_body),
		cmocka_unit_test(test_notify_is_kept_canonical_and_read_back),
		cmocka_unit_test(test_a_batch_notify_has_the_completed_event),
	};
	return cmocka_run_group_tests_name("webhook", tests, NULL, NULL);
}
