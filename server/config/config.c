/*
 * config.c — parses flags and JOBD_* environment twins into struct config
 * and checks every value (see config.h). Defaults are API.md's.
 */
#include "config.h"

#include "cpus.h"
#include "hostname.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum opt_kind { OPT_STR, OPT_INT, OPT_NUM, OPT_LISTEN, OPT_WORKERS, OPT_BOOL, OPT_DAYS, OPT_BYTES,
	OPT_COUNT0 };

/* A century: far beyond any sensible retention, and safe in µs arithmetic. */
#define CONFIG_MAX_RETAIN_DAYS 36500
/* Each HTTP connection is a thread and a descriptor (see http.h). */
#define CONFIG_MAX_CONNECTIONS 1000000
#define CONFIG_MAX_HEADER_TIMEOUT_S 3600
/* --max-event-streams' default, and at most half of --max-connections. */
#define CONFIG_EVENT_STREAMS 256

struct option_def {
	const char *flag;
	const char *env;
	enum opt_kind kind;
	const char *help;
};

static const struct option_def options[] = {
	{ "--listen", "JOBD_LISTEN", OPT_LISTEN, "ADDR:PORT to listen on (127.0.0.1:8080)" },
	{ "--db", "JOBD_DB", OPT_STR,
	    "SQLite path, or postgres://… URL (./data/jobd.db)" },
	{ "--node-name", "JOBD_NODE_NAME", OPT_STR,
	    "this node's name in a cluster (PostgreSQL) (the host name)" },
	{ "--lease", "JOBD_LEASE", OPT_NUM,
	    "seconds without a heartbeat before other nodes take a node's jobs (30)" },
	{ "--output-dir", "JOBD_OUTPUT_DIR", OPT_STR,
	    "job output files (output/ beside the SQLite file; ./data/output)" },
	{ "--workers", "JOBD_WORKERS", OPT_WORKERS, "worker processes (CPUs this process may use)" },
	{ "--token", "JOBD_TOKEN", OPT_STR,
	    "bearer token required on /v1 (none; made and kept in a file beyond loopback)" },
	{ "--allowed-host", "JOBD_ALLOWED_HOSTS", OPT_STR,
	    "Host names browsers may use besides localhost and IPs, a,b,*.c (none)" },
	{ "--default-timeout", "JOBD_DEFAULT_TIMEOUT", OPT_NUM, "job timeout in seconds (3600)" },
	{ "--max-timeout", "JOBD_MAX_TIMEOUT", OPT_NUM, "largest timeout_s accepted (86400)" },
	{ "--output-limit", "JOBD_OUTPUT_LIMIT", OPT_INT, "bytes kept per output stream (1048576)" },
	{ "--max-body", "JOBD_MAX_BODY", OPT_INT, "largest request body in bytes (16777216)" },
	{ "--max-queued", "JOBD_MAX_QUEUED", OPT_INT, "most queued jobs before 503 (1000000)" },
	{ "--max-connections", "JOBD_MAX_CONNECTIONS", OPT_INT, "HTTP connections at once (1000)" },
	{ "--max-connections-per-ip", "JOBD_MAX_CONNECTIONS_PER_IP", OPT_COUNT0,
	    "HTTP connections from one client address (128; 0: no bound)" },
	{ "--header-timeout", "JOBD_HEADER_TIMEOUT", OPT_NUM,
	    "seconds a connection has to send a request's headers (10)" },
	{ "--max-event-streams", "JOBD_MAX_EVENT_STREAMS", OPT_INT,
	    "concurrent GET /v1/events streams before 503 (256, at most half of the connections)" },
	{ "--max-queues", "JOBD_MAX_QUEUES", OPT_INT,
	    "most named queues; a job or PUT making one more is refused (1000)" },
	{ "--kill-grace", "JOBD_KILL_GRACE", OPT_NUM, "seconds from SIGTERM to SIGKILL (5)" },
	{ "--shutdown-grace", "JOBD_SHUTDOWN_GRACE", OPT_NUM, "seconds running jobs get at shutdown (10)" },
	{ "--web-dir", "JOBD_WEB_DIR", OPT_STR, "dashboard files (next to the binary)" },
	{ "--zoneinfo", "JOBD_ZONEINFO", OPT_STR,
	    "time zone files for schedules (/usr/share/zoneinfo)" },
	{ "--job-dir", "JOBD_JOB_DIR", OPT_STR, "default working directory of jobs (cwd)" },
	{ "--log-level", "JOBD_LOG_LEVEL", OPT_STR, "debug, info or warn (info)" },
	{ "--log-format", "JOBD_LOG_FORMAT", OPT_STR, "text or json (text)" },
	{ "--retain-finished", "JOBD_RETAIN_FINISHED", OPT_DAYS,
	    "days to keep finished jobs and their output, fractions ok (0: forever)" },
	{ "--max-output-disk", "JOBD_MAX_OUTPUT_DISK", OPT_BYTES,
	    "bytes of job output kept, the oldest deleted first (0: no bound)" },
	{ "--strict-queues", "JOBD_STRICT_QUEUES", OPT_BOOL,
	    "true: jobs may only name queues made by PUT /v1/queues (false)" },
	{ "--cgroups", "JOBD_CGROUPS", OPT_BOOL,
	    "false: no per-job cgroups (limits by rlimits, jobs contained by the worker alone) (true)" },
	{ "--max-memory-mb", "JOBD_MAX_MEMORY_MB", OPT_INT, "largest limits.memory_mb (RAM)" },
	{ "--max-cpu-s", "JOBD_MAX_CPU_S", OPT_INT, "largest limits.cpu_s (86400)" },
	{ "--max-open-files", "JOBD_MAX_OPEN_FILES", OPT_INT, "largest limits.open_files (65536)" },
	{ "--max-processes", "JOBD_MAX_PROCESSES", OPT_INT, "largest limits.processes (4096)" },
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

void config_usage(const char *prog)
{
	printf("usage: %s [flags]\n\nEvery flag has an environment twin; flags win.\n\n", prog);
	for (size_t i = 0; i < N_OPTIONS; i++)
		printf("  %-18s %-22s %s\n", options[i].flag, options[i].env, options[i].help);
}

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

static int parse_num(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* Days, fractions allowed (tests use seconds' worth), 0 included. */
static int parse_days(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0 ||
	    v > CONFIG_MAX_RETAIN_DAYS)
		return -1;
	*out = v;
	return 0;
}

static int copy_str(char *dst, size_t cap, const char *src, const char *what, char *err)
{
	if (strlen(src) >= cap) {
		err_set(err, "%s: value too long", what);
		return -1;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int parse_listen(struct config *cfg, const char *s, char *err)
{
	const char *colon = strrchr(s, ':');
	int64_t port;
	size_t host_len;

	if (colon == NULL || parse_int(colon + 1, 0, 65535, &port) < 0) {
		err_set(err, "--listen %s: want ADDR:PORT", s);
		return -1;
	}
	host_len = (size_t)(colon - s);
	if (host_len >= 2 && s[0] == '[' && colon[-1] == ']') {
		s++;
		host_len -= 2;
	}
	if (host_len == 0 || host_len >= sizeof(cfg->listen_addr)) {
		err_set(err, "--listen: bad address");
		return -1;
	}
	memcpy(cfg->listen_addr, s, host_len);
	cfg->listen_addr[host_len] = '\0';
	cfg->listen_port = (int)port;
	return 0;
}

static int apply(struct config *cfg, const struct option_def *o, const char *v,
    const char *source, char *err)
{
	int64_t i;
	double d;

	if (o->kind == OPT_LISTEN)
		return parse_listen(cfg, v, err);
	if (o->kind == OPT_WORKERS) {
		if (parse_int(v, 1, 1024, &i) < 0) {
			err_set(err, "%s %s: want an integer from 1 to 1024", o->flag, v);
			return -1;
		}
		cfg->workers = (int)i;
		cfg->workers_source = source;
		return 0;
	}
	if (o->kind == OPT_NUM) {
		if (parse_num(v, &d) < 0) {
			err_set(err, "%s %s: want a number > 0", o->flag, v);
			return -1;
		}
		if (strcmp(o->flag, "--default-timeout") == 0)
			cfg->default_timeout_s = d;
		else if (strcmp(o->flag, "--max-timeout") == 0)
			cfg->max_timeout_s = d;
		else if (strcmp(o->flag, "--kill-grace") == 0)
			cfg->kill_grace_s = d;
		else if (strcmp(o->flag, "--lease") == 0)
			cfg->lease_s = d;
		else if (strcmp(o->flag, "--header-timeout") == 0)
			cfg->header_timeout_s = d;
		else
			cfg->shutdown_grace_s = d;
		return 0;
	}
	if (o->kind == OPT_BOOL) {
		bool *b = strcmp(o->flag, "--cgroups") == 0 ? &cfg->cgroups : &cfg->strict_queues;
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
			*b = true;
		else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
			*b = false;
		else {
			err_set(err, "%s %s: want true or false", o->flag, v);
			return -1;
		}
		return 0;
	}
	if (o->kind == OPT_DAYS) {
		if (parse_days(v, &d) < 0) {
			err_set(err, "%s %s: want days from 0 (keep forever) to %d, fractions allowed",
			    o->flag, v, CONFIG_MAX_RETAIN_DAYS);
			return -1;
		}
		cfg->retain_finished_s = d * 86400;
		return 0;
	}
	if (o->kind == OPT_BYTES) {
		if (parse_int(v, 0, INT64_MAX / 2, &i) < 0) {
			err_set(err, "%s %s: want a number of bytes (0: no bound)", o->flag, v);
			return -1;
		}
		cfg->max_output_disk = i;
		return 0;
	}
	if (o->kind == OPT_COUNT0) {
		if (parse_int(v, 0, CONFIG_MAX_CONNECTIONS, &i) < 0) {
			err_set(err, "%s %s: want an integer from 0 (no bound) to %d", o->flag, v,
			    CONFIG_MAX_CONNECTIONS);
			return -1;
		}
		cfg->max_connections_per_ip = i;
		return 0;
	}
	if (o->kind == OPT_INT) {
		if (parse_int(v, 1, INT64_MAX / 2, &i) < 0) {
			err_set(err, "%s %s: want a positive integer", o->flag, v);
			return -1;
		}
		if (strcmp(o->flag, "--output-limit") == 0)
			cfg->output_limit = i;
		else if (strcmp(o->flag, "--max-memory-mb") == 0)
			cfg->max_limits.memory_mb = i;
		else if (strcmp(o->flag, "--max-cpu-s") == 0)
			cfg->max_limits.cpu_s = i;
		else if (strcmp(o->flag, "--max-open-files") == 0)
			cfg->max_limits.open_files = i;
		else if (strcmp(o->flag, "--max-processes") == 0)
			cfg->max_limits.processes = i;
		else if (strcmp(o->flag, "--max-body") == 0)
			cfg->max_body = i;
		else if (strcmp(o->flag, "--max-connections") == 0)
			cfg->max_connections = i;
		else if (strcmp(o->flag, "--max-event-streams") == 0)
			cfg->max_event_streams = i;
		else if (strcmp(o->flag, "--max-queues") == 0)
			cfg->max_queues = i;
		else
			cfg->max_queued = i;
		return 0;
	}
	if (strcmp(o->flag, "--db") == 0)
		return copy_str(cfg->db_path, sizeof(cfg->db_path), v, o->flag, err);
	if (strcmp(o->flag, "--node-name") == 0) {
		if (v[strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-")] !=
			'\0' || strlen(v) > 64) {
			err_set(err, "%s %s: want 1 to 64 of A-Z a-z 0-9 . _ : -", o->flag, v);
			return -1;
		}
		return copy_str(cfg->node_name, sizeof(cfg->node_name), v, o->flag, err);
	}
	if (strcmp(o->flag, "--output-dir") == 0)
		return copy_str(cfg->output_dir, sizeof(cfg->output_dir), v, o->flag, err);
	if (strcmp(o->flag, "--token") == 0)
		return copy_str(cfg->token, sizeof(cfg->token), v, o->flag, err);
	if (strcmp(o->flag, "--allowed-host") == 0) {
		char why[ERR_LEN];
		if (hostname_list_check(v, why) < 0) {
			err_set(err, "%s %s", o->flag, why);
			return -1;
		}
		return copy_str(cfg->allowed_hosts, sizeof(cfg->allowed_hosts), v, o->flag, err);
	}
	if (strcmp(o->flag, "--web-dir") == 0)
		return copy_str(cfg->web_dir, sizeof(cfg->web_dir), v, o->flag, err);
	if (strcmp(o->flag, "--zoneinfo") == 0)
		return copy_str(cfg->zoneinfo_dir, sizeof(cfg->zoneinfo_dir), v, o->flag, err);
	if (strcmp(o->flag, "--job-dir") == 0)
		return copy_str(cfg->job_dir, sizeof(cfg->job_dir), v, o->flag, err);
	if (strcmp(o->flag, "--log-level") == 0)
		return copy_str(cfg->log_level, sizeof(cfg->log_level), v, o->flag, err);
	return copy_str(cfg->log_format, sizeof(cfg->log_format), v, o->flag, err);
}

static void set_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->listen_addr, "127.0.0.1");
	cfg->listen_port = 8080;
	strcpy(cfg->db_path, "./data/jobd.db");
	cfg->workers = cpus_usable(&cfg->workers_source);
	cfg->default_timeout_s = 3600;
	cfg->max_timeout_s = 86400;
	cfg->kill_grace_s = 5;
	cfg->shutdown_grace_s = 10;
	cfg->lease_s = 30;
	cfg->output_limit = 1048576;
	cfg->max_body = 16777216;
	cfg->max_queued = 1000000;
	cfg->max_connections = 1000;
	cfg->max_connections_per_ip = 128;
	cfg->header_timeout_s = 10;
	cfg->max_event_streams = 0; /* resolved in config_load */
	cfg->max_queues = 1000;
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	cfg->max_limits.memory_mb = pages > 0 && page > 0 ? (int64_t)pages * page >> 20 : 1 << 20;
	cfg->max_limits.cpu_s = 86400;
	cfg->max_limits.open_files = 65536;
	cfg->max_limits.processes = 4096;
	cfg->cgroups = true;
	strcpy(cfg->log_level, "info");
	strcpy(cfg->log_format, "text");
}

/* Paths that depend on others: the binary, the web dir beside it, output/. */
static int derive_paths(struct config *cfg, char *err)
{
	ssize_t n = readlink("/proc/self/exe", cfg->self_exe, sizeof(cfg->self_exe) - 1);
	if (n < 0) {
		err_set(err, "readlink /proc/self/exe: %s", strerror(errno));
		return -1;
	}
	cfg->self_exe[n] = '\0';

	if (cfg->web_dir[0] == '\0') {
		/* Installed: <prefix>/bin/jobd → <prefix>/share/jobd/web. Built in
		 * the tree: <repo>/build/jobd or <repo>/build/asan/jobd → <repo>/web. */
		static const char *const candidates[] = {
			"/../share/jobd/web", "/../web", "/../../web",
		};
		char dir[CONFIG_PATH_MAX];
		snprintf(dir, sizeof(dir), "%s", cfg->self_exe);
		char *slash = strrchr(dir, '/');
		if (slash != NULL)
			*slash = '\0';
		for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
			snprintf(cfg->web_dir, sizeof(cfg->web_dir), "%.4000s%s", dir, candidates[i]);
			char index[CONFIG_PATH_MAX + 16];
			snprintf(index, sizeof(index), "%s/index.html", cfg->web_dir);
			if (access(index, R_OK) == 0)
				break;
		}
	}
	if (cfg->job_dir[0] == '\0' && getcwd(cfg->job_dir, sizeof(cfg->job_dir)) == NULL) {
		err_set(err, "getcwd: %s", strerror(errno));
		return -1;
	}
	if (cfg->job_dir[0] != '/') {
		err_set(err, "--job-dir %s: want an absolute path", cfg->job_dir);
		return -1;
	}

	config_redact_db(cfg->db_path, cfg->db_label, sizeof(cfg->db_label));
	if (cfg->output_dir[0] != '\0')
		return 0;
	if (config_db_is_url(cfg->db_path)) {
		strcpy(cfg->output_dir, "./data/output");
		return 0;
	}
	const char *slash = strrchr(cfg->db_path, '/');
	int dir_len = slash == NULL ? 1 : (int)(slash - cfg->db_path);
	const char *dir = slash == NULL ? "." : cfg->db_path;
	if (slash == cfg->db_path)
		dir_len = 1;
	if (snprintf(cfg->output_dir, sizeof(cfg->output_dir), "%.*s/output", dir_len, dir) >=
	    (int)sizeof(cfg->output_dir)) {
		err_set(err, "--db: path too long");
		return -1;
	}
	return 0;
}

int config_load(struct config *cfg, int argc, char **argv, char *err)
{
	set_defaults(cfg);
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
	if (cfg->lease_s > 86400) {
		err_set(err, "--lease %g: want at most 86400 s", cfg->lease_s);
		return -1;
	}
	if (cfg->max_connections > CONFIG_MAX_CONNECTIONS ||
	    cfg->header_timeout_s > CONFIG_MAX_HEADER_TIMEOUT_S) {
		err_set(err, "--max-connections %lld / --header-timeout %g: want at most %d / %d s",
		    (long long)cfg->max_connections, cfg->header_timeout_s, CONFIG_MAX_CONNECTIONS,
		    CONFIG_MAX_HEADER_TIMEOUT_S);
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
	return derive_paths(cfg, err);
}
