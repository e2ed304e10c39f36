#!/bin/sh
# Runs the jobd integration suite against the real binary ($JOBD_BIN, default
# <repo>/build/jobd). Extra arguments select tests (e.g. test_cancel).
# The last line printed is "N passed, N failed[, N skipped]".
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${JOBD_BIN:=$here/../../build/jobd}"
export JOBD_BIN
export PYTHONDONTWRITEBYTECODE=1
exec python3 "$here/runner.py" "$@"
