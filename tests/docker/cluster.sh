# tests/docker/cluster.sh — the cluster part of the container test (sourced
# by run.sh only when JOBD_DOCKER_CLUSTER=1, or =only to skip the one-node
# part; off by default). In run.sh's private engine it brings up
# docker-compose.cluster.yml — PostgreSQL from docker/postgres and node1..3
# from the Dockerfile — waits for the four health checks, runs 20
# `sleep 0.5` jobs submitted to node1, checks that GET /v1/workers on node2
# lists 3 nodes and that PostgreSQL logged no FATAL, and tears it all down. Prints "cluster: N passed, M failed".
# The engine has no bridge, so the rendered file puts every service on the
# host network, bound to 127.0.0.1 on free ports (PostgreSQL on PGPORT), and
# the nodes reach PostgreSQL at 127.0.0.1 instead of the name `postgres`.
# Needs run.sh's lib.sh, engine, api.sh, since(), image_mb() and $repo.
# shellcheck shell=bash disable=SC2154

CLUSTER_PROJECT=jobdcluster
CLUSTER_NODES="node1 node2 node3"
CLUSTER_JOBS=20
cluster_passed=0 cluster_failed=0
declare -A CLUSTER_PORT=()

# Like lib.sh's free_port, but below the kernel's ephemeral range: on the
# host network the nodes' own connections to PostgreSQL take ephemeral
# ports, and one of them may hold a port picked there before a node binds it.
cluster_free_port() {
	local low p
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range
	((low > 12000)) || low=61000
	for _ in $(seq 200); do
		p=$((10000 + RANDOM % (low - 10000)))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

cluster_check() {
	local what=$1; shift
	if "$@"; then cluster_passed=$((cluster_passed + 1)); say "ok   cluster: $what"
	else cluster_failed=$((cluster_failed + 1)); say "FAIL cluster: $what"; fi
}

ccompose() {
	docker-compose -p "$CLUSTER_PROJECT" -f "$ENGINE_RUN/cluster.yml" --project-directory "$repo" "$@"
}

# docker-compose.cluster.yml as the private engine can run it: host network
# (no `ports:`), loopback-only listeners on the ports picked, builds through
# the host network.
cluster_render() {
	docker-compose -f "$repo/docker-compose.cluster.yml" config |
		/usr/bin/python3 -c '
import sys, yaml
pg, ports = sys.argv[1], dict(zip(["node1", "node2", "node3"], sys.argv[2:5]))
d = yaml.safe_load(sys.stdin)
for name, s in d["services"].items():
    s.pop("ports", None)
    s.pop("networks", None)
    s["network_mode"] = "host"
    if isinstance(s.get("build"), dict):
        s["build"]["network"] = "host"
    env = s.setdefault("environment", {})
    if name == "postgres":
        env.update(PGPORT=pg, POSTGRES_LISTEN="127.0.0.1")
    else:
        env["JOBD_LISTEN"] = "127.0.0.1:" + ports[name]
        env["JOBD_DB"] = env["JOBD_DB"].replace("@postgres/", "@127.0.0.1:%s/" % pg)
yaml.safe_dump(d, sys.stdout)' "$1" "$2" "$3" "$4" >"$ENGINE_RUN/cluster.yml"
}

cluster_health() { docker inspect -f '{{.State.Health.Status}}' "$(ccompose ps -q "$1")" 2>/dev/null; }
cluster_healthy() { [ "$(cluster_health "$1")" = healthy ]; }
cluster_all_healthy() {
	local s
	for s in "$@"; do cluster_healthy "$s" || return 1; done
}

cluster_node() { echo "http://127.0.0.1:${CLUSTER_PORT[$1]}"; }

# POSTs $CLUSTER_JOBS `sleep 0.5` jobs as one batch to node $1; prints its id.
cluster_submit() {
	jq -n --argjson n "$CLUSTER_JOBS" \
		'{name: "cluster-test", jobs: [range($n) | {command: ["sleep", "0.5"]}]}' |
		api -f -H 'Content-Type: application/json' --data-binary @- "$(cluster_node "$1")/v1/batches" |
		jq -er .id
}

cluster_batch_succeeded() {
	api "$(cluster_node "$1")/v1/batches/$2" |
		jq -e --argjson n "$CLUSTER_JOBS" '.total == $n and .counts.succeeded == $n' >/dev/null
}

cluster_lists_nodes() {
	api "$(cluster_node "$1")/v1/workers" | jq -e --argjson n "$2" '(.nodes | length) == $n' >/dev/null
}

cluster_pg_quiet() {
	local log
	log=$(docker logs "$(ccompose ps -q postgres)" 2>&1) || return 1
	! grep -E 'FATAL|PANIC' <<<"$log" >&2
}

cluster_down() {
	[ -s "${ENGINE_RUN:-}/cluster.yml" ] || return 0
	ccompose down -v --remove-orphans >/dev/null 2>&1 || true
}

cluster_main() {
	local pg n t0 batch target
	local taken p
	pg=$(cluster_free_port) || die "no free port"
	taken=" $pg "
	for n in $CLUSTER_NODES; do
		p=$pg
		while [[ $taken == *" $p "* ]]; do p=$(cluster_free_port) || die "no free port"; done
		CLUSTER_PORT[$n]=$p taken+="$p "
	done
	export JOBD_PG_PASSWORD=pg$RANDOM$RANDOM JOBD_WORKERS=2
	export JOBD_TOKEN=${JOBD_TOKEN:-docker-test-$RANDOM$RANDOM}
	# shellcheck disable=SC2034  # read by api.sh's api()
	API_TOKEN=$JOBD_TOKEN
	cluster_render "$pg" "${CLUSTER_PORT[node1]}" "${CLUSTER_PORT[node2]}" "${CLUSTER_PORT[node3]}" ||
		die "docker-compose -f docker-compose.cluster.yml config failed"
	cluster_down

	t0=$EPOCHREALTIME
	ccompose build >"$ENGINE_RUN/cluster-build.log" 2>&1 ||
		{ tail -n 40 "$ENGINE_RUN/cluster-build.log" >&2; die "cluster image build failed"; }
	say "cluster images built in $(since "$t0") s; jobd-postgres:local is $(image_mb jobd-postgres:local) MB"

	t0=$EPOCHREALTIME
	ccompose up -d --no-build >&2 || die "docker-compose -f docker-compose.cluster.yml up failed"
	cluster_check "postgres becomes healthy" wait_for 120 cluster_healthy postgres
	say "postgres healthy after $(since "$t0") s"
	# One deadline for the three nodes; then each is judged on its own.
	# shellcheck disable=SC2086
	wait_for 90 cluster_all_healthy $CLUSTER_NODES || true
	for n in $CLUSTER_NODES; do
		cluster_check "$n becomes healthy ($(cluster_health "$n"))" cluster_healthy "$n"
	done
	say "cluster up after $(since "$t0") s"

	# node1; while nodes cannot share a database yet only one of them starts,
	# so then the jobs go to whichever does (and node1's check above failed).
	target=node1
	if ! cluster_healthy node1; then
		for n in $CLUSTER_NODES; do
			if cluster_healthy "$n"; then target=$n; break; fi
		done
		say "node1 is not healthy: submitting to $target instead"
	fi
	if batch=$(cluster_submit "$target"); then
		cluster_check "$CLUSTER_JOBS jobs submitted to $target all succeed" \
			wait_for 90 cluster_batch_succeeded "$target" "$batch"
		api "$(cluster_node "$target")/v1/batches/$batch" | jq -c '{total, counts}' >&2 || true
	else
		cluster_check "POST /v1/batches to $target" false
	fi
	cluster_check "GET /v1/workers on node2 lists 3 nodes" cluster_lists_nodes node2 3
	cluster_check "PostgreSQL logged no FATAL (health checks, logins)" cluster_pg_quiet

	if ((cluster_failed > 0)); then
		ccompose ps >&2 || true
		ccompose logs --no-color --tail 20 >&2 2>/dev/null || true
	fi
	t0=$EPOCHREALTIME
	ccompose down -v --remove-orphans >&2
	say "cluster down in $(since "$t0") s"
	say "cluster: $cluster_passed passed, $cluster_failed failed"
}
