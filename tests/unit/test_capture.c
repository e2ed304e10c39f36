/*
 * test_capture.c — common/capture.c in a temporary output directory: the
 * sharded path the server also reads, the byte cap with every byte counted,
 * no file until the first byte, a fresh attempt starting from nothing, and
 * a file that cannot be created costing the job nothing but its output.
 */
#include "testutil.h"

#include "common/capture.h"

struct out {
	char dir[TU_PATH_MAX];
	struct capture c;
	char err[ERR_LEN];
};

static int setup(void **state)
{
	struct out *o = calloc(1, sizeof(*o));

	assert_non_null(o);
	tu_tmpdir(o->dir, sizeof(o->dir));
	o->c.fd = -1;
	*state = o;
	return 0;
}

static int teardown(void **state)
{
	struct out *o = *state;

	capture_close(&o->c);
	tu_rmtree(o->dir);
	free(o);
	return 0;
}

static void put(struct out *o, const char *text)
{
	if (capture_write(&o->c, text, strlen(text), o->err) != 0)
		fail_msg("capture_write: %s", o->err);
}

static void assert_file(const char *path, const char *want)
{
	char *got = tu_read_file(path, NULL);
	assert_string_equal(got, want);
	free(got);
}

static void test_path_is_sharded_by_ten_thousand_ids(void **state)
{
	char buf[CAPTURE_PATH_MAX];
	(void)state;

	capture_path(buf, sizeof(buf), "/out", 42, CAPTURE_STDOUT);
	assert_string_equal(buf, "/out/0/42.stdout");
	capture_path(buf, sizeof(buf), "/out", 9999, CAPTURE_STDERR);
	assert_string_equal(buf, "/out/0/9999.stderr");
	capture_path(buf, sizeof(buf), "/out", 10000, CAPTURE_STDOUT);
	assert_string_equal(buf, "/out/1/10000.stdout");
	capture_path(buf, sizeof(buf), "./data/output", 123456789, CAPTURE_STDERR);
	assert_string_equal(buf, "./data/output/12345/123456789.stderr");
}

static void test_no_file_exists_until_the_first_byte(void **state)
{
	struct out *o = *state;

	capture_init(&o->c, o->dir, 7, CAPTURE_STDOUT, 100, 1);
	assert_int_equal(o->c.fd, -1);
	assert_int_equal(capture_write(&o->c, "", 0, o->err), 0);
	assert_false(tu_exists(o->c.path));
	put(o, "x");
	assert_true(tu_exists(o->c.path));
	capture_close(&o->c);
	assert_file(o->c.path, "x");
}

static void test_shard_directory_is_made_on_demand(void **state)
{
	struct out *o = *state;
	char shard[TU_PATH_MAX];

	capture_init(&o->c, o->dir, 30001, CAPTURE_STDERR, 100, 1);
	tu_join(shard, sizeof(shard), o->dir, "3");
	assert_false(tu_exists(shard));
	put(o, "oops\n");
	capture_close(&o->c);
	assert_true(tu_exists(shard));
	assert_file(o->c.path, "oops\n");
}

static void test_cap_keeps_the_first_bytes_and_counts_them_all(void **state)
{
	struct out *o = *state;

	capture_init(&o->c, o->dir, 1, CAPTURE_STDOUT, 10, 1);
	put(o, "hello");
	put(o, "world!!");
	put(o, "and more");
	assert_int_equal(o->c.total, 20);
	capture_close(&o->c);
	assert_file(o->c.path, "helloworld");
}

static void test_output_wholly_over_a_zero_cap_makes_no_file(void **state)
{
	struct out *o = *state;

	capture_init(&o->c, o->dir, 2, CAPTURE_STDOUT, 0, 1);
	put(o, "lost");
	assert_int_equal(o->c.total, 4);
	assert_false(tu_exists(o->c.path));
}

static void test_fresh_attempt_removes_the_previous_file(void **state)
{
	struct out *o = *state;

	capture_init(&o->c, o->dir, 3, CAPTURE_STDOUT, 100, 1);
	put(o, "attempt one");
	capture_close(&o->c);
	assert_true(tu_exists(o->c.path));

	/* Not fresh: the file stays until the first byte of the new output. */
	capture_init(&o->c, o->dir, 3, CAPTURE_STDOUT, 100, 0);
	assert_file(o->c.path, "attempt one");
	capture_init(&o->c, o->dir, 3, CAPTURE_STDOUT, 100, 1);
	assert_false(tu_exists(o->c.path));
	assert_int_equal(o->c.total, 0);
	assert_int_equal(o->c.write_errno, 0);
	put(o, "two");
	capture_close(&o->c);
	assert_file(o->c.path, "two");
}

