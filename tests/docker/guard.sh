# tests/docker/guard.sh — the container's default guard (issue 14, finding
# 1), sourced by run.sh after its main part: the image as shipped listens
# on 0.0.0.0 and gets no JOBD_TOKEN, so jobd must make a token (0600 in the
# /data volume, logged once), require it on /v1, answer /healthz without
# it, refuse a DNS-rebound Host even with it, run the API checks of api.sh
# with it, and keep it when the container is recreated on the same volume.
# The private engine has no bridge: the container shares the host network,
# so 0.0.0.0 here is every host interface, on a free port, for a few
# seconds, behind the token this test checks.
# Needs run.sh's check(), compose(), compose_render(), container(),
# is_healthy() and $PROJECT, lib.sh and api.sh.
# shellcheck shell=bash disable=SC2154

GUARD_REBIND=rebind.attacker.example

# The token jobd made, as the container holds it.
guard_token() { docker exec "$(container)" cat /data/token; }
guard_token_is_private() {
	[ "$(docker exec "$(container)" stat -c '%a %U' /data/token)" = "600 jobd" ] &&
		[[ $(guard_token) =~ ^[0-9a-f]{64}$ ]]
}
guard_token_logged_once() {
	local n
	n=$(compose logs --no-color jobd 2>&1 | grep -c -F "$(guard_token)")
	[ "$n" = 1 ]
}

guard_token_kept() { [ "$(guard_token)" = "$1" ] && api_batch_succeeded "$2"; }
guard_log_names_only_the_file() {
	local log
	log=$(compose logs --no-color jobd 2>&1)
	grep -q -F /data/token <<<"$log" && ! grep -q -F "$1" <<<"$log"
}

# A rebound page's same-origin POST: Host and Origin of the attacker's name.
guard_rebound_post_status() {
	local host="$GUARD_REBIND:$JOBD_TEST_PORT"
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" -H "Host: $host" \
		-H "Origin: http://$host" -H 'Content-Type: application/json' \
		--data-binary '{"command": ["true"]}' "$API_BASE/v1/jobs"
}
guard_refuses_rebinding() {
	[ "$(guard_rebound_post_status)" = 403 ] &&
		[ "$(status_of -H "Host: $GUARD_REBIND:$JOBD_TEST_PORT" "$API_BASE/")" = 403 ]
}
guard_refuses_rebinding_with_token() {
	[ "$(guard_rebound_post_status -H "Authorization: Bearer $API_TOKEN")" = 403 ]
}
guard_frames_nothing() {
	curl -s -D - -o /dev/null --max-time 5 "$API_BASE/" | tr -d '\r' |
		grep -qix "x-frame-options: deny"
}

guard_main() {
	local token batch
	say "the image's default: 0.0.0.0, no JOBD_TOKEN"
	compose down -v --remove-orphans >/dev/null 2>&1 || true
	# Unset for good: the rendered file passes JOBD_TOKEN through from the
	# environment of every later `docker-compose up`.
	unset JOBD_TOKEN
	JOBD_TEST_ADDR=0.0.0.0 compose_render || die "docker-compose config failed"
	compose up -d --no-build >&2 || die "docker-compose up (no token) failed"
	check "without JOBD_TOKEN on 0.0.0.0 the container becomes healthy" wait_for 120 is_healthy
	check "GET /healthz needs no token" api_healthz
	check "a DNS-rebound page's POST and GET are refused (403)" guard_refuses_rebinding
	check "it made a token: /data/token, 64 hex digits, mode 0600, owned by jobd" guard_token_is_private
	token=$(guard_token) || die "no /data/token in the container"
	check "the new token is in the log once" guard_token_logged_once
	check "the API needs the token it made (401 without)" api_rejects_anonymous
	API_TOKEN=$token
	check "a DNS-rebound Host is refused with the token too" guard_refuses_rebinding_with_token
	check "responses forbid framing (X-Frame-Options: DENY)" guard_frames_nothing
	read -r batch _ < <(api_submit_batch) || true
	[ -n "${batch:-}" ] || die "POST /v1/batches with the made token failed"
	check "a batch runs with the made token" wait_for 60 api_batch_succeeded "$batch"

	compose down >&2
	compose up -d --no-build >&2 || die "docker-compose up (no token, again) failed"
	check "a recreated container becomes healthy" wait_for 120 is_healthy
	check "it keeps the token (same /data/token, the old token works)" \
		guard_token_kept "$token" "$batch"
	check "its log names the file but not the token" guard_log_names_only_the_file "$token"
	compose down -v --remove-orphans >/dev/null 2>&1 || true
}
