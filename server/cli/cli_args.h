/*
 * cli_args.h — the command line's options, declared once in CLI_OPTS: the
 * parser, the per-command usage text and the job spec a `run` or `batch`
 * sends all come from that list. Which command takes which option is a
 * mask in the command table (cli.c).
 */
#ifndef JOBD_CLI_ARGS_H
#define JOBD_CLI_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "common/err.h"

/* X(id, long name, short letter or 0, value name or NULL, help) */
#define CLI_OPTS(X)                                                                            \
	X(OPT_SERVER, "server", 0, "URL", "jobd's address (JOBD_URL; default " CLI_URL_DEFAULT ")") \
	X(OPT_JSON, "json", 0, NULL, "print the API's JSON instead of text")                      \
	X(OPT_HELP, "help", 'h', NULL, "show this help")                                          \
	X(OPT_SH, "sh", 0, "STRING", "run STRING with /bin/sh -c instead of CMD ARG…")            \
	X(OPT_NAME, "name", 0, "NAME", "the job's name")                                          \
	X(OPT_TIMEOUT, "timeout", 0, "S", "seconds before the job is stopped (timed_out)")        \
	X(OPT_PRIORITY, "priority", 0, "N", "-1000..1000, higher first (default 0)")              \
	X(OPT_QUEUE, "queue", 0, "NAME", "named queue (default: default)")                        \
	X(OPT_CPUS, "cpus", 0, "K", "worker slots the job holds, 1..pool size (default 1); "     \
	    "it finds K in $JOBD_CPUS")                                                            \
	X(OPT_DELAY, "delay", 0, "S", "start no sooner than S seconds from now")                  \
	X(OPT_ATTEMPTS, "attempts", 0, "N", "attempts before a failure is final (1..10)")         \
	X(OPT_BACKOFF, "backoff", 0, "S", "first retry after about S seconds, doubling")          \
	X(OPT_AFTER, "after", 0, "ID", "run after job ID succeeded (repeatable)")                 \
	X(OPT_ENV, "env", 0, "K=V", "add K=V to the job's environment (repeatable)")              \
	X(OPT_CWD, "cwd", 0, "DIR", "the job's working directory (absolute)")                     \
	X(OPT_IDEM, "idempotency-key", 0, "KEY", "a repeat with the same KEY submits nothing new") \
	X(OPT_UNIQUE_KEY, "unique-key", 0, "KEY", "while a job with KEY is queued or running, "      \
	    "print its id and submit nothing")                                                     \
	X(OPT_UNIQUE_WHILE, "unique-while", 0, "S[,S…]", "the states in which the job holds its "   \
	    "--unique-key (queued,running and any final ones)")                                     \
	X(OPT_NOTIFY, "notify", 0, "URL", "POST the job (run) or the batch (batch) to URL when it ends") \
	X(OPT_WAIT, "wait", 'w', NULL, "wait until the job is final; exit with its status")       \
	X(OPT_FOLLOW, "follow", 'f', NULL, "stream the output as it is written")                  \
	X(OPT_TAG, "tag", 0, NULL, "prefix each output line with its input line and a tab")       \
	X(OPT_JOB_TAG, "tag", 0, "K=V", "a job tag (repeatable; batch: --tag=K=V); ls, cancel, "   \
	    "rerun: only jobs tagged so (K:V too)")                                                 \
	X(OPT_NAME_PREFIX, "name-prefix", 0, "P", "only jobs whose name starts with P")           \
	X(OPT_FAILED, "failed", 0, NULL, "only failed and timed-out jobs")                        \
	X(OPT_YES, "yes", 'y', NULL, "act without asking (a cancel by filter only counts without it)") \
	X(OPT_STDERR, "stderr", 0, NULL, "standard error instead of standard output")             \
	X(OPT_STATE, "state", 0, "S[,S…]", "only jobs in these states")                           \
	X(OPT_BATCH, "batch", 0, "ID", "only the jobs of batch ID")                               \
	X(OPT_LIMIT, "limit", 0, "N", "at most N jobs (default " CLI_STR(CLI_LS_LIMIT) ")")

#define CLI_URL_DEFAULT "http://127.0.0.1:8080"
/* Jobs `ls` shows without --limit. */
#define CLI_LS_LIMIT 50
#define CLI_STR_(x) #x
#define CLI_STR(x) CLI_STR_(x)

enum cli_opt {
#define CLI_OPT_ENUM(id, name, letter, value, help) id,
	CLI_OPTS(CLI_OPT_ENUM)
#undef CLI_OPT_ENUM
	CLI_OPT_COUNT
};
#define CLI_OPT_BIT(id) (1u << (id))

/* What the command line said. The job spec options land in spec directly
 * (the API's field names), the rest in their own fields. */
struct cli_args {
	const char *server;
	bool json, help, wait, follow, tag, stderr_only, failed, yes;
	const char *sh, *idempotency_key, *state, *queue, *name_prefix;
	const char *notify;  /* --notify: run's job spec, batch's body (cli_args_add_notify) */
	int64_t batch_id, limit;
	cJSON *spec;   /* the spec fields given, {} at least (--tag: its "tags", also the
			* filter of ls, cancel and rerun); freed by cli_args_free */
	char **pos;    /* the words that are not options: ids, or CMD ARG…; freed by cli_args_free */
	int npos;
	bool dashdash; /* "--" came before pos */
};

/* Parses argv[first..argc) with the options in mask (CLI_OPT_BIT()s).
 * Options end at "--" or, when cmd_follows, at the first word that is not
 * one (CMD ARG… of run and batch). 0, or -1 with err (a usage error). */
int cli_args_parse(struct cli_args *a, int argc, char **argv, int first, unsigned mask,
    bool cmd_follows, char *err);
void cli_args_free(struct cli_args *a);

/* o.notify = {"url": a->notify} when --notify was given. 0, or -1 with err. */
int cli_args_add_notify(const struct cli_args *a, cJSON *o, char *err);

/* The options of mask, one a line, for a command's help. */
void cli_args_print_options(FILE *f, unsigned mask);

/* A positive job id from s: 0 with *id, or -1 with err. */
int cli_args_id(const char *s, int64_t *id, char *err);

#endif
