# phases.sh — the measurements of issue 5, one function per table row group,
# sourced by bench/run.sh. Each function writes its rows to $B/rows.N.tsv
# (N = the issue's row number) so the table keeps the issue's order whatever
# order the phases run in. Phases that need jobd expect it running at $ADDR
# (JOBD_PID set) unless they say they start their own.

# Row 1 — the seed's demo: N × `sleep 1` on a pool of $CORES.
phase_demo() {
	local n r out w ideal
	ROWS=$B/rows.1.tsv
	for n in 2 10; do
		local jw=() ja=() fe=() xa=() pa=() pw=() pi=()
		for r in $(seq "$REPS"); do
			if [ -n "${JOBD_PID:-}" ]; then
				out=$(BENCH_COUNT=$n ctl batch 0.002 sleep 1)
				jw+=("$(kv "$out" wall_s)")
				ja+=("$(calc "$(kv "$out" makespan_ms) / 1000")")
			fi
			peers || continue
			out=$("$B/forkexec" -j "$CORES" -n "$n" /bin/sleep 1)
			fe+=("$(kv "$out" seconds)")
			xa+=("$(wall sh -c "yes 1 | head -n $n | xargs -P $CORES -n1 sleep")")
			pa+=("$(wall sh -c "seq $n | parallel --will-cite -j $CORES -N0 sleep 1")")
			pw+=("$(wall python3 "$ROOT/bench/ppe.py" "$CORES" "$n" sleep 1)")
			pi+=("$(kv "$(cat "$B/last.out")" seconds)")
		done
		ideal=$(((n + CORES - 1) / CORES))
		w="$n × sleep 1, pool $CORES"
		if [ -n "${JOBD_PID:-}" ]; then
			row "demo${n}_jobd" "$w" "jobd batch: submit → all final (client)" \
				"$(median "${jw[@]}")" s "vs:demo${n}_ideal"
			row "demo${n}_api" "$w" "jobd batch: makespan_ms (API)" \
				"$(median "${ja[@]}")" s "vs:demo${n}_ideal"
		fi
		row "demo${n}_ideal" "$w" "ideal ceil(N/cores) s" "$ideal" s
		peers || continue
		row "demo${n}_forkexec" "$w" "C fork+exec+wait4" "$(median "${fe[@]}")" s "peer:demo${n}_jobd"
		row "demo${n}_xargs" "$w" "xargs -P $CORES" "$(median "${xa[@]}")" s "peer:demo${n}_jobd"
		row "demo${n}_parallel" "$w" "GNU parallel -j $CORES" "$(median "${pa[@]}")" s "peer:demo${n}_jobd"
		row "demo${n}_ppe" "$w" "ProcessPoolExecutor (whole python)" "$(median "${pw[@]}")" s "peer:demo${n}_jobd"
		row "demo${n}_ppe_in" "$w" "ProcessPoolExecutor (inside the pool)" "$(median "${pi[@]}")" s "peer:demo${n}_jobd"
	done
}

