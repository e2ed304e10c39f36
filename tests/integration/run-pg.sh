#!/bin/sh
# Runs the jobd integration suite against PostgreSQL: starts a throwaway
# server (tests/pg/pg-server.sh) in a fresh temporary directory, points the
# harness at it with JOBD_TEST_PG (each test server then gets a database of
# its own there), runs run.sh with the same arguments, and stops and removes
# the PostgreSQL server on exit, on failure or interrupt too. The last line
# printed is run.sh's "N passed, N failed[, N skipped]"; exit status is
# the suite's.
set -u
here=$(cd "$(dirname "$0")" && pwd)
pg_server="$here/../pg/pg-server.sh"

pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/jobd-pg-XXXXXX") || {
	echo "run-pg.sh: cannot make a temporary directory"
	echo "0 passed, 1 failed"
	exit 1
}
cleanup() { sh "$pg_server" stop "$pg_dir"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if ! url=$(sh "$pg_server" start "$pg_dir"); then
	echo "run-pg.sh: could not start PostgreSQL (see above)"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "run-pg.sh: PostgreSQL at $url"
JOBD_TEST_PG=$url
export JOBD_TEST_PG
bash "$here/run.sh" "$@"
exit $?
