#!/bin/sh
# Runs the jobd cluster suite (tests/cluster/test_cluster.py): several jobd
# nodes ($JOBD_BIN, default <repo>/build/jobd) on one PostgreSQL database,
# under tests/pg/with-pg.sh (a throwaway server; each test makes and drops a
# database of its own there). Extra arguments select tests (e.g.
# TestNodeDeath or TestAcrossNodes.test_cancel_through_another_node).
# The last line printed is "N passed, M failed"; exit status 1 on failure.
here=$(cd "$(dirname "$0")" && pwd)
: "${JOBD_BIN:=$here/../../build/jobd}"
export JOBD_BIN
export PYTHONDONTWRITEBYTECODE=1
exec sh "$here/../pg/with-pg.sh" cluster/run.sh python3 "$here/test_cluster.py" "$@"
