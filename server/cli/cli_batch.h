/*
 * cli_batch.h — `jobd batch`: one job per line of stdin, submitted as one
 * batch (POST /v1/batches), `{}` in the command replaced by the line (as
 * xargs -I{} and GNU parallel do) or, with no `{}`, the line appended as
 * the last argument. With --wait: each job's output in input order as the
 * jobs end (--tag: each line prefixed with its input line), then the
 * batch's summary.
 */
#ifndef JOBD_CLI_BATCH_H
#define JOBD_CLI_BATCH_H

#include <stdio.h>

#include "cli_args.h"
#include "cli_http.h"

/* Exit status: 0, the first failed job's status (cli_exit.h), or the
 * CLI's own with err. */
int cli_batch(struct cli_http *c, const struct cli_args *a, FILE *in, char *err);

#endif
