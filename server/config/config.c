/*
 * config.c — parses flags and JOBD_* environment twins into struct config
 * and checks every value (see config.h). Every option is one entry of
 * options[]: its flag and env twin, where its value goes (an offset into
 * struct config, or a setter for the few that need one), its bounds, its
 * default (API.md's) and its help; loading, --help and the defaults all
 * read that entry. A new option is one line there (and its field).
 */
#include "config.h"

#include "cpus.h"
#include "hostname.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A century: far beyond any sensible retention, and safe in µs arithmetic. */
#define CONFIG_MAX_RETAIN_DAYS 36500
/* Each HTTP connection is a descriptor and its buffers (see http.h). */
#define CONFIG_MAX_CONNECTIONS 1000000
/* --max-event-streams' default, and at most half of --max-connections. */
#define CONFIG_EVENT_STREAMS 256
/* Counts and byte sizes: large, and safe to add two of. */
#define CONFIG_BIG (INT64_MAX / 2)

#define XSTR(x) STR(x)
#define STR(x) #x

enum opt_kind {
	OPT_STR,  /* char[] at off, size bytes, that check() accepts if it is set */
	OPT_INT,  /* int64_t at off, from lo to hi */
	OPT_NUM,  /* double at off, finite and > 0 */
	OPT_BOOL, /* bool at off: true/1 or false/0 */
	OPT_SET,  /* set() parses and stores it */
};

/* One option, declared once: where its value goes, its bounds, its default
 * (applied at load and shown by --help) and its help. */
struct option_def {
	const char *flag;
	const char *env;
	enum opt_kind kind;
	size_t off, size;
	int64_t lo, hi;   /* OPT_INT: the range; OPT_NUM: hi, or 0 for no bound */
	const char *want; /* OPT_INT: what its error says is wanted */
	int (*check)(const char *v, char *why); /* OPT_STR, or NULL */
	int (*set)(struct config *cfg, const char *flag, const char *v, const char *source,
	    char *err); /* OPT_SET */
	const char *def;  /* the default as the flag takes it; NULL: none, or computed */
	const char *help;
	const char *note; /* after the default in --help; a computed default says what it is */
};

static int parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A finite number from 0 (only if zero_ok) up. */
static int parse_num(const char *s, bool zero_ok, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0 || (v == 0 && !zero_ok))
		return -1;
	*out = v;
	return 0;
}

static int set_listen(struct config *cfg, const char *flag, const char *s,
    const char *source, char *err)
{
	const char *colon = strrchr(s, ':');
	int64_t port;
	size_t host_len;

	(void)source;
	if (colon == NULL || parse_int(colon + 1, 0, 65535, &port) < 0) {
		err_set(err, "%s %s: want ADDR:PORT", flag, s);
		return -1;
	}
	host_len = (size_t)(colon - s);
	if (host_len >= 2 && s[0] == '[' && colon[-1] == ']') {
		s++;
		host_len -= 2;
	}
	if (host_len == 0 || host_len >= sizeof(cfg->listen_addr)) {
		err_set(err, "%s: bad address", flag);
		return -1;
	}
	memcpy(cfg->listen_addr, s, host_len);
	cfg->listen_addr[host_len] = '\0';
	cfg->listen_port = (int)port;
	return 0;
}

static int set_workers(struct config *cfg, const char *flag, const char *v,
    const char *source, char *err)
{
	int64_t i;

	if (parse_int(v, 1, CONFIG_MAX_WORKERS, &i) < 0) {
		err_set(err, "%s %s: want an integer from 1 to %d", flag, v, CONFIG_MAX_WORKERS);
		return -1;
	}
	cfg->workers = (int)i;
	cfg->workers_source = source;
	return 0;
}

static int check_node_name(const char *v, char *why)
{
	if (v[strspn(v, CONFIG_NODE_NAME_CHARS)] != '\0' || strlen(v) > CONFIG_NODE_NAME_MAX) {
		err_set(why, "%s: want 1 to %d of A-Z a-z 0-9 . _ : -", v, CONFIG_NODE_NAME_MAX);
		return -1;
	}
	return 0;
}

/* Days, fractions allowed (tests use seconds' worth), 0 included. */
static int set_days(struct config *cfg, const char *flag, const char *v,
    const char *source, char *err)
{
	double d;

	(void)source;
	if (parse_num(v, true, &d) < 0 || d > CONFIG_MAX_RETAIN_DAYS) {
		err_set(err, "%s %s: want days from 0 (keep forever) to %d, fractions allowed",
		    flag, v, CONFIG_MAX_RETAIN_DAYS);
		return -1;
	}
	cfg->retain_finished_s = d * 86400;
	return 0;
}

