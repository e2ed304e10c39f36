#!/bin/sh
# install-deps.sh — installs what building and testing jobd need on
# Debian/Ubuntu, only what is missing. As root (or with sudo) it runs
# apt-get; otherwise it prints the exact apt-get line to run. Called by
# `make run` and `make test`; set JOBD_DEPS=build to skip the test tools.
#
# `tools` is the one list of programs that the test suites and the bench run
# beyond Debian's base system, each with the package that brings it;
# tests/install/check_tools.py (suite "tools") fails when a suite calls a
# program that is neither here nor in the base system.
set -eu

build_pkgs="gcc make pkg-config libmicrohttpd-dev libcjson-dev libsqlite3-dev libpq-dev libcurl4-openssl-dev libssl-dev"
# Libraries and servers the tests use that are not programs on PATH:
# cmocka (unit tests), postgresql (the throwaway server of tests/pg/).
test_libs="libcmocka-dev postgresql"
# program:package
tools="cc:gcc gcc:gcc make:make git:git pkg-config:pkg-config python3:python3 curl:curl
jq:jq sqlite3:sqlite3 psql:postgresql-client clang:clang valgrind:valgrind
chromium:chromium node:nodejs npm:npm wrk:wrk parallel:parallel
dockerd:docker.io docker:docker.io docker-compose:docker-compose debootstrap:debootstrap"

missing=""
add() { case " $missing " in *" $1 "*) ;; *) missing="$missing $1" ;; esac; }

for p in $build_pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || add "$p"
done
if [ "${JOBD_DEPS:-all}" != build ]; then
	for p in $test_libs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || add "$p"
	done
	# A program already on PATH counts, wherever it came from (nvm's node, say).
	for t in $tools; do
		command -v "${t%%:*}" >/dev/null 2>&1 || add "${t#*:}"
	done
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo"
else
	echo "jobd needs these packages:$missing" >&2
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
