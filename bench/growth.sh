# growth.sh — row 5 of issue 5, sourced by bench/run.sh: POST, GET by id, the
# first list page and a state-filtered page at 1k, 100k and 1M stored jobs.
#
# Each size gets its own database: the server creates the schema, then it is
# stopped and seed_db appends the finished jobs in one transaction. The three
# servers then run side by side on their own ports and are measured in turns
# for $REPS rounds (medians of the per-round medians), so load from elsewhere
# on the machine falls on every size alike.

# grow_prepare SIZE — seeds a database of SIZE finished jobs, starts its server
grow_prepare() {
	local name out
	name=grow_$(size_label "$1")
	rm -rf "${B:?}/$name"
	ADDR=127.0.0.1:$(free_port)
	jobd_start "$name" && jobd_stop
	out=$("$B/seed_db" -d "$B/$name/jobd.db" -m "$ROOT/migrations/sqlite" -n "$1")
	echo "seed $name: $out" >>"$B/peers.log"
	fleet_start "$name"
}

# p50 ADDR METHOD PATH — median latency (ms) of $GROW_M sequential requests
p50() {
	local out
	out=$("$B/postload" -a "$1" -c 1 -n "$GROW_M" -m "$2" -p "$3")
	kv "$out" p50_ms
}

grow_what() {
	case $1 in
	post) echo "POST /v1/jobs" ;;
	id) echo "GET /v1/jobs/{id}" ;;
	list) echo "GET /v1/jobs?limit=50" ;;
	state) echo "GET /v1/jobs?state=failed&limit=50" ;;
	esac
}

phase_growth() {
	local size label op r a main_addr=$ADDR
	local -A v
	ROWS=$B/rows.5.tsv
	for size in 1000 100000 1000000; do
		grow_prepare "$size"
	done
	for r in $(seq "$REPS"); do
		for size in 1000 100000 1000000; do
			label=$(size_label "$size")
			a=${FLEET_ADDR[grow_$label]}
			v[post_$label]+=" $(p50 "$a" POST /v1/jobs)"
			v[id_$label]+=" $(p50 "$a" GET "/v1/jobs/$((size / 2))")"
			v[list_$label]+=" $(p50 "$a" GET "/v1/jobs?limit=50")"
			v[state_$label]+=" $(p50 "$a" GET "/v1/jobs?state=failed&limit=50")"
		done
	done
	fleet_stop
	ADDR=$main_addr
	for op in post id list state; do
		for label in 1k 100k 1M; do
			# shellcheck disable=SC2086 # a word list on purpose
			row "grow_${op}_$label" "growth: $(grow_what $op), median" \
				"jobd @ $label jobs" "$(median ${v[${op}_$label]})" ms "vs:grow_${op}_1k"
		done
	done
	for label in 1k 100k 1M; do
		row "grow_start_$label" "growth: start-up to ready" "jobd @ $label jobs" \
			"${FLEET_START[grow_$label]}" s "vs:grow_start_1k"
	done
}
