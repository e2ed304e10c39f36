/*
 * main.c — jobd's entry point. `jobd --worker ...` becomes a worker process
 * (worker/worker.h); `jobd run|batch|ls|…` the command line (cli/cli.h);
 * otherwise: flags → struct config, signal handlers that
 * only write a self-pipe, the dispatcher (store + pool) on this thread, the
 * HTTP daemon's threads, and an ordered shutdown on SIGTERM/SIGINT:
 * stop accepting, let jobs finish within the grace, stop workers, requeue,
 * stop HTTP, close the store, exit 0.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "api/api.h"
#include "cli/cli.h"
#include "common/log.h"
#include "config/config.h"
#include "config/token_file.h"
#include "dispatch/dispatch.h"
#include "dispatch/events.h"
#include "dispatch/follow.h"
#include "dispatch/metrics.h"
#include "http/http.h"
#include "store/store.h"
#include "time/tz.h"
#include "worker/worker.h"

#define READER_CONNECTIONS 4
/* Descriptors besides the HTTP connections: the store's files and
 * connections, log, self-pipe, output files being read; and per worker
 * its socket (plus slack). */
#define NOFILE_RESERVE 256
#define NOFILE_PER_WORKER 2

static void on_signal(int sig) { dispatch_signal(sig); }

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGCHLD, &sa, NULL) < 0)
		fatal("sigaction");
	signal(SIGPIPE, SIG_IGN);
}

/* HTTP threads must not take our signals: block them while they are made. */
static void block_signals(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	if ((errno = pthread_sigmask(how, &set, NULL)) != 0)
		fatal("pthread_sigmask");
}

/* Every HTTP connection is a descriptor: at a soft RLIMIT_NOFILE of 1024,
 * --max-connections 1000 would run out before its bound, and accept()
 * failing would refuse everyone. Raise the soft limit as far as needed (never
 * past the hard one); workers get the old one back (spawn.c), so jobs see
 * the limit they always did. If the hard limit is too low, fewer connections
 * are allowed, so the bound holds rather than EMFILE. */
static void raise_nofile(struct config *cfg)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		fatal("getrlimit RLIMIT_NOFILE");
	rlim_t others = NOFILE_RESERVE + (rlim_t)cfg->workers * NOFILE_PER_WORKER;
	rlim_t need = others + (rlim_t)cfg->max_connections;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return;
	struct rlimit raised = { .rlim_cur = need, .rlim_max = rl.rlim_max };
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		raised.rlim_cur = rl.rlim_max;
	if (raised.rlim_cur > rl.rlim_cur) {
		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			cfg->nofile_start = rl.rlim_cur;
		else {
			log_warn("setrlimit RLIMIT_NOFILE %llu", (unsigned long long)raised.rlim_cur);
			raised.rlim_cur = rl.rlim_cur;
		}
	}
	if (raised.rlim_cur >= need)
		return;
	int64_t fit = raised.rlim_cur > others + 2 ? (int64_t)(raised.rlim_cur - others) : 2;
	log_warnx("RLIMIT_NOFILE %llu (hard %llu) leaves room for %lld HTTP connections, not "
		  "--max-connections %lld: allowing %lld (raise the hard limit: ulimit -Hn, LimitNOFILE=)",
	    (unsigned long long)raised.rlim_cur, (unsigned long long)rl.rlim_max, (long long)fit,
	    (long long)cfg->max_connections, (long long)fit);
	cfg->max_connections = fit;
	if (cfg->max_event_streams >= fit)
		cfg->max_event_streams = fit / 2;
}

/* mkdir -p: --output-dir may name a directory whose parents are new too. */
static void make_dirs(const char *path)
{
	char dir[CONFIG_PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(dir, 0750) < 0 && errno != EEXIST)
			fatal("mkdir %s", dir);
		if (c == '\0')
			return;
		*p = c;
	}
}

/* Beyond loopback without --token, jobd made a token (token_file.h): say
 * where it is, and the token itself the one time it is new. */
