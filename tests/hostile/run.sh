#!/bin/sh
# tests/hostile/run.sh — the table of malformed requests (hostile.py) and
# the connection flood (conns.py) against $JOBD_BIN (default build/jobd).
# Ends with "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${JOBD_BIN:=$here/../../build/jobd}"
export JOBD_BIN PYTHONDONTWRITEBYTECODE=1
python3 "$here/../chaos/sum.py" python3 "$here/hostile.py" -- python3 "$here/conns.py"