static void test_unwritable_file_is_reported_once_and_bytes_still_count(void **state)
{
	struct out *o = *state;
	char missing[TU_PATH_MAX];

	/* Only the shard level is made on demand, not the output dir itself. */
	tu_join(missing, sizeof(missing), o->dir, "no/such");
	capture_init(&o->c, missing, 5, CAPTURE_STDOUT, 100, 1);
	assert_int_equal(capture_write(&o->c, "abc", 3, o->err), -1);
	tu_assert_contains(o->err, "open ");
	tu_assert_contains(o->err, strerror(ENOENT));
	assert_int_equal(o->c.write_errno, ENOENT);
	assert_int_equal(capture_write(&o->c, "def", 3, o->err), 0);
	assert_int_equal(o->c.total, 6);
	assert_int_equal(o->c.fd, -1);
}

static void test_close_is_idempotent(void **state)
{
	struct out *o = *state;

	capture_init(&o->c, o->dir, 6, CAPTURE_STDERR, 100, 1);
	put(o, "x");
	capture_close(&o->c);
	capture_close(&o->c);
	assert_int_equal(o->c.fd, -1);
}

/* A job may put a FIFO or a symlink where its output file goes (issue 14):
 * the worker neither blocks on the one nor writes through the other. */
static void test_a_fifo_or_symlink_in_place_of_the_file_is_never_written(void **state)
{
	struct out *o = *state;
	char target[TU_PATH_MAX + 16];

	snprintf(target, sizeof(target), "%s/0", o->dir); /* the shard of ids 7 and 8 */
	assert_int_equal(mkdir(target, 0700), 0);
	capture_init(&o->c, o->dir, 7, CAPTURE_STDOUT, 100, 1);
	assert_int_equal(mkfifo(o->c.path, 0600), 0);
	assert_int_equal(capture_write(&o->c, "abc", 3, o->err), -1);
	assert_non_null(strstr(o->err, "not a regular file"));
	assert_int_equal(o->c.total, 3);
	capture_close(&o->c);

	snprintf(target, sizeof(target), "%s/target", o->dir);
	tu_write_file(target, "keep");
	capture_init(&o->c, o->dir, 8, CAPTURE_STDERR, 100, 1);
	assert_int_equal(symlink(target, o->c.path), 0);
	assert_int_equal(capture_write(&o->c, "abc", 3, o->err), -1);
	assert_non_null(strstr(o->err, "not a regular file"));
	assert_file(target, "keep");
}

static void test_reading_opens_only_a_regular_file_and_never_waits(void **state)
{
	struct out *o = *state;
	char path[CAPTURE_PATH_MAX];
	int fd;
	int64_t size;
	size_t len;

	capture_path(path, sizeof(path), o->dir, 9, CAPTURE_STDOUT);
	assert_int_equal(capture_open_read(path, &fd, &size, o->err), CAPTURE_ABSENT);
	capture_init(&o->c, o->dir, 9, CAPTURE_STDOUT, 100, 1);
	put(o, "hello");
	capture_close(&o->c);
	assert_int_equal(capture_open_read(path, &fd, &size, o->err), CAPTURE_OPENED);
	assert_int_equal(size, 5);
	char *buf = capture_read_fd(fd, path, 3, &len, o->err);
	assert_non_null(buf);
	assert_int_equal(len, 3);
	assert_memory_equal(buf, "hel", 3);
	free(buf);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0); /* no writer: a blocking open would hang */
	assert_int_equal(capture_open_read(path, &fd, &size, o->err), CAPTURE_NOT_REGULAR);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(o->err, "a FIFO"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(capture_open_read(path, &fd, &size, o->err), CAPTURE_NOT_REGULAR);
	assert_non_null(strstr(o->err, "a symlink"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_path_is_sharded_by_ten_thousand_ids),
		T(test_no_file_exists_until_the_first_byte),
		T(test_shard_directory_is_made_on_demand),
		T(test_cap_keeps_the_first_bytes_and_counts_them_all),
		T(test_output_wholly_over_a_zero_cap_makes_no_file),
		T(test_fresh_attempt_removes_the_previous_file),
		T(test_unwritable_file_is_reported_once_and_bytes_still_count),
		T(test_close_is_idempotent),
		T(test_a_fifo_or_symlink_in_place_of_the_file_is_never_written),
		T(test_reading_opens_only_a_regular_file_and_never_waits),
	};
	return cmocka_run_group_tests_name("capture", tests, NULL, NULL);
}
