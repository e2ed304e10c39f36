/*
 * dispatch_retention.h — the dispatcher's retention timer (--retain-finished)
 * and output bound (--max-output-disk). It runs on the dispatcher's thread,
 * between turns, in transactions of its own of at most a few hundred rows,
 * and hands the loop back after each so submissions and claims keep flowing
 * while a large backlog is purged. Output files are deleted after the
 * commit that let them go.
 *
 * Ownership: dispatch_retention_open hangs its state on d->retention;
 * dispatch_retention_close frees it, and must run before the store closes.
 */
#ifndef JOBD_DISPATCH_RETENTION_H
#define JOBD_DISPATCH_RETENTION_H

#include <stdint.h>

#include "common/job.h"

struct dispatch;
struct turn;

/* After recovery: prepares its statements and counts the output on disk. */
int dispatch_retention_open(struct dispatch *d, char *err);
void dispatch_retention_close(struct dispatch *d);

/* Monotonic µs when dispatch_retention_run has work, 0 if never. */
int64_t dispatch_retention_due(const struct dispatch *d);
/* At most one short transaction, when due (never while stopping). */
void dispatch_retention_run(struct dispatch *d);

/* Inside a turn: a job attempt ended in state next; once final, its output
 * is counted (applied by dispatch_retention_committed after the commit). */
void dispatch_retention_note_end(struct dispatch *d, struct turn *t, enum job_state next,
    const struct run_result *r);
void dispatch_retention_committed(struct dispatch *d, const struct turn *t);

#endif
