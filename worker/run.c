/*
 * run.c — watches one job from start (start.c) to the end of its process
 * group (see run.h): output into capture files, stdin fed, timeout and
 * cancel as SIGTERM then SIGKILL to the group, reaping, and the result.
 * The job ends with its main process: what it leaves running — in its
 * group, its cgroup, or escaped from both (setsid, a double fork) — is
 * SIGKILLed and reaped then (kill_leftovers), before its output is drained.
 */
#include "run_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "limits.h"
#include "common/capture.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/orphans.h"

/* SIGTERM (or SIGKILL) to the whole group, never just the leader. */
static void signal_group(struct job_proc *p, int sig)
{
	if (kill(-p->pid, sig) < 0 && errno != ESRCH)
		log_warn("kill -%d process group %d", sig, p->pid);
}

/* Once the leader is reaped: its cgroup's members, then every child we
 * inherited as subreaper, and theirs, until none is left. With no child
 * left at all nothing of the job lives, in its cgroup or out of it
 * (orphans.h): one waitid then, and no file read. */
static bool kill_leftovers(struct job_proc *p)
{
	char err[ERR_LEN];

	if (!orphans_any())
		return false;
	if (p->lim != NULL)
		limits_kill(p->lim);
	int n = orphans_kill(NULL, 0, err);
	if (n < 0)
		log_warnx("job %lld: processes left behind: %s", (long long)p->job_id, err);
	else if (n > 0)
		log_info("job %lld: killed %d process%s it left behind", (long long)p->job_id, n,
		    n == 1 ? "" : "es");
	return true;
}

static void stop_job(struct job_proc *p, enum run_status why, int64_t grace_ms)
{
	if (p->stop_reason != RUN_EXITED || p->leader_done)
		return;
	p->stop_reason = why;
	p->deadline_mono = 0;
	signal_group(p, SIGTERM);
	p->kill_at_mono = clock_mono_us() + grace_ms * 1000;
}

/* Reaps the leader once it exits — first peeking with WNOWAIT, so the group
 * is killed while its id cannot be reused — and orphans handed to us as
 * subreaper. Never a blind waitpid(-1): that could take the leader's status.
 * Called when SIGCHLD said a child changed state (run.h). */
