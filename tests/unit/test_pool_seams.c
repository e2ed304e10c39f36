/*
 * test_pool_seams.c — the real pool (server/pool/) when the system calls
 * under it fail, the other half of test_dispatch_seams.c (which takes the
 * pool's word for it through a fake): a worker whose fork fails leaves its
 * slot down, so no job can be claimed on it, and is started again after its
 * backoff; a RUN whose sendmsg fails is not an error to the dispatcher
 * (pool_run returns 0) but replaces the worker, whose death the reap then
 * reports as the job's loss, naming it — the LOST that ends the attempt; a
 * slot held for a multi-core job stays held when its idle worker dies.
 *
 * The workers are real: this binary re-run as `--worker` (main hands over
 * to worker_main, as jobd's main does), with testutil_seam.h's fork and
 * sendmsg seams, which a worker starts with at zero. No job runs.
 */
#include "testutil.h"
#include "testutil_seam.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "common/clock.h"
#include "common/log.h"
#include "config/config.h"
#include "pool/pool.h"
#include "worker/worker.h"

#define WAIT_US 10000000 /* for a worker to start or die: a bound, not a timing */

struct pool_fixture {
	char dir[TU_PATH_MAX];
	struct config cfg;
	struct pool *p;
	int lost;
	int64_t lost_job;
	char cause[256];
	int first_pid;      /* the worker a test killed */
};

static void on_started(void *ctx, int slot, int64_t job_id, int pid, int64_t started_us)
{
	(void)ctx, (void)slot, (void)job_id, (void)pid, (void)started_us;
	fail_msg("no job runs in these tests");
}

static void on_done(void *ctx, int slot, int64_t job_id, const struct run_result *r)
{
	(void)ctx, (void)slot, (void)job_id, (void)r;
	fail_msg("no job runs in these tests");
}

static void on_lost(void *ctx, int slot, int64_t job_id, const char *cause)
{
	struct pool_fixture *f = ctx;

	(void)slot;
	f->lost++;
	f->lost_job = job_id;
	snprintf(f->cause, sizeof(f->cause), "%s", cause);
}

static int setup(void **state)
{
	struct pool_fixture *f = calloc(1, sizeof(*f));
	char err[ERR_LEN];

	assert_non_null(f);
	fork_seam = sendmsg_seam = (struct seam){ 0 };
	tu_tmpdir(f->dir, sizeof(f->dir));
	char *argv[] = { (char *)"jobd", (char *)"--workers", (char *)"1", (char *)"--output-dir",
		f->dir, (char *)"--cgroups", (char *)"false", (char *)"--log-level", (char *)"warn",
		NULL };
	if (config_load(&f->cfg, 9, argv, err) != 0)
		fail_msg("config_load: %s", err);
	log_set_level("warn"); /* main's to do */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct pool_fixture *f = *state;

	if (f->p != NULL)
		pool_stop(f->p, 3000);
	tu_rmtree(f->dir);
	free(f);
	return 0;
}

static void start(struct pool_fixture *f)
{
	struct pool_events ev = { .ctx = f, .started = on_started, .done = on_done,
		.lost = on_lost };
	char err[ERR_LEN];

	if (pool_start(&f->p, &f->cfg, &ev, err) != 0)
		fail_msg("pool_start: %s", err);
}

