/*
 * test_cluster.c — server/cluster/cluster.h on SQLite: cluster_open makes
 * no node for a store that is not shared, and every wrapper the dispatcher
 * calls gives a lone server's answer for the NULL it holds then, without
 * calling into the node (or its host, which would fail the test).
 */
#include "testutil_store.h"

#include "cluster/cluster.h"

static int must_not_run(void *ctx, cluster_body_fn body, void *arg, char *err)
{
	(void)ctx, (void)body, (void)arg, (void)err;
	fail_msg("a lone server's cluster asked its host for a side transaction");
	return -1;
}

static void test_a_store_that_is_not_shared_makes_no_node(void **state)
{
	struct store_fixture *f = *state;
	struct config cfg = { .workers = 2, .lease_s = 30 };
	struct cluster_host host = { .side = must_not_run };
	struct cluster *c = (struct cluster *)&cfg; /* overwritten */

	assert_int_equal(cluster_open(&c, f->st, &cfg, &host, f->err), 0);
	assert_null(c);
	cluster_close(c);
	cluster_free(c);
}

static void test_without_a_node_every_wrapper_answers_for_a_lone_server(void **state)
{
	struct store_fixture *f = *state;
	int64_t cancels[] = { 7 };
	struct job job = { .id = 7, .state = JOB_RUNNING };

	assert_false(cluster_shared(NULL));
	assert_int_equal(cluster_node_id(NULL), 0);
	assert_int_equal(cluster_fd(NULL), -1);
	assert_int_equal(cluster_due(NULL, NULL), 0);
	cluster_readable(NULL, NULL);
	cluster_tick(NULL, NULL);
	assert_int_equal(cluster_before_commit(NULL, true, true, cancels, 1, f->err), 0);
	assert_int_equal(cluster_lock_job(NULL, 7, f->err), 0);
	cluster_claimed(NULL, 0, 1);
	assert_int_equal(cluster_report(NULL, NULL, 0, &job), 0);
	assert_int_equal(cluster_keep_output(NULL, &job, f->err), 0);
	/* A limited queue: full when the jobs running here reach its limit. */
	assert_int_equal(cluster_queue_full(NULL, "gpu", 2, 1, f->err), 0);
	assert_int_equal(cluster_queue_full(NULL, "gpu", 2, 2, f->err), 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, tu_store_setup, tu_store_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_store_that_is_not_shared_makes_no_node),
		T(test_without_a_node_every_wrapper_answers_for_a_lone_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
