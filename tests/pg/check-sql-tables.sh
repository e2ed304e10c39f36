#!/bin/bash
# check-sql-tables.sh — builds tests/pg/check_sql_tables.c and checks the statement
# catalogue (server/store_stmts.def) on SQLite and PostgreSQL (see that file):
#
#   bash tests/pg/check-sql-tables.sh [POSTGRES_URL]
#
# POSTGRES_URL must name an empty database. Without one, a throwaway
# PostgreSQL is started by tests/pg/pg-server.sh, and removed on exit.
set -euo pipefail

cd "$(dirname "$0")/../.."
DB=jobd_check

mkdir -p build/tests
bin=build/tests/check_sql_tables
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror -I. -Iserver -I build $(pkg-config --cflags libpq sqlite3) \
	-o "$bin" tests/pg/check_sql_tables.c server/store/store_sql.c \
	$(pkg-config --libs libpq sqlite3)

if [ $# -ge 1 ]; then
	exec "$bin" "$1" .
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jobd-pgcheck.XXXXXX")
trap 'sh tests/pg/pg-server.sh stop "$tmp"' EXIT
url=$(sh tests/pg/pg-server.sh start "$tmp")
psql "$url" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $DB"
"$bin" "${url/\/postgres\?//$DB?}" .
