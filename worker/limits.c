/*
 * limits.c — a job's resource limits: rlimits computed before vfork and set
 * in the child, the per-job cgroup (cgroup.c) made and removed around the
 * run, and the DONE error clauses. limits.h documents each limit and each
 * message. Nothing here logs: the worker does, at start, with
 * limits_describe_setup.
 */
#include "limits.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/utf8.h"

static const char *rlimit_name(int resource)
{
	switch (resource) {
	case RLIMIT_AS:
		return "RLIMIT_AS";
	case RLIMIT_CPU:
		return "RLIMIT_CPU";
	case RLIMIT_NOFILE:
		return "RLIMIT_NOFILE";
	case RLIMIT_NPROC:
		return "RLIMIT_NPROC";
	default:
		return "rlimit";
	}
}

struct job_limits limits_from_run(const struct proto_run *run)
{
	struct job_limits l = {
		.memory_mb = run->memory_mb, .cpu_s = run->cpu_s,
		.open_files = run->open_files, .processes = run->processes,
	};
	return l;
}

/* soft and hard, never above the worker's own hard limit: raising it would
 * fail in the child with EPERM, and the job is bounded by it anyway. */
static int add_rlimit(struct limits_job *lj, int resource, rlim_t soft, rlim_t hard, char *err)
{
	struct rlimit cur;

	if (getrlimit(resource, &cur) < 0) {
		err_set(err, "getrlimit %s: %s", rlimit_name(resource), strerror(errno));
		return -1;
	}
	if (hard > cur.rlim_max)
		hard = cur.rlim_max;
	if (soft > hard)
		soft = hard;
	lj->rlimits[lj->n_rlimits].resource = resource;
	lj->rlimits[lj->n_rlimits].rl.rlim_cur = soft;
	lj->rlimits[lj->n_rlimits].rl.rlim_max = hard;
	lj->n_rlimits++;
	return 0;
}

int limits_prepare(struct limits_job *lj, const struct job_limits *want,
    const struct cgroup_set *cs, int64_t job_id, char *err)
{
	const struct job_limits *w = want;
	char e[ERR_LEN];

	memset(lj, 0, sizeof(*lj));
	lj->want = *want;
	lj->cg.procs_fd[0] = lj->cg.procs_fd[1] = -1;
	lj->cg.mem = lj->cg.pids = -1;
	if (w->memory_mb > INT64_MAX / (1 << 20)) {
		err_set(err, "memory_mb %lld is too large", (long long)w->memory_mb);
		return -1;
	}
	int64_t bytes = w->memory_mb * (1 << 20);
	lj->memory_by_cgroup = w->memory_mb > 0 && cs != NULL && cs->memory.version != CGROUP_NONE;
	lj->processes_by_cgroup = w->processes > 0 && cs != NULL && cs->pids.version != CGROUP_NONE;

	if ((w->memory_mb > 0 && !lj->memory_by_cgroup &&
		add_rlimit(lj, RLIMIT_AS, (rlim_t)bytes, (rlim_t)bytes, err) < 0) ||
	    /* soft then hard a second later: SIGXCPU first, SIGKILL if ignored */
	    (w->cpu_s > 0 &&
		add_rlimit(lj, RLIMIT_CPU, (rlim_t)w->cpu_s, (rlim_t)w->cpu_s + 1, err) < 0) ||
	    (w->open_files > 0 &&
		add_rlimit(lj, RLIMIT_NOFILE, (rlim_t)w->open_files, (rlim_t)w->open_files, err) < 0) ||
	    (w->processes > 0 && !lj->processes_by_cgroup &&
		add_rlimit(lj, RLIMIT_NPROC, (rlim_t)w->processes, (rlim_t)w->processes, err) < 0))
		return -1;
	/* Every job gets a group when there is a usable controller: it is
	 * what contains the job, limits or not. Without a limit in it, a
	 * group that cannot be made is no reason to fail the job: the worker,
	 * its subreaper, still contains it (lj->warning says why). */
	if (cs == NULL || (cs->memory.version == CGROUP_NONE && cs->pids.version == CGROUP_NONE))
		return 0;
	if (cgroup_job_create(cs, job_id, lj->memory_by_cgroup ? bytes : 0,
		lj->processes_by_cgroup ? w->processes : 0, &lj->cg, e) < 0) {
		if (!lj->memory_by_cgroup && !lj->processes_by_cgroup) {
			err_set(lj->warning, "no cgroup for job %lld (the worker contains it): %s",
			    (long long)job_id, e);
			return 0;
		}
		err_set(err, "cgroup for job %lld: %s", (long long)job_id, e);
		return -1;
	}
	return 0;
}

int limits_child_apply(const struct limits_job *lj, int *step)
{
	int failed = 0;

	/* The cgroup first: nothing the job does is outside it. */
	if (cgroup_job_enter(&lj->cg, &failed) < 0) {
		*step = failed;
		return -1;
	}
	for (int i = 0; i < lj->n_rlimits; i++) {
		if (setrlimit(lj->rlimits[i].resource, &lj->rlimits[i].rl) < 0) {
			*step = lj->cg.n + i;
			return -1;
		}
	}
	return 0;
}

