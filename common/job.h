/*
 * job.h — what a job is: its states and allowed transitions, the spec a
 * client submits, and the stored row. Pure data and rules; no I/O.
 *
 *   queued → running → succeeded | failed | timed_out | canceled
 *   queued → canceled;  running → queued (a failed attempt with attempts left,
 *   or a start interrupted by a server stop)
 */
#ifndef JOBD_JOB_H
#define JOBD_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum job_state {
	JOB_QUEUED,
	JOB_RUNNING,
	JOB_SUCCEEDED,
	JOB_FAILED,
	JOB_TIMED_OUT,
	JOB_CANCELED,
	JOB_STATE_COUNT
};

/* How one attempt ended, as the worker reports it. */
enum run_status {
	RUN_EXITED,       /* exit_code valid */
	RUN_SIGNALED,     /* term_signal valid */
	RUN_START_FAILED, /* chdir/exec/pipe failed; error says which */
	RUN_TIMED_OUT,
	RUN_CANCELED,
	RUN_STATUS_COUNT
};

#define JOB_QUEUE_NAME_MAX 64   /* bytes of a queue name */
#define JOB_UNIQUE_KEY_MAX 200  /* bytes of a unique_key */
/* Bytes of jobs.slots ("[0,1,…]") at most: 1024 slots (CONFIG_MAX_WORKERS)
 * of up to 4 digits and a comma, the brackets and the NUL. */
#define JOB_SLOTS_TEXT_MAX 5123
/* unique_while when a spec gives a unique_key without it. */
#define JOB_UNIQUE_WHILE_DEFAULT ((1u << JOB_QUEUED) | (1u << JOB_RUNNING))

/* Per-job resource limits (spec field `limits`); 0 means no limit.
 * memory_mb and processes are enforced by a per-job cgroup (covering
 * grandchildren too) where the worker can make one, else by setrlimit in
 * the job's process before exec; cpu_s and open_files always by setrlimit.
 * See worker/limits.h. */
struct job_limits {
	int64_t memory_mb;   /* address space (rlimit) / memory.max (cgroup) */
	int64_t cpu_s;       /* CPU seconds, user + system */
	int64_t open_files;  /* RLIMIT_NOFILE */
	int64_t processes;   /* pids.max (cgroup) / RLIMIT_NPROC */
};

/* A validated submission. Strings are owned (freed by job_spec_free). */
struct job_spec {
	char *name;         /* NULL: none */
	char *command;      /* canonical JSON: an array of strings, or a string */
	char *env;          /* canonical JSON object of strings */
	char *cwd;          /* NULL: the server's job dir */
	char *stdin_data;   /* NULL: empty */
	size_t stdin_len;
	double timeout_s;
	int priority;
	int max_attempts;
	int64_t run_at_us;      /* 0: as soon as possible */
	double retry_backoff_s; /* 0: retry at once */
	int64_t rerun_of;       /* 0: an original */
	int64_t *after;         /* job ids that must succeed first (malloc'd; NULL: none) */
	int n_after;
	int *after_index;       /* in a batch: indices of other specs that must succeed first */
	int n_after_index;
	char *queue;            /* NULL: "default" */
	struct job_limits limits;
	int64_t schedule_id;    /* 0: not created by a schedule */
	char *unique_key;       /* NULL: not unique */
	unsigned unique_while;  /* states (1 << s) in which the job holds unique_key */
	char *tags;             /* canonical JSON object of strings; NULL: none */
	char *notify;           /* canonical JSON {"url", "events"} (spec_notify.c); NULL: none */
	bool notify_batch;      /* its batch has a notify: its end may complete the batch */
	int cpus;               /* worker slots it holds while it runs (1 … pool size) */
};

/* A stored job. Integer fields use -1 (timestamps 0) for JSON null. */
struct job {
	int64_t id;
	char *name;
	int64_t batch_id;   /* 0: none */
	char *command;
	char *env;
	char *cwd;
	char *stdin_data;
	size_t stdin_len;
	enum job_state state;
	int priority;
	double timeout_s;
	int max_attempts;
	int attempts;
	int worker;
	int pid;
	int exit_code;
	int term_signal;
	char *error;
	int64_t created_us, queued_us, started_us, finished_us;
	int64_t run_us, cpu_user_us, cpu_sys_us, max_rss_kb;
	int64_t stdout_bytes, stderr_bytes;
	bool cancel_requested;
	int64_t run_at_us;      /* 0: none requested */
	int64_t wait_until_us;  /* 0: runnable (when queued) */
	double retry_backoff_s; /* 0: none */
	int64_t rerun_of;       /* 0: none */
	int64_t *after;         /* its dependencies, as submitted (malloc'd; NULL: none) */
	int n_after;
	int blocked;            /* dependencies not finished yet */
	char *queue;            /* never NULL once read from the store */
	struct job_limits limits;
	int64_t schedule_id;    /* 0: none */
	bool output_purged;     /* --max-output-disk deleted its output files */
	int64_t node_id;        /* cluster node of the last attempt; 0: none (SQLite) */
	char *unique_key;       /* NULL: not unique */
	unsigned unique_while;  /* states (1 << s) in which it holds unique_key; 0 without */
	char *tags;             /* JSON object of strings; NULL: none */
	char *notify;           /* as struct job_spec's; NULL: none */
	bool notify_batch;      /* as struct job_spec's */
	int cpus;               /* as struct job_spec's; 1 when the row has NULL */
	char *slots;            /* "[0,1]": the slots its last attempt held when cpus > 1; NULL */
};

/* What the worker measured for one attempt. */
struct run_result {
	enum run_status status;
	int pid;            /* the job's process (group), 0 if unknown */
	int exit_code;
	int term_signal;
	int64_t started_us, finished_us, run_us;
	int64_t cpu_user_us, cpu_sys_us, max_rss_kb;
	int64_t stdout_bytes, stderr_bytes;
	char error[256];
};

const char *job_state_name(enum job_state s);
int job_state_parse(const char *name, enum job_state *out); /* 0 or -1 */
bool job_state_is_final(enum job_state s);
bool job_transition_allowed(enum job_state from, enum job_state to);
/* "queued,running" ↔ (1 << JOB_QUEUED) | (1 << JOB_RUNNING), in state order.
 * parse: 0, or -1 for an unknown name or an empty list. format: the length
 * it wanted (as snprintf). */
#define JOB_STATE_LIST_MAX 64   /* bytes of the longest list, every state, and its NUL */
int job_state_list_parse(const char *list, unsigned *mask);
int job_state_list_format(unsigned mask, char *buf, size_t cap);
/* Whether a job may hold its unique_key in exactly the states of mask: the
 * set must hold queued (a job is inserted queued) and no move of the
 * transition table may enter it from outside, since that move could not be
 * refused (running → queued puts running in with queued). */
bool job_unique_while_valid(unsigned mask);

/* The state an attempt's result leads to, retries included. */
enum job_state job_next_state(const struct job *job, const struct run_result *r);

void job_spec_free(struct job_spec *spec);
void job_free(struct job *job);   /* frees the strings, not the struct */

#endif
