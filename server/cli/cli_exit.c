/*
 * cli_exit.c — how a final job becomes the CLI's exit status, from the
 * fields GET /v1/jobs/{id} gives (state, exit_code, signal, error), and the
 * table `jobd help` prints.
 */
#include "cli_exit.h"

#include <string.h>

/* The worker's words for a start that failed at exec (worker/start.c):
 * "exec CMD: No such file or directory" is the shell's 127. */
#define EXEC_PREFIX "exec "
#define NOT_FOUND_TEXT "No such file or directory"

static int start_failure(const char *error)
{
	size_t n = error != NULL ? strlen(error) : 0, tail = strlen(NOT_FOUND_TEXT);

	if (n > tail && strncmp(error, EXEC_PREFIX, strlen(EXEC_PREFIX)) == 0 &&
	    strcmp(error + n - tail, NOT_FOUND_TEXT) == 0)
		return CLI_EXIT_NOT_FOUND;
	return CLI_EXIT_CANNOT_RUN;
}

int cli_exit_of_job(const cJSON *job)
{
	const char *state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(job, "state"));
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(job, "exit_code");
	const cJSON *sig = cJSON_GetObjectItemCaseSensitive(job, "signal");

	if (state == NULL)
		return -1;
	if (strcmp(state, "succeeded") == 0)
		return CLI_EXIT_OK;
	if (strcmp(state, "timed_out") == 0)
		return CLI_EXIT_TIMED_OUT;
	if (strcmp(state, "canceled") == 0)
		return CLI_EXIT_CANCELED;
	if (strcmp(state, "failed") != 0)
		return -1;
	/* A failed job never passes for a success, whatever its code says. */
	if (cJSON_IsNumber(code) && (code->valueint & 0xff) != 0)
		return code->valueint & 0xff;
	if (cJSON_IsNumber(sig))
		return CLI_EXIT_SIGNAL_BASE + (sig->valueint & 0x7f);
	return start_failure(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(job, "error")));
}

void cli_exit_print_table(FILE *f)
{
	fprintf(f, "Exit status: 0 when all went well. run --wait/--follow, wait and batch --wait\n"
		   "end with the job's; 64-77 are the CLI's own, from any command:\n"
		   "  N     the job's own exit code\n"
		   "  128+N the job was killed by signal N\n");
#define CLI_EXIT_ROW(name, status, when) \
	if (status != 0)                 \
		fprintf(f, "  %-5d %s\n", status, when);
	CLI_EXITS(CLI_EXIT_ROW)
#undef CLI_EXIT_ROW
	fprintf(f, "With several jobs: the status of the first one (in the order given) that did "
		   "not succeed.\n");
}
