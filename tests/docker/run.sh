#!/usr/bin/env bash
# tests/docker/run.sh — the real-container test behind `make docker-test`.
# Starts a private Docker engine (engine.sh), provides debian:bookworm-slim
# without a registry (base-image.sh), builds the image from the Dockerfile
# with docker-compose, runs it loopback-only (compose.loopback.yml), waits for
# healthy, runs a batch through the API, stops the container (SIGTERM must
# exit 0), recreates it and checks the jobs survived in the named volume,
# then (guard.sh) runs the image's default — 0.0.0.0 without a token — and
# checks the token jobd makes and the rebinding guard, then tears it all
# down. Prints the image size and the seconds from
# `docker-compose up` to healthy.
# With JOBD_DOCKER_CLUSTER=1 it then runs the 3-node PostgreSQL cluster test
# (cluster.sh) in the same engine; JOBD_DOCKER_CLUSTER=only runs just that.
# Exits 0 with "SKIP" only when no engine can be started here at all.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export JOBD_DOCKER_CACHE=${JOBD_DOCKER_CACHE:-/var/cache/jobd-docker}
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=engine.sh
. "$here/engine.sh"
# shellcheck source=base-image.sh
. "$here/base-image.sh"
# shellcheck source=api.sh
. "$here/api.sh"
# shellcheck source=guard.sh
. "$here/guard.sh"
CLUSTER=${JOBD_DOCKER_CLUSTER:-0}
case $CLUSTER in
0 | "") CLUSTER=0 ;;
1 | only)
	# shellcheck source=cluster.sh
	. "$here/cluster.sh" ;;
*) echo "JOBD_DOCKER_CLUSTER must be 0, 1 or only (got $CLUSTER)" >&2; exit 2 ;;
esac

PROJECT=jobdtest
passed=0 failed=0

skip() { say "SKIP: $* — no Docker engine can be started here"; exit 0; }

check() {
	local what=$1; shift
	if "$@"; then passed=$((passed + 1)); say "ok   $what"
	else failed=$((failed + 1)); say "FAIL $what"; fi
}

# The engine, compose and debootstrap come from .ci/install-deps.sh (its tools
# list), as for every suite; without root it only says what is missing.
ensure_tools() {
	[ "$(id -u)" = 0 ] || command -v dockerd >/dev/null || skip "need root to install docker.io"
	sh "$repo/.ci/install-deps.sh" >&2 || skip ".ci/install-deps.sh failed"
}

# The compose file the test runs: docker-compose.yml plus the loopback
# override, minus `ports:` (docker-py rejects published ports with host
# networking). python3-yaml comes with docker-compose itself.
compose_render() {
	docker-compose -f "$repo/docker-compose.yml" -f "$here/compose.loopback.yml" config |
		/usr/bin/python3 -c '
import sys, yaml
d = yaml.safe_load(sys.stdin)
d["services"]["jobd"].pop("ports", None)
yaml.safe_dump(d, sys.stdout)' >"$ENGINE_RUN/compose.yml"
}

compose() { docker-compose -p "$PROJECT" -f "$ENGINE_RUN/compose.yml" --project-directory "$repo" "$@"; }

container() { compose ps -q jobd; }
health() { docker inspect -f '{{.State.Health.Status}}' "$(container)" 2>/dev/null; }
is_healthy() { [ "$(health)" = healthy ]; }

cleanup() {
	local rc=$?
	trap - EXIT
	if [ -n "$ENGINE_PID" ]; then
		((failed == 0 && rc == 0)) || compose logs --no-color --tail 40 >&2 2>/dev/null || true
		compose down -v --remove-orphans >/dev/null 2>&1 || true
		if [ "$CLUSTER" != 0 ]; then
			((rc == 0)) || ccompose logs --no-color --tail 40 >&2 2>/dev/null || true
			cluster_down
		fi
		# Old dangling images go; recent ones are the next run's build cache.
		docker image prune -f --filter until=24h >/dev/null 2>&1 || true
		engine_stop
	fi
	exit "$rc"
}

# Seconds (3 decimals) since the EPOCHREALTIME value $1.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }

