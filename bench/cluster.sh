#!/bin/sh
# cluster.sh — runs every measurement of bench/cluster.py (jobd as a cluster
# on PostgreSQL) ROUNDS times (default 3) in turns and prints the median
# [min, max] of each figure. Builds its own jobd in build/bench-cluster
# (never build/), starts ONE durable PostgreSQL (fsync on) for the whole run
# and a fresh database per measurement; stops everything on exit or Ctrl-C.
# Raw results: build/bench-cluster/cluster-results.txt. Takes ≈ 2-3 min a round.
#   bench/cluster.sh [ROUNDS]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-3}
OUT=$ROOT/build/bench-cluster
make -s -C "$ROOT" -j2 BUILD=build/bench-cluster
JOBD_BIN=${JOBD_BIN:-$OUT/jobd}
export JOBD_BIN
PG=$(mktemp -u /tmp/jbpg-XXXXXX) # short: the socket path must fit
cleanup() { python3 "$ROOT/bench/cluster.py" pg stop "$PG"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
URL=$(python3 "$ROOT/bench/cluster.py" pg start "$PG")
RES=$OUT/cluster-results.txt
: >"$RES"
run() {
	python3 "$ROOT/bench/cluster.py" --pg "$URL" "$@" >"$OUT/cluster-last.txt" ||
		{ cat "$OUT/cluster-last.txt"; echo "cluster.sh: failed: $*" >&2; exit 1; }
	cat "$OUT/cluster-last.txt" >>"$RES"
	grep -v '^RESULT ' "$OUT/cluster-last.txt" || true
}
for r in $(seq "$ROUNDS"); do
	echo "== round $r/$ROUNDS (load $(cut -d' ' -f1-3 /proc/loadavg))"
	run wakeup --n 200
	for n in 1 2 3; do run throughput --nodes "$n"; done
	run throughput --sqlite
	run throughput --nodes 3 --exactly-once
done
echo "== medians of $ROUNDS rounds"
python3 "$ROOT/bench/cluster.py" summary "$RES"
