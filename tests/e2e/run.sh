#!/usr/bin/env bash
# Runs the dashboard's real-browser tests: installs node deps and Debian chromium if missing, runs node --test,
# ends with a line "N passed, N failed". Env: JOBD_BIN (default <repo>/build/jobd), CHROMIUM (default /usr/bin/chromium).
# Arguments: test files to run (paths relative to tests/e2e, e.g. cluster.test.mjs); none runs every *.test.mjs.
# make test runs this with sh: re-run under bash (pipefail, PIPESTATUS).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export JOBD_BIN="${JOBD_BIN:-$repo/build/jobd}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

die() { echo "e2e: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

command -v node >/dev/null || die "node is not installed (apt-get install nodejs npm)"
[ -x "$JOBD_BIN" ] || die "no jobd binary at $JOBD_BIN (run make, or set JOBD_BIN)"

if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "e2e: installing Debian's chromium" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2 \
      || die "apt-get install chromium failed"
  else
    die "no browser at $CHROMIUM: run 'sudo apt-get install -y chromium'"
  fi
fi

cd "$here" || die "cannot cd to $here"
if [ ! -d node_modules/playwright-core ]; then
  echo "e2e: installing node dependencies" >&2
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund >&2; else npm install --no-audit --no-fund >&2; fi \
    || die "npm install failed"
fi

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
if [ $# -gt 0 ]; then files=("$@"); else files=(./*.test.mjs); fi
node --test --test-concurrency=1 --test-reporter=spec "${files[@]}" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}

# The spec reporter ends with "ℹ pass N" / "ℹ fail N".
passed="$(sed -n 's/^[^a-z]*pass \([0-9]\+\)$/\1/p' "$out" | tail -1)"
failed="$(sed -n 's/^[^a-z]*fail \([0-9]\+\)$/\1/p' "$out" | tail -1)"
passed="${passed:-0}"
failed="${failed:-0}"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
exit "$status"
