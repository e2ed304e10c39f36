#!/bin/sh
# tests/fuzz/run.sh BIN SECONDS — runs the libFuzzer target for SECONDS over
# the seeds in tests/fuzz/corpus (read only) and its own growing corpus in
# build/fuzz/corpus; prints executions and crashes, then "N passed, N failed".
# A crash leaves its input in build/fuzz/artifacts/ (replay: BIN FILE).
set -u
bin=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
out=$(dirname "$bin")
mkdir -p "$out/corpus" "$out/artifacts"
before=$(ls "$out/artifacts" | wc -l)
TMPDIR=$(mktemp -d) # the target's database and web directory live here
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT
"$bin" -max_total_time="$seconds" -print_final_stats=1 -max_len=16384 -timeout=30 \
	-rss_limit_mb=2048 -dict="$here/request.dict" -artifact_prefix="$out/artifacts/" \
	"$out/corpus" "$here/corpus" > "$out/fuzz.log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log" | tail -n 1)
crashes=$(($(ls "$out/artifacts" | wc -l) - before))
corpus=$(ls "$out/corpus" | wc -l)
echo "fuzz: ${execs:-?} executions in ${seconds} s, $crashes crashes, corpus $corpus inputs (log $out/fuzz.log)"
if [ "$rc" = 0 ] && [ "$crashes" = 0 ] && [ -n "$execs" ]; then
	echo "fuzz: 1 passed, 0 failed"
	exit 0
fi
grep -E "ERROR|SUMMARY|runtime error|fuzz:" "$out/fuzz.log" | head -n 20
ls -t "$out/artifacts" | head -n 5 | sed "s|^|crash input: $out/artifacts/|"
echo "fuzz: 0 passed, 1 failed"
exit 1
