/*
 * run_msg.c — turns a stored job into the RUN message a worker executes
 * (see run_msg.h and common/proto.h).
 */
#include "run_msg.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/proto.h"

/* argv from the stored command: an array is argv; a string runs by sh -c. */
static char **command_argv(const char *command, cJSON **tree)
{
	cJSON *c = cJSON_Parse(command);
	char **argv = NULL;
	int n;

	*tree = c;
	if (cJSON_IsString(c)) {
		if ((argv = calloc(4, sizeof(char *))) == NULL)
			return NULL;
		argv[0] = "/bin/sh";
		argv[1] = "-c";
		argv[2] = c->valuestring;
		return argv;
	}
	if (!cJSON_IsArray(c) || (n = cJSON_GetArraySize(c)) == 0 ||
	    (argv = calloc((size_t)n + 1, sizeof(char *))) == NULL)
		return NULL;
	n = 0;
	for (cJSON *a = c->child; a != NULL; a = a->next)
		argv[n++] = cJSON_IsString(a) ? a->valuestring : "";
	return argv;
}

/* jobd's own variables, before the stored env (which cannot override them). */
#define RUN_MSG_OWN_VARS 3
static const char *const own_vars[RUN_MSG_OWN_VARS] = { "JOBD_JOB_ID", "JOBD_ATTEMPT",
	"JOBD_CPUS" };
#define RUN_MSG_OWN_VAR_LEN 48  /* bytes of one, "JOBD_JOB_ID=" and 20 digits included */

static bool is_own_var(const char *name)
{
	for (int i = 0; i < RUN_MSG_OWN_VARS; i++)
		if (strcmp(name, own_vars[i]) == 0)
			return true;
	return false;
}

/* "K=V" strings: JOBD_JOB_ID, JOBD_ATTEMPT (so a job can tell its attempts
 * apart, as GNU parallel's $PARALLEL_SEQ) and JOBD_CPUS (the slots it holds:
 * make -j"$JOBD_CPUS"), then the stored env object without any entry of
 * those names: jobd's values are the truth. */
static char **command_env(const struct job *job, cJSON **tree)
{
	cJSON *e = cJSON_Parse(job->env ? job->env : "{}");
	int n = cJSON_IsObject(e) ? cJSON_GetArraySize(e) : 0;
	char **envp = calloc((size_t)n + RUN_MSG_OWN_VARS + 1, sizeof(char *));
	long long own[RUN_MSG_OWN_VARS] = { (long long)job->id, job->attempts,
		job->cpus > 1 ? job->cpus : 1 };

	*tree = e;
	if (envp == NULL)
		return NULL;
	for (n = 0; n < RUN_MSG_OWN_VARS; n++) {
		if ((envp[n] = malloc(RUN_MSG_OWN_VAR_LEN)) == NULL)
			return envp;
		snprintf(envp[n], RUN_MSG_OWN_VAR_LEN, "%s=%lld", own_vars[n], own[n]);
	}
	for (cJSON *it = e ? e->child : NULL; it != NULL; it = it->next) {
		if (!cJSON_IsString(it) || is_own_var(it->string))
			continue;
		size_t len = strlen(it->string) + strlen(it->valuestring) + 2;
		if ((envp[n] = malloc(len)) == NULL)
			break;
		snprintf(envp[n++], len, "%s=%s", it->string, it->valuestring);
	}
	return envp;
}

/* argv and envp of a job (free with free_vectors); -1 when its stored
 * command or env is unreadable or memory ran out. */
static int make_vectors(const struct job *job, char ***argv, char ***envp, cJSON *trees[2])
{
	*argv = command_argv(job->command, &trees[0]);
	*envp = command_env(job, &trees[1]);
	if (*argv == NULL || *envp == NULL)
		return -1;
	for (int i = 0; i < RUN_MSG_OWN_VARS; i++)
		if ((*envp)[i] == NULL)
			return -1;
	return 0;
}

static void free_vectors(char **argv, char **envp, cJSON *trees[2])
{
	for (int i = 0; envp && envp[i]; i++)
		free(envp[i]);
	free(envp);
	free(argv);
	cJSON_Delete(trees[0]);
	cJSON_Delete(trees[1]);
}

void *run_msg_build(const struct job *job, const char *default_cwd, size_t *len, char *err)
{
	cJSON *trees[2] = { NULL, NULL };
	char **argv, **envp;
	struct proto_run fixed = {
		.timeout_ms = (int64_t)(job->timeout_s * 1000.0 + 0.5),
		.attempt = (uint32_t)job->attempts,
		.stdin_len = (uint32_t)job->stdin_len,
		.memory_mb = job->limits.memory_mb,
		.cpu_s = job->limits.cpu_s,
		.open_files = job->limits.open_files,
		.processes = job->limits.processes,
	};
	void *payload = NULL;

	if (fixed.timeout_ms < 1)
		fixed.timeout_ms = 1;
	if (make_vectors(job, &argv, &envp, trees) < 0)
		err_set(err, "job %lld: stored command or env is unreadable", (long long)job->id);
	else if ((payload = proto_run_build(&fixed, argv, envp, job->cwd ? job->cwd : default_cwd,
		      job->stdin_data, len)) == NULL)
		err_set(err, "RUN for job %lld: out of memory", (long long)job->id);
	free_vectors(argv, envp, trees);
	return payload;
}

size_t run_msg_max(void)
{
	return PROTO_MAX_PAYLOAD;
}

/* Bytes jobd's own variables take at most (command_env). */
#define RUN_MSG_JOBD_VARS (RUN_MSG_OWN_VARS * RUN_MSG_OWN_VAR_LEN)
/* "/bin/sh", "-c" and their NULs, for a command given as a string. */
#define RUN_MSG_SHELL_ARGS 11

size_t run_msg_size(const struct job *job, const char *default_cwd)
{
	const char *cwd = job->cwd ? job->cwd : default_cwd;
	/* No RUN string is longer than its JSON text, quotes and separators
	 * included (escapes only shrink): when even this bound fits, which is
	 * nearly always, nothing needs parsing on the HTTP thread. */
	size_t bound = sizeof(struct proto_run) + RUN_MSG_SHELL_ARGS + RUN_MSG_JOBD_VARS +
		       (job->command ? strlen(job->command) : 0) + (job->env ? strlen(job->env) : 0) +
		       (cwd ? strlen(cwd) + 1 : 0) + job->stdin_len;
	if (bound <= run_msg_max())
		return bound;
	cJSON *trees[2] = { NULL, NULL };
	char **argv, **envp;
	/* The longest JOBD_JOB_ID, JOBD_ATTEMPT and JOBD_CPUS: this job's are not known yet. */
	struct job worst = *job;
	worst.id = INT64_MAX;
	worst.attempts = INT32_MAX;
	worst.cpus = INT32_MAX;
	size_t size = make_vectors(&worst, &argv, &envp, trees) < 0
			  ? bound
			  : proto_run_size(argv, envp, cwd, job->stdin_len);
	free_vectors(argv, envp, trees);
	return size;
}
