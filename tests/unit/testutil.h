/*
 * testutil.h — helpers shared by the cmocka unit tests in tests/unit/:
 * temporary directories (made and removed whole), reading small files back,
 * parsing JSON text into a tree the test owns, and SIGCHLD on a wake pipe
 * for the tests that run jobs as a worker does. Header-only: every
 * test_*.c is its own binary (see the Makefile's $(BUILD)/tests/% rule),
 * so these are static inline and unused ones cost nothing.
 *
 * Include this first in a test file: cmocka.h needs <stdarg.h>, <stddef.h>,
 * <stdint.h> and <setjmp.h> before it, and this header brings them in order.
 */
#ifndef JOBD_TESTUTIL_H
#define JOBD_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/err.h"
#include "common/job.h"

#define TU_PATH_MAX 4096

/* mkdtemp under $TMPDIR (or /tmp) into dir; fails the test if it cannot. */
static inline void tu_tmpdir(char *dir, size_t len)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	snprintf(dir, len, "%s/jobd-unit-XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		fail_msg("mkdtemp %s: %s", dir, strerror(errno));
}

static inline int tu_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* rm -rf dir; depth first, never following symlinks out of it. */
static inline void tu_rmtree(const char *dir)
{
	if (nftw(dir, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		fail_msg("remove %s: %s", dir, strerror(errno));
}

/* "<dir>/<name>" into out. */
static inline void tu_join(char *out, size_t len, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, len, "%s/%s", dir, name) >= len)
		fail_msg("path %s/%s too long", dir, name);
}

static inline int tu_exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* The whole file, NUL-terminated, malloc'd (caller frees); *len its size. */
static inline char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (f == NULL)
		fail_msg("fopen %s: %s", path, strerror(errno));
	do {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

static inline void tu_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		fail_msg("fopen %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* Parses JSON the code under test produced; takes ownership of text. */
static inline cJSON *tu_json_take(char *text)
{
	assert_non_null(text);
	cJSON *root = cJSON_Parse(text);
	if (root == NULL)
		fail_msg("not JSON: %s", text);
	free(text);
	return root;
}

/* The member k of o, which must be present (null counts as present). */
static inline const cJSON *tu_member(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (v == NULL)
		fail_msg("no member \"%s\"", k);
	return v;
}

static inline void tu_assert_null_member(const cJSON *o, const char *k)
{
	if (!cJSON_IsNull(tu_member(o, k)))
		fail_msg("member \"%s\" is not null", k);
}

static inline double tu_number(const cJSON *o, const char *k)
{
	const cJSON *v = tu_member(o, k);
	if (!cJSON_IsNumber(v))
		fail_msg("member \"%s\" is not a number", k);
	return v->valuedouble;
}

/* A "counts" object of the API: one number per job state, as want says. */
static inline void tu_assert_counts(const cJSON *counts, const int64_t *want)
{
	assert_int_equal(cJSON_GetArraySize(counts), JOB_STATE_COUNT);
	for (int s = 0; s < JOB_STATE_COUNT; s++)
		assert_true(tu_number(counts, job_state_name((enum job_state)s)) == (double)want[s]);
}

static inline const char *tu_string(const cJSON *o, const char *k)
{
	const cJSON *v = tu_member(o, k);
	if (!cJSON_IsString(v))
		fail_msg("member \"%s\" is not a string", k);
	return v->valuestring;
}

/* A connected AF_UNIX stream pair, as between the server and a worker; a
 * test that closes one end sets it to -1. For cmocka setup/teardown. */
struct tu_pair {
	int fd[2];
	char err[ERR_LEN];
};

static inline int tu_pair_setup(void **state)
{
	struct tu_pair *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->fd) < 0)
		fail_msg("socketpair: %s", strerror(errno));
	*state = p;
	return 0;
}

static inline int tu_pair_teardown(void **state)
{
	struct tu_pair *p = *state;

	for (int i = 0; i < 2; i++)
		if (p->fd[i] >= 0)
			close(p->fd[i]);
	free(p);
	return 0;
}

static inline void tu_close(int *fd)
{
	close(*fd);
	*fd = -1;
}

/* Writes all of buf to a blocking fd or fails the test. */
static inline void tu_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail_msg("write fd %d: %s", fd, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/* Where tu_on_sigchld writes: one slot for the whole test binary. */
static inline int *tu_sigchld_fd(void)
{
	static int fd = -1;
	return &fd;
}

static inline void tu_on_sigchld(int sig)
{
	int saved = errno;
	ssize_t n = write(*tu_sigchld_fd(), "c", 1);
	(void)sig;
	(void)n;
	errno = saved;
}

/* As a worker does (worker/run.h): every SIGCHLD writes a byte to fd, the
 * write end of a non-blocking pipe whose read end is a run_env's wake_fd,
 * so run.c hears of a job's end. fd -1 puts SIGCHLD back to its default. */
static inline void tu_wake_on_sigchld(int fd)
{
	struct sigaction sa = { .sa_handler = fd < 0 ? SIG_DFL : tu_on_sigchld,
		.sa_flags = SA_RESTART };

	*tu_sigchld_fd() = fd;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		fail_msg("sigaction SIGCHLD: %s", strerror(errno));
}

/* Asserts that haystack contains needle, printing both when it does not. */
#define tu_assert_contains(haystack, needle) do { \
	const char *tu_h_ = (haystack), *tu_n_ = (needle); \
	if (tu_h_ == NULL || strstr(tu_h_, tu_n_) == NULL) \
		fail_msg("\"%s\" does not contain \"%s\"", tu_h_ ? tu_h_ : "(null)", tu_n_); \
} while (0)

#endif
