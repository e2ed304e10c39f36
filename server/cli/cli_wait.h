/*
 * cli_wait.h — waiting for jobs and following their output, by polling the
 * API with a short backoff (a poll finds nothing new → the next one comes
 * later, up to half a second; something new → at once again).
 *
 * Following streams GET /v1/jobs/{id}/stdout?follow=true (and stderr, both
 * at once) until the server ends them (the job is final); then, and in place
 * of streams a server declines, it polls GET …?offset=N from the count
 * already written until the job is final, and drains what is left.
 */
#ifndef JOBD_CLI_WAIT_H
#define JOBD_CLI_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "cli_http.h"

/* The job's state is final (succeeded, failed, timed_out, canceled). */
bool cli_job_final(const cJSON *job);

/* Polls job id until it is final: 0 with *job (the caller frees it), or
 * an exit status with err. */
int cli_wait_job(struct cli_http *c, int64_t id, cJSON **job, char *err);

#define CLI_STDOUT 1u
#define CLI_STDERR 2u

/* Writes job id's streams (CLI_STDOUT → fd 1, CLI_STDERR → fd 2) as they
 * are written, until the job is final and every byte was written; then
 * *job is the final job. 0, or an exit status with err. */
int cli_follow_job(struct cli_http *c, int64_t id, unsigned streams, cJSON **job, char *err);

/* The whole stream ("stdout" or "stderr") of job id to fd, each line
 * prefixed with tag and a tab when tag is not NULL. 0, or an exit status
 * with err. */
int cli_copy_output(struct cli_http *c, int64_t id, const char *stream, int fd, const char *tag,
    char *err);

/* Sleeps *ms, then doubles it up to the most a poll waits. */
void cli_backoff(int *ms);
#define CLI_POLL_FIRST_MS 20

#endif