#define FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define O_STR(fl, env, f, check, def, help, note) \
	{ fl, env, OPT_STR, FIELD(f), 0, 0, NULL, check, NULL, def, help, note }
#define O_INT(fl, env, f, lo, hi, want, def, help, note) \
	{ fl, env, OPT_INT, FIELD(f), lo, hi, want, NULL, NULL, def, help, note }
#define O_POS(fl, env, f, def, help) \
	O_INT(fl, env, f, 1, CONFIG_BIG, "a positive integer", def, help, NULL)
#define O_NUM(fl, env, f, hi, def, help) \
	{ fl, env, OPT_NUM, FIELD(f), 0, hi, NULL, NULL, NULL, def, help, NULL }
#define O_BOOL(fl, env, f, def, help) \
	{ fl, env, OPT_BOOL, FIELD(f), 0, 0, NULL, NULL, NULL, def, help, NULL }
#define O_SET(fl, env, set, def, help, note) \
	{ fl, env, OPT_SET, 0, 0, 0, 0, NULL, NULL, set, def, help, note }

static const struct option_def options[] = {
	O_SET("--listen", "JOBD_LISTEN", set_listen, "127.0.0.1:8080", "ADDR:PORT to listen on", NULL),
	O_STR("--db", "JOBD_DB", db_path, NULL, "./data/jobd.db",
	    "SQLite path, or postgres://… URL", NULL),
	O_STR("--node-name", "JOBD_NODE_NAME", node_name, check_node_name, NULL,
	    "this node's name in a cluster (PostgreSQL)", "the host name"),
	O_NUM("--lease", "JOBD_LEASE", lease_s, 86400, "30",
	    "seconds without a heartbeat before other nodes take a node's jobs"),
	O_STR("--output-dir", "JOBD_OUTPUT_DIR", output_dir, NULL, NULL, "job output files",
	    "output/ beside the SQLite file; ./data/output"),
	O_SET("--workers", "JOBD_WORKERS", set_workers, NULL, "worker processes",
	    "CPUs this process may use"),
	O_STR("--token", "JOBD_TOKEN", token, NULL, NULL, "bearer token required on /v1",
	    "none; made and kept in a file beyond loopback"),
	O_STR("--read-token", "JOBD_READ_TOKEN", read_token, NULL, NULL,
	    "bearer token that may only read: GET routes, /metrics, events", "none; needs a --token"),
	O_STR("--allowed-host", "JOBD_ALLOWED_HOSTS", allowed_hosts, hostname_list_check, NULL,
	    "Host names browsers may use besides localhost and IPs, a,b,*.c", "none"),
	O_NUM("--default-timeout", "JOBD_DEFAULT_TIMEOUT", default_timeout_s, 0, "3600",
	    "job timeout in seconds"),
	O_NUM("--max-timeout", "JOBD_MAX_TIMEOUT", max_timeout_s, 0, "86400",
	    "largest timeout_s accepted"),
	O_POS("--output-limit", "JOBD_OUTPUT_LIMIT", output_limit, "1048576",
	    "bytes kept per output stream"),
	O_POS("--max-body", "JOBD_MAX_BODY", max_body, "16777216", "largest request body in bytes"),
	O_POS("--max-queued", "JOBD_MAX_QUEUED", max_queued, "1000000", "most queued jobs before 503"),
	O_INT("--max-connections", "JOBD_MAX_CONNECTIONS", max_connections, 1,
	    CONFIG_MAX_CONNECTIONS, "a positive integer up to " XSTR(CONFIG_MAX_CONNECTIONS), "1000",
	    "HTTP connections at once", NULL),
	O_INT("--max-connections-per-ip", "JOBD_MAX_CONNECTIONS_PER_IP", max_connections_per_ip,
	    0, CONFIG_MAX_CONNECTIONS,
	    "an integer from 0 (no bound) to " XSTR(CONFIG_MAX_CONNECTIONS), "128",
	    "HTTP connections from one client address", "; 0: no bound"),
	O_NUM("--header-timeout", "JOBD_HEADER_TIMEOUT", header_timeout_s, 3600, "10",
	    "seconds a connection has to send a request's headers"),
	/* 0 until config_load resolves it from --max-connections. */
	O_INT("--max-event-streams", "JOBD_MAX_EVENT_STREAMS", max_event_streams, 1, CONFIG_BIG,
	    "a positive integer", NULL, "concurrent GET /v1/events streams and output followers before 503",
	    XSTR(CONFIG_EVENT_STREAMS) ", at most half of the connections"),
	O_POS("--max-queues", "JOBD_MAX_QUEUES", max_queues, "1000",
	    "most named queues; a job or PUT making one more is refused"),
	O_NUM("--kill-grace", "JOBD_KILL_GRACE", kill_grace_s, 0, "5",
	    "seconds from SIGTERM to SIGKILL"),
	O_NUM("--shutdown-grace", "JOBD_SHUTDOWN_GRACE", shutdown_grace_s, 0, "10",
	    "seconds running jobs get at shutdown"),
	O_STR("--web-dir", "JOBD_WEB_DIR", web_dir, NULL, NULL, "dashboard files",
	    "next to the binary"),
	O_STR("--zoneinfo", "JOBD_ZONEINFO", zoneinfo_dir, NULL, NULL,
	    "time zone files for schedules", "/usr/share/zoneinfo"),
	O_STR("--job-dir", "JOBD_JOB_DIR", job_dir, NULL, NULL, "default working directory of jobs",
	    "cwd"),
	O_STR("--log-level", "JOBD_LOG_LEVEL", log_level, NULL, "info", "debug, info or warn", NULL),
	O_STR("--log-format", "JOBD_LOG_FORMAT", log_format, NULL, "text", "text or json", NULL),
	O_SET("--retain-finished", "JOBD_RETAIN_FINISHED", set_days, "0",
	    "days to keep finished jobs and their output, fractions ok", ": forever"),
	O_INT("--max-output-disk", "JOBD_MAX_OUTPUT_DISK", max_output_disk, 0, CONFIG_BIG,
	    "a number of bytes (0: no bound)", "0",
	    "bytes of job output kept, the oldest deleted first", ": no bound"),
	O_BOOL("--strict-queues", "JOBD_STRICT_QUEUES", strict_queues, "false",
	    "true: jobs may only name queues made by PUT /v1/queues"),
	O_BOOL("--cgroups", "JOBD_CGROUPS", cgroups, "true",
	    "false: no per-job cgroups (limits by rlimits, jobs contained by the worker alone)"),
	O_BOOL("--start-drained", "JOBD_START_DRAINED", start_drained, "false",
	    "true: start draining, no job starts here until POST /v1/resume"),
	O_INT("--max-memory-mb", "JOBD_MAX_MEMORY_MB", max_limits.memory_mb, 1, CONFIG_BIG,
	    "a positive integer", NULL, "largest limits.memory_mb", "RAM"),
	O_POS("--max-cpu-s", "JOBD_MAX_CPU_S", max_limits.cpu_s, "86400", "largest limits.cpu_s"),
	O_POS("--max-open-files", "JOBD_MAX_OPEN_FILES", max_limits.open_files, "65536",
	    "largest limits.open_files"),
	O_POS("--max-processes", "JOBD_MAX_PROCESSES", max_limits.processes, "4096",
	    "largest limits.processes"),
	O_STR("--webhook-secret", "JOBD_WEBHOOK_SECRET", webhook_secret, NULL, NULL,
	    "key of the webhooks' X-Jobd-Signature (HMAC-SHA256)", "none: unsigned"),
	O_NUM("--webhook-timeout", "JOBD_WEBHOOK_TIMEOUT", webhook_timeout_s, 3600, "10",
	    "seconds one webhook attempt may take, connecting included"),
	O_NUM("--webhook-retry-for", "JOBD_WEBHOOK_RETRY_FOR", webhook_retry_for_s, 30 * 86400,
	    "86400", "seconds a webhook is retried before it is failed"),
	O_NUM("--webhook-backoff", "JOBD_WEBHOOK_BACKOFF", webhook_backoff_s, 86400, "1",
	    "seconds before a webhook's first retry, doubling up to an hour"),
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

void config_usage(const char *prog)
{
	printf("usage: %s [flags]    (the server; the client's commands: %s help)\n\n"
	       "Every flag has an environment twin; flags win.\n\n", prog, prog);
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const struct option_def *o = &options[i];
		printf("  %-18s %-22s %s (%s%s)\n", o->flag, o->env, o->help, o->def ? o->def : "",
		    o->note ? o->note : "");
	}
}

