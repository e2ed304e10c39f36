/*
 * test_config.c — server/config/config.c: API.md's defaults, every JOBD_* twin,
 * flags winning over the environment, and bad values refused with a message
 * that names the flag (the derived paths: test_config_paths.c). Each test
 * starts with no JOBD_* variable set.
 */
#include "testutil_config.h"

#include "config/cpus.h"

static void test_defaults_are_those_of_api_md(void **state)
{
	struct config *cfg = *state;
	char cwd[TU_PATH_MAX];

	assert_loads(cfg, NULL);
	assert_string_equal(cfg->listen_addr, "127.0.0.1");
	assert_int_equal(cfg->listen_port, 8080);
	assert_string_equal(cfg->db_path, "./data/jobd.db");
	assert_string_equal(cfg->output_dir, "./data/output");
	const char *source;
	assert_int_equal(cfg->workers, cpus_usable(&source));
	assert_string_equal(cfg->workers_source, source);
	assert_string_equal(cfg->token, "");
	assert_true(cfg->default_timeout_s == 3600);
	assert_true(cfg->max_timeout_s == 86400);
	assert_int_equal(cfg->output_limit, 1048576);
	assert_int_equal(cfg->max_body, 16777216);
	assert_int_equal(cfg->max_queued, 1000000);
	assert_int_equal(cfg->max_queues, 1000);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_string_equal(cfg->job_dir, cwd);
	assert_string_equal(cfg->zoneinfo_dir, "");   /* tz.h's default */
	assert_true(cfg->self_exe[0] == '/');
}

static void test_every_env_twin_sets_its_value(void **state)
{
	struct config *cfg = *state;

	setenv("JOBD_LISTEN", "0.0.0.0:9000", 1);
	setenv("JOBD_DB", "/var/lib/jobd/q.db", 1);
	setenv("JOBD_WORKERS", "3", 1);
	setenv("JOBD_TOKEN", "s3cret", 1);
	setenv("JOBD_DEFAULT_TIMEOUT", "60", 1);
	setenv("JOBD_MAX_TIMEOUT", "120.5", 1);
	setenv("JOBD_OUTPUT_LIMIT", "4096", 1);
	setenv("JOBD_MAX_BODY", "1000", 1);
	setenv("JOBD_MAX_QUEUED", "7", 1);
	setenv("JOBD_MAX_QUEUES", "12", 1);
	setenv("JOBD_JOB_DIR", "/tmp", 1);
	setenv("JOBD_ZONEINFO", "/opt/zoneinfo", 1);
	setenv("JOBD_ALLOWED_HOSTS", "jobs.example.com,*.lan", 1);
	assert_loads(cfg, NULL);
	assert_string_equal(cfg->listen_addr, "0.0.0.0");
	assert_int_equal(cfg->listen_port, 9000);
	assert_string_equal(cfg->db_path, "/var/lib/jobd/q.db");
	assert_string_equal(cfg->output_dir, "/var/lib/jobd/output");
	assert_int_equal(cfg->workers, 3);
	assert_string_equal(cfg->workers_source, "env");
	assert_string_equal(cfg->token, "s3cret");
	assert_true(cfg->default_timeout_s == 60);
	assert_true(cfg->max_timeout_s == 120.5);
	assert_int_equal(cfg->output_limit, 4096);
	assert_int_equal(cfg->max_body, 1000);
	assert_int_equal(cfg->max_queued, 7);
	assert_int_equal(cfg->max_queues, 12);
	assert_string_equal(cfg->job_dir, "/tmp");
	assert_string_equal(cfg->zoneinfo_dir, "/opt/zoneinfo");
	assert_string_equal(cfg->allowed_hosts, "jobs.example.com,*.lan");
}

