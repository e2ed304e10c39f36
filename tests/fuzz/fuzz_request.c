/*
 * fuzz_request.c — a libFuzzer target over jobd's request handling, without
 * a network: the input is split into a request line, headers and a body,
 *
 *   "POST /v1/batches\n" "Idempotency-Key: k\n" ... "\n" <body>
 *
 * (no newline at all: the whole input is the body of POST /v1/jobs). The
 * path goes through the route table (api_routes) and, for other GETs,
 * through the static file handler on a temporary web directory with a
 * symlink out of it; the body goes through spec_parse_json and spec_job or
 * spec_batch exactly as api_jobs.c and api_batches.c call them; a valid
 * spec is inserted on a temporary SQLite database (STORE_WRITER) inside a
 * transaction that is rolled back, read back and rendered.
 *
 * Oracles besides the sanitizers: every error renders to valid JSON; a
 * stored job renders to valid JSON with the command it was given; the
 * static handler never serves the file outside its directory.
 *
 * Build and run: make fuzz (mk/robustness.mk).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "api/api_common.h"
#include "http/http.h"
#include "http/http_route.h"
#include "http/static.h"
#include "render/render.h"
#include "spec/spec.h"
#include "store/store.h"
#include "store/store_jobs.h"

#define FUZZ_SECRET "FUZZ-SECRET-OUTSIDE-WEB"
#define FUZZ_LINE_MAX 2048

static struct store *fz_store;
static char fz_dir[4096];
static char fz_web[4200];

static void fz_cleanup(void)
{
	char cmd[4200];

	store_close(fz_store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", fz_dir);
}

static void fz_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[ERR_LEN], path[4300];
	const char *tmp = getenv("TMPDIR");
	(void)argc;
	(void)argv;

	/* libFuzzer may end with _exit: run.sh removes its TMPDIR afterwards. */
	snprintf(fz_dir, sizeof(fz_dir), "%s/jobd-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(fz_dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	snprintf(fz_web, sizeof(fz_web), "%s/web", fz_dir);
	snprintf(path, sizeof(path), "%s/sub", fz_web);
	if (mkdir(fz_web, 0700) < 0 || mkdir(path, 0700) < 0) {
		perror("mkdir");
		abort();
	}
	snprintf(path, sizeof(path), "%s/index.html", fz_web);
	fz_write(path, "<!doctype html>fuzz");
	snprintf(path, sizeof(path), "%s/sub/app.js", fz_web);
	fz_write(path, "// fuzz");
	snprintf(path, sizeof(path), "%s/secret.txt", fz_dir);
	fz_write(path, FUZZ_SECRET);
	snprintf(path, sizeof(path), "%s/link.txt", fz_web);
	if (symlink("../secret.txt", path) < 0) {
		perror("symlink");
		abort();
	}
	snprintf(path, sizeof(path), "%s/fuzz.db", fz_dir);
	if (store_open(&fz_store, path, STORE_WRITER, err) < 0) {
		fprintf(stderr, "fuzz: %s\n", err);
		abort();
	}
	atexit(fz_cleanup);
	return 0;
}

static void fz_check_json(const char *json, const char *what)
{
	cJSON *v;

	if (json == NULL)
		return; /* out of memory is allowed */
	if ((v = cJSON_Parse(json)) == NULL) {
		fprintf(stderr, "fuzz: %s rendered invalid JSON: %s\n", what, json);
		abort();
	}
	cJSON_Delete(v);
}

static void fz_error(const struct spec_error *e)
{
	char *json = render_error(e->invalid_json ? "invalid_json" : "invalid_request", e->message,
	    e->field[0] ? e->field : NULL);
	fz_check_json(json, "an error");
	free(json);
}

/* Inserts one spec, reads it back and renders it; the command must survive. */
static int fz_store_job(const struct job_spec *spec, int64_t batch_id, const char *key)
{
	char err[ERR_LEN];
	struct job job;
	int64_t id;

	if (store_job_insert(fz_store, spec, batch_id, key, 1700000000000000LL, &id, err) < 0)
		return -1;
	if (store_job_get(fz_store, id, &job, err) != 1) {
		fprintf(stderr, "fuzz: job %lld inserted but not found: %s\n", (long long)id, err);
		abort();
	}
	if (strcmp(job.command, spec->command) != 0) {
		fprintf(stderr, "fuzz: stored command %s != %s\n", job.command, spec->command);
		abort();
	}
	char *json = render_job(&job);
	fz_check_json(json, "a job");
	free(json);
	job_free(&job);
	return 0;
}

