/*
 * worker.c — the worker process's main loop (see worker.h).
 * Single-threaded on purpose: it forks a child per job, which is only safe
 * without threads.
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "fds.h"
#include "limits.h"
#include "run.h"
#include "common/log.h"
#include "common/proto.h"

static int wake_pipe[2] = { -1, -1 };
static volatile sig_atomic_t terminate_flag;

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (sig == SIGTERM || sig == SIGINT)
		terminate_flag = 1;
	ssize_t n = write(wake_pipe[1], &c, 1); /* full pipe: a wake-up is already due */
	(void)n;
	errno = saved;
}

struct worker_args {
	unsigned slot;
	pid_t parent;
	const char *output_dir;
	long long output_limit;
	long long kill_grace_ms;
	int cgroups;
};

static int parse_args(int argc, char **argv, struct worker_args *a)
{
	memset(a, 0, sizeof(*a));
	a->slot = ~0u;
	a->cgroups = 1;
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (strcmp(k, "--worker") == 0)
			a->slot = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(k, "--parent") == 0)
			a->parent = (pid_t)strtol(v, NULL, 10);
		else if (strcmp(k, "--output-dir") == 0)
			a->output_dir = v;
		else if (strcmp(k, "--output-limit") == 0)
			a->output_limit = strtoll(v, NULL, 10);
		else if (strcmp(k, "--kill-grace-ms") == 0)
			a->kill_grace_ms = strtoll(v, NULL, 10);
		else if (strcmp(k, "--cgroups") == 0)
			a->cgroups = strcmp(v, "0") != 0;
		else if (strcmp(k, "--log-level") == 0)
			log_set_level(v);
		else if (strcmp(k, "--log-format") == 0)
			log_set_format(v);
		else
			return -1;
	}
	return a->slot == ~0u || a->parent <= 0 || a->output_dir == NULL ||
		       a->output_limit <= 0 || a->kill_grace_ms <= 0
		   ? -1
		   : 0;
}

static void setup_process(const struct worker_args *a)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* Die with the server; it may have died before this line: re-check. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
		fatal("prctl PR_SET_PDEATHSIG");
	if (getppid() != a->parent)
		fatalx("server %d is gone", a->parent);
	/* Not dumpable (the server says why): a job cannot read what other
	 * jobs' RUN messages left in our memory. exec makes each job dumpable
	 * again. */
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		fatal("prctl PR_SET_DUMPABLE");
	/* Orphaned grandchildren of jobs come back to us to be killed and reaped. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fatal("prctl PR_SET_CHILD_SUBREAPER");
	/* Only fd 0-2 and the socket may survive from the server, and the
	 * socket never reaches a job, whatever start.c's sweep manages. */
	if (fcntl(PROTO_WORKER_FD, F_SETFD, FD_CLOEXEC) < 0)
		fatal("fcntl FD_CLOEXEC on the server socket (fd %d)", PROTO_WORKER_FD);
	if (fds_close_from(PROTO_WORKER_FD + 1) < 0)
		fatal("close fds from %d", PROTO_WORKER_FD + 1);
	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		fatal("pipe2");
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGCHLD, &sa, NULL) < 0)
		fatal("sigaction");
	signal(SIGPIPE, SIG_IGN);
}

/* Waits for the next message while idle; SIGTERM interrupts. */
static int next_message(struct proto_header *hdr, void **payload, char *err)
{
	for (;;) {
		struct pollfd fds[2] = { { PROTO_WORKER_FD, POLLIN, 0 }, { wake_pipe[0], POLLIN, 0 } };
		if (poll(fds, 2, -1) < 0 && errno != EINTR) {
			err_set(err, "poll: %s", strerror(errno));
			return -1;
		}
		if (terminate_flag)
			return 0;
		if (fds[1].revents) {
			run_drain_wake(wake_pipe[0]);
			while (waitpid(-1, NULL, WNOHANG) > 0) /* late orphans */
				;
		}
		if (fds[0].revents)
			return proto_recv(PROTO_WORKER_FD, hdr, payload, err);
	}
}