main() {
	ensure_tools
	mkdir -p "$JOBD_DOCKER_CACHE"
	# Runs share the engine data root; one at a time.
	exec 9>"$JOBD_DOCKER_CACHE/lock"
	flock -w 900 9 || die "another docker-test holds $JOBD_DOCKER_CACHE/lock"

	trap cleanup EXIT
	engine_start || skip "dockerd did not start (log above)"
	base_image_ensure || die "could not provide debian:bookworm-slim"

	if [ "$CLUSTER" = only ]; then
		cluster_main
		((cluster_failed == 0))
		return
	fi
	JOBD_TEST_PORT=$(free_port) || die "no free port"
	export JOBD_TEST_PORT JOBD_TOKEN=docker-test-$RANDOM$RANDOM JOBD_WORKERS=2
	API_BASE=http://127.0.0.1:$JOBD_TEST_PORT API_TOKEN=$JOBD_TOKEN
	compose_render || die "docker-compose config failed"
	compose down -v --remove-orphans >/dev/null 2>&1 || true

	local t0 image
	t0=$EPOCHREALTIME
	compose build >"$ENGINE_RUN/build.log" 2>&1 || { tail -n 40 "$ENGINE_RUN/build.log" >&2; die "image build failed"; }
	say "image built in $(since "$t0") s"
	image=$(compose config | awk '$1 == "image:" { print $2; exit }')
	check "runtime image runs as a non-root user" image_is_unprivileged "$image"
	check "runtime image has no curl and no compiler" image_is_lean "$image"

	t0=$EPOCHREALTIME
	compose up -d --no-build >&2 || die "docker-compose up failed"
	wait_for 60 api_healthz || die "/healthz did not answer within 60 s"
	local ready_s; ready_s=$(since "$t0")
	wait_for 120 is_healthy || die "not healthy after 120 s (health: $(health))"
	local up_s; up_s=$(since "$t0")
	say "docker-compose up -> /healthz answers: $ready_s s, -> healthy: $up_s s"

	check "GET /healthz answers 200 on the loopback port" api_healthz
	check "token from the environment is enforced (401 without it)" api_rejects_anonymous
	check "JOBD_WORKERS from the environment sizes the pool" api_workers_are 2
	local batch job
	read -r batch job < <(api_submit_batch) || true
	[ -n "${job:-}" ] || die "POST /v1/batches failed"
	check "the batch finishes, every job succeeded" wait_for 60 api_batch_succeeded "$batch"
	check "jobs run as the unprivileged user" api_job_stdout_is_not "$job" 0
	check "the command line works in the container (jobd show)" cli_shows_job "$job"

	check "restart policy is unless-stopped" restart_policy_is unless-stopped

	# Stop while a job runs, remove and recreate the container: only the
	# named volume remains. The job is shorter than the shutdown grace.
	local slow; slow=$(api_submit_job '{"command": ["sleep", "2"]}') || die "POST /v1/jobs failed"
	wait_for 10 api_job_state_is "$slow" running || die "job $slow never ran"
	t0=$EPOCHREALTIME
	compose stop jobd >&2
	check "SIGTERM stop is graceful (exit 0)" container_exited_zero
	say "stopped in $(since "$t0") s"
	compose down >&2
	compose up -d --no-build >&2 || die "second docker-compose up failed"
	check "a new container becomes healthy" wait_for 120 is_healthy
	check "the batch and its jobs are still there (the volume works)" api_batch_succeeded "$batch"
	check "the job running at stop was let finish" api_job_state_is "$slow" succeeded
	guard_main

	say "image $image: $(image_mb "$image") MB"
	say "docker-compose up -> healthy: $up_s s (/healthz answered after $ready_s s; the first check runs one interval after start)"
	say "$passed passed, $failed failed"
	if [ "$CLUSTER" = 1 ]; then
		compose down -v --remove-orphans >/dev/null 2>&1 || true
		cluster_main
		((failed == 0 && cluster_failed == 0))
		return
	fi
	((failed == 0))
}

image_is_unprivileged() {
	local user; user=$(docker image inspect -f '{{.Config.User}}' "$1")
	[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ]
}
image_is_lean() { docker run --rm --network=none --entrypoint bash "$1" -c '! command -v curl && ! command -v gcc' >/dev/null; }
# The container's environment carries JOBD_TOKEN; the client reads it. The
# test's containers share the host's network, on the test's port.
cli_shows_job() {
	docker exec -e JOBD_URL="$API_BASE" "$(container)" jobd show --json "$1" | jq -e ".id == $1" >/dev/null
}
image_mb() { docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%.1f", $1 / 1e6 }'; }
restart_policy_is() {
	[ "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$(container)")" = "$1" ]
}
container_exited_zero() {
	[ "$(docker inspect -f '{{.State.Running}} {{.State.ExitCode}}' "$(container)")" = "false 0" ]
}

main "$@"
