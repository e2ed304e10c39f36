#!/usr/bin/env bash
# compare.sh — `make bench-compare BASE=<git rev>`: is this tree as fast as BASE?
#
# Builds BASE (a detached worktree under build/compare/) and the working tree,
# then runs the quick benchmark's jobd rows (BENCH_QUICK=1, no peers) against
# the two binaries in turns — A B, B A, A B … for $ROUNDS rounds — with this
# tree's bench scripts for both, so only the binary differs. Prints each figure
# as the median of its rounds for BASE and HEAD and the ratio HEAD ÷ BASE,
# oriented so that > 1 is better (rates: HEAD/BASE; times and memory:
# BASE/HEAD). Noise on a 2-core machine is a few percent: read a row as moved
# only when it is well outside 0.97–1.03 and its rounds agree.
#
# Environment: BASE (required), ROUNDS (3), COMPARE_PHASES ("main submission";
# any of bench/run.sh's phases). Scratch in build/compare/; the table also goes
# to build/compare/latest.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${BASE:?usage: make bench-compare BASE=<git rev>}"
ROUNDS=${ROUNDS:-3}
PHASES=${COMPARE_PHASES:-main submission}
C=$ROOT/build/compare
base_rev=$(git -C "$ROOT" rev-parse --verify "$BASE^{commit}")
head_desc="$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- server worker || echo +changes)"

mkdir -p "$C"
# BASE: a worktree of its own, rebuilt only when the revision changed.
if [ "$(cat "$C/base.rev" 2>/dev/null)" != "$base_rev" ]; then
	git -C "$ROOT" worktree remove --force "$C/base" 2>/dev/null || rm -rf "$C/base"
	git -C "$ROOT" worktree prune
	git -C "$ROOT" worktree add --detach "$C/base" "$base_rev" >/dev/null
	echo "$base_rev" >"$C/base.rev"
fi
echo "bench-compare: building BASE ${base_rev:0:12} and HEAD $head_desc" >&2
make -s -C "$C/base" -j2 all >&2
make -s -C "$ROOT" -j2 all bench-tools >&2

# run SIDE ROUND: the quick jobd rows of SIDE's binary into $C/SIDE.ROUND.tsv
run() {
	local bin=$ROOT/build/jobd
	[ "$1" = base ] && bin=$C/base/build/jobd
	echo "bench-compare: round $2, $1" >&2
	JOBD=$bin BENCH_QUICK=1 BENCH_PEERS=0 BENCH_PHASES="$PHASES" \
		BENCH_RESULTS="$C/results" "$ROOT/bench/run.sh" >"$C/$1.$2.log" 2>&1 ||
		{ echo "bench-compare: $1 failed; see $C/$1.$2.log" >&2; tail -5 "$C/$1.$2.log" >&2; exit 1; }
	cp "$ROOT/build/bench/rows.tsv" "$C/$1.$2.tsv"
}

rm -f "$C"/base.*.tsv "$C"/head.*.tsv
for r in $(seq "$ROUNDS"); do
	if ((r % 2)); then run base "$r"; run head "$r"; else run head "$r"; run base "$r"; fi
done
python3 "$ROOT/bench/compare.py" "${base_rev:0:12}" "$head_desc" "$C" | tee "$C/latest.txt"
