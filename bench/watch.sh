# watch.sh — issue 16 goal 9, "watching is nearly free", sourced by
# bench/run.sh: $WATCH_N × `true` as one batch, submit → last final, on a
# jobd of its own, in turns ($REPS rounds, medians): nobody watching, one
# `curl -N /v1/events` listener, and the dashboard open in headless Chromium
# (bench/watch.mjs, the e2e tests' launcher), which also says how long its
# succeeded count went without an update while the batch ran and how busy
# the page's main thread was per job (wall time of its tasks: inflated when
# the machine is loaded, but less than the rates are).

# watch_ready FILE — waits (up to 60 s) until FILE has a first line
watch_ready() {
	local _
	for _ in $(seq 600); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	echo "bench: no first line in $1" >&2
	return 1
}

# watch_browser — true when node, playwright-core and chromium are there
# (installs the e2e tests' node modules as tests/e2e/run.sh does)
watch_browser() {
	command -v node >/dev/null && [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || return 1
	[ -d "$ROOT/tests/e2e/node_modules/playwright-core" ] ||
		(cd "$ROOT/tests/e2e" && npm ci --no-audit --no-fund >&2) || return 1
}

phase_watch() {
	local r out pid w="$WATCH_N × true, one batch, submit → last final" page=1
	local none=() curl=() pg=() gap=() task=()
	ROWS=$B/rows.9.tsv
	watch_browser || { page=0; echo "bench: no node/chromium: no dashboard row" >&2; }
	rm -rf "$B/watch"
	: >"$B/watch-page.log"
	jobd_start watch
	for r in $(seq "$REPS"); do
		out=$(BENCH_COUNT=$WATCH_N ctl batch 0.01 true)
		none+=("$(kv "$out" jobs_per_s)")
		curl -sN "http://$ADDR/v1/events" >"$B/watch/events.txt" &
		pid=$!
		watch_ready "$B/watch/events.txt"
		out=$(BENCH_COUNT=$WATCH_N ctl batch 0.01 true)
		curl+=("$(kv "$out" jobs_per_s)")
		kill "$pid"
		wait "$pid" 2>/dev/null || true
		[ "$page" = 1 ] || continue
		node "$ROOT/bench/watch.mjs" "http://$ADDR" "$WATCH_N" >"$B/watch/page.txt" 2>>"$B/watch-page.log" &
		pid=$!
		watch_ready "$B/watch/page.txt"
		out=$(BENCH_COUNT=$WATCH_N ctl batch 0.01 true)
		pg+=("$(kv "$out" jobs_per_s)")
		# A page that never shows the final count: the round has no dashboard figures.
		if ! wait "$pid"; then
			echo "bench: the dashboard watcher failed (round $r); see $B/watch-page.log" >&2
			pg=("${pg[@]:0:${#pg[@]}-1}")
			continue
		fi
		out=$(tail -1 "$B/watch/page.txt")
		gap+=("$(kv "$out" max_gap_ms)")
		task+=("$(calc "$(kv "$out" task_s) * 1000000 / $WATCH_N")")
	done
	jobd_stop
	row watch_none "$w" "jobd, nobody watching" "$(median "${none[@]}")" jobs/s
	row watch_curl "$w" "jobd, one curl -N /v1/events" "$(median "${curl[@]}")" jobs/s vs:watch_none
	if [ "$page" = 1 ] && [ "${#gap[@]}" -gt 0 ]; then
		row watch_page "$w" "jobd, dashboard open (headless Chromium)" "$(median "${pg[@]}")" jobs/s \
			vs:watch_none
		row watch_gap "$w" "dashboard: longest gap between count updates" "$(median "${gap[@]}")" ms
		row watch_task "$w" "dashboard: page main-thread busy per job (diagnostic)" \
			"$(median "${task[@]}")" µs
	fi
	rm -rf "$B/watch"
}
