# growth_waiting.sh — row 5 of issue 5, continued ("dispatch stays O(log n) or
# better as the queue grows"), sourced by bench/run.sh: how fast jobd runs
# runnable work while $WAIT_N jobs that may NOT run yet wait in its queue —
# delayed ones, ones blocked in dependency chains, ones in a paused queue,
# ones in a queue whose rate window is used up.
#
# Why it should stay flat. To claim a job the dispatcher seeks the head of
# each open queue in jobs_ready, a partial index on (queue, priority DESC, id)
# WHERE state = 'queued' AND wait_until IS NULL AND blocked = 0
# (migrations/sqlite/004_queues_limits_schedules.sql; the query is STMT_QUEUE_HEAD
# in server/store/store_stmts.def, pinned with INDEXED BY). A delayed job has wait_until
# set and a job waiting for a dependency has blocked > 0, so neither is in
# that index at all; a paused queue is skipped without a seek, and so is a
# rate-limited queue whose window is used up (the dispatcher's mirror keeps
# until when, and asks the store again only then: queues.h). A claim is
# thus one B-tree seek in an index of the runnable jobs plus a fetch of the
# row by id: O(log n) in the table, and nothing at all per waiting job. The
# waiting jobs are only ever touched when their time comes: the earliest
# delay through jobs_waiting (min(wait_until), O(log n)), the dependents of
# a finished job through job_deps keyed by the dependency. If a claim ever
# scanned the queued rows instead, 100k waiting jobs would cost milliseconds
# per claim — queue_ms and the batch rate would be many times the baseline.
#
# Set-up: one server per state, each on a fresh database, started empty and
# filled through the API (POST /v1/batches, batches of 10,000):
#   base     nothing waiting
#   delayed  $WAIT_N × delay_s ≈ 347 days (never due during the run)
#   chains   $WAIT_N in chains of 10,000: spec i after_index [i-1], spec 0
#            after one delayed anchor job (+1 job), so nothing becomes runnable
#   held     $WAIT_N in queue "held", paused before the batches
#   unique   $WAIT_N delayed as above, each with its own unique_key: all of
#            them held in jobs_unique (a partial unique index), which the
#            probe jobs (no key) never touch (issue 18 item 1)
#   rated    $WAIT_N in queue "rated", limited to 1 start a day before the
#            batches and that start used by one job run first (+1 job)
#   tagged   $WAIT_N × delay_s, each with 3 tags (3 × $WAIT_N rows of
#            job_tags and its index, migration 009): tags are written once at
#            submit and read only by filters, so a claim must not notice them
#   multi    $WAIT_N × delay_s, every other one with cpus: 2 (issue 18 item
#            3): the claim reads cpus from the row it claims, so waiting
#            multi-core jobs cost a claim nothing
#   all      all three on one server (3 × $WAIT_N + 1 waiting)
# The servers then run side by side (pool $CORES each) and are measured in
# turns for $REPS rounds — medians of per-round medians, as in growth.sh — so
# load from elsewhere on the machine falls on every state alike. Each round,
# per server: $WAIT_LAT single `true` jobs one at a time (POST → final event
# on /v1/events; their queue_ms is the claim plus the worker's start), then
# one batch of $WAIT_BATCH `true` (submit → all final). At the end every
# server must still hold all its waiting jobs queued, or the phase fails.
# Submitting the waiting jobs is timed too (the insert path, dependency
# bookkeeping included).

WAIT_LAT=50
WAIT_BATCH=2000
WAIT_STATES="base delayed chains held unique rated tagged multi all"
declare -A WAIT_SEED

# wctl ADDR ARGS... — bench/waiting.py against the server at ADDR
wctl() { BENCH_ADDR=$1 timeout 600 python3 "$ROOT/bench/waiting.py" "${@:2}"; }

wait_tool() {
	local n
	n=$(size_label "$WAIT_N")
	case $1 in
	base) echo "jobd, empty queue" ;;
	delayed) echo "jobd + $n delayed" ;;
	chains) echo "jobd + $n in dependency chains" ;;
	held) echo "jobd + $n in a paused queue" ;;
	unique) echo "jobd + $n unique-keyed, delayed" ;;
	rated) echo "jobd + $n in a rate-limited queue" ;;
	tagged) echo "jobd + $n tagged (3 tags each), delayed" ;;
	multi) echo "jobd + $n delayed, half of them cpus: 2" ;;
	all) echo "jobd + all three ($(size_label $((3 * WAIT_N))) waiting)" ;;
	esac
}

