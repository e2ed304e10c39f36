/*
 * store_schedules.h — cron schedules: their rows, the due ones in order of
 * next firing, and what each firing did. Writers run in the dispatcher's
 * transactions; get and list on any connection.
 */
#ifndef JOBD_STORE_SCHEDULES_H
#define JOBD_STORE_SCHEDULES_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "time/schedule.h"


/* Inserts s (id ignored; *id gets the new one). */
int store_schedule_insert(struct store *st, const struct schedule *s, int64_t *id, char *err);
/* 1 found, 0 none, -1 error. */
int store_schedule_get(struct store *st, int64_t id, struct schedule *s, char *err);
/* By id; *out malloc'd (free each with schedule_free, then the array). */
int store_schedule_list(struct store *st, struct schedule **out, int *n, char *err);
/* 1 deleted, 0 none. Its jobs keep their schedule_id. */
int store_schedule_delete(struct store *st, int64_t id, char *err);
/* Pause (next_run_us 0) or resume (next_run_us the next firing). 1, 0 none. */
int store_schedule_set_paused(struct store *st, int64_t id, bool paused, int64_t next_run_us,
    int64_t now_us, char *err);
/* The earliest due schedule (next_run_at <= now): 1 with *s, 0 none. */
int store_schedule_next_due(struct store *st, int64_t now_us, struct schedule *s, char *err);
/* After a firing: next_run_us, and either the job it made (job_id > 0:
 * runs + 1, last_*) or why it made none (skipped + 1, error). */
int store_schedule_fired(struct store *st, int64_t id, int64_t next_run_us, int64_t fired_us,
    int64_t job_id, const char *error, char *err);
/* The earliest next_run_at of an active schedule (wall µs), 0 if none. */
int store_schedule_next_wake(struct store *st, int64_t *wall_us, char *err);

#endif
