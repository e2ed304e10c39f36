/*
 * cli.c — the command table (declared once: dispatch, options and help come
 * from CLI_COMMANDS), `jobd help`, and cli_main: parse, connect, run one
 * command, print its error in one line.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "cli_cmds.h"
#include "cli_exit.h"
#include "cli_http.h"

#define O CLI_OPT_BIT
#define COMMON (O(OPT_SERVER) | O(OPT_JSON) | O(OPT_HELP))
#define SPEC                                                                                  \
	(O(OPT_SH) | O(OPT_NAME) | O(OPT_TIMEOUT) | O(OPT_PRIORITY) | O(OPT_QUEUE) | O(OPT_DELAY) | \
	    O(OPT_ATTEMPTS) | O(OPT_BACKOFF) | O(OPT_AFTER) | O(OPT_ENV) | O(OPT_CWD) | O(OPT_IDEM) | \
	    O(OPT_JOB_TAG) | O(OPT_NOTIFY) | O(OPT_CPUS))
/* The job filter of ls and of the bulk forms of cancel and rerun. */
#define FILTER                                                                                \
	(O(OPT_STATE) | O(OPT_BATCH) | O(OPT_QUEUE) | O(OPT_JOB_TAG) | O(OPT_NAME_PREFIX))

/* X(name, function, options, takes CMD ARG…, arguments, what it does) */
#define CLI_COMMANDS(X)                                                                         \
	X("run", cli_cmd_run, COMMON | SPEC | O(OPT_UNIQUE_KEY) | O(OPT_UNIQUE_WHILE) |           \
	    O(OPT_WAIT) | O(OPT_FOLLOW), true,                                                      \
	    "[options] -- CMD [ARG…]",                                                        \
	    "submit one job and print its id; --wait blocks until it is final, --follow streams "  \
	    "its output; both exit with the job's status")                                          \
	X("batch", cli_cmd_batch, COMMON | SPEC | O(OPT_WAIT) | O(OPT_TAG), true,                 \
	    "[options] -- CMD [ARG…] {} …",                                                   \
	    "one job per line of stdin, as one batch: {} is replaced by the line (no {}: the "     \
	    "line is the last argument); prints the batch id, or with --wait each job's output "   \
	    "and the summary (makespan, total run time, speedup)")                                 \
	X("ls", cli_cmd_ls, COMMON | FILTER | O(OPT_LIMIT), false, "[options]",                   \
	    "list jobs, newest first")                                                              \
	X("show", cli_cmd_show, COMMON, false, "ID…", "every field of jobs")                       \
	X("logs", cli_cmd_logs, COMMON | O(OPT_FOLLOW) | O(OPT_STDERR), false, "[-f] [--stderr] ID", \
	    "a job's output; -f follows it until the job is final")                                \
	X("wait", cli_cmd_wait, COMMON, false, "ID…",                                             \
	    "wait until every job is final; exit with the first failure's status")                 \
	X("cancel", cli_cmd_cancel, COMMON | FILTER | O(OPT_YES), false, "ID… | FILTER [--yes]",  \
	    "cancel jobs: the ids given, or every job the filter options match (without --yes "    \
	    "only counts them)")                                                                    \
	X("rerun", cli_cmd_rerun, COMMON | FILTER | O(OPT_FAILED), false, "ID… | FILTER",         \
	    "submit finished jobs again: the ids given (prints the new ids), or every finished "   \
	    "job the filter options match, as one new batch (prints its id)")                      \
	X("stats", cli_cmd_stats, COMMON, false, "", "counts by state, workers, totals")          \
	X("drain", cli_cmd_drain, COMMON | O(OPT_WAIT), false, "[--wait]",                        \
	    "the server starts no new job (running ones finish) until resume; --wait returns "    \
	    "once nothing runs there")                                                               \
	X("resume", cli_cmd_resume, COMMON, false, "", "the server starts jobs again after drain")

struct command {
	const char *name;
	int (*fn)(struct cli_http *, struct cli_args *, char *);
	unsigned opts;
	bool cmd_follows;
	const char *args, *what;
};