static void reap(struct job_proc *p)
{
	for (;;) {
		siginfo_t si = { 0 };
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
			return;
		if (!p->leader_done && si.si_pid == p->pid) {
			signal_group(p, SIGKILL);
			while (wait4(p->pid, &p->wstatus, 0, &p->ru) < 0 && errno == EINTR)
				;
			p->leader_done = 1;
			p->kill_at_mono = 0;
			p->drain_until_mono = clock_mono_us() + RUN_DRAIN_MS * 1000;
			if (!kill_leftovers(p))
				return; /* no child left to reap */
		} else {
			while (waitpid(si.si_pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
}

static void pump_output(struct job_proc *p, int *fd, struct capture *c, int64_t job_id)
{
	char buf[RUN_READ_CHUNK];
	char err[ERR_LEN];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n > 0) {
		if (capture_write(c, buf, (size_t)n, err) < 0)
			log_warnx("job %lld: %s (output is counted, not kept)", (long long)job_id, err);
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		run_close_fd(fd);
	}
	(void)p;
}

static void pump_stdin(struct job_proc *p)
{
	ssize_t n = write(p->in_fd, p->stdin_data + p->stdin_off, p->stdin_len - p->stdin_off);

	if (n > 0)
		p->stdin_off += (size_t)n;
	if ((n < 0 && errno != EINTR && errno != EAGAIN) || p->stdin_off == p->stdin_len)
		run_close_fd(&p->in_fd); /* EPIPE: the job closed its stdin; fine */
}

/* 0 to go on, -1 when the worker must exit (server gone or bad message). */
static int read_server(const struct run_env *env, struct job_proc *p, int64_t job_id)
{
	struct proto_header hdr;
	void *payload;
	char err[ERR_LEN] = "";
	int r = proto_recv(env->sock, &hdr, &payload, err);

	if (r <= 0) {
		if (r < 0)
			log_warnx("server connection: %s", err);
		return -1;
	}
	free(payload);
	if (hdr.type != PROTO_CANCEL) {
		log_warnx("server sent message type %u while job %lld runs", hdr.type, (long long)job_id);
		return -1;
	}
	if (hdr.job_id == job_id)
		stop_job(p, RUN_CANCELED, env->kill_grace_ms);
	return 0;
}

static int poll_timeout_ms(const struct job_proc *p, int64_t now)
{
	int64_t next = INT64_MAX;

	if (!p->leader_done && p->deadline_mono > 0)
		next = p->deadline_mono;
	if (!p->leader_done && p->kill_at_mono > 0 && p->kill_at_mono < next)
		next = p->kill_at_mono;
	if (p->leader_done && p->drain_until_mono < next)
		next = p->drain_until_mono;
	if (next == INT64_MAX)
		return -1;
	return clock_poll_timeout_ms(next - now);
}

static void check_clocks(const struct run_env *env, struct job_proc *p)
{
	int64_t now = clock_mono_us();

	if (p->leader_done) {
		if (now >= p->drain_until_mono) {
			run_close_fd(&p->out_fd); /* something escaped the group holds them */
			run_close_fd(&p->err_fd);
		}
		return;
	}
	if (p->deadline_mono > 0 && now >= p->deadline_mono)
		stop_job(p, RUN_TIMED_OUT, env->kill_grace_ms);
	if (p->kill_at_mono > 0 && now >= p->kill_at_mono) {
		signal_group(p, SIGKILL);
		p->kill_at_mono = 0;
	}
}

/* Kills the group and reaps the leader, then whatever else is left. */
static void kill_and_reap(struct job_proc *p)
{
	signal_group(p, SIGKILL);
	if (!p->leader_done)
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
	p->leader_done = 1;
	kill_leftovers(p);
}

/* The job runs; returns when the leader is reaped and output is drained. */
static enum run_outcome watch(const struct run_env *env, int64_t job_id, struct job_proc *p)
{
	while (!p->leader_done || p->out_fd >= 0 || p->err_fd >= 0) {
		struct pollfd fds[5] = {
			{ env->wake_fd, POLLIN, 0 }, { env->sock, POLLIN, 0 },
			{ p->out_fd, POLLIN, 0 }, { p->err_fd, POLLIN, 0 },
			{ p->in_fd, POLLOUT, 0 },
		};
		int r = poll(fds, 5, poll_timeout_ms(p, clock_mono_us()));
		if (r < 0 && errno != EINTR) {
			log_warn("poll");
			kill_and_reap(p);
			return RUN_OUTCOME_EXIT;
		}
		if (*env->terminate) {
			kill_and_reap(p);
			return RUN_OUTCOME_EXIT;
		}
		/* A signal: SIGCHLD wrote the self-pipe, and interrupted the poll
		 * if it came during it (revents then stay 0). */
		bool signaled = r < 0 || fds[0].revents;
		if (signaled)
			run_drain_wake(env->wake_fd);
		if (fds[1].revents && !p->leader_done && read_server(env, p, job_id) < 0) {
			kill_and_reap(p);
			return RUN_OUTCOME_EXIT;
		}
		if (fds[2].revents)
			pump_output(p, &p->out_fd, &p->out, job_id);
		if (fds[3].revents)
			pump_output(p, &p->err_fd, &p->err, job_id);
		if (fds[4].revents)
			pump_stdin(p);
		if (signaled)
			reap(p);
		check_clocks(env, p);
	}
	return RUN_OUTCOME_DONE;
}

void run_drain_wake(int wake_fd)
{
	char drain[64];

	/* A short read found the pipe empty: no second read for EAGAIN. */
	while (read(wake_fd, drain, sizeof(drain)) == (ssize_t)sizeof(drain))
		;
}

static int64_t tv_us(struct timeval tv) { return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec; }

static void fill_result(struct job_proc *p, struct run_result *res)
{
	res->finished_us = clock_wall_us();
	res->run_us = clock_mono_us() - p->t0_mono;
	res->cpu_user_us = tv_us(p->ru.ru_utime);
	res->cpu_sys_us = tv_us(p->ru.ru_stime);
	res->max_rss_kb = p->ru.ru_maxrss;
	if (p->stop_reason != RUN_EXITED) {
		res->status = p->stop_reason;
		res->term_signal = WIFSIGNALED(p->wstatus) ? WTERMSIG(p->wstatus) : -1;
		res->exit_code = WIFEXITED(p->wstatus) ? WEXITSTATUS(p->wstatus) : -1;
	} else if (WIFEXITED(p->wstatus)) {
		res->status = RUN_EXITED;
		res->exit_code = WEXITSTATUS(p->wstatus);
	} else {
		res->status = RUN_SIGNALED;
		res->term_signal = WTERMSIG(p->wstatus);
		snprintf(res->error, sizeof(res->error), "killed by signal %d (%s)",
		    res->term_signal, strsignal(res->term_signal));
	}
	if (p->stop_reason == RUN_TIMED_OUT)
		snprintf(res->error, sizeof(res->error), "timed out; process group killed");
	else if (p->stop_reason == RUN_CANCELED)
		snprintf(res->error, sizeof(res->error), "canceled while running; process group killed");
	if (p->out.write_errno || p->err.write_errno)
		snprintf(res->error, sizeof(res->error), "output not kept: %s",
		    strerror(p->out.write_errno ? p->out.write_errno : p->err.write_errno));
}

static void start_failed(struct run_result *res)
{
	res->status = RUN_START_FAILED;
	res->finished_us = clock_wall_us();
	res->run_us = 0;
	if (res->started_us == 0)
		res->started_us = res->finished_us;
}

enum run_outcome run_job(const struct run_env *env, int64_t job_id,
    const struct proto_run_view *run, struct run_result *res)
{
	struct job_proc p = { .job_id = job_id, .pid = -1, .out_fd = -1, .err_fd = -1, .in_fd = -1 };
	int fresh = run->fixed.attempt > 1;
	enum run_outcome outcome = RUN_OUTCOME_DONE;
	struct job_limits want = limits_from_run(&run->fixed);
	struct limits_job lim;
	char err[ERR_LEN];

	memset(res, 0, sizeof(*res));
	res->exit_code = -1;
	res->term_signal = -1;
	p.stdin_data = run->stdin_data;
	p.stdin_len = run->fixed.stdin_len;
	capture_init(&p.out, env->output_dir, job_id, CAPTURE_STDOUT, env->output_limit, fresh);
	capture_init(&p.err, env->output_dir, job_id, CAPTURE_STDERR, env->output_limit, fresh);

	if (limits_prepare(&lim, &want, env->cgroups, job_id, err) < 0) {
		snprintf(res->error, sizeof(res->error), "%s", err);
		start_failed(res);
		goto out;
	}
	if (lim.warning[0] != '\0')
		log_warnx("%s", lim.warning);
	p.lim = &lim;
	if (run_start(env, job_id, run, &lim, &p, res) < 0) {
		if (p.pid > 0)
			kill_and_reap(&p);
		start_failed(res);
		goto out;
	}
	p.deadline_mono = p.t0_mono + run->fixed.timeout_ms * 1000;
	outcome = watch(env, job_id, &p);
	if (outcome == RUN_OUTCOME_DONE)
		fill_result(&p, res);
out:
	/* Nothing of the job is left (kill_leftovers); its cgroup goes. */
	if (limits_finish(&lim, outcome == RUN_OUTCOME_DONE ? res : NULL, err) < 0)
		log_warnx("job %lld: %s", (long long)job_id, err);
	run_close_fd(&p.out_fd);
	run_close_fd(&p.err_fd);
	run_close_fd(&p.in_fd);
	capture_close(&p.out);
	capture_close(&p.err);
	res->stdout_bytes = p.out.total;
	res->stderr_bytes = p.err.total;
	return outcome;
}
