/*
 * test_config_paths.c — server/config/config_paths.c: the paths config_load
 * derives once the flags are read — the output folder beside a SQLite file
 * or under ./data for a PostgreSQL URL, --output-dir and its twin winning,
 * and the database shown in logs without its password.
 */
#include "testutil_config.h"

static void test_database_in_the_working_directory_keeps_output_beside_it(void **state)
{
	struct config *cfg = *state;

	assert_loads(cfg, ARGS("--db", "jobd.db"));
	assert_string_equal(cfg->output_dir, "./output");
}

static void test_output_dir_flag_and_env_override_the_derived_one(void **state)
{
	struct config *cfg = *state;

	assert_loads(cfg, ARGS("--db", "/srv/x.db", "--output-dir", "/big/out"));
	assert_string_equal(cfg->output_dir, "/big/out");
	setenv("JOBD_OUTPUT_DIR", "/env/out", 1);
	assert_loads(cfg, NULL);
	assert_string_equal(cfg->output_dir, "/env/out");
}

static void test_postgres_url_keeps_output_in_data_and_logs_no_password(void **state)
{
	struct config *cfg = *state;

	assert_loads(cfg, ARGS("--db", "postgres://jobd:s3cret@db.example:5432/jobd"));
	assert_string_equal(cfg->db_path, "postgres://jobd:s3cret@db.example:5432/jobd");
	assert_string_equal(cfg->db_label, "postgres://jobd:***@db.example:5432/jobd");
	assert_string_equal(cfg->output_dir, "./data/output");
	assert_loads(cfg, ARGS("--db", "postgresql:///jobd?host=/run/pg&password=pw&user=u"));
	assert_string_equal(cfg->db_label, "postgresql:///jobd?host=/run/pg&password=***&user=u");
	assert_loads(cfg, ARGS("--db", "postgresql://u@/jobd?host=/run/pg"));
	assert_string_equal(cfg->db_label, "postgresql://u@/jobd?host=/run/pg");
	/* A SQLite path is shown as it is, even with a colon and an @ in it. */
	assert_loads(cfg, ARGS("--db", "/srv/a:b@c.db"));
	assert_string_equal(cfg->db_label, "/srv/a:b@c.db");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_database_in_the_working_directory_keeps_output_beside_it),
		T(test_output_dir_flag_and_env_override_the_derived_one),
		T(test_postgres_url_keeps_output_in_data_and_logs_no_password),
	};
	return cmocka_run_group_tests_name("config_paths", tests, NULL, NULL);
}
