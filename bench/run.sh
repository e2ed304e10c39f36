#!/usr/bin/env bash
# run.sh — the jobd benchmark of issue 5 (`make bench` runs it after building).
#
# Runs jobd and its peers on this machine in one run, loopback only, and
# prints one table (workload, tool, figure, jobd ÷ other) plus the issue's
# targets; the same text goes to bench/results/latest.txt and a dated copy.
# Default ≈ 6-8 minutes (figures are medians of 3 rounds in which jobd and
# its peers take turns); BENCH_QUICK=1 ≈ 1.5-2 minutes (fewer jobs, shorter
# loads; its memory row is "after 20,000 jobs", not 100,000, and its waiting
# jobs rows have 10k waiting jobs, not 100k). growth_waiting takes ≈ 55 s of
# the default run, ≈ 20 s of the quick one.
# Scratch databases and logs live in build/bench/ and are removed or
# overwritten each run. Without build/jobd it measures the peers only.
#
# Environment (all optional):
#   JOBD=path           the jobd binary (default build/jobd)
#   BENCH_DIR=dir       tools and scratch (default build/bench; build the
#                       tools there with `make BENCH_OUT=dir bench-tools`)
#   BENCH_RESULTS=dir   where tables go (default bench/results)
#   BENCH_PEERS=0       jobd's rows only, no peers (make bench-compare)
#   BENCH_PHASES="..."  only these of: main (jobd's rows 1, 2, 4, 6, 7 and
#                       the peers), submission, growth, growth_waiting,
#                       cluster (row 8, PostgreSQL: ≈ 1.5 min a round),
#                       watch (issue 16 goal 9: a batch watched or not); the
#                       table then goes to partial-DATE.txt, not latest.txt
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$(realpath -m "${BENCH_DIR:-$ROOT/build/bench}")
RESULTS=$(realpath -m "${BENCH_RESULTS:-$ROOT/bench/results}")
JOBD=$(realpath -m "${JOBD:-$ROOT/build/jobd}")
PHASES=${BENCH_PHASES:-all}
CORES=$(nproc)

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	MODE=quick REPS=1 TRIV_N=2000 PAR_N=300 SUB_T=1.5 READ_T=2
	GROW_M=150 MEM_N=20000 DISP_N=100 WAIT_N=10000 CL_N=1000 WATCH_N=2000
else
	MODE=full REPS=3 TRIV_N=10000 PAR_N=1000 SUB_T=3 READ_T=3
	GROW_M=400 MEM_N=100000 DISP_N=300 WAIT_N=100000 CL_N=3000 WATCH_N=5000
fi

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
# shellcheck source=bench/phases.sh
. "$ROOT/bench/phases.sh"
# shellcheck source=bench/growth.sh
. "$ROOT/bench/growth.sh"
# shellcheck source=bench/growth_waiting.sh
. "$ROOT/bench/growth_waiting.sh"
# shellcheck source=bench/phase_cluster.sh
. "$ROOT/bench/phase_cluster.sh"
# shellcheck source=bench/watch.sh
. "$ROOT/bench/watch.sh"

PHASE_NAMES="main submission growth growth_waiting cluster watch"
for p in $PHASES; do
	case " all $PHASE_NAMES " in
	*" $p "*) ;;
	*) echo "bench: unknown phase '$p' in BENCH_PHASES (known: $PHASE_NAMES)" >&2; exit 2 ;;
	esac
done

# want PHASE — true if this run includes PHASE
want() {
	case " $PHASES " in
	" all " | *" $1 "*) return 0 ;;
	*) return 1 ;;
	esac
}

# wrk, GNU parallel and python3 come from .ci/install-deps.sh's tools list.
need_tools() {
	sh "$(dirname "$0")/../.ci/install-deps.sh" >&2 || { echo "bench: .ci/install-deps.sh failed" >&2; exit 1; }
}

need_binaries() {
	local b
	for b in forkexec postload sqlite_commit seed_db; do
		[ -x "$B/$b" ] || { echo "bench: $B/$b missing (run make bench)" >&2; exit 1; }
	done
}

header() {
	echo "jobd bench ($MODE) — started $STARTED, $CORES cores," \
		"$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)," \
		"Linux $(uname -r), took ${1}s, load average $LOAD_START at start," \
		"$(cut -d' ' -f1-3 /proc/loadavg) at end"
	echo
}

# phase_main — rows 1, 2, 4, 6 and 7: jobd's on one server, and the peers
phase_main() {
	if [ -x "$JOBD" ]; then
		rm -rf "$B/main"
		jobd_start main
		echo "bench: jobd on $ADDR (pid $JOBD_PID), $MODE mode" >&2
		mem_rows idle
		phase_dispatch
		phase_demo
		phase_trivial
		phase_reads
		ctl topup "$MEM_N" >/dev/null
		# At rest: the heap is given back 0.5 s after the last request
		# (server/http/http_trim.c), not while requests keep coming.
		sleep 1
		mem_rows "$MEM_N"
		jobd_stop
		rm -rf "$B/main"
	else
		echo "bench: no $JOBD — measuring the peers only" >&2
		phase_demo
		phase_trivial
	fi
}

main() {
	local t0=$EPOCHREALTIME stamp out=latest.txt
	local -a rows
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	need_tools
	need_binaries
	mkdir -p "$B" "$RESULTS"
	rm -f "$B"/rows.*.tsv "$B/peers.log"
	ADDR=127.0.0.1:$(free_port)
	trap 'jobd_stop; fleet_stop' EXIT
	trap 'exit 130' INT TERM
	if want main; then phase_main; fi
	if want submission; then phase_submission; fi
	if [ -x "$JOBD" ] && want submission; then phase_ingest; fi
	if [ -x "$JOBD" ] && want growth; then phase_growth; fi
	if [ -x "$JOBD" ] && want growth_waiting; then phase_growth_waiting; fi
	if [ -x "$JOBD" ] && want cluster; then phase_cluster; fi
	if [ -x "$JOBD" ] && want watch; then phase_watch; fi
	# rows.5w.tsv (growth_waiting) sorts after rows.5.tsv (growth)
	shopt -s nullglob
	rows=("$B"/rows.[1-9]*.tsv)  # rows.3i.tsv (ingest) sorts after rows.3.tsv
	shopt -u nullglob
	cat /dev/null "${rows[@]}" >"$B/rows.tsv"
	stamp=$(date -u +%Y%m%d-%H%M%S)
	[ "$PHASES" = all ] || out=partial-$stamp.txt
	{
		header "$(printf '%.0f' "$(calc "$EPOCHREALTIME - $t0")")"
		python3 "$ROOT/bench/table.py" "$B/rows.tsv"
	} | tee "$RESULTS/$out"
	[ "$PHASES" != all ] || cp "$RESULTS/latest.txt" "$RESULTS/run-$stamp.txt"
}

main "$@"
