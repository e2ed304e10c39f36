/*
 * testutil_config.h — the fixture of the config tests (test_config.c,
 * test_config_paths.c): each test starts with no JOBD_* variable set and a
 * zeroed struct config; load() runs config_load on {"jobd", args...}.
 * Header-only, static inline, like testutil.h.
 */
#ifndef JOBD_TESTUTIL_CONFIG_H
#define JOBD_TESTUTIL_CONFIG_H

#include "testutil.h"

#include "config/config.h"

extern char **environ;

static inline int clear_env(void **state)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	assert_non_null(cfg);
	/* Restart the scan after each unsetenv: it reshuffles environ. */
	for (int again = 1; again;) {
		again = 0;
		for (char **e = environ; *e != NULL; e++) {
			if (strncmp(*e, "JOBD_", 5) != 0)
				continue;
			char name[128];
			snprintf(name, sizeof(name), "%.*s", (int)strcspn(*e, "="), *e);
			unsetenv(name);
			again = 1;
			break;
		}
	}
	*state = cfg;
	return 0;
}

static inline int free_cfg(void **state)
{
	free(*state);
	return 0;
}

/* config_load with argv = {"jobd", args..., NULL}. */
static inline int load(struct config *cfg, char *err, const char *const *args)
{
	char *argv[32] = { (char *)"jobd" };
	int argc = 1;

	for (; args != NULL && *args != NULL; args++)
		argv[argc++] = (char *)*args;
	err[0] = '\0';
	return config_load(cfg, argc, argv, err);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static inline void assert_loads(struct config *cfg, const char *const *args)
{
	char err[ERR_LEN];

	if (load(cfg, err, args) != 0)
		fail_msg("config_load: %s", err);
}

#define T(name) cmocka_unit_test_setup_teardown(name, clear_env, free_cfg)

#endif