static void log_token(const struct config *cfg, int r, const char *err)
{
	if (r < 0)
		fatalx("token: %s", err);
	if (r == TOKEN_FILE_CREATED)
		log_info("token: listening on %s without --token, so jobd made one: %s — saved in %s "
			 "(mode 0600) and reused at every start; send it as Authorization: Bearer",
		    cfg->listen_addr, cfg->token, cfg->token_path);
	else if (r == TOKEN_FILE_READ)
		log_info("token: listening on %s without --token: the API needs the token jobd made "
			 "at its first start, in %s (cat it)", cfg->listen_addr, cfg->token_path);
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct dispatch *d;
	struct http_server *http;
	char err[ERR_LEN];

	if (argc > 1 && strcmp(argv[1], "--worker") == 0)
		return worker_main(argc, argv);
	/* `jobd run …`, `jobd ls` …: the command line, a client of another jobd. */
	if (argc > 1 && cli_is_command(argv[1]))
		return cli_main(argc, argv);

	int r = config_load(&cfg, argc, argv, err);
	if (r != 0) {
		if (r > 0)
			return 0;
		fatalx("config: %s", err);
	}
	if (log_set_level(cfg.log_level) < 0)
		fatalx("config: --log-level %s: want debug, info or warn", cfg.log_level);
	if (log_set_format(cfg.log_format) < 0)
		fatalx("config: --log-format %s: want text or json", cfg.log_format);
	/* Before any thread exists: tz_load reads the directory unlocked. */
	if (tz_set_dir(cfg.zoneinfo_dir, err) < 0)
		fatalx("config: --zoneinfo: %s", err);
	/* Nothing of ours reaches a worker or a job: the token and the
	 * database password are overwritten where /proc shows them, every
	 * JOBD_* leaves the environment (config.h). Before any thread. */
	config_scrub(argc, argv);
	/* Not dumpable: a process of our user (a job, unless jobd runs jobs
	 * as root) can then neither ptrace us nor read our memory or environ
	 * in /proc, where the token lives on in cfg. No core dumps either. */
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		fatal("prctl PR_SET_DUMPABLE");
	/* Orphaned job processes come to us, so their group ids stay reserved
	 * until we have killed and reaped them. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fatal("prctl PR_SET_CHILD_SUBREAPER");
	raise_nofile(&cfg);
	install_signals();
	/* One malloc arena per HTTP thread would keep each thread's freed 16 MB
	 * bodies forever; large blocks go to mmap and back to the OS at free. */
	if (mallopt(M_MMAP_THRESHOLD, 256 * 1024) == 0 || mallopt(M_ARENA_MAX, 1) == 0)
		log_warnx("mallopt failed; memory may stay high after large requests");
	events_init();
	metrics_init();

	if (dispatch_open(&d, &cfg, err) < 0)
		fatalx("start: %s", err);
	make_dirs(cfg.output_dir);
	log_token(&cfg, token_file_ensure(&cfg, err), err);
	if (config_check_tokens(&cfg, err) < 0)
		fatalx("config: %s", err);
	struct app app = { .cfg = &cfg, .dispatch = d,
		.readers = store_pool_new(cfg.db_path, READER_CONNECTIONS),
		.routes = api_routes, .n_routes = api_routes_count };
	if (app.readers == NULL)
		fatalx("out of memory");
	block_signals(SIG_BLOCK);
	if (http_start(&http, &app, err) < 0)
		fatalx("http: %s", err);
	block_signals(SIG_UNBLOCK);
	log_info("jobd listening on http://%s:%d — db %s, %d workers (%s), token %s%s, web %s",
	    cfg.listen_addr, http_port(http), cfg.db_label, cfg.workers, cfg.workers_source,
	    cfg.token_generated ? "required (generated)" : cfg.token[0] ? "required" : "not required",
	    cfg.read_token[0] ? " (and a read-only one)" : "",
	    cfg.web_dir);

	dispatch_run(d);
	events_close();
	follow_close_all();
	events_drain();
	http_stop(http);
	events_free();
	store_pool_free(app.readers);
	dispatch_free(d);
	log_info("jobd stopped");
	return 0;
}