static int apply(struct config *cfg, const struct option_def *o, const char *v,
    const char *source, char *err)
{
	char *field = (char *)cfg + o->off, why[ERR_LEN];

	switch (o->kind) {
	case OPT_STR:
		if (o->check != NULL && o->check(v, why) < 0) {
			err_set(err, "%s %s", o->flag, why);
			return -1;
		}
		if (strlen(v) >= o->size) {
			err_set(err, "%s: value too long", o->flag);
			return -1;
		}
		memcpy(field, v, strlen(v) + 1);
		return 0;
	case OPT_INT:
		if (parse_int(v, o->lo, o->hi, (int64_t *)(void *)field) < 0) {
			err_set(err, "%s %s: want %s", o->flag, v, o->want);
			return -1;
		}
		return 0;
	case OPT_NUM:
		if (parse_num(v, false, (double *)(void *)field) < 0) {
			err_set(err, "%s %s: want a number > 0", o->flag, v);
			return -1;
		}
		if (o->hi != 0 && *(double *)(void *)field > (double)o->hi) {
			err_set(err, "%s %s: want at most %lld s", o->flag, v, (long long)o->hi);
			return -1;
		}
		return 0;
	case OPT_BOOL:
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "false") == 0 ||
		    strcmp(v, "0") == 0) {
			*(bool *)(void *)field = v[0] == 't' || v[0] == '1';
			return 0;
		}
		err_set(err, "%s %s: want true or false", o->flag, v);
		return -1;
	case OPT_SET:
		break;
	}
	return o->set(cfg, o->flag, v, source, err);
}

