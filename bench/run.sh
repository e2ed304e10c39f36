#!/usr/bin/env bash
# run.sh — the jobd benchmark of issue 5 (`make bench` runs it after building).
#
# Runs jobd and its peers on this machine in one run, loopback only, and
# prints one table (workload, tool, figure, jobd ÷ other) plus the issue's
# targets; the same text goes to bench/results/latest.txt and a dated copy.
# Default ≈ 7-8 minutes (figures are medians of 3 rounds in which jobd and
# its peers take turns); BENCH_QUICK=1 ≈ 2 minutes (fewer jobs, shorter loads;
# its memory row is "after 20,000 jobs", not 100,000).
# Scratch databases and logs live in build/bench/ and are removed or
# overwritten each run. Without build/jobd it measures the peers only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/build/bench
RESULTS=$ROOT/bench/results
JOBD=${JOBD:-$ROOT/build/jobd}
CORES=$(nproc)

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	MODE=quick REPS=1 TRIV_N=2000 PAR_N=300 SUB_T=1.5 READ_T=2
	GROW_M=150 MEM_N=20000 DISP_N=100
else
	MODE=full REPS=3 TRIV_N=10000 PAR_N=1000 SUB_T=3 READ_T=3
	GROW_M=400 MEM_N=100000 DISP_N=300
fi

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
# shellcheck source=bench/phases.sh
. "$ROOT/bench/phases.sh"
# shellcheck source=bench/growth.sh
. "$ROOT/bench/growth.sh"

need_tools() {
	local missing=() t
	for t in wrk parallel python3; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	[ ${#missing[@]} = 0 ] && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "bench: installing ${missing[*]}" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2
	else
		echo "bench: missing tools: ${missing[*]}" >&2
		exit 1
	fi
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

main() {
	local t0=$EPOCHREALTIME stamp
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	need_tools
	need_binaries
	mkdir -p "$B" "$RESULTS"
	rm -f "$B"/rows.*.tsv "$B/peers.log"
	ADDR=127.0.0.1:$(free_port)
	trap 'jobd_stop; grow_stop' EXIT
	trap 'exit 130' INT TERM
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
		mem_rows "$MEM_N"
		jobd_stop
		rm -rf "$B/main"
	else
		echo "bench: no $JOBD — measuring the peers only" >&2
		phase_demo
		phase_trivial
	fi
	phase_submission
	[ -x "$JOBD" ] && phase_growth
	cat "$B"/rows.[1-7].tsv >"$B/rows.tsv"
	stamp=$(date -u +%Y%m%d-%H%M%S)
	{
		header "$(printf '%.0f' "$(calc "$EPOCHREALTIME - $t0")")"
		python3 "$ROOT/bench/table.py" "$B/rows.tsv"
	} | tee "$RESULTS/latest.txt"
	cp "$RESULTS/latest.txt" "$RESULTS/run-$stamp.txt"
}

main "$@"
