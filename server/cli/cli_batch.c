/*
 * cli_batch.c — `jobd batch` (cli_batch.h): reading the lines, expanding
 * the command template, submitting, and waiting in input order.
 */
#include "cli_batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_exit.h"
#include "cli_out.h"
#include "cli_wait.h"
#include "common/vec.h"

#define PLACEHOLDER "{}"

struct lines {
	char **items;
	size_t n, cap;
};

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
}

/* Every non-empty line of in, without its line end. 0, or -1 with err. */
static int read_lines(FILE *in, struct lines *l, char *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, in)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		char *copy = strdup(line);
		if (copy == NULL || VEC_RESERVE(l->items, l->cap, l->n + 1, err) < 0) {
			free(copy);
			free(line);
			err_set(err, "reading stdin: out of memory");
			return -1;
		}
		l->items[l->n++] = copy;
	}
	free(line);
	if (ferror(in)) {
		err_set(err, "read stdin: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* tmpl with every {} replaced by with; NULL when out of memory. */
static char *replace(const char *tmpl, const char *with)
{
	size_t n = 0, wl = strlen(with), pl = strlen(PLACEHOLDER);

	for (const char *p = strstr(tmpl, PLACEHOLDER); p; p = strstr(p + pl, PLACEHOLDER))
		n++;
	char *out = malloc(strlen(tmpl) + n * wl + 1), *o = out;
	if (out == NULL)
		return NULL;
	for (const char *p = tmpl, *q; *p; p = q + pl) {
		if ((q = strstr(p, PLACEHOLDER)) == NULL) {
			strcpy(o, p);
			return out;
		}
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, with, wl);
		o += wl;
	}
	*o = '\0';
	return out;
}

/* line in single quotes for /bin/sh ('\'' for a quote); NULL on ENOMEM. */
static char *sh_quote(const char *line)
{
	char *out = malloc(strlen(line) * 4 + 3), *o = out;

	if (out == NULL)
		return NULL;
	*o++ = '\'';
	for (const char *p = line; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else
			*o++ = *p;
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

static int add_string(cJSON *array, const char *s)
{
	cJSON *item = cJSON_CreateString(s);

	if (item == NULL || !cJSON_AddItemToArray(array, item)) {
		cJSON_Delete(item);
		return -1;
	}
	return 0;
}

/* The command of one line: a shell string, or argv. NULL on ENOMEM. */
static cJSON *command_for(const struct cli_args *a, const char *line)
{
	if (a->sh != NULL) {
		char *q = sh_quote(line), *s = NULL;
		size_t n = q != NULL ? strlen(a->sh) + strlen(q) + 2 : 0;
		if (q != NULL && strstr(a->sh, PLACEHOLDER) != NULL)
			s = replace(a->sh, q);
		else if (q != NULL && (s = malloc(n)) != NULL)
			snprintf(s, n, "%s %s", a->sh, q);
		cJSON *cmd = s != NULL ? cJSON_CreateString(s) : NULL;
		free(q);
		free(s);
		return cmd;
	}
	cJSON *argv = cJSON_CreateArray();
	bool placed = false;
	for (int i = 0; argv != NULL && i < a->npos; i++) {
		char *arg = replace(a->pos[i], line);
		placed |= strstr(a->pos[i], PLACEHOLDER) != NULL;
		if (arg == NULL || add_string(argv, arg) < 0) {
			free(arg);
			cJSON_Delete(argv);
			return NULL;
		}
		free(arg);
	}
	if (argv != NULL && !placed && add_string(argv, line) < 0) {
		cJSON_Delete(argv);
		return NULL;
	}
	return argv;
}

/* {"jobs": [the spec with each line's command], "notify": …} as JSON text. */
static char *batch_body(const struct cli_args *a, const struct lines *l, char *err)
{
	cJSON *body = cJSON_CreateObject(), *jobs = cJSON_AddArrayToObject(body, "jobs");
	char *text = NULL;

	for (size_t i = 0; jobs != NULL && i < l->n; i++) {
		cJSON *spec = cJSON_Duplicate(a->spec, true), *cmd = command_for(a, l->items[i]);
		if (spec == NULL || cmd == NULL || !cJSON_AddItemToObject(spec, "command", cmd)) {
			cJSON_Delete(cmd);
			cJSON_Delete(spec);
			goto out;
		}
		if (!cJSON_AddItemToArray(jobs, spec)) {
			cJSON_Delete(spec);
			goto out;
		}
	}
	if (jobs != NULL && cli_args_add_notify(a, body, err) == 0)
		text = cJSON_PrintUnformatted(body);
out:
	if (text == NULL)
		err_set(err, "building the batch: out of memory");
	cJSON_Delete(body);
	return text;
}

/* Job id's output to stdout and stderr, tagged with line when asked. */
static int print_output(struct cli_http *c, const cJSON *job, const char *tag, char *err)
{
	int64_t id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(job, "id"));
	const char *names[2] = { "stdout", "stderr" }, *counts[2] = { "stdout_bytes", "stderr_bytes" };

	for (int s = 0; s < 2; s++) {
		if (cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(job, counts[s])) <= 0)
			continue;
		int rc = cli_copy_output(c, id, names[s], s + 1, tag, err);
		if (rc != CLI_EXIT_OK)
			return rc;
	}
	return CLI_EXIT_OK;
}

/* Waits for the jobs in input order, printing each one's output when it is
 * final; *status becomes the first non-zero job status. */
static int wait_in_order(struct cli_http *c, const struct cli_args *a, const cJSON *ids,
    const struct lines *l, int *status, char *err)
{
	size_t i = 0;
	const cJSON *id;

	*status = CLI_EXIT_OK;
	cJSON_ArrayForEach(id, ids) {
		cJSON *job;
		int rc = cli_wait_job(c, (int64_t)cJSON_GetNumberValue(id), &job, err);
		if (rc == CLI_EXIT_OK && !a->json)
			rc = print_output(c, job, a->tag ? l->items[i] : NULL, err);
		int js = cli_exit_of_job(job);
		if (rc == CLI_EXIT_OK && *status == CLI_EXIT_OK && js != CLI_EXIT_OK)
			*status = js;
		cJSON_Delete(job);
		if (rc != CLI_EXIT_OK)
			return rc;
		i++;
	}
	return CLI_EXIT_OK;
}

int cli_batch(struct cli_http *c, const struct cli_args *a, FILE *in, char *err)
{
	struct lines l = { 0 };
	cJSON *batch = NULL, *done = NULL;
	char *body = NULL, path[CLI_PATH_MAX];
	int rc = CLI_EXIT_SOFTWARE, status = CLI_EXIT_OK;

	if (read_lines(in, &l, err) < 0)
		goto out;
	if (l.n == 0) {
		fputs("jobd: no input lines: nothing submitted\n", stderr);
		rc = CLI_EXIT_OK;
		goto out;
	}
	if ((body = batch_body(a, &l, err)) == NULL)
		goto out;
	if ((rc = cli_call(c, "POST", "/v1/batches", body, &batch, err)) != CLI_EXIT_OK)
		goto out;
	double bid = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(batch, "id"));
	if (!a->wait) {
		if (a->json)
			cli_out_json(batch);
		else
			printf("%.0f\n", bid);
		goto out;
	}
	rc = wait_in_order(c, a, cJSON_GetObjectItemCaseSensitive(batch, "job_ids"), &l, &status, err);
	snprintf(path, sizeof(path), "/v1/batches/%.0f", bid);
	if (rc != CLI_EXIT_OK || (rc = cli_call(c, "GET", path, NULL, &done, err)) != CLI_EXIT_OK)
		goto out;
	if (a->json)
		cli_out_json(done);
	else
		cli_out_batch_summary(stderr, done);
	rc = status;
out:
	cJSON_Delete(batch);
	cJSON_Delete(done);
	free(body);
	lines_free(&l);
	return rc;
}
