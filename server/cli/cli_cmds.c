/*
 * cli_cmds.c — run, ls, show, logs, wait, cancel, rerun, stats, drain,
 * resume: each turns
 * its arguments into API requests (cli_http.h) and prints the answers
 * (cli_out.h). Commands taking several ids go through all of them and
 * return the first failure; cancel and rerun given a filter instead act
 * in bulk (cli_bulk.c).
 */
#include "cli_cmds.h"

#include <stdlib.h>
#include <string.h>

#include "cli_batch.h"
#include "cli_bulk.h"
#include "cli_exit.h"
#include "cli_out.h"
#include "cli_wait.h"

/* The API's largest page (GET /v1/jobs?limit=). */
#define PAGE_MAX 500

/* The ids of a->pos into ids[] (a->npos of them, at least one). */
static int ids_of(const struct cli_args *a, int64_t **ids, char *err)
{
	if (a->npos == 0) {
		err_set(err, "no job id given");
		return CLI_EXIT_USAGE;
	}
	if ((*ids = calloc((size_t)a->npos, sizeof(**ids))) == NULL) {
		err_set(err, "calloc: out of memory");
		return CLI_EXIT_SOFTWARE;
	}
	for (int i = 0; i < a->npos; i++)
		if (cli_args_id(a->pos[i], &(*ids)[i], err) < 0) {
			free(*ids);
			return CLI_EXIT_USAGE;
		}
	return CLI_EXIT_OK;
}

/* The finished job's report: its JSON, or a line on stderr unless it
 * succeeded. Returns its exit status. */
static int report_final(const struct cli_args *a, const cJSON *job)
{
	int status = cli_exit_of_job(job);

	if (a->json)
		cli_out_json(job);
	else if (status != CLI_EXIT_OK)
		cli_out_job_outcome(stderr, job);
	return status;
}

static cJSON *run_command(const struct cli_args *a, char *err)
{
	if ((a->sh != NULL) == (a->npos > 0)) {
		err_set(err, a->sh ? "--sh and a command: give one" :
		    "no command: jobd run [options] -- CMD [ARG…] (or --sh 'STRING')");
		return NULL;
	}
	if (a->sh != NULL)
		return cJSON_CreateString(a->sh);
	return cJSON_CreateStringArray((const char *const *)a->pos, a->npos);
}

int cli_cmd_run(struct cli_http *c, struct cli_args *a, char *err)
{
	cJSON *cmd = run_command(a, err), *job = NULL;
	char *body;

	if (cmd == NULL)
		return err[0] ? CLI_EXIT_USAGE : CLI_EXIT_SOFTWARE;
	if (!cJSON_AddItemToObject(a->spec, "command", cmd)) {
		cJSON_Delete(cmd);
		err_set(err, "cJSON: out of memory");
		return CLI_EXIT_SOFTWARE;
	}
	if (cli_args_add_notify(a, a->spec, err) < 0)
		return CLI_EXIT_SOFTWARE;
	if ((body = cJSON_PrintUnformatted(a->spec)) == NULL) {
		err_set(err, "cJSON: out of memory");
		return CLI_EXIT_SOFTWARE;
	}
	int rc = cli_call(c, "POST", "/v1/jobs", body, &job, err);
	free(body);
	if (rc != CLI_EXIT_OK)
		return rc;
	int64_t id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(job, "id"));
	if (!a->wait && !a->follow) {
		if (a->json)
			cli_out_json(job);
		else
			printf("%lld\n", (long long)id);
		cJSON_Delete(job);
		return CLI_EXIT_OK;
	}
	cJSON_Delete(job);
	if (a->follow) {
		/* stdout is the job's own: the id goes to stderr. */
		if (!a->json)
			fprintf(stderr, "jobd: job %lld\n", (long long)id);
		rc = cli_follow_job(c, id, CLI_STDOUT | CLI_STDERR, &job, err);
	} else {
		if (!a->json) {
			printf("%lld\n", (long long)id);
			fflush(stdout);
		}
		rc = cli_wait_job(c, id, &job, err);
	}
	if (rc == CLI_EXIT_OK)
		rc = report_final(a, job);
	cJSON_Delete(job);
	return rc;
}

int cli_cmd_batch(struct cli_http *c, struct cli_args *a, char *err)
{
	if ((a->sh != NULL) == (a->npos > 0)) {
		err_set(err, a->sh ? "--sh and a command: give one" :
		    "no command: jobd batch [options] -- CMD [ARG…] {} … (or --sh 'STRING {}')");
		return CLI_EXIT_USAGE;
	}
	return cli_batch(c, a, stdin, err);
}

/* v for a query string: letters, digits and ",._-" as they are, the
 * rest %XX (the server names what it refuses). */
