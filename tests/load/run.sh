#!/bin/sh
# tests/load/run.sh — the bounded load test (load.py + wrk, loopback only)
# against $JOBD_BIN (default build/jobd) for LOAD_SECONDS (60).
# Ends with "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${JOBD_BIN:=$here/../../build/jobd}"
export JOBD_BIN PYTHONDONTWRITEBYTECODE=1
python3 "$here/../chaos/sum.py" python3 "$here/load.py"
