#!/bin/sh
# run.sh — runs cmocka unit test binaries and adds up their results:
#
#   sh tests/unit/run.sh build/tests/test_*            (make unit)
#   VALGRIND=1 sh tests/unit/run.sh build/tests/test_*  (make unit-valgrind)
#
# Shows each binary's output, then one line per binary, then the total alone
# on the last line, exactly "N passed, N failed" (tests/run-all.sh reads it).
# Counts are test cases, taken from cmocka's output: "Running N test(s)" is
# the total and each "[       OK ]" a pass, so a binary that crashes halfway
# counts every test it did not finish as failed. A binary that exits non-zero
# with no failed case (valgrind found a leak at exit, say) counts one failure.
# Exits 1 if anything failed.
set -u

if [ $# -eq 0 ]; then
	echo "usage: [VALGRIND=1] $0 TEST_BINARY..." >&2
	exit 2
fi

runner=""
if [ "${VALGRIND:-0}" = 1 ]; then
	runner="valgrind -q --error-exitcode=1 --leak-check=full"
	runner="$runner --errors-for-leak-kinds=definite,indirect"
fi

log=$(mktemp "${TMPDIR:-/tmp}/jobd-unit.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT INT TERM
total_pass=0
total_fail=0

for bin in "$@"; do
	# A glob like build/tests/test_* also matches the compiler's -MMD files.
	case $bin in *.d | *.o) continue ;; esac
	echo "=== $bin"
	# $runner is a word list on purpose; empty when not under valgrind.
	# shellcheck disable=SC2086
	$runner "$bin" >"$log" 2>&1
	rc=$?
	cat "$log"
	ran=$(sed -n 's/^\[==========\] Running \([0-9][0-9]*\) test(s)\..*/\1/p' "$log" | head -n 1)
	pass=$(grep -c '^\[       OK \]' "$log")
	if [ -z "$ran" ]; then
		fail=1
	else
		fail=$((ran - pass))
	fi
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		fail=1
	fi
	if [ "$fail" -ne 0 ]; then
		echo "=== $bin: $pass passed, $fail failed (exit status $rc)"
	else
		echo "=== $bin: $pass passed, 0 failed"
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
done

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