/* Runs the pool's side of the dispatcher's loop until done(f) or WAIT_US. */
static void run_until(struct pool_fixture *f, bool (*done)(struct pool_fixture *),
    const char *what)
{
	int64_t deadline = clock_mono_us() + WAIT_US;

	while (!done(f)) {
		struct pollfd fds[4];
		int n = pool_pollfds(f->p, fds, 4);

		if (clock_mono_us() > deadline)
			fail_msg("waited %d s for %s", WAIT_US / 1000000, what);
		/* Short: worker deaths come as SIGCHLD, which this loop does not take. */
		if (poll(fds, (nfds_t)n, 10) < 0 && errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
		pool_handle(f->p, fds, n);
		pool_reap(f->p);
		pool_tick(f->p);
	}
}

static bool idle(struct pool_fixture *f)
{
	int slot;
	return pool_idle_slots(f->p, &slot, 1) == 1 && slot == 0;
}
static bool lost(struct pool_fixture *f) { return f->lost > 0; }

static void test_a_worker_whose_fork_fails_is_down_until_its_backoff_then_started(void **state)
{
	struct pool_fixture *f = *state;
	struct worker_info w;

	fork_seam = (struct seam){ .fails = 1, .err = EAGAIN };
	start(f);
	assert_int_equal(fork_seam.calls, 1);
	/* No idle slot: the dispatcher claims nothing and its jobs wait queued. */
	int slot;
	assert_int_equal(pool_idle_slots(f->p, &slot, 1), 0);
	assert_int_equal(pool_busy_count(f->p), 0);
	assert_int_equal(pool_snapshot(f->p, &w, 1), 1);
	assert_int_equal(w.pid, -1);
	assert_true(pool_next_timer(f->p) > 0); /* its replacement is due */

	run_until(f, idle, "the worker started again to say HELLO");
	assert_int_equal(fork_seam.calls, 2);
	assert_int_equal(f->lost, 0);
}

static void test_a_run_whose_send_fails_replaces_the_worker_and_reports_its_job_lost(
    void **state)
{
	struct pool_fixture *f = *state;
	struct job job = { .id = 7, .command = (char *)"[\"true\"]", .env = (char *)"{}",
		.timeout_s = 60, .max_attempts = 1, .attempts = 1 };
	struct worker_info w;
	char err[ERR_LEN];

	start(f);
	run_until(f, idle, "the worker's HELLO");
	assert_int_equal(pool_snapshot(f->p, &w, 1), 1);
	int first = w.pid;
	pool_reserve(f->p, 0, job.id);
	sendmsg_seam = (struct seam){ .fails = 1, .err = EPIPE };
	/* Sent or not, the job is the slot's now: its end comes as a report. */
	assert_int_equal(pool_run(f->p, 0, &job, err), 0);
	assert_int_equal(sendmsg_seam.calls, 1);
	run_until(f, lost, "the abandoned worker's death");
	assert_int_equal(f->lost, 1);
	assert_int_equal(f->lost_job, job.id);
	/* How it died races its SIGKILL with its reading EOF on the closed socket. */
	char want[64];
	snprintf(want, sizeof(want), "worker 0 (pid %d) died: ", first);
	tu_assert_contains(f->cause, want);

	/* A new worker takes the slot, idle. */
	run_until(f, idle, "the replacement's HELLO");
	assert_int_equal(pool_snapshot(f->p, &w, 1), 1);
	assert_true(w.pid != first);
	assert_false(w.busy);
	assert_int_equal(f->lost, 1);
}

/* The killed worker's replacement said HELLO (it is idle, or held). */
static bool replaced(struct pool_fixture *f)
{
	struct worker_info w;
	int slot;
	return pool_snapshot(f->p, &w, 1) == 1 && w.pid > 0 && w.pid != f->first_pid &&
	       (w.busy || pool_idle_slots(f->p, &slot, 1) == 1);
}

/* A slot held beside a multi-core job's running one has an idle worker; if
 * that worker dies, the core is still the job's: its replacement comes up
 * held, and only the job's end frees it. */
static void test_a_held_slot_stays_held_through_its_workers_replacement(void **state)
{
	struct pool_fixture *f = *state;
	struct worker_info w;
	int slot;

	start(f);
	run_until(f, idle, "the worker's HELLO");
	assert_int_equal(pool_snapshot(f->p, &w, 1), 1);
	f->first_pid = w.pid;
	pool_reserve(f->p, 0, 9);
	assert_int_equal(kill(w.pid, SIGKILL), 0);
	run_until(f, replaced, "the replacement's HELLO");
	assert_int_equal(pool_snapshot(f->p, &w, 1), 1);
	assert_true(w.busy);
	assert_int_equal(w.job_id, 9);
	assert_int_equal(pool_idle_slots(f->p, &slot, 1), 0);
	assert_int_equal(f->lost, 0); /* no job ran there: nothing is lost */
	pool_release_held(f->p, 9);
	assert_int_equal(pool_idle_slots(f->p, &slot, 1), 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--worker") == 0)
		return worker_main(argc, argv);
	const struct CMUnitTest tests[] = {
		T(test_a_worker_whose_fork_fails_is_down_until_its_backoff_then_started),
		T(test_a_run_whose_send_fails_replaces_the_worker_and_reports_its_job_lost),
		T(test_a_held_slot_stays_held_through_its_workers_replacement),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
