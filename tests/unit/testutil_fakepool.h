/*
 * testutil_fakepool.h — a fake worker pool and a fake clock, for tests that
 * drive the real dispatcher (testutil_dispatch.h); link with the Makefile's
 * UNIT_FAKE_DISPATCH.
 *
 * The pool: every pool.h function the dispatcher calls is wrapped
 * (-Wl,--wrap=pool_…), so pool.c is never linked and no process starts. The
 * fake keeps a slot table (up, reserved, busy with a job), records each RUN
 * and CANCEL the dispatcher sends, and lets a test play the workers'
 * STARTED, DONE and deaths back through the callbacks the dispatcher gave
 * pool_start — the path by which the real pool reaches dispatch_add_report.
 * A RUN is also checked against what a reader connection sees committed.
 *
 * The clock: clock_wall_us and clock_mono_us return fake_wall and
 * fake_mono, which only the test moves (delays and backoff, exactly).
 *
 * Include once per test binary: it defines the wraps.
 */
#ifndef JOBD_TESTUTIL_FAKEPOOL_H
#define JOBD_TESTUTIL_FAKEPOOL_H

#include "testutil_store.h"

#include <stdbool.h>

#include "common/clock.h"
#include "config/config.h"
#include "pool/pool.h"

#define FAKE_PID 4242
#define FAKE_MAX_RUNS 64

/* A RUN as the dispatcher sent it, and whether a reader saw the job running
 * in that attempt at that moment (RUN only after the commit). */
struct fake_run {
	int slot;
	int64_t job_id;
	int attempt;
	bool committed;
};

struct fake_slot {
	bool up;        /* said HELLO; false: its fork failed or it died */
	bool reserved;  /* claimed in the turn, RUN not sent yet */
	bool busy;
	int64_t job_id;
};

static struct {
	struct pool_events ev;
	int n;
	struct fake_slot slot[CONFIG_MAX_WORKERS];
	struct fake_run runs[FAKE_MAX_RUNS];
	int n_runs;
	int64_t cancels[FAKE_MAX_RUNS];
	int n_cancels;
	int run_failures;      /* the next pool_run calls that return -1 */
	struct store *reader;  /* for fake_run.committed */
} fake;

static int64_t fake_wall = T0;
static int64_t fake_mono = 1000000;

int64_t __wrap_clock_wall_us(void);
int64_t __wrap_clock_mono_us(void);
int64_t __wrap_clock_wall_us(void) { return fake_wall; }
int64_t __wrap_clock_mono_us(void) { return fake_mono; }

int __wrap_pool_start(struct pool **out, const struct config *cfg, const struct pool_events *ev,
    char *err)
{
	(void)err;
	fake.ev = *ev;
	fake.n = cfg->workers;
	for (int i = 0; i < fake.n; i++) /* fresh workers, each said HELLO */
		fake.slot[i] = (struct fake_slot){ .up = true };
	*out = (struct pool *)&fake; /* never dereferenced: every pool_* is ours */
	return 0;
}

void __wrap_pool_stop(struct pool *p, int wait_ms)
{
	(void)p;
	(void)wait_ms;
}

int __wrap_pool_size(const struct pool *p)
{
	(void)p;
	return fake.n;
}

int __wrap_pool_pollfds(struct pool *p, struct pollfd *fds, int max)
{
	(void)p;
	(void)fds;
	(void)max;
	return 0;
}

void __wrap_pool_handle(struct pool *p, const struct pollfd *fds, int n)
{
	(void)p;
	(void)fds;
	(void)n;
}

void __wrap_pool_reap(struct pool *p) { (void)p; }
void __wrap_pool_tick(struct pool *p) { (void)p; }

int64_t __wrap_pool_next_timer(const struct pool *p)
{
	(void)p;
	return 0;
}

int __wrap_pool_idle_slots(const struct pool *p, int *out, int max)
{
	int n = 0;

	(void)p;
	for (int i = 0; i < fake.n && n < max; i++)
		if (fake.slot[i].up && !fake.slot[i].reserved && !fake.slot[i].busy)
			out[n++] = i;
	return n;
}

/* As pool.c: the slots held beside the running one are idle again. */
void __wrap_pool_release_held(struct pool *p, int64_t job_id)
{
	(void)p;
	for (int i = 0; i < fake.n; i++) {
		if (fake.slot[i].reserved && fake.slot[i].job_id == job_id) {
			fake.slot[i].reserved = false;
			fake.slot[i].job_id = 0;
		}
	}
}

int __wrap_pool_busy_count(const struct pool *p)
{
	int n = 0;

	(void)p;
	for (int i = 0; i < fake.n; i++)
		n += fake.slot[i].reserved || fake.slot[i].busy;
	return n;
}

