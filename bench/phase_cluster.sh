# phase_cluster.sh — row 8 of the bench (sourced by bench/run.sh): jobd as a
# cluster on one durable PostgreSQL (fsync and synchronous_commit on; see
# bench/cluster.py): CL_N × `true` as batches of 1,000 on 1, 2 and 3 nodes
# (one worker each; on a 2-core machine the third node shares the cores),
# and single POSTs of delayed jobs beside PostgreSQL's own 1-row commit rate.
# Each figure is the median of $REPS rounds taken in turns.

# cluster_py ARGS... — one bench/cluster.py measurement; prints its RESULT json
cluster_py() {
	local out
	out=$(timeout 600 python3 "$ROOT/bench/cluster.py" --quiet --pg "$CL_PG" "$@") ||
		{ echo "bench: cluster.py $* failed" >&2; return 1; }
	echo "$out" >>"$B/peers.log"
	echo "$out" | sed -n 's/^RESULT //p'
}

# json_get JSON KEY — a number from one RESULT line
json_get() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

phase_cluster() {
	local r n out w="cluster on PostgreSQL ($CL_N × true)" pg_dir
	local -A rate
	local posts=() commits=()
	ROWS=$B/rows.8.tsv
	pg_dir=$(mktemp -u /tmp/jbpg-XXXXXX) # short: the socket path must fit
	CL_PG=$(python3 "$ROOT/bench/cluster.py" pg start "$pg_dir") ||
		{ echo "bench: no PostgreSQL for the cluster rows" >&2; return 1; }
	for r in $(seq "$REPS"); do
		for n in 1 2 3; do
			out=$(cluster_py throughput --nodes "$n" --jobs "$CL_N" --batch 1000) || break 2
			rate[$n]="${rate[$n]:-} $(json_get "$out" jobs_per_s)"
		done
		out=$(cluster_py submit --seconds "$SUB_T" --conns 4 --postload "$B/postload") || break
		posts+=("$(json_get "$out" post_rps)")
		commits+=("$(json_get "$out" pg_commits_per_s)")
	done
	python3 "$ROOT/bench/cluster.py" pg stop "$pg_dir"
	[ "${#commits[@]}" = "$REPS" ] || return 1
	for n in 1 2 3; do
		# shellcheck disable=SC2086 # a word list on purpose
		row "cl_pg$n" "$w" "jobd, $n node$([ "$n" = 1 ] || echo s), 1 worker each" \
			"$(median ${rate[$n]})" jobs/s "$([ "$n" = 1 ] || echo vs:cl_pg1)"
	done
	row sub_pg "single POSTs on PostgreSQL" "jobd, delayed jobs, 4 conns" \
		"$(median "${posts[@]}")" req/s vs:sub_pg_commit
	row sub_pg_commit "single POSTs on PostgreSQL" "PostgreSQL insert+commit per row (1 client)" \
		"$(median "${commits[@]}")" commits/s
}
