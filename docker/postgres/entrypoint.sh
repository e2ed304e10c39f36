#!/bin/sh
# docker/postgres/entrypoint.sh — PID 1 of the jobd demo PostgreSQL image
# (docker/postgres/Dockerfile), run as the user postgres. At the first start
# (no $PGDATA/PG_VERSION) it makes the cluster in $PGDATA.init and only then
# renames it to $PGDATA, so a start that failed half-way leaves nothing that
# looks finished: role "jobd" with password $POSTGRES_PASSWORD
# (scram-sha-256) owning database "jobd"; over TCP only jobd may log in, to
# jobd, with the password; on the socket inside the container the OS user
# postgres may log in as postgres or jobd (peer, map "local": the health
# check, `psql -U jobd jobd`). Then it execs postgres listening on
# $POSTGRES_LISTEN (0.0.0.0), port $PGPORT (5432); extra arguments go to
# postgres (e.g. `-c max_connections=200`).
# The password is read at the first start only; later, change it with
# `ALTER ROLE jobd PASSWORD '...'` (psql inside the container).
set -eu

: "${PGDATA:=/var/lib/postgresql/data/pgdata}"
export PGDATA

say() { printf 'jobd-postgres: %s\n' "$*" >&2; }

init_cluster() {
	if [ -z "${POSTGRES_PASSWORD:-}" ]; then
		say "POSTGRES_PASSWORD is not set: it is the password of the role jobd, needed at the first start"
		exit 1
	fi
	tmp=$PGDATA.init
	rm -rf "$tmp"
	say "first start: initdb in $PGDATA"
	initdb --pgdata="$tmp" --username=postgres --encoding=UTF8 --no-locale \
		--auth-local=peer --auth-host=scram-sha-256 >/dev/null
	# Our own rules instead of initdb's (which allow TCP from loopback only).
	printf '%s\n' '# pg_hba.conf of jobd-postgres (docker/postgres/entrypoint.sh)' \
		'# TYPE DATABASE USER ADDRESS   METHOD' \
		'local  all      all            peer map=local' \
		'host   jobd     jobd 0.0.0.0/0 scram-sha-256' \
		'host   jobd     jobd ::/0      scram-sha-256' >"$tmp/pg_hba.conf"
	printf '%s\n' '# MAP  SYSTEM-USER PG-USER' \
		'local  postgres    postgres' \
		'local  postgres    jobd' >>"$tmp/pg_ident.conf"
	pg_ctl --pgdata="$tmp" --silent --wait -o "-c listen_addresses=''" start
	psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 -v pw="$POSTGRES_PASSWORD" -d postgres <<'SQL'
SET password_encryption = 'scram-sha-256';
CREATE ROLE jobd LOGIN PASSWORD :'pw';
CREATE DATABASE jobd OWNER jobd;
SQL
	pg_ctl --pgdata="$tmp" --silent --wait -m fast stop
	mv "$tmp" "$PGDATA"
	say "made role and database jobd"
}

[ -s "$PGDATA/PG_VERSION" ] || init_cluster
exec postgres -c listen_addresses="${POSTGRES_LISTEN:-0.0.0.0}" "$@"
