#!/bin/sh
# Runs the jobd integration suite against PostgreSQL: run.sh (same arguments)
# under tests/pg/with-pg.sh, which starts a throwaway server and points the
# harness at it with JOBD_TEST_PG (each test server then gets a database of
# its own there). The last line printed is run.sh's "N passed, N failed[, N
# skipped]"; exit status is the suite's.
here=$(cd "$(dirname "$0")" && pwd)
exec sh "$here/../pg/with-pg.sh" run-pg.sh bash "$here/run.sh" "$@"
