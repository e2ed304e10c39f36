/*
 * cli_bulk.h — the bulk forms of `cancel` and `rerun`: no ids, a filter
 * (--state, --batch, --queue, --tag, --name-prefix; rerun's --failed)
 * sent to POST /v1/jobs/cancel or /v1/jobs/rerun, and the counts printed.
 * A cancel without --yes is a dry run: it says how many jobs it would
 * cancel and changes nothing.
 */
#ifndef JOBD_CLI_BULK_H
#define JOBD_CLI_BULK_H

#include <stdbool.h>

#include "cli_args.h"
#include "cli_http.h"

/* Whether a names a filter (then the command acts in bulk). */
bool cli_bulk_filtered(const struct cli_args *a);
/* action "cancel" or "rerun"; returns the exit status (cli_exit.h). */
int cli_bulk(struct cli_http *c, struct cli_args *a, const char *action, char *err);

#endif
