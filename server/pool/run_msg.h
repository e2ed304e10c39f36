/*
 * run_msg.h — builds the RUN payload (common/proto.h) for a stored job: argv
 * from the command (a string runs as /bin/sh -c), "K=V" strings from env,
 * the working directory, stdin and the timeout.
 */
#ifndef JOBD_RUN_MSG_H
#define JOBD_RUN_MSG_H

#include <stddef.h>

#include "common/err.h"
#include "common/job.h"

/* malloc'd payload and its length, or NULL with err. */
void *run_msg_build(const struct job *job, const char *default_cwd, size_t *len, char *err);

/* The largest RUN payload a worker takes (common/proto.h). A job whose
 * payload would be larger can never run: it is refused at submit. */
size_t run_msg_max(void);
/* An upper bound of the payload run_msg_build would make of job, exact
 * when over run_msg_max(): JOBD_JOB_ID, JOBD_ATTEMPT and JOBD_CPUS count at
 * their longest, since a spec has none yet. Cheap unless the job is huge. */
size_t run_msg_size(const struct job *job, const char *default_cwd);

#endif