static int handle_run(const struct run_env *env, const struct proto_header *hdr,
    const void *payload)
{
	struct proto_run_view view;
	struct run_result res;
	struct proto_done done;
	char err[ERR_LEN];

	if (proto_run_parse(payload, hdr->len, &view, err) < 0) {
		log_warnx("job %lld: %s", (long long)hdr->job_id, err);
		return -1;
	}
	enum run_outcome outcome = run_job(env, hdr->job_id, &view, &res);
	proto_run_view_free(&view);
	if (outcome == RUN_OUTCOME_EXIT)
		return -1;
	proto_done_from_result(&done, &res);
	if (proto_send(env->sock, PROTO_DONE, env->slot, hdr->job_id, &done, sizeof(done), err) < 0) {
		log_warnx("job %lld: DONE not sent: %s", (long long)hdr->job_id, err);
		return -1;
	}
	return 0;
}

/* Per-job cgroups if this machine lets us make them (and --cgroups did
 * not say no); says once how limits will be enforced and how jobs are
 * contained. NULL when no controller is usable. */
static const struct cgroup_set *setup_limits(struct cgroup_set *cs, int wanted)
{
	char err[ERR_LEN], line[1024];
	int r = -1;

	if (wanted) {
		r = cgroup_init(cs, getpid(), err);
	} else {
		memset(cs, 0, sizeof(*cs));
		cs->memory.name = "memory";
		cs->pids.name = "pids";
		snprintf(cs->memory.why, sizeof(cs->memory.why), "turned off by --cgroups false");
		snprintf(cs->pids.why, sizeof(cs->pids.why), "turned off by --cgroups false");
	}
	limits_describe_setup(cs, geteuid() == 0, line, sizeof(line));
	log_info("%s", line);
	if (cs->warning[0] != '\0')
		log_warnx("cgroups: %s", cs->warning);
	const struct cgroup_ctl *in = cs->pids.version != CGROUP_NONE ? &cs->pids : &cs->memory;
	if (r == 0)
		log_info("containment: each job in a cgroup of its own under %s, and what it "
			 "leaves when its main process ends killed", in->dir);
	else
		log_info("containment: no cgroups; what a job leaves when its main process ends "
			 "is killed by the worker, its subreaper");
	return r == 0 ? cs : NULL;
}

static int serve(const struct run_env *env)
{
	char err[ERR_LEN] = "";

	for (;;) {
		struct proto_header hdr;
		void *payload = NULL;
		int r = next_message(&hdr, &payload, err);
		if (r <= 0) {
			if (r < 0)
				log_warnx("server connection: %s", err);
			free(payload);
			return r < 0 ? 1 : 0;
		}
		int ok = 0;
		if (hdr.type == PROTO_RUN)
			ok = handle_run(env, &hdr, payload);
		else if (hdr.type != PROTO_CANCEL) /* a CANCEL for a job already done */
			ok = -1, log_warnx("unexpected message type %u", hdr.type);
		free(payload);
		if (ok < 0)
			return 1;
	}
}

int worker_main(int argc, char **argv)
{
	static char prefix[32];
	struct worker_args a;
	struct cgroup_set cgroups;
	char err[ERR_LEN] = "";

	if (parse_args(argc, argv, &a) < 0)
		fatalx("usage: jobd --worker SLOT --parent PID --output-dir DIR "
		       "--output-limit BYTES --kill-grace-ms MS [--cgroups 0|1] (started by jobd itself)");
	snprintf(prefix, sizeof(prefix), "worker %u", a.slot);
	log_set_prefix(prefix);
	setup_process(&a);

	struct run_env env = {
		.sock = PROTO_WORKER_FD, .wake_fd = wake_pipe[0], .terminate = &terminate_flag,
		.slot = a.slot, .output_dir = a.output_dir, .output_limit = a.output_limit,
		.kill_grace_ms = a.kill_grace_ms, .cgroups = setup_limits(&cgroups, a.cgroups),
	};
	struct proto_hello hello = { .version = PROTO_VERSION, .pid = getpid() };
	if (proto_send(env.sock, PROTO_HELLO, a.slot, 0, &hello, sizeof(hello), err) < 0)
		fatalx("HELLO: %s", err);

	int rc = serve(&env);
	if (cgroup_fini(&cgroups, err) < 0)
		log_warnx("cgroups: %s", err);
	return rc;
}
