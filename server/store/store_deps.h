/*
 * store_deps.h — job dependencies in the store (migration 003): recording
 * what a new job waits for, and what follows when a job reaches a final
 * state — its dependents are unblocked (it succeeded) or canceled (it did
 * not), transitively. Called by the dispatcher inside its transaction
 * (dispatch_job_ended), which applies *fx to its counts and events.
 * Functions return 0, or -1 with err set.
 */
#ifndef JOBD_STORE_DEPS_H
#define JOBD_STORE_DEPS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "common/job.h"

struct dep_cancel {
	int64_t id;              /* the queued job canceled */
	int64_t dep;             /* the dependency that did not succeed */
	enum job_state dep_state;
};

/* What one call changed, appended to across calls; free with
 * store_deps_effects_free. On out of memory the call fails (-1). */
struct dep_effects {
	int64_t *updated;        /* queued jobs whose blocked count dropped */
	size_t n_updated, cap_updated;
	struct dep_cancel *canceled;
	size_t n_canceled, cap_canceled;
	int ready;               /* how many of updated have no dependency left */
};

void store_deps_effects_free(struct dep_effects *fx);

/* Job id (queued, just inserted) waits for deps[0..n) (duplicates ignored).
 * Dependencies already succeeded do not block it; one already ended
 * otherwise cancels it at once (into fx, cascading). Returns 1 with *bad the
 * index of a dependency that names no other job (nothing written), 0, -1. */
int store_deps_add(struct store *st, int64_t id, const int64_t *deps, int n, int64_t now_us,
    struct dep_effects *fx, int *bad, char *err);

/* The dependencies of the n jobs a command just inserted, ids[i] for
 * specs[i]: as store_deps_add for each in order, with deps its after ids
 * then the ids of its after_index (indices into specs, checked by the
 * caller). The rows go STORE_INSERT_ROWS to a statement where the driver
 * can, and the states of the command's own jobs are not read. 1 with
 * *bad_spec and *bad (an index into its after) when an id names no job. */
int store_deps_add_specs(struct store *st, const struct job_spec *specs, const int64_t *ids,
    size_t n, int64_t now_us, struct dep_effects *fx, size_t *bad_spec, int *bad, char *err);
/* Job id reached the final state: if it succeeded its dependents' blocked
 * counts drop by one; otherwise its queued dependents are canceled with
 * error "dependency <id> ended <state>", and so on down the graph. */
int store_deps_ended(struct store *st, int64_t id, enum job_state state, int64_t now_us,
    struct dep_effects *fx, char *err);

#endif
