/*
 * test_fence.c — server/cluster/fence.c with a fake pool (pool_snapshot and
 * pool_cancel wrapped at link time): jobs stopped for want of a lease are
 * listed once each, a multi-core job too though it shows busy on every slot
 * it holds, so that its stopped attempt's report is cut and a later attempt
 * of it on this node is recorded as it ended.
 */
#include "testutil.h"

#include "cluster/node.h"
#include "pool/pool.h"

#define WORKERS 2

static struct worker_info fake_slots[WORKERS];
static int fake_cancels;
static int cuts;

int __wrap_pool_snapshot(struct pool *p, struct worker_info *out, int max)
{
	(void)p;
	int n = max < WORKERS ? max : WORKERS;
	memcpy(out, fake_slots, (size_t)n * sizeof(*out));
	return n;
}

int __wrap_pool_cancel(struct pool *p, int64_t job_id)
{
	(void)p, (void)job_id;
	fake_cancels++;
	return 1;
}

static int count_cut(void *ctx, struct turn *t, const struct job *job, const char *msg)
{
	(void)ctx, (void)t, (void)job, (void)msg;
	cuts++;
	return 0;
}

static void test_a_multi_core_job_stopped_for_its_lease_is_cut_once_and_its_next_attempt_kept(
    void **state)
{
	(void)state;
	struct config cfg = { .workers = WORKERS };
	int slot_attempt[WORKERS] = { 1, 0 };
	struct cluster c = { .cfg = &cfg, .node_id = 5, .slot_attempt = slot_attempt,
		.host = { .cut_here = count_cut } };
	struct job job = { .id = 7, .state = JOB_RUNNING, .node_id = 5, .attempts = 1, .cpus = 2 };

	/* Job 7 runs on slot 0 and holds slot 1. */
	fake_slots[0] = (struct worker_info){ .slot = 0, .busy = true, .job_id = 7 };
	fake_slots[1] = (struct worker_info){ .slot = 1, .busy = true, .job_id = 7 };
	fence_stop_all_jobs(&c, NULL);
	assert_int_equal(c.n_stopped, 1);
	/* Its report: the stopped attempt is cut (requeued), not recorded. */
	assert_int_equal(fence_report(&c, NULL, 0, &job), 1);
	assert_int_equal(cuts, 1);
	/* Its next attempt runs here and ends: recorded as it ended. */
	job.attempts = slot_attempt[0] = 2;
	assert_int_equal(fence_report(&c, NULL, 0, &job), 0);
	assert_int_equal(cuts, 1);
	free(c.stopped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_a_multi_core_job_stopped_for_its_lease_is_cut_once_and_its_next_attempt_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
