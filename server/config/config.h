/*
 * config.h — everything an operator can set, with API.md's defaults.
 * Every flag has a JOBD_* environment twin; flags win over the environment.
 * No other module reads argv or getenv.
 */
#ifndef JOBD_CONFIG_H
#define JOBD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/job.h"

#define CONFIG_PATH_MAX 4096
/* What a cluster node's name (--node-name) may hold: no quote, as
 * store_nodes.c puts it into SQL text; and at most this many bytes. */
#define CONFIG_NODE_NAME_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"
#define CONFIG_NODE_NAME_MAX 64
/* --workers' bound: the dispatcher keeps one pollfd and one worker_info per
 * worker on its stack, sized by this. */
#define CONFIG_MAX_WORKERS 1024

struct config {
	char listen_addr[64];          /* dotted IPv4 or IPv6 literal */
	int listen_port;
	char db_path[CONFIG_PATH_MAX];
	char db_label[CONFIG_PATH_MAX]; /* db_path with any password as *** (for logs) */
	char output_dir[CONFIG_PATH_MAX]; /* --output-dir, or <dir of db>/output */
	char web_dir[CONFIG_PATH_MAX];
	char zoneinfo_dir[CONFIG_PATH_MAX]; /* "": /usr/share/zoneinfo (tz_set_dir) */
	char job_dir[CONFIG_PATH_MAX]; /* default working directory of jobs */
	int workers;
	const char *workers_source;    /* "flag", "env", "affinity" or "cgroup" */
	char token[512];               /* empty: no auth */
	bool token_generated;          /* token read from or made in token_path by
	                                  token_file.c, not given by the operator */
	char token_path[CONFIG_PATH_MAX];
	char read_token[512];          /* --read-token: GET routes only; "": none.
	                                  Needs a write token (config_check_tokens) */
	char allowed_hosts[1024];      /* --allowed-host: comma-separated names the
	                                  browser guard accepts (hostname.h) */
	double default_timeout_s;
	double max_timeout_s;
	double kill_grace_s;
	double shutdown_grace_s;
	double lease_s;                /* --lease: a cluster node's heartbeat lease */
	char node_name[72];            /* --node-name; "": <hostname>:<port> */
	int64_t output_limit;
	int64_t max_body;
	int64_t max_queued;
	int64_t max_connections;       /* HTTP connections at once */
	int64_t max_connections_per_ip; /* from one client address; 0: no bound */
	double header_timeout_s;       /* a request's headers must be in within this */
	int64_t max_event_streams;     /* concurrent GET /v1/events */
	uint64_t nofile_start;         /* soft RLIMIT_NOFILE jobd started with (main.c
	                                  raises ours for connections); 0: not changed */
	int64_t max_queues;             /* queues that may exist; a job or PUT making one more is refused */
	double retain_finished_s;      /* --retain-finished, in seconds; 0: keep forever */
	int64_t max_output_disk;       /* bytes of output files kept; 0: no bound */
	struct job_limits max_limits;  /* largest per-job limits a spec may ask for */
	bool strict_queues;            /* a spec's queue must exist already */
	bool cgroups;                  /* per-job cgroups where the machine allows */
	bool start_drained;            /* start draining (POST /v1/resume to serve) */
	char webhook_secret[512];      /* HMAC key of X-Jobd-Signature; "": unsigned */
	double webhook_timeout_s;      /* one delivery attempt, connect included */
	double webhook_retry_for_s;    /* from the first attempt: then failed */
	double webhook_backoff_s;      /* the first retry's delay, doubling after */
	char log_level[16];
	char log_format[16];
	char self_exe[CONFIG_PATH_MAX]; /* this binary, re-exec'd as workers */
};

/* After token_file_ensure: a read token needs a write token beside it
 * (without one every request may write, so a read token would limit
 * nothing) and must differ from it. 0, or -1 with err. */
int config_check_tokens(const struct config *cfg, char *err);
/* Fills cfg from defaults, then the environment, then argv. Returns 0, 1 when
 * --help was printed, or -1 with err set. */
int config_load(struct config *cfg, int argc, char **argv, char *err);
void config_usage(const char *prog);
/* The paths that depend on others (config_paths.c), the last step of
 * config_load: self_exe, web_dir, job_dir, db_label, output_dir. 0, or -1
 * with err. */
int config_derive_paths(struct config *cfg, char *err);
/* A postgres:// or postgresql:// URL (PostgreSQL) rather than a SQLite path. */
bool config_db_is_url(const char *db);
/* db for logs: a URL's password (user:PASS@ or password=PASS) becomes ***. */
void config_redact_db(const char *db, char *out, size_t cap);
/* Where job output goes unless --output-dir says: output/ beside a SQLite
 * file, ./data/output for a URL. 0, or -1 with err when it does not fit. */
int config_db_output_dir(const char *db, char *out, size_t cap, char *err);
/* The same password overwritten with '*' in place, same length. */
void config_scrub_db(char *db);
/* After config_load, before any thread or worker exists: overwrites the
 * token, the webhook secret and the database password where they were given — in argv (as
 * /proc/<pid>/cmdline shows it) and in the environment block (as
 * /proc/<pid>/environ does; unsetenv alone leaves the bytes there) — and
 * removes every JOBD_* variable from the environment, so no worker and no
 * job inherits one. cfg holds copies of every value. */
void config_scrub(int argc, char **argv);

#endif
