/*
 * store_migrations.h — the schema migrations compiled into the binary, one
 * array per migration set (migrations/<set>/NNN_name.sql, generated into
 * build/migrations_<set>.c by migrations/embed.sh). The SQLite driver
 * applies its set in version order at open and records it in PRAGMA
 * user_version; the PostgreSQL driver in its jobd_schema table.
 */
#ifndef JOBD_STORE_MIGRATIONS_H
#define JOBD_STORE_MIGRATIONS_H

struct store_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct store_migration store_migrations_sqlite[];
extern const int store_migrations_sqlite_count;
extern const struct store_migration store_migrations_postgres[];
extern const int store_migrations_postgres_count;

#endif
