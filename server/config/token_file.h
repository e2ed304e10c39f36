/*
 * token_file.h — the token jobd makes for itself when it listens beyond
 * loopback and the operator gave none (issue 14: the container listens on
 * 0.0.0.0 and must not run whatever any page sends it).
 *
 * The file is <directory of the SQLite file>/token, or with PostgreSQL the
 * parent of --output-dir (so /data/token in the image either way): 64 hex
 * digits (32 bytes from getrandom) and a newline, mode 0600, made once and
 * read again at every later start, so restarts and a container recreated
 * on the same volume keep the token. An explicit --token/JOBD_TOKEN always
 * wins and leaves the file alone.
 */
#ifndef JOBD_TOKEN_FILE_H
#define JOBD_TOKEN_FILE_H

#include <stdbool.h>

#include "config.h"

enum token_file_result {
	TOKEN_FILE_NONE,    /* not needed: a token was given, or loopback only */
	TOKEN_FILE_READ,    /* cfg->token read from cfg->token_path */
	TOKEN_FILE_CREATED, /* cfg->token made now and saved in cfg->token_path */
};

/* Sets cfg->token, token_generated and token_path when a token must be
 * made or read; call after the data directory exists. Returns the result,
 * or -1 with err set (an unreadable, empty or malformed file is an error,
 * never silently replaced). */
int token_file_ensure(struct config *cfg, char *err);

#endif