static void query_value(char *out, size_t cap, const char *v)
{
	size_t n = 0;

	for (; *v != '\0' && n + 4 < cap; v++) {
		unsigned char ch = (unsigned char)*v;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr(",._-", ch) != NULL)
			out[n++] = (char)ch;
		else
			n += (size_t)snprintf(out + n, cap - n, "%%%02X", ch);
	}
	out[n] = '\0';
}

/* Paths of ls: the first page's and the next links (every filter in them). */
#define LS_PATH_MAX 8192

/* "&key=value" at path+n, value encoded; the new length. */
static int ls_param(char *path, size_t cap, int n, const char *key, const char *v)
{
	char enc[LS_PATH_MAX / 4];

	if (v == NULL || (size_t)n >= cap)
		return n;
	query_value(enc, sizeof(enc), v);
	return n + snprintf(path + n, cap - (size_t)n, "&%s=%s", key, enc);
}

/* The first page's path for ls. */
static void ls_path(char *path, size_t cap, const struct cli_args *a, int64_t want)
{
	const cJSON *t;
	int n = snprintf(path, cap, "/v1/jobs?limit=%lld", (long long)(want > PAGE_MAX ? PAGE_MAX : want));

	n = ls_param(path, cap, n, "state", a->state);
	if (a->batch_id > 0)
		n += snprintf(path + n, cap - (size_t)n, "&batch_id=%lld", (long long)a->batch_id);
	n = ls_param(path, cap, n, "queue", a->queue);
	n = ls_param(path, cap, n, "name_prefix", a->name_prefix);
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(a->spec, "tags")) {
		char kv[LS_PATH_MAX / 8];
		snprintf(kv, sizeof(kv), "%s:%s", t->string, t->valuestring);
		n = ls_param(path, cap, n, "tag", kv);
	}
}

int cli_cmd_ls(struct cli_http *c, struct cli_args *a, char *err)
{
	int64_t want = a->limit > 0 ? a->limit : CLI_LS_LIMIT, shown = 0;
	char path[LS_PATH_MAX];
	cJSON *all = cJSON_CreateArray();
	int rc = CLI_EXIT_OK;

	if (all == NULL) {
		err_set(err, "cJSON: out of memory");
		return CLI_EXIT_SOFTWARE;
	}
	ls_path(path, sizeof(path), a, want);
	for (bool first = true; shown < want; first = false) {
		cJSON *page, *job, *next;
		if ((rc = cli_call(c, "GET", path, NULL, &page, err)) != CLI_EXIT_OK)
			break;
		if (first && !a->json)
			cli_out_jobs_header();
		cJSON_ArrayForEach(job, cJSON_GetObjectItemCaseSensitive(page, "jobs")) {
			if (shown == want)
				continue;
			shown++;
			if (a->json)
				cJSON_AddItemToArray(all, cJSON_Duplicate(job, true));
			else
				cli_out_job_row(job);
		}
		next = cJSON_GetObjectItemCaseSensitive(page, "next");
		bool more = cJSON_IsString(next) && strlen(next->valuestring) < sizeof(path);
		if (more)
			snprintf(path, sizeof(path), "%s", next->valuestring);
		cJSON_Delete(page);
		if (!more)
			break;
	}
	if (rc == CLI_EXIT_OK && a->json) {
		cJSON *o = cJSON_CreateObject();
		if (o != NULL && cJSON_AddItemToObject(o, "jobs", all)) {
			all = NULL;
			cli_out_json(o);
		}
		cJSON_Delete(o);
	}
	cJSON_Delete(all);
	return rc;
}

/* For each id: method /v1/jobs/{id}<action>, then show(answer). */
static int each_id(struct cli_http *c, struct cli_args *a, const char *method,
    const char *action, void (*show)(const struct cli_args *, const cJSON *), char *err)
{
	int64_t *ids;
	int first = CLI_EXIT_OK, rc = ids_of(a, &ids, err);

	if (rc != CLI_EXIT_OK)
		return rc;
	for (int i = 0; i < a->npos; i++) {
		char path[CLI_PATH_MAX];
		cJSON *j;
		snprintf(path, sizeof(path), "/v1/jobs/%lld%s", (long long)ids[i], action);
		if ((rc = cli_call(c, method, path, NULL, &j, err)) != CLI_EXIT_OK) {
			fprintf(stderr, "jobd: %s\n", err);
			first = first != CLI_EXIT_OK ? first : rc;
			continue;
		}
		show(a, j);
		cJSON_Delete(j);
	}
	free(ids);
	/* Every error was printed already. */
	err[0] = '\0';
	return first;
}

static void show_job(const struct cli_args *a, const cJSON *job)
{
	if (a->json)
		cli_out_json(job);
	else
		cli_out_fields(job);
}