/* Every table default, then the two computed ones. */
static int set_defaults(struct config *cfg, char *err)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].def && apply(cfg, &options[i], options[i].def, "default", err) < 0)
			return -1; /* a bad default in the table: test_config fails */
	cfg->workers = cpus_usable(&cfg->workers_source);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	cfg->max_limits.memory_mb = pages > 0 && page > 0 ? (int64_t)pages * page >> 20 : 1 << 20;
	return 0;
}

int config_load(struct config *cfg, int argc, char **argv, char *err)
{
	if (set_defaults(cfg, err) < 0)
		return -1;
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const char *v = getenv(options[i].env);
		if (v != NULL && *v != '\0' && apply(cfg, &options[i], v, "env", err) < 0)
			return -1;
	}
	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
			config_usage(argv[0]);
			return 1;
		}
		const char *arg = argv[a];
		const char *eq = strchr(arg, '=');
		size_t flag_len = eq ? (size_t)(eq - arg) : strlen(arg);
		const struct option_def *o = NULL;
		for (size_t i = 0; i < N_OPTIONS; i++)
			if (strlen(options[i].flag) == flag_len &&
			    strncmp(options[i].flag, arg, flag_len) == 0)
				o = &options[i];
		if (o == NULL) {
			err_set(err, "unknown flag %s (see --help)", arg);
			return -1;
		}
		const char *v = eq ? eq + 1 : (a + 1 < argc ? argv[++a] : NULL);
		if (v == NULL) {
			err_set(err, "%s needs a value", o->flag);
			return -1;
		}
		if (apply(cfg, o, v, "flag", err) < 0)
			return -1;
	}
	/* Streams never end on their own: leave connections for everything else. */
	if (cfg->max_event_streams == 0)
		cfg->max_event_streams = cfg->max_connections / 2 < CONFIG_EVENT_STREAMS ?
		    cfg->max_connections / 2 : CONFIG_EVENT_STREAMS;
	if (cfg->max_event_streams >= cfg->max_connections) {
		err_set(err, "--max-event-streams %lld: want fewer than --max-connections %lld",
		    (long long)cfg->max_event_streams, (long long)cfg->max_connections);
		return -1;
	}
	if (cfg->default_timeout_s > cfg->max_timeout_s) {
		err_set(err, "default timeout %g s exceeds max timeout %g s",
		    cfg->default_timeout_s, cfg->max_timeout_s);
		return -1;
	}
	return config_derive_paths(cfg, err);
}

int config_check_tokens(const struct config *cfg, char *err)
{
	if (cfg->read_token[0] == '\0')
		return 0;
	if (cfg->token[0] == '\0') {
		err_set(err, "--read-token needs a --token: without one every request may "
			     "write, so a read-only token would limit nothing");
		return -1;
	}
	if (strcmp(cfg->read_token, cfg->token) == 0) {
		err_set(err, "--read-token must differ from --token");
		return -1;
	}
	return 0;
}
