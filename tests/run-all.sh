#!/bin/sh
# run-all.sh — `make test`: every suite, in order, each printing its own
# "N passed, N failed" line; this script adds them up and ends with the total
# on a line of its own. Any failing suite fails the run (after all have run).
#
#   JOBD_SKIP="e2e docker"   suites to leave out (names as in the list below)
set -u
cd "$(dirname "$0")/.."
make_j="make -s -j2"
total_pass=0
total_fail=0
failed_suites=""
log_dir=build/test-logs
mkdir -p "$log_dir"

skip() { case " ${JOBD_SKIP:-} " in *" $1 "*) return 0 ;; esac; return 1; }

# run_suite NAME COMMAND...: runs it, shows its output, counts its closing line.
run_suite() {
	name=$1
	shift
	if skip "$name"; then
		echo "=== $name: skipped (JOBD_SKIP)"
		return
	fi
	echo "=== $name: $*"
	start=$(date +%s)
	"$@" 2>&1 | tee "$log_dir/$name.log"
	rc=$(cat "$log_dir/.rc" 2>/dev/null || echo 0)
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log_dir/$name.log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p')
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" != 0 ] || [ -z "$line" ]; then
		[ "$f" = 0 ] && f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	[ "$f" = 0 ] || failed_suites="$failed_suites $name"
	echo "=== $name: $p passed, $f failed ($(($(date +%s) - start)) s)"
}

# with_rc CMD...: runs CMD and records its exit code for run_suite.
with_rc() {
	"$@"
	echo $? > "$log_dir/.rc"
}

with_rc $make_j all || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
run_suite tools with_rc python3 tests/install/check_tools.py
run_suite layout with_rc python3 tests/install/check_layout.py
run_suite unit with_rc $make_j unit
run_suite unit-valgrind with_rc $make_j unit-valgrind
run_suite asan-build with_rc sh -c "$make_j asan && echo '1 passed, 0 failed'"
run_suite unit-asan with_rc bash tests/unit/run.sh build/asan/tests/test_*
run_suite pg-sql with_rc bash tests/pg/check-sql-tables.sh
# The integration suite runs once per backend: on SQLite under ASan + UBSan
# (the same source; every other suite below runs the release build on
# SQLite), on PostgreSQL with the release build. Three test files at a time
# (tests/integration/runner.py): their time is mostly waiting, not a core.
run_suite integration-asan with_rc env JOBD_TEST_JOBS=3 JOBD_BIN="$PWD/build/asan/jobd" bash tests/integration/run.sh
run_suite integration-pg with_rc env JOBD_TEST_JOBS=3 JOBD_BIN="$PWD/build/jobd" bash tests/integration/run-pg.sh
run_suite cluster with_rc env JOBD_BIN="$PWD/build/jobd" bash tests/cluster/run.sh
for s in e2e chaos hostile install; do
	[ -f "tests/$s/run.sh" ] && run_suite "$s" with_rc env JOBD_BIN="$PWD/build/jobd" bash "tests/$s/run.sh"
done
[ -f tests/load/run.sh ] && run_suite load with_rc env LOAD_SECONDS=20 JOBD_BIN="$PWD/build/jobd" bash tests/load/run.sh
[ -f mk/robustness.mk ] && run_suite fuzz with_rc $make_j fuzz
[ -f mk/docker.mk ] && run_suite docker with_rc $make_j docker-test

echo
[ -n "$failed_suites" ] && echo "failing suites:$failed_suites"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
