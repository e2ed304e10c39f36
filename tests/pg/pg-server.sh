#!/bin/sh
# pg-server.sh — a throwaway PostgreSQL server for jobd's tests (the
# integration suite's PostgreSQL run, tests/integration/run-pg.sh).
#
#   pg-server.sh start DIR   initdb in DIR/data, start on a Unix socket in DIR
#                            only (no TCP), print the base URL on stdout:
#                            postgresql://postgres@/postgres?host=DIR&port=PORT
#   pg-server.sh stop DIR    stop it (immediate) and remove DIR; nothing to
#                            do (exit 0) when DIR is gone
#
# DIR must be new or empty. Uses the newest server in /usr/lib/postgresql/*/bin
# (Debian's postgresql package). PostgreSQL refuses to run as root, so as root
# it runs as the `postgres` system user (DIR is handed to that user), else as
# the current user. Trust authentication, fsync off: for tests only.
set -eu

prog=pg-server.sh
die() { echo "$prog: $*" >&2; exit 1; }

[ $# = 2 ] || die "usage: $prog start|stop DIR"
cmd=$1
dir=$2
[ -n "$dir" ] || die "empty DIR"
marker=.jobd-pg-server # written by start; stop removes only a DIR holding it

pg_bin() {
	found=""
	for b in /usr/lib/postgresql/*/bin; do
		[ -x "$b/initdb" ] && [ -x "$b/pg_ctl" ] && [ -x "$b/postgres" ] && found="$found $b"
	done
	[ -n "$found" ] || die "no PostgreSQL server binaries (initdb, pg_ctl, postgres) in" \
		"/usr/lib/postgresql/*/bin: install Debian's postgresql package" \
		"(apt-get install postgresql, or make deps)"
	# Newest major version: the directory names are version numbers.
	# shellcheck disable=SC2086 # one directory per word
	printf '%s\n' $found | sort -V | tail -n 1
}

# as_pg CMD...: run CMD as the user that owns the server.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

start() {
	bin=$(pg_bin)
	if [ "$(id -u)" = 0 ]; then
		command -v runuser >/dev/null 2>&1 || die "runuser not found (util-linux): needed to run PostgreSQL as root"
		id postgres >/dev/null 2>&1 || die "no 'postgres' system user: install Debian's postgresql package"
	fi
	if [ -e "$dir" ]; then
		[ -d "$dir" ] || die "$dir exists and is not a directory"
		[ -z "$(ls -A "$dir")" ] || die "$dir is not empty (give a new or empty directory)"
	fi
	mkdir -p "$dir" || die "cannot create $dir"
	dir=$(cd "$dir" && pwd -P)
	case $dir in
	*[!A-Za-z0-9/._-]*) die "$dir: only letters, digits and /._- allowed (it goes into a URL)" ;;
	esac
	: > "$dir/$marker"
	[ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
	as_pg test -w "$dir" -a -x "$dir" ||
		die "$dir is not writable/traversable by user $(as_pg id -un) (are its parents traversable?)"

	port=5439
	while [ -e "$dir/.s.PGSQL.$port" ]; do port=$((port + 1)); done
	sock="$dir/.s.PGSQL.$port"
	[ ${#sock} -le 100 ] || die "socket path $sock too long for a Unix socket (use a shorter DIR)"

	cd / # the server's user may not be able to enter the caller's directory
	as_pg "$bin/initdb" --auth=trust -U postgres --locale=C -E UTF8 -D "$dir/data" \
		> "$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		die "initdb failed ($bin/initdb -D $dir/data)"
	}
	as_pg "$bin/pg_ctl" -w -D "$dir/data" -l "$dir/log" \
		-o "-k $dir -c listen_addresses='' -p $port -c fsync=off -c max_connections=300" \
		start > /dev/null 2>"$dir/pg_ctl.err" || {
		cat "$dir/pg_ctl.err" >&2
		tail -n 20 "$dir/log" >&2 2>/dev/null || true
		die "pg_ctl start failed ($bin, data in $dir/data, log $dir/log)"
	}
	echo "postgresql://postgres@/postgres?host=$dir&port=$port"
}

stop() {
	[ -d "$dir" ] || return 0
	if [ -z "$(ls -A "$dir")" ]; then # start failed early
		rmdir "$dir"
		return 0
	fi
	[ -f "$dir/$marker" ] || die "$dir was not made by '$prog start': not removing it"
	rc=0
	if [ -f "$dir/data/postmaster.pid" ]; then
		bin=$(pg_bin)
		cd /
		as_pg "$bin/pg_ctl" -w -D "$dir/data" stop -m immediate > /dev/null || {
			echo "$prog: pg_ctl stop failed for $dir/data" >&2
			rc=1
		}
	fi
	rm -rf "$dir"
	return $rc
}

case $cmd in
start) start ;;
stop) stop ;;
*) die "usage: $prog start|stop DIR" ;;
esac
