/*
 * run_msg.h — builds the RUN payload (worker/proto.h) for a stored job: argv
 * from the command (a string runs as /bin/sh -c), "K=V" strings from env,
 * the working directory, stdin and the timeout.
 */
#ifndef JOBD_RUN_MSG_H
#define JOBD_RUN_MSG_H

#include <stddef.h>

#include "err.h"
#include "job.h"

/* malloc'd payload and its length, or NULL with err. */
void *run_msg_build(const struct job *job, const char *default_cwd, size_t *len, char *err);

#endif
