/*
 * config_db.c — what --db names: a postgres:// or postgresql:// URL
 * (PostgreSQL) or a SQLite path, the form of it the logs may show, with
 * any password as ***, and the password overwritten where it was given
 * (config.h).
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