# Row 2 — trivial jobs end to end: $TRIV_N × `true` until all are finished.
# Tools take turns, $REPS rounds, medians: other load on the machine then
# hits jobd and its peers alike.
phase_trivial() {
	local n=$TRIV_N w="$TRIV_N × true, end to end" out r
	local jb=() jp=() fe=() fs=() xa=() pa=() pp=()
	ROWS=$B/rows.2.tsv
	for r in $(seq "$REPS"); do
		if [ -n "${JOBD_PID:-}" ]; then
			out=$(BENCH_COUNT=$n ctl batch 0.01 true)
			jb+=("$(kv "$out" jobs_per_s)")
			out=$(ctl singles "$n" 4 "$B/postload")
			jp+=("$(kv "$out" jobs_per_s)")
		fi
		peers || continue
		out=$("$B/forkexec" -j "$CORES" -n "$n" /bin/true)
		fe+=("$(kv "$out" jobs_per_s)")
		out=$("$B/forkexec" -s -j "$CORES" -n "$n" /bin/true)
		fs+=("$(kv "$out" jobs_per_s)")
		xa+=("$(calc "$n / $(wall sh -c "seq $n | xargs -P $CORES -n1 true")")")
		pa+=("$(calc "$PAR_N / $(wall sh -c "seq $PAR_N | parallel --will-cite -j $CORES -N0 true")")")
		pp+=("$(calc "$n / $(wall python3 "$ROOT/bench/ppe.py" "$CORES" "$n" true)")")
	done
	if [ -n "${JOBD_PID:-}" ]; then
		row triv_batch "$w" "jobd, one batch" "$(median "${jb[@]}")" jobs/s vs:triv_forkexec
		row triv_posts "$w" "jobd, $n single POSTs, 4 keep-alive conns" \
			"$(median "${jp[@]}")" jobs/s vs:triv_forkexec
	fi
	peers || return 0
	row triv_forkexec "$w" "C fork+exec+wait4, $CORES in flight (limit)" \
		"$(median "${fe[@]}")" jobs/s peer:triv_batch
	row triv_spawn "$w" "C posix_spawn+wait4, $CORES in flight" \
		"$(median "${fs[@]}")" jobs/s peer:triv_batch
	row triv_xargs "$w" "xargs -P $CORES -n1 true" "$(median "${xa[@]}")" jobs/s peer:triv_batch
	row triv_parallel "$w" "GNU parallel -j $CORES ($PAR_N jobs)" "$(median "${pa[@]}")" \
		jobs/s peer:triv_batch
	row triv_ppe "$w" "ProcessPoolExecutor + subprocess.run" "$(median "${pp[@]}")" \
		jobs/s peer:triv_batch
}

# Row 3 — submission: single-job POSTs vs SQLite's single-row commit rate.
# Each round starts its own jobd on a scratch db and stops it (the queue it
# built is thrown away) before SQLite is measured alone. The submitted jobs
# run meanwhile and share the cores; one more load with the workers stopped
# (SIGSTOP) shows the submit path alone — a diagnostic, not the target.
phase_submission() {
	local c r out w="single-job POSTs, keep-alive" best=0 v
	local -A rps p99
	local pz=() wp
	local sq=()
	ROWS=$B/rows.3.tsv
	for r in $(seq "$REPS"); do
		if [ -x "$JOBD" ]; then
			rm -rf "$B/submit"
			jobd_start submit
			for c in 2 4 8; do
				out=$("$B/postload" -a "$ADDR" -c "$c" -n 1000000 -t "$SUB_T")
				rps[$c]="${rps[$c]:-} $(kv "$out" rps)"
				p99[$c]="${p99[$c]:-} $(kv "$out" p99_ms)"
			done
			wp=$(ctl worker-pids)
			# shellcheck disable=SC2086 # a list of pids
			kill -STOP $wp
			out=$("$B/postload" -a "$ADDR" -c 8 -n 1000000 -t "$SUB_T") || true
			# shellcheck disable=SC2086
			kill -CONT $wp
			pz+=("$(kv "$out" rps)")
			jobd_stop
			rm -rf "$B/submit"
		fi
		peers || continue
		out=$("$B/sqlite_commit" -d "$B/commit.db" -m "$ROOT/migrations/sqlite" -t "$SUB_T")
		rm -f "$B"/commit.db*
		sq+=("$(kv "$out" commits_per_s)")
	done
	if [ -x "$JOBD" ]; then
		for c in 2 4 8; do
			# shellcheck disable=SC2086 # word lists on purpose
			v=$(median ${rps[$c]})
			# shellcheck disable=SC2086
			row "sub_c$c" "$w" "jobd, $c conns (p99 $(median ${p99[$c]}) ms)" "$v" \
				req/s vs:sub_sqlite
			best=$(awk -v a="$best" -v b="$v" 'BEGIN { print (b > a) ? b : a }')
		done
		row sub_best - - "$best" req/s
		row sub_paused "$w" "jobd, 8 conns, workers stopped (diagnostic)" \
			"$(median "${pz[@]}")" req/s vs:sub_sqlite
	fi
	peers || return 0
	row sub_sqlite "$w" "SQLite insert+commit per row (WAL, NORMAL)" \
		"$(median "${sq[@]}")" commits/s
}

# wrk_rps PATH — requests/s of GET PATH for $READ_T s over 4 connections
wrk_rps() {
	local out
	out=$(wrk -t1 -c4 -d"${READ_T}s" "http://$ADDR$1")
	echo "$out" >>"$B/peers.log"
	if echo "$out" | grep -q 'Non-2xx'; then
		echo "bench: non-2xx answers for GET $1" >&2
	fi
	echo "$out" | awk '/^Requests\/sec:/ { print $2 }'
}

