#!/bin/sh
# with-pg.sh — runs a command with a throwaway PostgreSQL: starts one
# (pg-server.sh) in a fresh temporary directory, exports its base URL as
# JOBD_TEST_PG, runs the command, and stops and removes the server on exit,
# failure or interrupt. Exits with the command's status; if PostgreSQL
# cannot start, says so and prints "0 passed, 1 failed" (as suites end).
#
#   sh tests/pg/with-pg.sh NAME COMMAND [ARG...]     NAME prefixes its messages
set -u
name=$1
shift
pg_server="$(cd "$(dirname "$0")" && pwd)/pg-server.sh"

pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/jobd-pg-XXXXXX") || {
	echo "$name: cannot make a temporary directory"
	echo "0 passed, 1 failed"
	exit 1
}
cleanup() { sh "$pg_server" stop "$pg_dir"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if ! url=$(sh "$pg_server" start "$pg_dir"); then
	echo "$name: could not start PostgreSQL (see above)"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "$name: PostgreSQL at $url"
JOBD_TEST_PG=$url
export JOBD_TEST_PG
"$@"
exit $?
