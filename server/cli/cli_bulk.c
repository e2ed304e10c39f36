/*
 * cli_bulk.c — `jobd cancel --tag K=V [--yes]`, `jobd rerun --failed
 * --batch ID`: the filter options as the body of a bulk action, the answer
 * as one line (see cli_bulk.h).
 */
#include "cli_bulk.h"

#include <stdio.h>
#include <string.h>

#include "cli_exit.h"
#include "cli_out.h"

static const cJSON *tags_of(const struct cli_args *a)
{
	return cJSON_GetObjectItemCaseSensitive(a->spec, "tags");
}

bool cli_bulk_filtered(const struct cli_args *a)
{
	return a->state || a->batch_id > 0 || a->queue || a->name_prefix || tags_of(a) ||
	       a->failed;
}

/* The API's filter body: {"state", "batch_id", "queue", "name_prefix",
 * "tag": ["K:V", …], "dry_run"}. NULL with err when out of memory. */
static cJSON *filter_body(const struct cli_args *a, bool dry_run, char *err)
{
	cJSON *o = cJSON_CreateObject(), *tags = cJSON_AddArrayToObject(o, "tag");
	const cJSON *t;
	bool ok = tags != NULL;

	cJSON_ArrayForEach(t, tags_of(a)) {
		char kv[ERR_LEN];
		snprintf(kv, sizeof(kv), "%s:%s", t->string, t->valuestring);
		ok = ok && cJSON_AddItemToArray(tags, cJSON_CreateString(kv));
	}
	const char *state = a->failed ? "failed,timed_out" : a->state;
	ok = ok && (state == NULL || cJSON_AddStringToObject(o, "state", state)) &&
	     (a->batch_id <= 0 || cJSON_AddNumberToObject(o, "batch_id", (double)a->batch_id)) &&
	     (a->queue == NULL || cJSON_AddStringToObject(o, "queue", a->queue)) &&
	     (a->name_prefix == NULL || cJSON_AddStringToObject(o, "name_prefix", a->name_prefix)) &&
	     cJSON_AddBoolToObject(o, "dry_run", dry_run);
	if (!ok) {
		cJSON_Delete(o);
		err_set(err, "cJSON: out of memory");
		return NULL;
	}
	return o;
}

static long long number(const cJSON *o, const char *key)
{
	return (long long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

int cli_bulk(struct cli_http *c, struct cli_args *a, const char *action, char *err)
{
	bool cancel = strcmp(action, "cancel") == 0;
	bool dry_run = cancel && !a->yes;
	char path[64];
	cJSON *answer;

	if (a->failed && a->state) {
		err_set(err, "--failed and --state: give one");
		return CLI_EXIT_USAGE;
	}
	cJSON *body = filter_body(a, dry_run, err);
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	cJSON_Delete(body);
	if (text == NULL) {
		if (!err[0])
			err_set(err, "cJSON: out of memory");
		return CLI_EXIT_SOFTWARE;
	}
	snprintf(path, sizeof(path), "/v1/jobs/%s", action);
	int rc = cli_call(c, "POST", path, text, &answer, err);
	cJSON_free(text);
	if (rc != CLI_EXIT_OK)
		return rc;
	long long matched = number(answer, "matched");
	if (a->json)
		cli_out_json(answer);
	else if (dry_run)
		printf("%lld jobs match, %lld would be canceled: add --yes to cancel them\n", matched,
		    number(answer, "canceled"));
	else if (cancel)
		printf("canceled %lld of %lld matching jobs\n", number(answer, "canceled"), matched);
	else if (number(answer, "rerun") > 0)
		printf("rerun %lld of %lld matching jobs as batch %lld\n", number(answer, "rerun"),
		    matched, number(answer, "batch_id"));
	else
		printf("nothing to rerun: %lld jobs match, none finished\n", matched);
	cJSON_Delete(answer);
	return CLI_EXIT_OK;
}