int __wrap_pool_run(struct pool *p, int slot, const struct job *job, char *err)
{
	struct job seen;
	char rerr[ERR_LEN];

	(void)p;
	assert_true(fake.slot[slot].reserved && fake.slot[slot].job_id == job->id);
	assert_true(fake.n_runs < FAKE_MAX_RUNS);
	struct fake_run *r = &fake.runs[fake.n_runs++];
	*r = (struct fake_run){ .slot = slot, .job_id = job->id, .attempt = job->attempts };
	if (store_job_get(fake.reader, job->id, &seen, rerr) == 1) {
		r->committed = seen.state == JOB_RUNNING && seen.attempts == job->attempts;
		job_free(&seen);
	}
	if (fake.run_failures > 0) {
		fake.run_failures--;
		err_set(err, "job %lld: stored command or env is unreadable", (long long)job->id);
		return -1;
	}
	fake.slot[slot].reserved = false;
	fake.slot[slot].busy = true;
	return 0;
}

void __wrap_pool_unreserve(struct pool *p, int slot)
{
	(void)p;
	if (fake.slot[slot].reserved) {
		fake.slot[slot].reserved = false;
		fake.slot[slot].job_id = 0;
	}
}

void __wrap_pool_reserve(struct pool *p, int slot, int64_t job_id)
{
	(void)p;
	assert_true(fake.slot[slot].up && !fake.slot[slot].busy);
	fake.slot[slot].reserved = true;
	fake.slot[slot].job_id = job_id;
}

int __wrap_pool_cancel(struct pool *p, int64_t job_id)
{
	(void)p;
	for (int i = 0; i < fake.n; i++) {
		if (fake.slot[i].busy && fake.slot[i].job_id == job_id) {
			assert_true(fake.n_cancels < FAKE_MAX_RUNS);
			fake.cancels[fake.n_cancels++] = job_id;
			return 1;
		}
	}
	return 0;
}

int __wrap_pool_snapshot(struct pool *p, struct worker_info *out, int max)
{
	int n = 0;

	(void)p;
	for (int i = 0; i < fake.n && n < max; i++, n++)
		out[n] = (struct worker_info){ .slot = i, .pid = fake.slot[i].up ? FAKE_PID + i : -1,
			.busy = fake.slot[i].reserved || fake.slot[i].busy,
			.job_id = fake.slot[i].job_id };
	return n;
}

/* How many slots job id holds (reserved beside its running one, or busy). */
static inline int fake_held_by(int64_t id)
{
	int n = 0;
	for (int i = 0; i < fake.n; i++)
		n += (fake.slot[i].reserved || fake.slot[i].busy) && fake.slot[i].job_id == id;
	return n;
}

/* The slot whose worker runs job id (after its RUN). */
static inline int fake_slot_of(int64_t id)
{
	for (int i = 0; i < fake.n; i++)
		if (fake.slot[i].busy && fake.slot[i].job_id == id)
			return i;
	fail_msg("no worker runs job %lld", (long long)id);
	return -1;
}

/* The workers' side, as pool_msgs.c and pool.c raise it. */
static inline void fake_started(int64_t id)
{
	fake.ev.started(fake.ev.ctx, fake_slot_of(id), id, FAKE_PID, fake_wall);
}

/* Its worker's DONE with r (the real pool: the slot idle before it tells). */
static inline void fake_report(int64_t id, struct run_result *r)
{
	int slot = fake_slot_of(id);

	r->pid = FAKE_PID;
	fake.slot[slot].busy = false;
	fake.slot[slot].job_id = 0;
	fake.ev.done(fake.ev.ctx, slot, id, r);
}

/* Its job exited with exit_code after a millisecond. */
static inline void fake_done(int64_t id, int exit_code)
{
	struct run_result r = tu_result(exit_code, fake_wall - 1000, fake_wall);

	fake_report(id, &r);
}

/* Its worker died (a replacement is not up yet: fake_up brings it). */
static inline void fake_lost(int64_t id, const char *cause)
{
	int slot = fake_slot_of(id);

	fake.slot[slot] = (struct fake_slot){ 0 };
	fake.ev.lost(fake.ev.ctx, slot, id, cause);
}

static inline void fake_up(int slot, bool up) { fake.slot[slot].up = up; }

/* The i-th RUN sent (0 first), which must exist. */
static inline const struct fake_run *fake_run_at(int i)
{
	if (i >= fake.n_runs)
		fail_msg("RUN %d was not sent (%d were)", i, fake.n_runs);
	return &fake.runs[i];
}

/* Fresh fakes: no slot, no RUN, the clocks at their start. */
static inline void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake_wall = T0;
	fake_mono = 1000000;
}

#endif