static void fz_body(const char *path, const char *body, size_t len, const char *key)
{
	struct spec_limits lim = { .default_timeout_s = 3600, .max_timeout_s = 86400 };
	struct spec_error e;
	char err[ERR_LEN];
	cJSON *root = spec_parse_json(body, len, &e);

	if (root == NULL) {
		fz_error(&e);
		return;
	}
	if (store_begin(fz_store, err) < 0) {
		fprintf(stderr, "fuzz: %s\n", err);
		abort();
	}
	if (strcmp(path, "/v1/batches") == 0) {
		struct job_spec *specs;
		size_t n;
		char *name;
		int64_t bid, *ids = NULL;
		int n_ids = 0;
		struct batch b;
		char *notify;
		if (spec_batch(root, &lim, &name, &notify, &specs, &n, &e) < 0) {
			fz_error(&e);
		} else {
			if (store_batch_insert(fz_store, name, (int)n, key, 0, notify, 1, &bid, err) == 0) {
				for (size_t i = 0; i < n && fz_store_job(&specs[i], bid, NULL) == 0; i++)
					;
				if (store_batch_get(fz_store, bid, &b, err) == 1) {
					if (store_batch_job_ids(fz_store, bid, &ids, &n_ids, err) == 0) {
						char *json = render_batch(&b, ids, n_ids);
						fz_check_json(json, "a batch");
						free(json);
						free(ids);
					}
					batch_free(&b);
				}
			}
			for (size_t i = 0; i < n; i++)
				job_spec_free(&specs[i]);
			free(specs);
			free(name);
			free(notify);
		}
	} else {
		struct job_spec spec;
		if (spec_job(root, &lim, "", &spec, &e) < 0) {
			fz_error(&e);
		} else {
			fz_store_job(&spec, 0, key);
			job_spec_free(&spec);
		}
	}
	store_rollback(fz_store);
	cJSON_Delete(root);
}

static void fz_static(const char *path)
{
	struct http_resp r = { .status = 200 };

	static_serve(fz_web, path, &r);
	/* Only a 200 counts: a 404's message may echo the (fuzzed) path. */
	if (r.status == 200 && memmem(r.body, r.len, FUZZ_SECRET, strlen(FUZZ_SECRET)) != NULL) {
		fprintf(stderr, "fuzz: %s served a file outside the web directory\n", path);
		abort();
	}
	if (r.status != 200)
		fz_check_json(r.body, "a static error");
	free(r.body);
}

/* Copies the next line (without its newline) into out; returns its length or
 * -1 when the input has no newline left. */
static int fz_line(const uint8_t **p, const uint8_t *end, char *out)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	if (nl == NULL)
		return -1;
	size_t n = (size_t)(nl - *p);
	if (n >= FUZZ_LINE_MAX)
		n = FUZZ_LINE_MAX - 1;
	memcpy(out, *p, n);
	out[n] = '\0';
	if (n > 0 && out[n - 1] == '\r')
		out[--n] = '\0';
	*p = nl + 1;
	return (int)n;
}

static int fz_key_ok(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > API_MAX_IDEM_KEY)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)k[i] < 0x21 || (unsigned char)k[i] > 0x7e)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char line[FUZZ_LINE_MAX], method[16] = "POST", path[FUZZ_LINE_MAX] = "/v1/jobs";
	char key[FUZZ_LINE_MAX] = "";

	if (fz_line(&p, end, line) >= 0) {
		char *sp = strchr(line, ' ');
		if (sp != NULL) {
			*sp = '\0';
			snprintf(method, sizeof(method), "%s", line);
			snprintf(path, sizeof(path), "%s", sp + 1);
		}
		while (fz_line(&p, end, line) > 0)
			if (strncasecmp(line, "Idempotency-Key:", 16) == 0)
				snprintf(key, sizeof(key), "%s", line + 16 + (line[16] == ' '));
	} else {
		p = data; /* no request line: all body */
	}
	char name[HTTP_NAME_MAX], allow[128];
	int64_t id = 0;
	const struct http_route *route = http_route_find(api_routes, api_routes_count, method, path,
	    &id, name, allow, sizeof(allow));
	if (route != NULL && route->needs_json_body) {
		/* http.c hands handlers a NUL-terminated copy of the body. */
		size_t len = (size_t)(end - p);
		char *body = malloc(len + 1);
		if (body == NULL)
			return 0;
		memcpy(body, p, len);
		body[len] = '\0';
		fz_body(route->pattern, body, len, fz_key_ok(key) ? key : NULL);
		free(body);
	}
	else if (route == NULL && strcmp(method, "GET") == 0)
		fz_static(path);
	return 0;
}
