/*
 * cli_cmds.h — the commands of the command line, one function each, all
 * with the same shape: the client, the parsed arguments, an error buffer;
 * they return the exit status (cli_exit.h). `batch` is in cli_batch.h.
 */
#ifndef JOBD_CLI_CMDS_H
#define JOBD_CLI_CMDS_H

#include "cli_args.h"
#include "cli_http.h"

int cli_cmd_run(struct cli_http *c, struct cli_args *a, char *err);
int cli_cmd_batch(struct cli_http *c, struct cli_args *a, char *err);
int cli_cmd_ls(struct cli_http *c, struct cli_args *a, char *err);
int cli_cmd_show(struct cli_http *c, struct cli_args *a, char *err);
int cli_cmd_logs(struct cli_http *c, struct cli_args *a, char *err);
int cli_cmd_wait(struct cli_http *c, struct cli_args *a, char *err);
int cli_cmd_cancel(struct cli_http *c, struct cli_args *a, char *err);
int cli_cmd_rerun(struct cli_http *c, struct cli_args *a, char *err);
int cli_cmd_stats(struct cli_http *c, struct cli_args *a, char *err);
int cli_cmd_drain(struct cli_http *c, struct cli_args *a, char *err);
int cli_cmd_resume(struct cli_http *c, struct cli_args *a, char *err);

#endif
