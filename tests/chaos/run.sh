#!/bin/sh
# tests/chaos/run.sh — the crash harness (crash.py: kill -9 of the server
# and of workers under load) and the hard-to-stop jobs (timeouts.py),
# against $JOBD_BIN (default build/jobd). LONG=1 for the long crash run;
# CHAOS_SEED=n replays one. Ends with "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${JOBD_BIN:=$here/../../build/jobd}"
export JOBD_BIN PYTHONDONTWRITEBYTECODE=1
python3 "$here/sum.py" python3 "$here/crash.py" -- python3 "$here/timeouts.py"
