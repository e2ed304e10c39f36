/*
 * config_scrub.c — the secrets jobd was started with, wiped from where
 * other processes can read them once config.c has copied them (see
 * config_scrub in config.h).
 *
 * Why in place: /proc/<pid>/cmdline (any local user) and /proc/<pid>/environ
 * (the same user — jobs included, unless the server is not dumpable) read
 * the bytes the process started with, not argv[] or environ[] as they are
 * now. Overwriting keeps each string's length, so ps still shows where
 * the flag was: "--token ********".
 *
 * Traps: every flag takes a value, as config_load parses them: "--flag V"
 * or "--flag=V". A value is only scrubbed where config_load would have
 * read it, never an argument that merely looks like a flag.
 */
#include <stddef.h>
#include <string.h>

#include "config.h"

extern char **environ;

static void stars(char *s) { memset(s, '*', strlen(s)); }

static void scrub_value(const char *flag, size_t flag_len, char *value)
{
	if ((flag_len == 7 && strncmp(flag, "--token", 7) == 0) ||
	    (flag_len == 12 && strncmp(flag, "--read-token", 12) == 0) ||
	    (flag_len == 16 && strncmp(flag, "--webhook-secret", 16) == 0))
		stars(value);
	else if (flag_len == 4 && strncmp(flag, "--db", 4) == 0)
		config_scrub_db(value);
}

static void scrub_argv(int argc, char **argv)
{
	for (int a = 1; a < argc; a++) {
		char *eq = strchr(argv[a], '=');
		if (eq != NULL)
			scrub_value(argv[a], (size_t)(eq - argv[a]), eq + 1);
		else if (a + 1 < argc) {
			scrub_value(argv[a], strlen(argv[a]), argv[a + 1]);
			a++;
		}
	}
}

void config_scrub(int argc, char **argv)
{
	size_t keep = 0;

	scrub_argv(argc, argv);
	/* Out of environ[] as unsetenv would take them (before any thread),
	 * in one pass, names without a value and over-long ones included. */
	for (size_t i = 0; environ[i] != NULL; i++) {
		char *e = environ[i];
		if (strncmp(e, "JOBD_", 5) != 0) {
			environ[keep++] = e;
			continue;
		}
		if (strncmp(e, "JOBD_TOKEN=", 11) == 0)
			stars(e + 11);
		else if (strncmp(e, "JOBD_READ_TOKEN=", 16) == 0)
			stars(e + 16);
		else if (strncmp(e, "JOBD_WEBHOOK_SECRET=", 20) == 0)
			stars(e + 20);
		else if (strncmp(e, "JOBD_DB=", 8) == 0)
			config_scrub_db(e + 8);
	}
	environ[keep] = NULL;
}
