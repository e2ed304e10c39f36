/*
 * cli_args.c — parsing a command's options (CLI_OPTS) into struct
 * cli_args: "--name VALUE", "--name=VALUE", "-w", "--" ends them. A job
 * spec option is checked for its syntax here (a number is a number) and
 * stored under the API's field name; its range is the server's to check.
 */
#include "cli_args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct opt_desc {
	const char *name;
	char letter;
	const char *value;
	const char *help;
};

static const struct opt_desc opts[CLI_OPT_COUNT] = {
#define CLI_OPT_DESC(id, name, letter, value, help) [id] = { name, letter, value, help },
	CLI_OPTS(CLI_OPT_DESC)
#undef CLI_OPT_DESC
};

int cli_args_id(const char *s, int64_t *id, char *err)
{
	char *end;

	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0) {
		err_set(err, "%s: not a job id (a positive integer)", s);
		return -1;
	}
	*id = v;
	return 0;
}

static int number(const char *opt, const char *v, bool integer, double *out, char *err)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || (integer && *out != (double)(long long)*out)) {
		err_set(err, "--%s %s: not %s", opt, v, integer ? "an integer" : "a number");
		return -1;
	}
	return 0;
}

/* The spec field an option sets, and whether its value is a number (1),
 * an integer (2) or a string (0). NULL for options outside the spec. */
static const char *spec_field(enum cli_opt id, int *kind)
{
	*kind = 0;
	switch (id) {
	case OPT_NAME: return "name";
	case OPT_QUEUE: return "queue";
	case OPT_UNIQUE_KEY: return "unique_key";
	case OPT_CWD: return "cwd";
	case OPT_TIMEOUT: *kind = 1; return "timeout_s";
	case OPT_DELAY: *kind = 1; return "delay_s";
	case OPT_BACKOFF: *kind = 1; return "retry_backoff_s";
	case OPT_PRIORITY: *kind = 2; return "priority";
	case OPT_ATTEMPTS: *kind = 2; return "max_attempts";
	case OPT_CPUS: *kind = 2; return "cpus";
	default: return NULL;
	}
}

/* Adds child under key to o unless it is NULL (out of memory). */
static int add(cJSON *o, const char *key, cJSON *child, char *err)
{
	if (child == NULL || !cJSON_AddItemToObject(o, key, child)) {
		cJSON_Delete(child);
		err_set(err, "cJSON: out of memory");
		return -1;
	}
	return 0;
}

/* The object or array o[key], made when absent. */
static cJSON *member(cJSON *o, const char *key, bool array, char *err)
{
	cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);

	if (m != NULL)
		return m;
	m = array ? cJSON_CreateArray() : cJSON_CreateObject();
	return add(o, key, m, err) < 0 ? NULL : m;
}

int cli_args_add_notify(const struct cli_args *a, cJSON *o, char *err)
{
	cJSON *n;

	if (a->notify == NULL)
		return 0;
	if ((n = member(o, "notify", false, err)) == NULL)
		return -1;
	return add(n, "url", cJSON_CreateString(a->notify), err);
}

static int set_spec(struct cli_args *a, enum cli_opt id, const char *v, char *err)
{
	int kind;
	double num;
	const char *field = spec_field(id, &kind);

	if (field != NULL) {
		if (cJSON_GetObjectItemCaseSensitive(a->spec, field) != NULL) {
			err_set(err, "--%s given twice", opts[id].name);
			return -1;
		}
		if (kind == 0)
			return add(a->spec, field, cJSON_CreateString(v), err);
		if (number(opts[id].name, v, kind == 2, &num, err) < 0)
			return -1;
		return add(a->spec, field, cJSON_CreateNumber(num), err);
	}
	if (id == OPT_AFTER) {
		int64_t after;
		cJSON *list = member(a->spec, "after", true, err);
		if (list == NULL || cli_args_id(v, &after, err) < 0)
			return -1;
		cJSON *n = cJSON_CreateNumber((double)after);
		if (n == NULL || !cJSON_AddItemToArray(list, n)) {
			cJSON_Delete(n);
			err_set(err, "cJSON: out of memory");
			return -1;
		}
		return 0;
	}
	if (id == OPT_UNIQUE_WHILE) {
		cJSON *list = member(a->spec, "unique_while", true, err);
		if (list == NULL)
			return -1;
		for (const char *p = v; *p != '\0';) {
			size_t n = strcspn(p, ",");
			char state[ERR_LEN];
			snprintf(state, sizeof(state), "%.*s", (int)n, p);
			cJSON *item = cJSON_CreateString(state);
			if (item == NULL || !cJSON_AddItemToArray(list, item)) {
				cJSON_Delete(item);
				err_set(err, "cJSON: out of memory");
				return -1;
			}
			p += n + (p[n] == ',');
		}
		return 0;
	}
	/* OPT_ENV, OPT_JOB_TAG: NAME=VALUE into an object of the spec (a tag's
	 * key holds neither '=' nor ':', so K:V, as the API's filter, is one too) */
	bool is_tag = id == OPT_JOB_TAG;
	const char *eq = is_tag ? v + strcspn(v, "=:") : strchr(v, '=');
	if (eq == NULL || *eq == '\0' || eq == v) {
		err_set(err, "--%s %s: want %s", opts[id].name, v, is_tag ? "KEY=VALUE" : "NAME=VALUE");
		return -1;
	}
	cJSON *env = member(a->spec, is_tag ? "tags" : "env", false, err);
	char name[ERR_LEN];
	if (env == NULL)
		return -1;
	snprintf(name, sizeof(name), "%.*s", (int)(eq - v), v);
	cJSON_DeleteItemFromObjectCaseSensitive(env, name);
	return add(env, name, cJSON_CreateString(eq + 1), err);
}

