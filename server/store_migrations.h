/*
 * store_migrations.h — the schema migrations compiled into the binary
 * (generated into build/migrations.c by migrations/embed.sh), applied by
 * store_open in version order and recorded in PRAGMA user_version.
 */
#ifndef JOBD_STORE_MIGRATIONS_H
#define JOBD_STORE_MIGRATIONS_H

struct store_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct store_migration store_migrations[];
extern const int store_migrations_count;

#endif