void limits_describe_step(const struct limits_job *lj, int step, int errnum, char *buf,
    size_t len)
{
	if (step >= 0 && step < lj->cg.n)
		snprintf(buf, len, "join cgroup %s: %s", lj->cg.dir[step], strerror(errnum));
	else if (step >= lj->cg.n && step < lj->cg.n + lj->n_rlimits)
		snprintf(buf, len, "setrlimit %s: %s",
		    rlimit_name(lj->rlimits[step - lj->cg.n].resource), strerror(errnum));
	else
		snprintf(buf, len, "apply limits: %s", strerror(errnum));
}

__attribute__((format(printf, 3, 4)))
static void add_clause(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 2 >= len)
		return;
	memcpy(buf + used, "; ", 3);
	used += 2;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
	buf[utf8_cut(buf, len - 1)] = '\0';
}

void limits_explain(const struct job_limits *want, const struct limits_seen *seen,
    struct run_result *res)
{
	const struct cgroup_counts *c = &seen->counts;
	char clauses[sizeof(res->error)] = "";
	bool sigkill = res->status == RUN_SIGNALED && res->term_signal == SIGKILL;
	bool oom = false;

	/* Timed out, canceled, not started, or a success: not a limit's doing. */
	if (!(res->status == RUN_SIGNALED || (res->status == RUN_EXITED && res->exit_code != 0)))
		return;
	if (want->memory_mb > 0 && seen->memory_by_cgroup &&
	    (c->oom_kills > 0 || (c->oom_kills < 0 && c->memory_hits > 0 && sigkill))) {
		add_clause(clauses, sizeof(clauses), "memory limit %lld MB exceeded",
		    (long long)want->memory_mb);
		oom = true;
	}
	if (want->processes > 0 && seen->processes_by_cgroup && c->fork_refusals > 0)
		add_clause(clauses, sizeof(clauses), "processes limit %lld reached (fork refused)",
		    (long long)want->processes);
	int64_t cpu_s_used = (res->cpu_user_us + res->cpu_sys_us) / 1000000;
	if (want->cpu_s > 0 &&
	    ((res->status == RUN_SIGNALED && res->term_signal == SIGXCPU) ||
		(sigkill && !oom && cpu_s_used >= want->cpu_s) ||
		(res->status == RUN_EXITED && res->exit_code == 128 + SIGXCPU)))
		add_clause(clauses, sizeof(clauses), "cpu limit %lld s exceeded", (long long)want->cpu_s);
	if (clauses[0] == '\0' && want->memory_mb > 0 && !seen->memory_by_cgroup)
		add_clause(clauses, sizeof(clauses),
		    "memory limit %lld MB may have been exceeded (address-space rlimit, not confirmed)",
		    (long long)want->memory_mb);
	if (clauses[0] == '\0')
		return;

	char base[sizeof(res->error)];
	if (res->error[0] != '\0')
		snprintf(base, sizeof(base), "%s", res->error);
	else if (res->status == RUN_EXITED)
		snprintf(base, sizeof(base), "exit code %d", res->exit_code);
	else
		snprintf(base, sizeof(base), "killed by signal %d (%s)", res->term_signal,
		    strsignal(res->term_signal));
	/* Half for how it ended, the rest for the clauses; cut, never overrun. */
	size_t keep = strnlen(base, sizeof(res->error) / 2);
	memcpy(res->error, base, keep);
	snprintf(res->error + keep, sizeof(res->error) - keep, "%s", clauses);
}

void limits_kill(const struct limits_job *lj)
{
	if (lj->cg.n > 0)
		cgroup_job_kill(&lj->cg);
}

int limits_finish(struct limits_job *lj, struct run_result *res, char *err)
{
	struct limits_seen seen = {
		.memory_by_cgroup = lj->memory_by_cgroup, .processes_by_cgroup = lj->processes_by_cgroup,
		.counts = { -1, -1, -1 },
	};

	if (lj->cg.n > 0)
		cgroup_job_counts(&lj->cg, &seen.counts);
	if (res != NULL)
		limits_explain(&lj->want, &seen, res);
	return lj->cg.n > 0 ? cgroup_job_remove(&lj->cg, err) : 0;
}

void limits_describe_setup(const struct cgroup_set *cs, bool root, char *buf, size_t len)
{
	const struct cgroup_ctl *m = &cs->memory, *p = &cs->pids;
	char mem[CGROUP_PATH_MAX + 128], pids[CGROUP_PATH_MAX + 128];

	if (m->version != CGROUP_NONE)
		snprintf(mem, sizeof(mem), "memory_mb by cgroup v%d %s", m->version == CGROUP_V2 ? 2 : 1,
		    m->dir);
	else
		snprintf(mem, sizeof(mem), "memory_mb by RLIMIT_AS only (no memory cgroup: %s)", m->why);
	if (p->version != CGROUP_NONE)
		snprintf(pids, sizeof(pids), "processes by cgroup v%d %s", p->version == CGROUP_V2 ? 2 : 1,
		    p->dir);
	else if (root)
		snprintf(pids, sizeof(pids), "processes NOT enforced: RLIMIT_NPROC does not bind root "
		    "(no pids cgroup: %s)", p->why);
	else
		snprintf(pids, sizeof(pids), "processes by RLIMIT_NPROC only, counted per user "
		    "(no pids cgroup: %s)", p->why);
	snprintf(buf, len, "limits: %s; %s; cpu_s and open_files by rlimits", mem, pids);
}
