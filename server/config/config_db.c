/*
 * config_db.c — what --db names: a postgres:// or postgresql:// URL
 * (PostgreSQL) or a SQLite path, the form of it the logs may show, with
 * any password as ***, the password overwritten where it was given, and
 * where job output goes by default: beside the SQLite file (config.h).
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

bool config_db_is_url(const char *db)
{
	return strncmp(db, "postgres://", 11) == 0 || strncmp(db, "postgresql://", 13) == 0;
}

void config_scrub_db(char *db)
{
	char *scheme_end = strstr(db, "://");
	char *at = scheme_end ? strchr(scheme_end + 3, '@') : NULL;
	char *colon = at ? memchr(scheme_end + 3, ':', (size_t)(at - scheme_end - 3)) : NULL;

	if (!config_db_is_url(db))
		return;
	if (colon != NULL)
		memset(colon + 1, '*', (size_t)(at - colon - 1));
	for (char *pw = db; (pw = strstr(pw, "password=")) != NULL;) {
		pw += 9;
		size_t n = strcspn(pw, "&");
		memset(pw, '*', n);
		pw += n;
	}
}

void config_redact_db(const char *db, char *out, size_t cap)
{
	const char *scheme_end = strstr(db, "://");
	const char *at = scheme_end ? strchr(scheme_end + 3, '@') : NULL;
	const char *colon = at ? memchr(scheme_end + 3, ':', (size_t)(at - scheme_end - 3)) : NULL;

	if (!config_db_is_url(db)) {
		snprintf(out, cap, "%s", db);
		return;
	}
	if (colon != NULL)
		snprintf(out, cap, "%.*s:***%s", (int)(colon - db), db, at);
	else
		snprintf(out, cap, "%s", db);
	char *pw = strstr(out, "password=");
	if (pw != NULL && strlen(out) + 3 < cap) {
		char *end = pw + 9 + strcspn(pw + 9, "&");
		memmove(pw + 12, end, strlen(end) + 1);
		memcpy(pw + 9, "***", 3);
	}
}

int config_db_output_dir(const char *db, char *out, size_t cap, char *err)
{
	if (config_db_is_url(db)) {
		snprintf(out, cap, "./data/output");
		return 0;
	}
	const char *slash = strrchr(db, '/');
	int dir_len = slash == NULL ? 1 : (int)(slash - db);
	const char *dir = slash == NULL ? "." : db;
	if (slash == db)
		dir_len = 1;
	if (snprintf(out, cap, "%.*s/output", dir_len, dir) >= (int)cap) {
		err_set(err, "--db: path too long");
		return -1;
	}
	return 0;
}