static void test_empty_env_value_counts_as_unset(void **state)
{
	struct config *cfg = *state;

	setenv("JOBD_WORKERS", "", 1);
	setenv("JOBD_TOKEN", "", 1);
	assert_loads(cfg, NULL);
	assert_true(strcmp(cfg->workers_source, "affinity") == 0 ||
	    strcmp(cfg->workers_source, "cgroup") == 0);
	assert_string_equal(cfg->token, "");
}

static void test_flags_win_over_env(void **state)
{
	struct config *cfg = *state;

	setenv("JOBD_WORKERS", "3", 1);
	setenv("JOBD_TOKEN", "from-env", 1);
	setenv("JOBD_LISTEN", "0.0.0.0:9000", 1);
	assert_loads(cfg, ARGS("--workers", "5", "--token=from-flag", "--listen", "127.0.0.1:1"));
	assert_int_equal(cfg->workers, 5);
	assert_string_equal(cfg->workers_source, "flag");
	assert_string_equal(cfg->token, "from-flag");
	assert_int_equal(cfg->listen_port, 1);
}

static void test_flag_values_may_follow_an_equals_sign(void **state)
{
	struct config *cfg = *state;

	assert_loads(cfg, ARGS("--db=/srv/x.db", "--max-body=2048", "--default-timeout=0.5"));
	assert_string_equal(cfg->db_path, "/srv/x.db");
	assert_string_equal(cfg->output_dir, "/srv/output");
	assert_int_equal(cfg->max_body, 2048);
	assert_true(cfg->default_timeout_s == 0.5);
}

static void test_ipv6_listen_address_goes_in_brackets(void **state)
{
	struct config *cfg = *state;

	assert_loads(cfg, ARGS("--listen", "[::1]:8443"));
	assert_string_equal(cfg->listen_addr, "::1");
	assert_int_equal(cfg->listen_port, 8443);
}

/* args must be refused with an error containing want. */
static void assert_refused(struct config *cfg, const char *const *args, const char *want)
{
	char err[ERR_LEN];

	if (load(cfg, err, args) != -1)
		fail_msg("%s %s was accepted", args[0], args[1] ? args[1] : "");
	tu_assert_contains(err, want);
}

static void test_bad_flag_values_are_refused_naming_the_flag(void **state)
{
	struct config *cfg = *state;

	assert_refused(cfg, ARGS("--workers", "0"), "--workers 0");
	assert_refused(cfg, ARGS("--workers", "1025"), "from 1 to 1024");
	assert_refused(cfg, ARGS("--workers", "2x"), "--workers 2x");
	assert_refused(cfg, ARGS("--listen", "8080"), "want ADDR:PORT");
	assert_refused(cfg, ARGS("--listen", ":8080"), "bad address");
	assert_refused(cfg, ARGS("--listen", "127.0.0.1:65536"), "want ADDR:PORT");
	assert_refused(cfg, ARGS("--listen", "127.0.0.1:"), "want ADDR:PORT");
	assert_refused(cfg, ARGS("--default-timeout", "0"), "--default-timeout 0");
	assert_refused(cfg, ARGS("--max-timeout", "-5"), "want a number > 0");
	assert_refused(cfg, ARGS("--max-timeout", "inf"), "want a number > 0");
	assert_refused(cfg, ARGS("--output-limit", "0"), "want a positive integer");
	assert_refused(cfg, ARGS("--max-body", "1k"), "--max-body 1k");
	assert_refused(cfg, ARGS("--max-queued", ""), "--max-queued");
	assert_refused(cfg, ARGS("--job-dir", "relative/dir"), "absolute");
	assert_refused(cfg, ARGS("--allowed-host", "https://a.example"), "--allowed-host");
}

static void test_unknown_flags_and_missing_values_are_refused(void **state)
{
	struct config *cfg = *state;

	assert_refused(cfg, ARGS("--bogus"), "unknown flag --bogus");
	assert_refused(cfg, ARGS("--worker", "2"), "unknown flag --worker");
	assert_refused(cfg, ARGS("--db"), "--db needs a value");
}

