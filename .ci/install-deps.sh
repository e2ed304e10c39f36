#!/bin/sh
# install-deps.sh — installs what building and testing jobd need on
# Debian/Ubuntu, only what is missing. As root (or with sudo) it runs
# apt-get; otherwise it prints the exact apt-get line to run. Called by
# `make run` and `make test`; set JOBD_DEPS=build to skip the test tools.
set -eu

build_pkgs="gcc make pkg-config libmicrohttpd-dev libcjson-dev libsqlite3-dev libpq-dev"
# postgresql: the throwaway server of the integration-pg suite (tests/pg/).
test_pkgs="libcmocka-dev curl python3 clang valgrind chromium nodejs npm sqlite3 postgresql"
pkgs=$build_pkgs
[ "${JOBD_DEPS:-all}" = build ] || pkgs="$pkgs $test_pkgs"

missing=""
for p in $pkgs; do
	# nodejs/npm may come from elsewhere (nvm, NodeSource): accept a working binary.
	case $p in
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
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
