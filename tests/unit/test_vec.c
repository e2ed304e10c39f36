/*
 * test_vec.c — server/vec.c: an array grows by doubling from about a page,
 * keeps what it held, refuses a size that would overflow, and reports a
 * failed realloc naming the call while leaving the array as it was.
 *
 * realloc is wrapped at link time (the Makefile links this test with
 * -Wl,--wrap=realloc), so vec_reserve's call lands here and fails when the
 * test says so.
 */
#include "testutil.h"

#include <stdbool.h>
#include <stdint.h>

#include "common/vec.h"

static bool realloc_fails;
static int realloc_calls;

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_realloc(void *p, size_t n)
{
	realloc_calls++;
	if (realloc_fails)
		return NULL;
	return __real_realloc(p, n);
}

static int reset(void **state)
{
	(void)state;
	realloc_fails = false;
	realloc_calls = 0;
	return 0;
}

static void test_an_empty_array_first_gets_about_a_page(void **state)
{
	int64_t *ids = NULL;
	size_t cap = 0;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(VEC_RESERVE(ids, cap, 1, err), 0);
	assert_int_equal(cap, VEC_FIRST_BYTES / sizeof(*ids));
	/* Room already there: no realloc. */
	assert_int_equal(VEC_RESERVE(ids, cap, cap, err), 0);
	assert_int_equal(realloc_calls, 1);
	free(ids);
}

static void test_a_full_array_doubles_and_keeps_its_elements(void **state)
{
	int64_t *ids = NULL;
	size_t cap = 0, n = 0;
	char err[ERR_LEN];

	(void)state;
	for (int64_t i = 0; i < 10000; i++) {
		assert_int_equal(VEC_RESERVE(ids, cap, n + 1, err), 0);
		ids[n++] = i;
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ids[i], (int64_t)i);
	assert_int_equal(cap, 16384); /* 512, 1024, ... */
	assert_int_equal(realloc_calls, 6);
	free(ids);
}

static void test_need_beyond_double_grows_to_fit_at_once(void **state)
{
	char *buf = NULL;
	size_t cap = 0;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(VEC_RESERVE(buf, cap, 100000, err), 0);
	assert_true(cap >= 100000);
	assert_int_equal(realloc_calls, 1);
	free(buf);
}

static void test_a_size_that_overflows_is_refused_without_realloc(void **state)
{
	struct { char b[64]; } *big = NULL;
	size_t cap = 0;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(VEC_RESERVE(big, cap, SIZE_MAX / 8, err), -1);
	tu_assert_contains(err, "realloc");
	tu_assert_contains(err, "too many");
	assert_null(big);
	assert_int_equal(cap, 0);
	assert_int_equal(realloc_calls, 0);
}

static void test_a_failed_realloc_is_reported_and_leaves_the_array(void **state)
{
	int *v = NULL;
	size_t cap = 0;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(VEC_RESERVE(v, cap, 1, err), 0);
	int *before = v;
	size_t cap_before = cap;
	v[0] = 42;
	realloc_fails = true;
	assert_int_equal(VEC_RESERVE(v, cap, cap + 1, err), -1);
	tu_assert_contains(err, "realloc 2048 x 4 bytes: out of memory");
	assert_ptr_equal(v, before);
	assert_int_equal(cap, cap_before);
	assert_int_equal(v[0], 42);
	/* A NULL err is allowed: the caller only logs or drops. */
	assert_int_equal(VEC_RESERVE(v, cap, cap + 1, NULL), -1);
	free(v);
}

#define T(name) cmocka_unit_test_setup(name, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_an_empty_array_first_gets_about_a_page),
		T(test_a_full_array_doubles_and_keeps_its_elements),
		T(test_need_beyond_double_grows_to_fit_at_once),
		T(test_a_size_that_overflows_is_refused_without_realloc),
		T(test_a_failed_realloc_is_reported_and_leaves_the_array),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