# wait_prepare STATE — starts STATE's server on a fresh database and fills
# it; the submit time of a single kind goes to WAIT_SEED[STATE]
wait_prepare() {
	local name=wait_$1 kind out a
	rm -rf "${B:?}/$name"
	fleet_start "$name"
	a=${FLEET_ADDR[$name]}
	case $1 in
	base) ;;
	all)
		for kind in delayed chains held; do
			echo "seed $name $kind: $(wctl "$a" seed "$kind" "$WAIT_N")" >>"$B/peers.log"
		done ;;
	*)
		out=$(wctl "$a" seed "$1" "$WAIT_N")
		echo "seed $name: $out" >>"$B/peers.log"
		WAIT_SEED[$1]=$(kv "$out" seconds) ;;
	esac
	wctl "$a" latency 5 >/dev/null # warm-up
}

# wait_check STATE — fails unless STATE's waiting jobs are all still queued
wait_check() {
	local a=${FLEET_ADDR[wait_$1]}
	case $1 in
	delayed | unique | tagged | multi) wctl "$a" check default "$WAIT_N" ;;
	chains) wctl "$a" check default $((WAIT_N + 1)) ;;
	held) wctl "$a" check held "$WAIT_N" ;;
	rated) wctl "$a" check rated "$WAIT_N" ;;
	all) wctl "$a" check default $((2 * WAIT_N + 1)) && wctl "$a" check held "$WAIT_N" ;;
	esac >>"$B/peers.log"
}

phase_growth_waiting() {
	local s r a out n w
	local -A lat queue rate
	ROWS=$B/rows.5w.tsv
	for s in $WAIT_STATES; do
		wait_prepare "$s"
	done
	for r in $(seq "$REPS"); do
		for s in $WAIT_STATES; do
			a=${FLEET_ADDR[wait_$s]}
			out=$(wctl "$a" latency "$WAIT_LAT")
			lat[$s]+=" $(kv "$out" median_ms)"
			queue[$s]+=" $(kv "$out" queue_median_ms)"
			out=$(wctl "$a" batch "$WAIT_BATCH")
			rate[$s]+=" $(kv "$out" jobs_per_s)"
			echo "waiting $s round $r: $out" >>"$B/peers.log"
		done
	done
	for s in $WAIT_STATES; do
		wait_check "$s"
	done
	fleet_stop
	w="waiting jobs: one \`true\` at a time, POST → final, median"
	for s in $WAIT_STATES; do
		# shellcheck disable=SC2086 # word lists on purpose
		row "wait_lat_$s" "$w" "$(wait_tool "$s")" "$(median ${lat[$s]})" ms vs:wait_lat_base
	done
	w="waiting jobs: those jobs' queue_ms (claim + start), median"
	for s in $WAIT_STATES; do
		# shellcheck disable=SC2086
		row "wait_queue_$s" "$w" "$(wait_tool "$s")" "$(median ${queue[$s]})" ms \
			vs:wait_queue_base
	done
	w="waiting jobs: $WAIT_BATCH × \`true\` in one batch, submit → all final"
	for s in $WAIT_STATES; do
		# shellcheck disable=SC2086
		row "wait_rate_$s" "$w" "$(wait_tool "$s")" "$(median ${rate[$s]})" jobs/s \
			vs:wait_rate_base
	done
	n=$(size_label "$WAIT_N")
	w="waiting jobs: submitting $n in batches of 10,000"
	row wait_seed_delayed "$w" "$n × delay_s" "${WAIT_SEED[delayed]}" s
	row wait_seed_chains "$w" "$n in chains (after_index i-1)" "${WAIT_SEED[chains]}" s \
		vs:wait_seed_delayed
	row wait_seed_held "$w" "$n into a paused queue" "${WAIT_SEED[held]}" s vs:wait_seed_delayed
	row wait_seed_unique "$w" "$n × delay_s, each a unique_key" "${WAIT_SEED[unique]}" s \
		vs:wait_seed_delayed
	row wait_seed_rated "$w" "$n into a rate-limited queue" "${WAIT_SEED[rated]}" s \
		vs:wait_seed_delayed
	row wait_seed_tagged "$w" "$n × delay_s, 3 tags each" "${WAIT_SEED[tagged]}" s \
		vs:wait_seed_delayed
	row wait_seed_multi "$w" "$n × delay_s, half cpus: 2" "${WAIT_SEED[multi]}" s \
		vs:wait_seed_delayed
}
