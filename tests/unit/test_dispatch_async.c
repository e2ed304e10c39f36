/*
 * test_dispatch_async.c — dispatch_submit_async through the real
 * dispatcher: commands handed over by many callers without a blocked
 * thread still share one group commit, each callback comes exactly once,
 * on the dispatcher's thread, after the COMMIT; once the dispatcher has
 * closed, a command is refused at once on the caller's own thread.
 *
 * sqlite3_exec is wrapped at link time (the Makefile links this test with
 * -Wl,--wrap=sqlite3_exec): while `hold` is set, a COMMIT waits, so the
 * test can queue commands while a turn is in its commit; COMMITs are
 * counted.
 */
#include "testutil_loop.h"
#include "testutil_store.h"


#define WAITING 10

static pthread_mutex_t hold_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cv = PTHREAD_COND_INITIALIZER;
static bool hold, held;
static int commits;

int __wrap_sqlite3_exec(sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **),
    void *arg, char **errmsg)
{
	if (strcmp(sql, "COMMIT") == 0) {
		pthread_mutex_lock(&hold_mu);
		held = hold;
		pthread_cond_broadcast(&hold_cv);
		while (hold)
			pthread_cond_wait(&hold_cv, &hold_mu);
		commits++;
		pthread_mutex_unlock(&hold_mu);
	}
	return __real_sqlite3_exec(db, sql, cb, arg, errmsg);
}

/* What the callbacks saw. */
struct calls {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int n;
	bool other_thread;        /* every call was on another thread than the test's */
	pthread_t test_thread;
};

static struct calls calls = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void on_done(void *arg)
{
	struct calls *c = arg;

	pthread_mutex_lock(&c->mu);
	c->n++;
	if (pthread_equal(pthread_self(), c->test_thread))
		c->other_thread = false;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

static void wait_calls(int n)
{
	pthread_mutex_lock(&calls.mu);
	while (calls.n < n)
		pthread_cond_wait(&calls.cv, &calls.mu);
	pthread_mutex_unlock(&calls.mu);
}

static int reset(void **state)
{
	hold = held = false;
	commits = 0;
	calls.n = 0;
	calls.other_thread = true;
	calls.test_thread = pthread_self();
	return tu_store_setup(state);
}

static void submit_async(struct loop *l, struct cmd *c, struct job_spec *spec, const char *name)
{
	tu_loop_spec(l, spec, name);
	*c = (struct cmd){ .type = CMD_SUBMIT, .submit = { .specs = spec, .n_specs = 1 } };
	dispatch_submit_async(l->d, c, on_done, &calls);
}

static void test_async_commands_of_many_callers_share_one_commit(void **state)
{
	struct store_fixture *f = *state;
	struct loop *l = tu_loop_new(f->dir);
	struct job_spec first_spec, specs[WAITING];
	struct cmd first, cmds[WAITING];

	pthread_mutex_lock(&hold_mu);
	hold = true;
	pthread_mutex_unlock(&hold_mu);
	submit_async(l, &first, &first_spec, "first");
	pthread_mutex_lock(&hold_mu);
	while (!held) /* the dispatcher is in the first command's COMMIT */
		pthread_cond_wait(&hold_cv, &hold_mu);
	pthread_mutex_unlock(&hold_mu);
	for (int i = 0; i < WAITING; i++)
		submit_async(l, &cmds[i], &specs[i], "waiting");
	assert_int_equal(calls.n, 0); /* nothing answered before its commit */

	pthread_mutex_lock(&hold_mu);
	hold = false;
	commits = 0;
	pthread_cond_broadcast(&hold_cv);
	pthread_mutex_unlock(&hold_mu);
	wait_calls(WAITING + 1);

	pthread_mutex_lock(&hold_mu);
	int n_commits = commits;
	pthread_mutex_unlock(&hold_mu);
	assert_true(n_commits <= 2); /* the first command's, then one for the ten */
	assert_true(calls.other_thread);
	assert_int_equal(first.status, CMD_OK);
	for (int i = 0; i < WAITING; i++) {
		assert_int_equal(cmds[i].status, CMD_OK);
		assert_true(cmds[i].job.id > first.job.id);
		for (int k = 0; k < i; k++)
			assert_true(cmds[i].job.id != cmds[k].job.id);
		job_free(&cmds[i].job);
		job_spec_free(&specs[i]);
	}
	job_free(&first.job);
	job_spec_free(&first_spec);
	tu_loop_stop(l);
	assert_int_equal(calls.n, WAITING + 1); /* once each, none after */
	free(l);
}

static void test_an_async_command_after_the_dispatcher_closed_is_refused_at_once(void **state)
{
	struct store_fixture *f = *state;
	struct loop *l = tu_loop_new(f->dir);
	struct job_spec spec;
	struct cmd c;

	tu_loop_halt(l);
	submit_async(l, &c, &spec, "late");
	assert_int_equal(calls.n, 1); /* before dispatch_submit_async returned */
	assert_false(calls.other_thread);
	assert_int_equal(c.status, CMD_UNAVAILABLE);
	job_spec_free(&spec);
	tu_loop_free(l);
	free(l);
}

#define T(name) cmocka_unit_test_setup_teardown(name, reset, tu_store_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_async_commands_of_many_callers_share_one_commit),
		T(test_an_async_command_after_the_dispatcher_closed_is_refused_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