# Row 3 continued — batch ingest: a 10,000-job batch of delayed jobs in one
# POST, alone, as an after_index chain and with 3 tags each (best of 5), and single POSTs of
# delayed jobs (the submit path alone: nothing runs while measured), on a
# jobd of their own.
phase_ingest() {
	local out w="ingest, delayed jobs (none runs)" r pd=()
	ROWS=$B/rows.3i.tsv
	rm -rf "$B/ingest"
	jobd_start ingest
	out=$(ctl ingest 10000 5 0)
	row ingest_batch "$w" "jobd, 10,000-job batch, POST → 201 (best of 5)" \
		"$(kv "$out" jobs_per_s)" jobs/s
	out=$(ctl ingest 10000 5 1)
	row ingest_chain "$w" "jobd, 10,000-job after_index chain (best of 5)" \
		"$(kv "$out" jobs_per_s)" jobs/s
	# A jobd from before tags (a bench-compare BASE) refuses them: no row.
	if out=$(ctl ingest 10000 5 tagged 2>"$B/ingest-tagged.err"); then
		row ingest_tagged "$w" "jobd, 10,000-job batch, 3 tags each (best of 5)" \
			"$(kv "$out" jobs_per_s)" jobs/s
	else
		echo "bench: no tagged ingest row: $(tail -c 300 "$B/ingest-tagged.err")" >&2
	fi
	for r in $(seq "$REPS"); do
		out=$("$B/postload" -a "$ADDR" -c 4 -n 1000000 -t "$SUB_T" \
			-b '{"command":["true"],"delay_s":86400}')
		pd+=("$(kv "$out" rps)")
	done
	row sub_delayed "$w" "jobd, single POSTs, 4 conns" "$(median "${pd[@]}")" req/s \
		vs:sub_sqlite
	jobd_stop
	rm -rf "$B/ingest"
}

# Row 4 — reads beside /healthz, on the running jobd, in turns ($REPS rounds).
phase_reads() {
	local id r w="reads (wrk, 4 conns, ${READ_T} s)" ri=() rl=() rh=()
	ROWS=$B/rows.4.tsv
	id=$(ctl first-id)
	for r in $(seq "$REPS"); do
		ri+=("$(wrk_rps "/v1/jobs/$id")")
		rl+=("$(wrk_rps "/v1/jobs?limit=50")")
		rh+=("$(wrk_rps /healthz)")
	done
	row read_id "$w" "GET /v1/jobs/{id}" "$(median "${ri[@]}")" req/s vs:read_health
	row read_list "$w" "GET /v1/jobs?limit=50" "$(median "${rl[@]}")" req/s vs:read_health
	row read_health "$w" "GET /healthz" "$(median "${rh[@]}")" req/s
}

# mem_rows WHEN — server RSS and worker private memory now (row 6)
mem_rows() {
	local out
	ROWS=$B/rows.6.tsv
	out=$(ctl mem "$JOBD_PID")
	if [ "$1" = idle ]; then
		row mem_idle memory "jobd RSS, idle" "$(calc "$(kv "$out" server_rss_kb) / 1024")" MB
		row mem_worker_idle memory "worker private (largest of $CORES), idle" \
			"$(calc "$(kv "$out" worker_private_kb_max) / 1024")" MB
	else
		row mem_after memory "jobd RSS after $1 jobs" \
			"$(calc "$(kv "$out" server_rss_kb) / 1024")" MB vs:mem_idle
		row mem_worker memory "worker private (largest of $CORES), after" \
			"$(calc "$(kv "$out" worker_private_kb_max) / 1024")" MB vs:mem_worker_idle
	fi
}

# Row 7 — dispatch latency with idle workers: jobs one at a time.
phase_dispatch() {
	local out
	ROWS=$B/rows.7.tsv
	out=$(ctl dispatch "$DISP_N")
	row disp_median "dispatch ($DISP_N jobs, one at a time)" "queue_ms median" \
		"$(kv "$out" median_ms)" ms
	row disp_p99 "dispatch ($DISP_N jobs, one at a time)" "queue_ms p99" \
		"$(kv "$out" p99_ms)" ms
}