static void test_default_timeout_above_the_max_is_refused(void **state)
{
	struct config *cfg = *state;

	assert_refused(cfg, ARGS("--max-timeout", "10"), "exceeds max timeout");
	assert_loads(cfg, ARGS("--max-timeout", "10", "--default-timeout", "10"));
}

static void test_bad_env_value_is_refused(void **state)
{
	struct config *cfg = *state;
	char err[ERR_LEN];

	setenv("JOBD_WORKERS", "many", 1);
	assert_int_equal(load(cfg, err, NULL), -1);
	tu_assert_contains(err, "many");
	/* A valid flag does not rescue an invalid environment. */
	assert_int_equal(load(cfg, err, ARGS("--workers", "2")), -1);
}

static void test_help_asks_the_caller_to_exit(void **state)
{
	struct config *cfg = *state;
	char err[ERR_LEN];
	int saved = dup(STDOUT_FILENO), devnull = open("/dev/null", O_WRONLY);

	assert_true(saved >= 0 && devnull >= 0);
	fflush(stdout);
	dup2(devnull, STDOUT_FILENO);
	int rc = load(cfg, err, ARGS("--help"));
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(devnull);
	assert_int_equal(rc, 1);
}

static void test_connection_bounds_default_to_api_md_and_have_env_twins(void **state)
{
	struct config *cfg = *state;

	assert_loads(cfg, NULL);
	assert_int_equal(cfg->max_connections, 1000);
	assert_int_equal(cfg->max_connections_per_ip, 128);
	assert_true(cfg->header_timeout_s == 10);
	assert_int_equal(cfg->max_event_streams, 256);
	setenv("JOBD_MAX_CONNECTIONS", "300", 1);
	setenv("JOBD_MAX_CONNECTIONS_PER_IP", "0", 1);
	setenv("JOBD_HEADER_TIMEOUT", "2.5", 1);
	setenv("JOBD_MAX_EVENT_STREAMS", "7", 1);
	assert_loads(cfg, NULL);
	assert_int_equal(cfg->max_connections, 300);
	assert_int_equal(cfg->max_connections_per_ip, 0);
	assert_true(cfg->header_timeout_s == 2.5);
	assert_int_equal(cfg->max_event_streams, 7);
	assert_refused(cfg, ARGS("--max-connections-per-ip", "-1"), "from 0 (no bound)");
	assert_refused(cfg, ARGS("--max-connections", "0"), "want a positive integer");
	assert_refused(cfg, ARGS("--header-timeout", "0"), "--header-timeout 0");
	assert_refused(cfg, ARGS("--header-timeout", "3601"), "--header-timeout");
}

static void test_upper_bounds_and_names_are_refused_naming_the_flag(void **state)
{
	struct config *cfg = *state;

	assert_refused(cfg, ARGS("--lease", "86401"), "--lease 86401: want at most 86400 s");
	assert_loads(cfg, ARGS("--lease", "86400"));
	assert_refused(cfg, ARGS("--max-connections", "1000001"), "--max-connections 1000001");
	assert_refused(cfg, ARGS("--node-name", "a'b"), "--node-name a'b: want 1 to 64 of");
	assert_refused(cfg, ARGS("--retain-finished", "36501"), "--retain-finished 36501");
	assert_refused(cfg, ARGS("--max-output-disk", "-1"), "want a number of bytes");
	assert_refused(cfg, ARGS("--strict-queues", "yes"), "want true or false");
}