static int set(struct cli_args *a, enum cli_opt id, const char *v, char *err)
{
	char *end;

	switch (id) {
	case OPT_SERVER: a->server = v; return 0;
	case OPT_JSON: a->json = true; return 0;
	case OPT_HELP: a->help = true; return 0;
	case OPT_WAIT: a->wait = true; return 0;
	case OPT_FOLLOW: a->follow = true; return 0;
	case OPT_TAG: a->tag = true; return 0;
	case OPT_STDERR: a->stderr_only = true; return 0;
	case OPT_SH: a->sh = v; return 0;
	case OPT_IDEM: a->idempotency_key = v; return 0;
	case OPT_NOTIFY: a->notify = v; return 0;
	case OPT_STATE: a->state = v; return 0;
	case OPT_NAME_PREFIX: a->name_prefix = v; return 0;
	case OPT_FAILED: a->failed = true; return 0;
	case OPT_YES: a->yes = true; return 0;
	case OPT_BATCH: return cli_args_id(v, &a->batch_id, err);
	case OPT_LIMIT:
		errno = 0;
		a->limit = strtoll(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || a->limit <= 0) {
			err_set(err, "--limit %s: want a positive integer", v);
			return -1;
		}
		return 0;
	case OPT_QUEUE:
		a->queue = v; /* a filter of ls, the spec's queue for run and batch */
		return set_spec(a, id, v, err);
	default:
		return set_spec(a, id, v, err);
	}
}

/* The option named by arg ("--name", "--name=v", "-w"), or -1. */
static int lookup(const char *arg, unsigned mask, const char **inline_value)
{
	*inline_value = NULL;
	for (int i = 0; i < CLI_OPT_COUNT; i++) {
		if (!(mask & CLI_OPT_BIT(i)))
			continue;
		if (arg[1] != '-') {
			if (opts[i].letter != 0 && arg[1] == opts[i].letter && arg[2] == '\0')
				return i;
			continue;
		}
		size_t n = strlen(opts[i].name);
		if (strncmp(arg + 2, opts[i].name, n) != 0)
			continue;
		if (arg[2 + n] == '\0')
			return i;
		if (arg[2 + n] == '=' && opts[i].value != NULL) {
			*inline_value = arg + 3 + n;
			return i;
		}
	}
	return -1;
}

int cli_args_parse(struct cli_args *a, int argc, char **argv, int first, unsigned mask,
    bool cmd_follows, char *err)
{
	memset(a, 0, sizeof(*a));
	a->spec = cJSON_CreateObject();
	a->pos = calloc((size_t)argc + 1, sizeof(*a->pos));
	if (a->spec == NULL || a->pos == NULL) {
		err_set(err, "calloc: out of memory");
		return -1;
	}
	int i = first;
	for (; i < argc; i++) {
		const char *arg = argv[i], *v;
		if (strcmp(arg, "--") == 0) {
			a->dashdash = true;
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0') {
			if (cmd_follows)
				break;
			a->pos[a->npos++] = argv[i]; /* ids may come between options */
			continue;
		}
		int id = lookup(arg, mask, &v);
		if (id < 0) {
			err_set(err, "unknown option %s", arg);
			return -1;
		}
		if (opts[id].value != NULL && v == NULL) {
			if (i + 1 >= argc) {
				err_set(err, "%s needs a value (%s)", arg, opts[id].value);
				return -1;
			}
			v = argv[++i];
		}
		if (set(a, (enum cli_opt)id, v, err) < 0)
			return -1;
	}
	for (; i < argc; i++)
		a->pos[a->npos++] = argv[i];
	return 0;
}

void cli_args_free(struct cli_args *a)
{
	cJSON_Delete(a->spec);
	free(a->pos);
	a->spec = NULL;
	a->pos = NULL;
}

void cli_args_print_options(FILE *f, unsigned mask)
{
	char left[64];

	for (int i = 0; i < CLI_OPT_COUNT; i++) {
		if (!(mask & CLI_OPT_BIT(i)))
			continue;
		int n = 0;
		if (opts[i].letter)
			n = snprintf(left, sizeof(left), "-%c, ", opts[i].letter);
		snprintf(left + n, sizeof(left) - (size_t)n, "--%s%s%s", opts[i].name,
		    opts[i].value ? " " : "", opts[i].value ? opts[i].value : "");
		fprintf(f, "  %-24s %s\n", left, opts[i].help);
	}
}
