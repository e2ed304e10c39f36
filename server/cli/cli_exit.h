/*
 * cli_exit.h — the exit statuses of the command line, declared once: the
 * enum, `jobd help`'s table and cli_exit_of_job() come from CLI_EXITS.
 *
 * A job's own code passes through (0–123 in practice), 128+N means killed
 * by signal N, and 124–127 follow timeout(1) and the shell. The CLI's own
 * failures use sysexits.h's numbers (64–78), so they never collide with a
 * job that exits 1 or 2 — the codes scripts test for most.
 */
#ifndef JOBD_CLI_EXIT_H
#define JOBD_CLI_EXIT_H

#include <stdio.h>

#include <cjson/cJSON.h>

/* X(enum name, status, when) */
#define CLI_EXITS(X)                                                                          \
	X(CLI_EXIT_OK, 0, "the job succeeded (with several jobs: every one did)")              \
	X(CLI_EXIT_USAGE, 64, "bad command line: unknown command or option, missing value")  \
	X(CLI_EXIT_REFUSED, 65, "the server refused the request (4xx: no such job, invalid spec, conflict)") \
	X(CLI_EXIT_UNREACHABLE, 69, "the server could not be reached")                         \
	X(CLI_EXIT_SOFTWARE, 70, "the server failed (5xx) or answered nonsense; libcurl missing") \
	X(CLI_EXIT_AUTH, 77, "401/403: the server wants a token (set JOBD_TOKEN) or refused it") \
	X(CLI_EXIT_TIMED_OUT, 124, "the job timed out (as timeout(1))")                         \
	X(CLI_EXIT_CANCELED, 125, "the job was canceled (or a dependency did not succeed)")   \
	X(CLI_EXIT_CANNOT_RUN, 126, "the job could not start (not executable, bad cwd, limits), or ended without an exit status (its worker died)") \
	X(CLI_EXIT_NOT_FOUND, 127, "the job's command was not found")

enum cli_exit {
#define CLI_EXIT_ENUM(name, status, when) name = status,
	CLI_EXITS(CLI_EXIT_ENUM)
#undef CLI_EXIT_ENUM
};

/* Signal N becomes CLI_EXIT_SIGNAL_BASE + N, as in the shell. */
#define CLI_EXIT_SIGNAL_BASE 128

/* A final job (its JSON) as an exit status; -1 if it is not final. */
int cli_exit_of_job(const cJSON *job);

/* The table for `jobd help`, one status a line, to f. */
void cli_exit_print_table(FILE *f);

#endif
