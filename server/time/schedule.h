/*
 * schedule.h — what a cron schedule is, and its rules: when it fires next,
 * and whether a due firing makes a job (catch_up after downtime, overlap
 * with a job of the last firing still unfinished). Pure data and rules;
 * no I/O but reading the zone file.
 */
#ifndef JOBD_SCHEDULE_H
#define JOBD_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

#define SCHEDULE_CHOICE_LEN 8

struct schedule {
	int64_t id;
	char *name;              /* NULL: none */
	char *cron;
	char *timezone;
	char overlap[SCHEDULE_CHOICE_LEN];  /* "skip" or "allow" */
	char catch_up[SCHEDULE_CHOICE_LEN]; /* "none" or "once" */
	char *job;               /* the job spec, canonical JSON */
	bool paused;
	int64_t next_run_us;     /* 0: none (paused) */
	int64_t last_run_us;     /* 0: never fired */
	int64_t last_job_id;     /* 0: none */
	int64_t runs, skipped;
	char *last_error;        /* NULL: none */
	int64_t created_us, updated_us;
};

void schedule_free(struct schedule *s);

/* The first firing strictly after after_us (wall µs): 0 with *next_us, or
 * -1 with err (bad cron or zone, or no firing within the years cron_next
 * looks ahead). */
int schedule_next_run(const struct schedule *s, int64_t after_us, int64_t *next_us, char *err);

enum schedule_verdict {
	SCHEDULE_FIRE,
	SCHEDULE_SKIP_MISSED,   /* due while jobd was down, catch_up "none" */
	SCHEDULE_SKIP_OVERLAP,  /* overlap "skip" and the last job is unfinished */
};

/* What a due firing does. missed: it fell due before this server started;
 * last_unfinished: the job of its last firing is queued or running. */
enum schedule_verdict schedule_decide(const struct schedule *s, bool missed,
    bool last_unfinished);

#endif
