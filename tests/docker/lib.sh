# tests/docker/lib.sh — small helpers shared by tests/docker and tests/install
# (sourced, never run): messages, failure, a free loopback port, polling.
# shellcheck shell=bash

say() { printf '%s: %s\n' "${SAY_PREFIX:-docker-test}" "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

# A TCP port nothing listens on at 127.0.0.1 right now (there is a window
# before the server binds it; good enough for a test).
free_port() {
	local p
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 40000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# wait_for SECONDS CMD... — run CMD every 0.2 s until it succeeds;
# fails once SECONDS have passed.
wait_for() {
	local deadline=$((SECONDS + $1)); shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}
