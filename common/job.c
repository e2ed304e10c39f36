/*
 * job.c — job states, the table of their transitions and the retry rule
 * (see job.h).
 */
#include "job.h"

#include <stdlib.h>
#include <string.h>

static const char *const state_names[JOB_STATE_COUNT] = {
	"queued", "running", "succeeded", "failed", "timed_out", "canceled",
};

const char *job_state_name(enum job_state s)
{
	return (unsigned)s < JOB_STATE_COUNT ? state_names[s] : "unknown";
}

int job_state_parse(const char *name, enum job_state *out)
{
	for (int i = 0; i < JOB_STATE_COUNT; i++) {
		if (strcmp(name, state_names[i]) == 0) {
			*out = (enum job_state)i;
			return 0;
		}
	}
	return -1;
}

bool job_state_is_final(enum job_state s)
{
	return s == JOB_SUCCEEDED || s == JOB_FAILED || s == JOB_TIMED_OUT || s == JOB_CANCELED;
}

/* Every move a job may make (job.h's diagram), declared here only. The
 * dispatcher checks each end of an attempt and each cancel against it
 * before writing (dispatch_check_move); the store's statements move only
 * rows in a move's "from" state, checked against this table by
 * test_store_jobs.c. */
#define TO(s) (1u << (s))
static const unsigned next_states[JOB_STATE_COUNT] = {
	[JOB_QUEUED] = TO(JOB_RUNNING) | TO(JOB_CANCELED),
	[JOB_RUNNING] = TO(JOB_QUEUED) | TO(JOB_SUCCEEDED) | TO(JOB_FAILED) | TO(JOB_TIMED_OUT) |
			TO(JOB_CANCELED),
};

bool job_transition_allowed(enum job_state from, enum job_state to)
{
	return (unsigned)from < JOB_STATE_COUNT && (unsigned)to < JOB_STATE_COUNT &&
	       (next_states[from] & TO(to)) != 0;
}

int job_state_list_parse(const char *list, unsigned *mask)
{
	*mask = 0;
	for (const char *p = list; *p != '\0';) {
		size_t n = strcspn(p, ",");
		int i = 0;
		while (i < JOB_STATE_COUNT && !(strlen(state_names[i]) == n &&
						    strncmp(p, state_names[i], n) == 0))
			i++;
		if (i == JOB_STATE_COUNT)
			return -1;
		*mask |= 1u << i;
		p += n + (p[n] == ',');
	}
	return *mask ? 0 : -1;
}

int job_state_list_format(unsigned mask, char *buf, size_t cap)
{
	size_t len = 0;

	if (cap > 0)
		buf[0] = '\0';
	for (int i = 0; i < JOB_STATE_COUNT; i++) {
		if (!(mask & (1u << i)))
			continue;
		size_t name = strlen(state_names[i]), need = (len > 0) + name;
		if (len + need < cap) {
			if (len > 0)
				buf[len] = ',';
			memcpy(buf + len + (len > 0), state_names[i], name + 1);
		}
		len += need;
	}
	return (int)len;
}

bool job_unique_while_valid(unsigned mask)
{
	if (!(mask & TO(JOB_QUEUED)) || (mask >> JOB_STATE_COUNT) != 0)
		return false;
	for (int from = 0; from < JOB_STATE_COUNT; from++)
		if (!(mask & TO(from)) && (next_states[from] & mask) != 0)
			return false;
	return true;
}

enum job_state job_next_state(const struct job *job, const struct run_result *r)
{
	enum job_state final;

	switch (r->status) {
	case RUN_EXITED:
		final = r->exit_code == 0 ? JOB_SUCCEEDED : JOB_FAILED;
		break;
	case RUN_TIMED_OUT:
		final = JOB_TIMED_OUT;
		break;
	case RUN_CANCELED:
		return JOB_CANCELED;
	default:
		final = JOB_FAILED;
		break;
	}
	/* A cancel that raced the job's own end still leaves it canceled only
	 * if the job was actually stopped; an exit 0 stays a success. */
	if (job->cancel_requested && final != JOB_SUCCEEDED)
		return JOB_CANCELED;
	if (final != JOB_SUCCEEDED && job->attempts < job->max_attempts)
		return JOB_QUEUED;
	return final;
}

void job_spec_free(struct job_spec *spec)
{
	free(spec->name);
	free(spec->command);
	free(spec->env);
	free(spec->cwd);
	free(spec->stdin_data);
	free(spec->after);
	free(spec->after_index);
	free(spec->queue);
	free(spec->unique_key);
	free(spec->tags);
	free(spec->notify);
	memset(spec, 0, sizeof(*spec));
}

void job_free(struct job *job)
{
	free(job->name);
	free(job->command);
	free(job->env);
	free(job->cwd);
	free(job->stdin_data);
	free(job->error);
	free(job->after);
	free(job->queue);
	free(job->unique_key);
	free(job->tags);
	free(job->slots);
	free(job->notify);
	memset(job, 0, sizeof(*job));
}