static const struct command commands[] = {
#define CLI_COMMAND_ROW(name, fn, opts, cmd_follows, args, what) \
	{ name, fn, opts, cmd_follows, args, what },
	CLI_COMMANDS(CLI_COMMAND_ROW)
#undef CLI_COMMAND_ROW
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))
#define HELP_WORD "help"

static const struct command *find(const char *word)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, word) == 0)
			return &commands[i];
	return NULL;
}

bool cli_is_command(const char *word)
{
	return find(word) != NULL || strcmp(word, HELP_WORD) == 0;
}

static void command_help(FILE *f, const struct command *cmd)
{
	fprintf(f, "usage: jobd %s %s\n\n%s.\n\noptions:\n", cmd->name, cmd->args, cmd->what);
	cli_args_print_options(f, cmd->opts);
	fputs("\nenvironment: JOBD_URL (the server), JOBD_TOKEN (its bearer token)\n", f);
}

static void overview(FILE *f)
{
	fputs("usage: jobd COMMAND [options] [ARG…]    (a client of a running jobd)\n"
	      "       jobd [flags]                      (the server: jobd --help)\n\ncommands:\n", f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-7s %s\n", commands[i].name, commands[i].args);
	fprintf(f, "  %-7s [COMMAND]\n\n", HELP_WORD);
	fputs("Every command takes --server URL (or JOBD_URL; default " CLI_URL_DEFAULT "),\n"
	      "--json (the API's JSON) and --help. The token comes from JOBD_TOKEN (a jobd\n"
	      "listening beyond loopback keeps the one it made in `token` beside its database).\n\n", f);
	cli_exit_print_table(f);
}

static int help(int argc, char **argv)
{
	if (argc < 3) {
		overview(stdout);
		return CLI_EXIT_OK;
	}
	const struct command *cmd = find(argv[2]);
	if (cmd == NULL) {
		fprintf(stderr, "jobd: help: no command %s\n", argv[2]);
		overview(stderr);
		return CLI_EXIT_USAGE;
	}
	command_help(stdout, cmd);
	return CLI_EXIT_OK;
}

static const char *server_url(const struct cli_args *a)
{
	const char *env = getenv("JOBD_URL");

	if (a->server != NULL)
		return a->server;
	return env != NULL && env[0] != '\0' ? env : CLI_URL_DEFAULT;
}

static int run(const struct command *cmd, struct cli_args *a, char *err)
{
	struct cli_http *c;

	if (cli_http_open(&c, server_url(a), getenv("JOBD_TOKEN"), err) < 0)
		return CLI_EXIT_SOFTWARE;
	if (a->idempotency_key != NULL && cli_http_set_idempotency_key(c, a->idempotency_key, err) < 0) {
		cli_http_close(c);
		return CLI_EXIT_SOFTWARE;
	}
	int rc = cmd->fn(c, a, err);
	cli_http_close(c);
	return rc;
}

int cli_main(int argc, char **argv)
{
	char err[ERR_LEN] = "";
	struct cli_args a;

	if (strcmp(argv[1], HELP_WORD) == 0)
		return help(argc, argv);
	const struct command *cmd = find(argv[1]);
	int rc = CLI_EXIT_USAGE;
	if (cli_args_parse(&a, argc, argv, 2, cmd->opts, cmd->cmd_follows, err) < 0) {
		fprintf(stderr, "jobd %s: %s (jobd help %s)\n", cmd->name, err, cmd->name);
	} else if (a.help) {
		command_help(stdout, cmd);
		rc = CLI_EXIT_OK;
	} else {
		rc = run(cmd, &a, err);
		if (rc == CLI_EXIT_USAGE && err[0])
			fprintf(stderr, "jobd %s: %s (jobd help %s)\n", cmd->name, err, cmd->name);
		else if (err[0])
			fprintf(stderr, "jobd: %s\n", err);
	}
	cli_args_free(&a);
	fflush(stdout);
	return rc;
}