/* "12 canceled", or "12 running (cancel requested)" while it stops. */
static void show_state(const struct cli_args *a, const cJSON *job)
{
	const char *state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(job, "state"));

	if (a->json) {
		cli_out_json(job);
		return;
	}
	printf("%.0f %s%s\n", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(job, "id")),
	    state ? state : "?", cli_job_final(job) ? "" : " (cancel requested)");
}

static void show_id(const struct cli_args *a, const cJSON *job)
{
	if (a->json)
		cli_out_json(job);
	else
		printf("%.0f\n", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(job, "id")));
}

int cli_cmd_show(struct cli_http *c, struct cli_args *a, char *err)
{
	return each_id(c, a, "GET", "", show_job, err);
}

/* Ids, or else a filter (cli_bulk.h); not both. */
static int ids_or_filter(struct cli_http *c, struct cli_args *a, const char *action,
    void (*show)(const struct cli_args *, const cJSON *), char *err)
{
	char suffix[16];

	if (a->npos == 0 && cli_bulk_filtered(a))
		return cli_bulk(c, a, action, err);
	if (a->npos > 0 && cli_bulk_filtered(a)) {
		err_set(err, "give job ids or filter options, not both");
		return CLI_EXIT_USAGE;
	}
	snprintf(suffix, sizeof(suffix), "/%s", action);
	return each_id(c, a, "POST", suffix, show, err);
}

int cli_cmd_cancel(struct cli_http *c, struct cli_args *a, char *err)
{
	return ids_or_filter(c, a, "cancel", show_state, err);
}

int cli_cmd_rerun(struct cli_http *c, struct cli_args *a, char *err)
{
	return ids_or_filter(c, a, "rerun", show_id, err);
}

int cli_cmd_logs(struct cli_http *c, struct cli_args *a, char *err)
{
	int64_t id;

	if (a->npos != 1) {
		err_set(err, "logs takes one job id");
		return CLI_EXIT_USAGE;
	}
	if (cli_args_id(a->pos[0], &id, err) < 0)
		return CLI_EXIT_USAGE;
	if (!a->follow)
		return cli_copy_output(c, id, a->stderr_only ? "stderr" : "stdout",
		    a->stderr_only ? 2 : 1, NULL, err);
	cJSON *job = NULL;
	int rc = cli_follow_job(c, id, a->stderr_only ? CLI_STDERR : CLI_STDOUT, &job, err);
	cJSON_Delete(job);
	return rc;
}

int cli_cmd_wait(struct cli_http *c, struct cli_args *a, char *err)
{
	int64_t *ids;
	int status = CLI_EXIT_OK, rc = ids_of(a, &ids, err);

	if (rc != CLI_EXIT_OK)
		return rc;
	for (int i = 0; i < a->npos && rc == CLI_EXIT_OK; i++) {
		cJSON *job;
		if ((rc = cli_wait_job(c, ids[i], &job, err)) != CLI_EXIT_OK)
			break;
		int js = report_final(a, job);
		status = status != CLI_EXIT_OK ? status : js;
		cJSON_Delete(job);
	}
	free(ids);
	return rc != CLI_EXIT_OK ? rc : status;
}

/* An answer's fields, or its JSON; frees it. */
static int print_answer(const struct cli_args *a, cJSON *s)
{
	if (a->json)
		cli_out_json(s);
	else
		cli_out_fields(s);
	cJSON_Delete(s);
	return CLI_EXIT_OK;
}

/* Calls method path and prints the answer. */
static int call_and_print(struct cli_http *c, const struct cli_args *a, const char *method,
    const char *path, char *err)
{
	cJSON *s;
	int rc = cli_call(c, method, path, NULL, &s, err);

	return rc != CLI_EXIT_OK ? rc : print_answer(a, s);
}

int cli_cmd_stats(struct cli_http *c, struct cli_args *a, char *err)
{
	return call_and_print(c, a, "GET", "/v1/stats", err);
}

/* POST /v1/drain is idempotent and answers whether the node is idle, so
 * --wait repeats it until it is. */
int cli_cmd_drain(struct cli_http *c, struct cli_args *a, char *err)
{
	for (int ms = CLI_POLL_FIRST_MS;; cli_backoff(&ms)) {
		cJSON *s;
		int rc = cli_call(c, "POST", "/v1/drain", NULL, &s, err);
		if (rc != CLI_EXIT_OK)
			return rc;
		if (!a->wait || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "idle")))
			return print_answer(a, s);
		cJSON_Delete(s);
	}
}

int cli_cmd_resume(struct cli_http *c, struct cli_args *a, char *err)
{
	return call_and_print(c, a, "POST", "/v1/resume", err);
}
