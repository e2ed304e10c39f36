/*
 * cli_out.c — the command line's text output. Tables are padded columns
 * with the command last (it may be long); times are the API's milliseconds
 * written for people (350 ms, 1.02 s, 3m05s).
 */
#include "cli_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_KEY_WIDTH 18
#define CELL 64
#define KEY_MAX 128

void cli_out_json(const cJSON *j)
{
	char *s = cJSON_Print(j);

	if (s == NULL) {
		fputs("jobd: cJSON_Print: out of memory\n", stderr);
		return;
	}
	puts(s);
	free(s);
}

static const cJSON *field(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

static void duration(char *buf, size_t cap, const cJSON *ms)
{
	if (!cJSON_IsNumber(ms)) {
		snprintf(buf, cap, "-");
		return;
	}
	double v = ms->valuedouble;
	if (v < 1000)
		snprintf(buf, cap, "%.0f ms", v);
	else if (v < 60000)
		snprintf(buf, cap, "%.2f s", v / 1000);
	else
		snprintf(buf, cap, "%.0fm%02.0fs", floor(v / 60000), fmod(floor(v / 1000), 60));
}

/* "exit 3", "sig 9" or "-". */
static void outcome_cell(char *buf, size_t cap, const cJSON *job)
{
	const cJSON *code = field(job, "exit_code"), *sig = field(job, "signal");

	if (cJSON_IsNumber(code))
		snprintf(buf, cap, "%d", code->valueint);
	else if (cJSON_IsNumber(sig))
		snprintf(buf, cap, "sig %d", sig->valueint);
	else
		snprintf(buf, cap, "-");
}

/* The command as one line: a string as is, argv joined by spaces. */
static void print_command(const cJSON *cmd)
{
	const cJSON *arg;

	if (cJSON_IsString(cmd)) {
		fputs(cmd->valuestring, stdout);
		return;
	}
	cJSON_ArrayForEach(arg, cmd) {
		if (arg != cmd->child)
			putchar(' ');
		if (cJSON_IsString(arg))
			fputs(arg->valuestring, stdout);
	}
}

void cli_out_jobs_header(void)
{
	printf("%-8s %-10s %-6s %-10s %-10s %s\n", "ID", "STATE", "EXIT", "RUN", "QUEUE",
	    "COMMAND");
}

void cli_out_job_row(const cJSON *job)
{
	char run[CELL], exit_cell[CELL];
	const char *state = cJSON_GetStringValue(field(job, "state"));
	const char *queue = cJSON_GetStringValue(field(job, "queue"));
	const char *name = cJSON_GetStringValue(field(job, "name"));

	duration(run, sizeof(run), field(job, "run_ms"));
	outcome_cell(exit_cell, sizeof(exit_cell), job);
	printf("%-8.0f %-10s %-6s %-10s %-10s ", cJSON_GetNumberValue(field(job, "id")),
	    state ? state : "?", exit_cell, run, queue ? queue : "-");
	if (name != NULL)
		printf("[%s] ", name);
	print_command(field(job, "command"));
	putchar('\n');
}

static void print_fields(const cJSON *o, const char *prefix)
{
	const cJSON *m;
	char key[KEY_MAX];

	cJSON_ArrayForEach(m, o) {
		snprintf(key, sizeof(key), "%s%s", prefix, m->string);
		if (cJSON_IsObject(m) && m->child != NULL) {
			char nested[KEY_MAX];
			snprintf(nested, sizeof(nested), "%.*s.", KEY_MAX - 2, key);
			print_fields(m, nested);
			continue;
		}
		printf("%-*s ", SHOW_KEY_WIDTH, key);
		if (cJSON_IsString(m))
			puts(m->valuestring);
		else {
			char *s = cJSON_PrintUnformatted(m);
			puts(s ? s : "?");
			free(s);
		}
	}
}

void cli_out_fields(const cJSON *o)
{
	print_fields(o, "");
}

void cli_out_batch_summary(FILE *f, const cJSON *batch)
{
	char makespan[CELL], total[CELL];
	const cJSON *counts = field(batch, "counts"), *c;
	const cJSON *speedup = field(batch, "speedup");

	fprintf(f, "batch %.0f: %.0f jobs", cJSON_GetNumberValue(field(batch, "id")),
	    cJSON_GetNumberValue(field(batch, "total")));
	cJSON_ArrayForEach(c, counts)
		if (cJSON_IsNumber(c) && c->valuedouble > 0)
			fprintf(f, ", %.0f %s", c->valuedouble, c->string);
	duration(makespan, sizeof(makespan), field(batch, "makespan_ms"));
	duration(total, sizeof(total), field(batch, "total_run_ms"));
	fprintf(f, "\nmakespan %s, total run time %s, speedup ", makespan, total);
	if (cJSON_IsNumber(speedup))
		fprintf(f, "%.2f\n", speedup->valuedouble);
	else
		fputs("-\n", f);
}

void cli_out_job_outcome(FILE *f, const cJSON *job)
{
	const char *state = cJSON_GetStringValue(field(job, "state"));
	const char *error = cJSON_GetStringValue(field(job, "error"));
	char exit_cell[CELL];

	outcome_cell(exit_cell, sizeof(exit_cell), job);
	fprintf(f, "jobd: job %.0f %s", cJSON_GetNumberValue(field(job, "id")), state ? state : "?");
	if (error != NULL)
		fprintf(f, ": %s\n", error);
	else if (strcmp(exit_cell, "-") != 0)
		fprintf(f, ": %s%s\n", cJSON_IsNumber(field(job, "exit_code")) ? "exit code " : "",
		    exit_cell);
	else
		fputc('\n', f);
}
