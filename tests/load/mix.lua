-- mix.lua — wrk script for tests/load: a mix of submits and reads against a
-- server that already holds jobs 1..SEED_JOBS. Each thread counts its
-- acknowledged submits (201) and its non-2xx answers; done() prints them and
-- the latency percentiles as "load-result key value" lines for load.py.
local SEED_JOBS = tonumber(os.getenv("LOAD_SEED_JOBS") or "200")
local threads = {}

local JSON = { ["Content-Type"] = "application/json" }
local ONE = '{"command":["true"],"name":"load"}'
local SLEEPY = '{"command":["sleep","0.05"],"name":"load-sleep"}'
local BATCH = '{"name":"load-batch","jobs":[{"command":"true"},{"command":["true"]},' ..
  '{"command":"echo load"},{"command":["false"]},{"command":["true"]}]}'

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  posts, jobs, bad = 0, 0, 0
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function request()
  local r = math.random(100)
  local req
  if r <= 15 then
    req = wrk.format("POST", "/v1/jobs", JSON, ONE)
  elseif r <= 18 then
    req = wrk.format("POST", "/v1/jobs", JSON, SLEEPY)
  elseif r <= 20 then
    req = wrk.format("POST", "/v1/batches", JSON, BATCH)
  elseif r <= 50 then
    req = wrk.format("GET", "/v1/jobs/" .. math.random(SEED_JOBS))
  elseif r <= 70 then
    req = wrk.format("GET", "/v1/jobs?limit=20")
  elseif r <= 78 then
    req = wrk.format("GET", "/v1/jobs?state=succeeded&limit=5")
  elseif r <= 86 then
    req = wrk.format("GET", "/v1/stats")
  elseif r <= 92 then
    req = wrk.format("GET", "/v1/workers")
  elseif r <= 96 then
    req = wrk.format("GET", "/v1/jobs/" .. math.random(SEED_JOBS) .. "/stdout")
  else
    req = wrk.format("GET", "/healthz")
  end
  return req
end

function response(status, headers, body)
  if status == 201 then
    posts = posts + 1
    jobs = jobs + (body:find('"job_ids"', 1, true) and 5 or 1)
  elseif status < 200 or status > 299 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local posts_all, jobs_all, bad_all = 0, 0, 0
  for _, t in ipairs(threads) do
    posts_all = posts_all + t:get("posts")
    jobs_all = jobs_all + t:get("jobs")
    bad_all = bad_all + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format("load-result requests %d\n", summary.requests))
  io.write(string.format("load-result seconds %.2f\n", summary.duration / 1e6))
  io.write(string.format("load-result acked_posts %d\n", posts_all))
  io.write(string.format("load-result acked_jobs %d\n", jobs_all))
  io.write(string.format("load-result non2xx %d\n", bad_all))
  io.write(string.format("load-result socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("load-result p%s_ms %.2f\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("load-result max_ms %.2f\n", latency.max / 1000))
end
