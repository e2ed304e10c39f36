/*
 * start.c — starts one job (see run_internal.h). After git's run-command.c:
 * argv, the merged environment, the program's path and the job's limits
 * (limits.h: rlimit values, the cgroup's open cgroup.procs) are ready before
 * the child exists; an exec failure comes back over a close-on-exec pipe as
 * {stage, errno, step} (EOF means the exec worked), so a job fails with
 * "exec frobnicate: No such file or directory" or "setrlimit RLIMIT_AS:
 * Operation not permitted", not a bare 127.
 *
 * The child is made with vfork: the worker maps the whole jobd binary (93
 * mappings), and copying its page tables for every job cost more than the
 * job itself. The child shares our memory until exec, so between vfork and
 * exec it only makes system calls and writes nothing but its own stack.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "fds.h"
#include "limits.h"
#include "run_internal.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/utf8.h"

/* Bytes of a path kept in an exec/chdir error, leaving room for strerror. */
#define START_ERROR_ARG_MAX 160

enum start_stage { STAGE_SETUP, STAGE_CHDIR, STAGE_EXEC, STAGE_LIMITS, STAGE_FDS };

struct start_error {
	int stage;
	int errnum;
	int step;   /* STAGE_LIMITS: which one (limits_describe_step) */
};

static void child_fail(int fd, int stage, int step)
{
	struct start_error e = { stage, errno, step };
	ssize_t n = write(fd, &e, sizeof(e));
	(void)n;
	_exit(127);
}

/* In the vforked child: system calls only, then execve or _exit. */
static void child_exec(const struct proto_run_view *run, const struct limits_job *lim,
    const char *path, char *const *envp, pid_t worker_pid, int in_fd, int out_fd, int err_fd,
    int report_fd)
{
	int step = 0;

	setpgid(0, 0);
	/* Die with the worker. The worker may already be gone: re-check. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != worker_pid)
		_exit(127);
	signal(SIGPIPE, SIG_DFL); /* the worker ignores it; exec keeps SIG_IGN */
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		child_fail(report_fd, STAGE_SETUP, 0);
	if (run->cwd != NULL && chdir(run->cwd) < 0)
		child_fail(report_fd, STAGE_CHDIR, 0);
	/* After dup2: an open_files limit of 2 must not stop fd 2 being set. */
	if (limits_child_apply(lim, &step) < 0)
		child_fail(report_fd, STAGE_LIMITS, step);
	/* Nothing of the worker's (its server socket above all) reaches the job;
	 * the report pipe is already close-on-exec. fds.c falls back when
	 * close_range cannot (kernels before 5.11). */
	if (fds_cloexec_from(3) < 0)
		child_fail(report_fd, STAGE_FDS, 0);
	execve(path, run->argv, envp);
	child_fail(report_fd, STAGE_EXEC, 0);
}

/* vfork in a frame of its own, so nothing of the caller's lives across it. */
__attribute__((noinline))
static pid_t spawn_child(const struct proto_run_view *run, const struct limits_job *lim,
    const char *path, char *const *envp, pid_t worker_pid, int in_fd, int out_fd, int err_fd,
    int report_fd)
{
	pid_t pid = vfork();
	if (pid == 0)
		child_exec(run, lim, path, envp, worker_pid, in_fd, out_fd, err_fd, report_fd);
	return pid;
}

extern char **environ;

/* The worker's environment with the job's "K=V" entries replacing or added:
 * a malloc'd array of borrowed strings. None of the worker's own JOBD_*
 * (the server strips them already: config_scrub): the job's JOBD_JOB_ID,
 * JOBD_ATTEMPT and any JOBD_* its own env names come from job_env. */
__attribute__((noinline))
static char **merge_env(char *const *job_env)
{
	size_t n_own = 0, n_job = 0;
	while (environ[n_own] != NULL)
		n_own++;
	while (job_env[n_job] != NULL)
		n_job++;
	char **out = malloc((n_own + n_job + 1) * sizeof(char *));
	size_t k = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n_own; i++) {
		size_t key = strcspn(environ[i], "=");
		bool replaced = strncmp(environ[i], "JOBD_", 5) == 0;
		for (size_t j = 0; j < n_job && !replaced; j++)
			replaced = strncmp(job_env[j], environ[i], key + 1) == 0;
		if (!replaced)
			out[k++] = environ[i];
	}
	for (size_t j = 0; j < n_job; j++)
		out[k++] = job_env[j];
	out[k] = NULL;
	return out;
}

