/*
 * run_msg.c — turns a stored job into the RUN message a worker executes
 * (see run_msg.h and worker/proto.h).
 */
#include "run_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../worker/proto.h"

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

/* "K=V" strings: JOBD_JOB_ID and JOBD_ATTEMPT (so a job can tell its
 * attempts apart, as GNU parallel's $PARALLEL_SEQ), then the stored env
 * object without any entry of those two names: jobd's values are the truth. */
static char **command_env(const struct job *job, cJSON **tree)
{
	cJSON *e = cJSON_Parse(job->env ? job->env : "{}");
	int n = cJSON_IsObject(e) ? cJSON_GetArraySize(e) : 0;
	char **envp = calloc((size_t)n + 3, sizeof(char *));

	*tree = e;
	if (envp == NULL || (envp[0] = malloc(48)) == NULL || (envp[1] = malloc(32)) == NULL)
		return envp;
	snprintf(envp[0], 48, "JOBD_JOB_ID=%lld", (long long)job->id);
	snprintf(envp[1], 32, "JOBD_ATTEMPT=%d", job->attempts);
	n = 2;
	for (cJSON *it = e ? e->child : NULL; it != NULL; it = it->next) {
		if (!cJSON_IsString(it) || strcmp(it->string, "JOBD_JOB_ID") == 0 ||
		    strcmp(it->string, "JOBD_ATTEMPT") == 0)
			continue;
		size_t len = strlen(it->string) + strlen(it->valuestring) + 2;
		if ((envp[n] = malloc(len)) == NULL)
			break;
		snprintf(envp[n++], len, "%s=%s", it->string, it->valuestring);
	}
	return envp;
}

void *run_msg_build(const struct job *job, const char *default_cwd, size_t *len, char *err)
{
	cJSON *cmd_tree = NULL, *env_tree = NULL;
	char **argv = command_argv(job->command, &cmd_tree);
	char **envp = command_env(job, &env_tree);
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
	if (argv == NULL || envp == NULL || envp[0] == NULL || envp[1] == NULL)
		err_set(err, "job %lld: stored command or env is unreadable", (long long)job->id);
	else if ((payload = proto_run_build(&fixed, argv, envp, job->cwd ? job->cwd : default_cwd,
		      job->stdin_data, len)) == NULL)
		err_set(err, "RUN for job %lld: out of memory", (long long)job->id);
	for (int i = 0; envp && envp[i]; i++)
		free(envp[i]);
	free(envp);
	free(argv);
	cJSON_Delete(cmd_tree);
	cJSON_Delete(env_tree);
	return payload;
}
