/*
 * cli.h — jobd's command line: `jobd run|batch|ls|show|logs|wait|cancel|
 * rerun|stats|help …` talks to a running jobd over its HTTP API, in the
 * same binary as the server. It uses nothing of the server but common/ and
 * cJSON: no store, no pool, no HTTP daemon.
 */
#ifndef JOBD_CLI_H
#define JOBD_CLI_H

#include <stdbool.h>

/* word is one of the command words (main() then runs the client). */
bool cli_is_command(const char *word);

/* Runs the command argv[1] with its arguments; returns the exit status. */
int cli_main(int argc, char **argv);

#endif