/* The program as execvp would find it, but along the job's own PATH. */
static const char *find_program(const char *name, char *const *envp, char *buf, size_t len)
{
	const char *path = "/usr/local/bin:/usr/bin:/bin";

	if (strchr(name, '/') != NULL)
		return name;
	for (char *const *e = envp; *e != NULL; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	for (const char *p = path; ; p += strcspn(p, ":") + 1) {
		int dlen = (int)strcspn(p, ":");
		snprintf(buf, len, "%.*s%s%s", dlen, p, dlen ? "/" : "", name);
		if (access(buf, X_OK) == 0)
			return buf;
		if (p[dlen] == '\0')
			break;
	}
	errno = ENOENT;
	return NULL;
}

static void describe_start_error(const struct start_error *e, const struct proto_run_view *run,
    const struct limits_job *lim, struct run_result *res)
{
	if (e->stage == STAGE_LIMITS) {
		res->status = RUN_START_FAILED;
		limits_describe_step(lim, e->step, e->errnum, res->error, sizeof(res->error));
		return;
	}
	const char *what = e->stage == STAGE_EXEC ? "exec" : e->stage == STAGE_CHDIR ? "chdir"
	    : e->stage == STAGE_FDS ? "close the worker's fds for" : "set up stdio for";
	const char *arg = e->stage == STAGE_CHDIR ? run->cwd : run->argv[0];
	res->status = RUN_START_FAILED;
	/* A long path is cut (on a character boundary) so the reason still shows. */
	snprintf(res->error, sizeof(res->error), "%s %.*s: %s", what,
	    (int)utf8_cut(arg, START_ERROR_ARG_MAX), arg, strerror(e->errnum));
}

static int make_pipe(int fds[2], struct run_result *res, const char *what)
{
	if (pipe2(fds, O_CLOEXEC) < 0) {
		res->status = RUN_START_FAILED;
		snprintf(res->error, sizeof(res->error), "pipe for %s: %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

void run_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Starts the job; 0 with p filled, or -1 with res describing the failure. */
int run_start(const struct run_env *env, int64_t job_id, const struct proto_run_view *run,
    const struct limits_job *lim, struct job_proc *p, struct run_result *res)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, in[2] = { -1, -1 }, rep[2] = { -1, -1 };
	/* One /dev/null for every job's stdin: opened once, close-on-exec. */
	static int null_fd = -1;
	pid_t worker_pid = getpid();
	char path_buf[4096];
	char **envp = merge_env(run->envp);
	const char *path = envp ? find_program(run->argv[0], envp, path_buf, sizeof(path_buf)) : NULL;

	p->pid = -1;
	if (envp == NULL) {
		res->status = RUN_START_FAILED;
		snprintf(res->error, sizeof(res->error), "environment for %s: out of memory", run->argv[0]);
		return -1;
	}
	if (path == NULL) {
		struct start_error se = { STAGE_EXEC, errno, 0 };
		describe_start_error(&se, run, lim, res);
		free(envp);
		return -1;
	}

	if (make_pipe(out, res, "stdout") < 0 || make_pipe(err, res, "stderr") < 0 ||
	    make_pipe(rep, res, "exec report") < 0)
		goto fail;
	if (run->fixed.stdin_len > 0) {
		if (make_pipe(in, res, "stdin") < 0)
			goto fail;
	} else if (null_fd < 0 && (null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		res->status = RUN_START_FAILED;
		snprintf(res->error, sizeof(res->error), "open /dev/null: %s", strerror(errno));
		goto fail;
	}

	res->started_us = clock_wall_us();
	p->t0_mono = clock_mono_us();
	p->pid = spawn_child(run, lim, path, envp, worker_pid,
	    run->fixed.stdin_len > 0 ? in[0] : null_fd, out[1], err[1], rep[1]);
	free(envp);
	envp = NULL;
	if (p->pid < 0) {
		res->status = RUN_START_FAILED;
		snprintf(res->error, sizeof(res->error), "vfork: %s", strerror(errno));
		goto fail;
	}

	/* The group exists once the report is read: the child's first call
	 * was setpgid, and nothing signals the group before the read (vfork
	 * waits for the exec anyway; a fork, as under valgrind, does not). */
	run_close_fd(&out[1]);
	run_close_fd(&err[1]);
	run_close_fd(&rep[1]);
	run_close_fd(&in[0]);

	struct start_error se;
	ssize_t n;
	do
		n = read(rep[0], &se, sizeof(se));
	while (n < 0 && errno == EINTR);
	run_close_fd(&rep[0]);
	p->out_fd = out[0];
	p->err_fd = err[0];
	p->in_fd = in[1];
	if (n == (ssize_t)sizeof(se)) {
		describe_start_error(&se, run, lim, res);
		return -1; /* the child exits 127; the caller reaps it */
	}
	if (p->in_fd >= 0 && fcntl(p->in_fd, F_SETFL, O_NONBLOCK) < 0)
		log_warn("fcntl O_NONBLOCK on job %lld stdin", (long long)job_id);

	struct proto_started st = { .pid = p->pid, .started_us = res->started_us };
	char perr[ERR_LEN];
	if (proto_send(env->sock, PROTO_STARTED, env->slot, job_id, &st, sizeof(st), perr) < 0)
		log_warnx("job %lld: STARTED not sent: %s", (long long)job_id, perr);
	return 0;
fail:
	run_close_fd(&out[0]);
	run_close_fd(&out[1]);
	run_close_fd(&err[0]);
	run_close_fd(&err[1]);
	run_close_fd(&in[0]);
	run_close_fd(&in[1]);
	run_close_fd(&rep[0]);
	run_close_fd(&rep[1]);
	free(envp);
	p->pid = -1;
	return -1;
}

