#!/usr/bin/env bash
# tests/install/run.sh — checks `make install`: installs with PREFIX=/usr into
# a temporary DESTDIR, starts the installed binary on a free loopback port
# with a temporary database, and checks /healthz, that `/` is the dashboard
# from the installed share dir (not the source tree's web/), the systemd
# unit, and a graceful SIGTERM. Prints "N passed, N failed".
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
SAY_PREFIX=install-test
# shellcheck source=../docker/lib.sh
. "$here/../docker/lib.sh"

passed=0 failed=0 pid=
tmp=$(mktemp -d /tmp/jobd-install.XXXXXX)
dest=$tmp/destdir
marker="<!-- installed copy $RANDOM$RANDOM -->"

check() {
	local what=$1; shift
	if "$@"; then passed=$((passed + 1)); say "ok   $what"
	else failed=$((failed + 1)); say "FAIL $what"; fi
}

cleanup() {
	[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
	((failed == 0)) || { say "jobd log:"; tail -n 20 "$tmp/jobd.log" >&2 2>/dev/null || true; }
	rm -rf "$tmp"
}
trap cleanup EXIT

http_code() { curl -s -o "$tmp/body" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port$1"; }
healthz_ok() { [ "$(http_code /healthz)" = 200 ] && grep -q '"ok"' "$tmp/body"; }
root_is_installed_dashboard() { [ "$(http_code /)" = 200 ] && grep -qF "$marker" "$tmp/body"; }
unit_points_at_binary() {
	local unit
	unit=$(find "$dest" -name jobd.service -path '*systemd/system/*' | head -n1)
	[ -n "$unit" ] && grep -qx 'ExecStart=/usr/bin/jobd' "$unit"
}
# systemd-analyze checks the unit's syntax and options (where installed);
# a copy points at the staged binary, which is not at /usr/bin.
unit_verifies() {
	command -v systemd-analyze >/dev/null || { say "(no systemd-analyze: not verified)"; return 0; }
	sed "s|^ExecStart=/usr/bin/jobd|ExecStart=$dest/usr/bin/jobd|" \
		"$(find "$dest" -name jobd.service | head -n1)" >"$tmp/jobd.service" &&
		systemd-analyze verify "$tmp/jobd.service"
}
exits_zero_on_sigterm() {
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	pid=
	((rc == 0))
}

make -C "$repo" -s all >&2 || die "make all failed"
check "make install PREFIX=/usr DESTDIR=... succeeds" \
	make -C "$repo" -s install PREFIX=/usr DESTDIR="$dest"
check "installs bin/jobd" test -x "$dest/usr/bin/jobd"
check "installs share/jobd/web/index.html" test -f "$dest/usr/share/jobd/web/index.html"
check "installs the man page jobd(1)" test -f "$dest/usr/share/man/man1/jobd.1"
check "installs a systemd unit that runs the installed binary" unit_points_at_binary
check "systemd-analyze verify accepts the unit" unit_verifies
printf '%s\n' "$marker" >>"$dest/usr/share/jobd/web/index.html" || true

# start_installed: runs the installed binary on a free port. Another program
# may take that port between free_port and the bind; then jobd exits saying
# so, and a new port is tried (at most 3 times).
start_installed() {
	local try
	mkdir -p "$tmp/run"
	for try in 1 2 3; do
		port=$(free_port) || die "no free port"
		(cd "$tmp/run" && exec "$dest/usr/bin/jobd" --listen "127.0.0.1:$port" \
			--db "$tmp/data/jobd.db" --workers 1) >"$tmp/jobd.log" 2>&1 &
		pid=$!
		wait_for 15 started_or_gone
		kill -0 "$pid" 2>/dev/null && return 0
		grep -q "Address already in use" "$tmp/jobd.log" || return 1
		say "port $port was taken before jobd could bind it; trying another"
	done
	return 1
}
started_or_gone() { healthz_ok || ! kill -0 "$pid" 2>/dev/null; }

start_installed
check "the installed binary answers /healthz" wait_for 15 healthz_ok
check "/ serves index.html from the installed share dir" root_is_installed_dashboard
check "the database is created where --db says" test -f "$tmp/data/jobd.db"
client_stats() { JOBD_URL="http://127.0.0.1:$port" "$dest/usr/bin/jobd" stats >/dev/null; }
check "the installed binary is also the client (jobd stats)" client_stats
check "SIGTERM stops it with exit 0" exits_zero_on_sigterm

say "$passed passed, $failed failed"
((failed == 0))