/* --help prints every flag, its twin and its default from the same entry. */
static void test_help_shows_each_flag_with_its_default(void **state)
{
	struct config *cfg = *state;
	char err[ERR_LEN], path[] = "/tmp/jobd-help-XXXXXX", text[8192];
	int fd = mkstemp(path), saved = dup(STDOUT_FILENO);

	assert_true(fd >= 0 && saved >= 0);
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	int rc = load(cfg, err, ARGS("--help"));
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	unlink(path);
	assert_int_equal(rc, 1);
	assert_true(n > 0);
	text[n] = '\0';
	tu_assert_contains(text, "JOBD_LISTEN            ADDR:PORT to listen on (127.0.0.1:8080)");
	tu_assert_contains(text, "--max-connections-per-ip JOBD_MAX_CONNECTIONS_PER_IP "
				 "HTTP connections from one client address (128; 0: no bound)");
	tu_assert_contains(text, "(256, at most half of the connections)");
	tu_assert_contains(text, "fractions ok (0: forever)");
	tu_assert_contains(text, "largest limits.memory_mb (RAM)");
	tu_assert_contains(text, "--allowed-host     JOBD_ALLOWED_HOSTS");
}

static void test_event_streams_leave_connections_for_other_requests(void **state)
{
	struct config *cfg = *state;

	assert_loads(cfg, ARGS("--max-connections", "100"));
	assert_int_equal(cfg->max_event_streams, 50);
	assert_refused(cfg, ARGS("--max-connections", "100", "--max-event-streams", "100"),
	    "fewer than --max-connections");
	assert_loads(cfg, ARGS("--max-connections", "100", "--max-event-streams", "99"));
}

static void test_cgroups_are_on_unless_turned_off(void **state)
{
	struct config *cfg = *state;

	assert_loads(cfg, NULL);
	assert_true(cfg->cgroups);
	setenv("JOBD_CGROUPS", "false", 1);
	assert_loads(cfg, NULL);
	assert_false(cfg->cgroups);
	assert_loads(cfg, ARGS("--cgroups", "true"));
	assert_true(cfg->cgroups);
}

/* A read token limits nothing without a write token, and must differ from it. */
static void test_a_read_token_needs_a_different_write_token(void **state)
{
	struct config *cfg = *state;
	char err[ERR_LEN];

	assert_loads(cfg, NULL);
	assert_string_equal(cfg->read_token, "");
	assert_false(cfg->start_drained);
	assert_int_equal(config_check_tokens(cfg, err), 0);
	setenv("JOBD_READ_TOKEN", "reader", 1);
	setenv("JOBD_START_DRAINED", "true", 1);
	assert_loads(cfg, NULL);
	assert_string_equal(cfg->read_token, "reader");
	assert_true(cfg->start_drained);
	assert_int_equal(config_check_tokens(cfg, err), -1);
	assert_non_null(strstr(err, "--read-token needs a --token"));
	assert_loads(cfg, ARGS("--token", "reader"));
	assert_int_equal(config_check_tokens(cfg, err), -1);
	assert_non_null(strstr(err, "must differ"));
	assert_loads(cfg, ARGS("--token", "writer", "--read-token", "other"));
	assert_string_equal(cfg->read_token, "other");
	assert_int_equal(config_check_tokens(cfg, err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults_are_those_of_api_md),
		T(test_every_env_twin_sets_its_value),
		T(test_empty_env_value_counts_as_unset),
		T(test_flags_win_over_env),
		T(test_flag_values_may_follow_an_equals_sign),
		T(test_ipv6_listen_address_goes_in_brackets),
		T(test_bad_flag_values_are_refused_naming_the_flag),
		T(test_unknown_flags_and_missing_values_are_refused),
		T(test_default_timeout_above_the_max_is_refused),
		T(test_upper_bounds_and_names_are_refused_naming_the_flag),
		T(test_help_shows_each_flag_with_its_default),
		T(test_bad_env_value_is_refused),
		T(test_help_asks_the_caller_to_exit),
		T(test_connection_bounds_default_to_api_md_and_have_env_twins),
		T(test_event_streams_leave_connections_for_other_requests),
		T(test_cgroups_are_on_unless_turned_off),
		T(test_a_read_token_needs_a_different_write_token),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
