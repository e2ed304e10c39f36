# lib.sh — helpers sourced by bench/run.sh: result rows, timing, starting and
# stopping one jobd instance at a time, and a fleet of jobd servers that run
# side by side (one per database size or queue state) to be measured in
# turns. Nothing here measures by itself.
# Expects ROOT, B (build/bench), ROWS, CORES, JOBD and ADDR to be set.

# row KEY WORKLOAD TOOL VALUE UNIT [CMP] — one table row (see table.py)
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" >>"$ROWS"
	[ "$2" = "-" ] || printf '  %-28s %-40s %s %s\n' "$2" "$3" "$4" "$5" >&2
}

# kv 'a=1 b=2' b -> 2
kv() {
	local word
	for word in $1; do
		[ "${word%%=*}" = "$2" ] && { echo "${word#*=}"; return 0; }
	done
	echo "bench: no '$2' in: $1" >&2
	return 1
}

# wall CMD... — runs CMD, prints its wall time in seconds; CMD's output goes
# to $B/last.out (and the log)
wall() {
	local t0=$EPOCHREALTIME t1 rc=0
	timeout 300 "$@" >"$B/last.out" 2>&1 || rc=$?
	t1=$EPOCHREALTIME
	cat "$B/last.out" >>"$B/peers.log"
	[ "$rc" = 0 ] || { echo "bench: failed ($rc): $*" >&2; return 1; }
	calc "$t1 - $t0"
}

# peers — true unless BENCH_PEERS=0 (make bench-compare: jobd's rows only)
peers() { [ "${BENCH_PEERS:-1}" != 0 ]; }

# calc EXPR — floating point arithmetic
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }

# median V... — median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
	print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ctl() { BENCH_ADDR=$ADDR timeout 600 python3 "$ROOT/bench/jobdctl.py" "$@"; }

# jobd_start NAME — starts jobd on $B/NAME/jobd.db; sets JOBD_PID, STARTUP_S
jobd_start() {
	local dir=$B/$1 t0
	mkdir -p "$dir"
	t0=$EPOCHREALTIME
	(cd "$dir" && exec "$JOBD" --listen "$ADDR" --db "$dir/jobd.db" \
		--workers "$CORES" --log-level warn) >>"$dir/jobd.log" 2>&1 &
	JOBD_PID=$!
	if ! ctl ready 60 >/dev/null; then
		echo "bench: jobd did not start; see $dir/jobd.log" >&2
		tail -5 "$dir/jobd.log" >&2
		return 1
	fi
	STARTUP_S=$(calc "$EPOCHREALTIME - $t0")
}

# jobd_stop — SIGTERM, wait for a clean exit (SIGKILL after 30 s)
jobd_stop() {
	local i
	[ -n "${JOBD_PID:-}" ] || return 0
	kill -TERM "$JOBD_PID" 2>/dev/null || true
	for i in $(seq 300); do
		kill -0 "$JOBD_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$JOBD_PID" 2>/dev/null; then
		echo "bench: jobd did not stop in 30 s; killing it" >&2
		kill -KILL "$JOBD_PID" 2>/dev/null || true
	fi
	wait "$JOBD_PID" 2>/dev/null || true
	JOBD_PID=
}

# free_port — an unused loopback port
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# size_label N — 1000 -> 1k, 100000 -> 100k, 1000000 -> 1M
size_label() {
	if [ $(($1 % 1000000)) = 0 ]; then echo "$(($1 / 1000000))M"
	elif [ $(($1 % 1000)) = 0 ]; then echo "$(($1 / 1000))k"
	else echo "$1"
	fi
}

declare -A FLEET_PID FLEET_ADDR FLEET_START

# fleet_start NAME — starts jobd on $B/NAME (whatever database is there) on a
# port of its own and leaves it running; sets FLEET_ADDR[NAME] and
# FLEET_START[NAME] (start-up seconds). ADDR and JOBD_PID are left as they were.
fleet_start() {
	local addr=$ADDR pid=${JOBD_PID:-}
	ADDR=127.0.0.1:$(free_port)
	jobd_start "$1"
	FLEET_PID[$1]=$JOBD_PID FLEET_ADDR[$1]=$ADDR FLEET_START[$1]=$STARTUP_S
	ADDR=$addr JOBD_PID=$pid
}

# fleet_stop — stops every fleet server and removes its directory (also run
# on exit)
fleet_stop() {
	local name pid=${JOBD_PID:-}
	for name in "${!FLEET_PID[@]}"; do
		JOBD_PID=${FLEET_PID[$name]}
		jobd_stop
		unset "FLEET_PID[$name]"
		rm -rf "${B:?}/$name"
	done
	JOBD_PID=$pid
}
