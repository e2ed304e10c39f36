# tests/docker/engine.sh — a private Docker engine for the container test
# (sourced). It never touches the host's networking (no bridge, no iptables,
# no forwarding: containers use the host network and bind 127.0.0.1), talks
# only on its own socket, and is stopped by the pid we started, never by name.
# The data root persists under $JOBD_DOCKER_CACHE so the base image and the
# build cache survive between runs; the exec root and socket are per run.
# Where a system containerd already runs, dockerd uses it: our own
# containerd namespaces keep the two engines' containers apart.
# shellcheck shell=bash

ENGINE_PID=
ENGINE_RUN=

# engine_start — start dockerd and export DOCKER_HOST; returns 1 (with the
# log tail on stderr) when no engine can be started here.
engine_start() {
	ENGINE_RUN=$(mktemp -d /tmp/jobd-docker.XXXXXX)
	mkdir -p "$JOBD_DOCKER_CACHE/engine"
	dockerd \
		--data-root "$JOBD_DOCKER_CACHE/engine" \
		--exec-root "$ENGINE_RUN/exec" \
		--pidfile "$ENGINE_RUN/dockerd.pid" \
		-H "unix://$ENGINE_RUN/docker.sock" \
		--bridge=none --iptables=false --ip6tables=false \
		--ip-forward=false --ip-masq=false \
		--containerd-namespace jobd-test \
		--containerd-plugins-namespace jobd-test-plugins \
		>"$ENGINE_RUN/dockerd.log" 2>&1 &
	ENGINE_PID=$!
	export DOCKER_HOST="unix://$ENGINE_RUN/docker.sock"
	# A private client config: no credential helpers or contexts of the host.
	export DOCKER_CONFIG="$ENGINE_RUN/client"
	local deadline=$((SECONDS + 60))
	until docker version >/dev/null 2>&1; do
		if ! kill -0 "$ENGINE_PID" 2>/dev/null || ((SECONDS >= deadline)); then
			tail -n 20 "$ENGINE_RUN/dockerd.log" >&2
			engine_stop
			return 1
		fi
		sleep 0.2
	done
	say "engine up: dockerd pid $ENGINE_PID on $DOCKER_HOST"
}

# engine_stop — SIGTERM our dockerd (it stops its own containerd), SIGKILL
# after 30 s; then remove the per-run directory.
engine_stop() {
	[ -n "$ENGINE_PID" ] || return 0
	if kill -0 "$ENGINE_PID" 2>/dev/null; then
		kill -TERM "$ENGINE_PID"
		if ! wait_for 30 engine_gone; then
			# A killed dockerd cannot stop the containerd it supervises.
			kill -KILL "$ENGINE_PID" 2>/dev/null
			[ -s "$ENGINE_RUN/exec/containerd/containerd.pid" ] &&
				kill -TERM "$(cat "$ENGINE_RUN/exec/containerd/containerd.pid")" 2>/dev/null
		fi
	fi
	wait "$ENGINE_PID" 2>/dev/null || true
	ENGINE_PID=
	# dockerd leaves its default network namespace bind-mounted in the exec root.
	awk -v r="$ENGINE_RUN/" 'index($2, r) == 1 { print $2 }' /proc/mounts |
		sort -r | xargs -r -n1 umount -l
	rm -rf "$ENGINE_RUN"
}

engine_gone() { ! kill -0 "$ENGINE_PID" 2>/dev/null; }
