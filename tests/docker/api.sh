# tests/docker/api.sh — the jobd API calls the container test makes (sourced):
# curl + jq against $API_BASE, with the bearer token $API_TOKEN.
# shellcheck shell=bash

API_BATCH_SIZE=6

api() { curl -sS --max-time 10 -H "Authorization: Bearer $API_TOKEN" "$@"; }
status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }

api_healthz() { [ "$(status_of "$API_BASE/healthz")" = 200 ]; }
api_rejects_anonymous() { [ "$(status_of "$API_BASE/v1/stats")" = 401 ]; }
api_workers_are() { [ "$(api "$API_BASE/v1/workers" | jq -r .size)" = "$1" ]; }

# Submits a batch of $API_BATCH_SIZE jobs (the first prints its uid); prints
# "BATCH_ID FIRST_JOB_ID".
api_submit_batch() {
	api -f -H 'Content-Type: application/json' --data-binary @- "$API_BASE/v1/batches" <<'JSON' |
{"name": "docker-test", "jobs": [
  {"command": ["id", "-u"]},
  {"command": "echo hello from $(hostname)"},
  {"command": ["sleep", "0.5"]}, {"command": ["sleep", "0.5"]},
  {"command": ["sleep", "0.5"]}, {"command": ["true"], "name": "last"}
]}
JSON
		jq -er '"\(.id) \(.job_ids[0])"'
}

api_batch_succeeded() {
	api "$API_BASE/v1/batches/$1" |
		jq -e --argjson n "$API_BATCH_SIZE" '.total == $n and .counts.succeeded == $n' >/dev/null
}

api_job_stdout_is_not() {
	local out; out=$(api -f "$API_BASE/v1/jobs/$1/stdout") && [ -n "$out" ] && [ "$out" != "$2" ]
}

# Submits one job (its spec as JSON); prints its id.
api_submit_job() {
	api -f -H 'Content-Type: application/json' --data-binary "$1" "$API_BASE/v1/jobs" | jq -er .id
}

api_job_state_is() { [ "$(api "$API_BASE/v1/jobs/$1" | jq -r .state)" = "$2" ]; }
