#!/usr/bin/env python3
"""waiting.py — the client of bench/growth_waiting.sh: fills one jobd with
jobs that must NOT run, then times the runnable work beside them.

Talks to jobd at $BENCH_ADDR (the HTTP plumbing is jobdctl.py's) and prints
one line of key=value pairs per subcommand for the shell to pick apart.

    seed KIND N      submit N jobs that stay queued during the run, in
                     batches of 10,000 (POST /v1/batches):
                       delayed  delay_s DELAY_S (never due during the run)
                       chains   spec i waits for spec i-1 (after_index); spec 0
                                waits for one delayed "anchor" job (after), so
                                every chain stays blocked (N + 1 jobs in all)
                       held     queue "held", paused first (PUT /v1/queues/held)
                       unique   delayed as above, each with its own unique_key
                                (all held in jobs_unique while they wait)
                       rated    queue "rated", limited first to 1 start a day
                                (PUT /v1/queues/rated {"rate": ...}) and its
                                one start used by a job run to its end
                       tagged   as delayed, each with 3 tags (env, team of 50,
                                run of 1,000)
                       multi    as delayed, every other job multi-core (cpus:
                                2, or the pool's size when it is 1)
                     -> seconds (all batches, client side), batch_max_s
    latency N        N times: POST one `true`, wait for its final event on
                     /v1/events -> median_ms (POST -> final seen), p90_ms,
                     queue_median_ms (the jobs' queue_ms: claim + start)
    batch N          POST one batch of N `true`, wait until all are final
                     -> wall_s, jobs_per_s, makespan_ms
    check QUEUE N    exit 1 unless QUEUE holds exactly N queued jobs and runs
                     none (the seeded jobs all still wait)
"""
import json
import os
import statistics
import sys
import time

from jobdctl import FINAL, Jobd, wait_until

BATCH = 10000                   # the API's largest batch
DELAY_S = 30000000              # ~347 days: within the 366-day limit
HELD = "held"
RATED = "rated"
POLL_S = 0.01                   # small against a batch's ~1-2 s, light on 2 cores


def seed_specs(kind, n, anchor, first, cpus=2):
    if kind == "multi":
        return [{"command": ["true"], "delay_s": DELAY_S, "cpus": cpus if i % 2 else 1}
                for i in range(n)]
    if kind == "delayed":
        return [{"command": ["true"], "delay_s": DELAY_S}] * n
    if kind == "unique":
        return [{"command": ["true"], "delay_s": DELAY_S, "unique_key": "wait-%d" % (first + i)}
                for i in range(n)]
    if kind in ("held", "rated"):
        return [{"command": ["true"], "queue": HELD if kind == "held" else RATED}] * n
    if kind == "tagged":
        return [{"command": ["true"], "delay_s": DELAY_S,
                 "tags": {"env": "prod", "team": f"t{i % 50}", "run": f"r{i % 1000}"}}
                for i in range(n)]
    return [{"command": ["true"], "after": [anchor]}] + \
        [{"command": ["true"], "after_index": [i - 1]} for i in range(1, n)]


def cmd_seed(j, kind, n):
    n, anchor, times = int(n), None, []
    if kind not in ("delayed", "chains", "held", "unique", "rated", "tagged", "multi"):
        sys.exit(f"waiting: unknown kind {kind}")
    cpus = min(2, j.call("GET", "/v1/workers")["size"])
    t0 = time.monotonic()
    if kind == "chains":
        anchor = j.call("POST", "/v1/jobs", {"command": ["true"], "delay_s": DELAY_S})["id"]
    elif kind == "held":
        j.call("PUT", f"/v1/queues/{HELD}", {"paused": True})
    elif kind == "rated":
        j.call("PUT", f"/v1/queues/{RATED}", {"rate": {"limit": 1, "period_s": 86400}})
        used = j.call("POST", "/v1/jobs", {"command": ["true"], "queue": RATED})["id"]
        wait_until(lambda: j.call("GET", f"/v1/jobs/{used}")["state"] in FINAL, POLL_S,
                   f"job {used}")
    for done in range(0, n, BATCH):
        body = {"name": f"wait-{kind}", "jobs": seed_specs(kind, min(BATCH, n - done), anchor, done, cpus)}
        tb = time.monotonic()
        j.call("POST", "/v1/batches", body)
        times.append(time.monotonic() - tb)
    print(f"seconds={time.monotonic() - t0:.4f} batches={len(times)} "
          f"batch_max_s={max(times):.4f} batch_first_s={times[0]:.4f} "
          f"batch_last_s={times[-1]:.4f} anchor={anchor}")


def events(j):
    """Opens a /v1/events stream on j's connection (nothing else may use it
    afterwards) and returns a generator of (id, job), one per `job` event.
    The stream is open when this returns: no event of a later POST is lost."""
    j.conn.request("GET", "/v1/events")
    resp = j.conn.getresponse()
    if resp.status != 200:
        sys.exit(f"waiting: GET /v1/events: {resp.status}")

    def read():
        kind = None
        while True:
            line = resp.readline()
            if not line:
                sys.exit("waiting: the event stream ended")
            line = line.decode().rstrip("\r\n")
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:") and kind == "job":
                job = json.loads(line[5:])
                yield job["id"], job
            elif not line:
                kind = None
    return read()


def cmd_latency(j, addr, n):
    stream = events(Jobd(addr))
    lat, queue = [], []
    for _ in range(int(n)):
        t0 = time.monotonic()
        jid = j.call("POST", "/v1/jobs", {"command": ["true"]})["id"]
        for eid, job in stream:
            if eid == jid and job["state"] in FINAL:
                break
        lat.append((time.monotonic() - t0) * 1000)
        if job["state"] != "succeeded":
            sys.exit(f"waiting: job {jid} ended {job['state']}: {job.get('error')}")
        queue.append(job["queue_ms"])
    lat.sort()
    print(f"n={len(lat)} median_ms={statistics.median(lat):.3f} "
          f"p90_ms={lat[int(0.9 * (len(lat) - 1))]:.3f} "
          f"queue_median_ms={statistics.median(queue):.3f}")


def cmd_batch(j, n):
    n = int(n)
    t0 = time.monotonic()
    b = j.call("POST", "/v1/batches", {"jobs": [{"command": ["true"]}] * n})
    # Poll the last job by id (O(log n)); the batch's counts scan all of it,
    # so they are read only once it is (nearly) done. "Nothing queued" would
    # never come: the seeded jobs stay queued.
    last = b["job_ids"][-1]
    wait_until(lambda: j.call("GET", f"/v1/jobs/{last}")["state"] in FINAL,
               POLL_S, f"job {last}")
    b = wait_until(lambda: (lambda x: x if x["counts"]["queued"] + x["counts"]["running"] == 0
                            else None)(j.call("GET", f"/v1/batches/{b['id']}")),
                   POLL_S, f"the end of batch {b['id']}")
    wall = time.monotonic() - t0
    if b["counts"]["succeeded"] != n:
        sys.exit(f"waiting: batch {b['id']}: only {b['counts']['succeeded']}/{n} succeeded")
    print(f"wall_s={wall:.4f} jobs_per_s={n / wall:.1f} makespan_ms={b['makespan_ms']}")


def cmd_check(j, queue, n):
    q = {x["name"]: x for x in j.call("GET", "/v1/queues")["queues"]}.get(queue)
    if q is None or q["queued"] != int(n) or q["running"] != 0:
        sys.exit(f"waiting: queue {queue}: expected {n} queued, none running; found {q}")
    print(f"queue={queue} queued={q['queued']}")


def main():
    addr = os.environ.get("BENCH_ADDR", "127.0.0.1:8080")
    cmd, args = sys.argv[1], sys.argv[2:]
    j = Jobd(addr)
    if cmd == "seed":
        cmd_seed(j, *args)
    elif cmd == "latency":
        cmd_latency(j, addr, *args)
    elif cmd == "batch":
        cmd_batch(j, *args)
    elif cmd == "check":
        cmd_check(j, *args)
    else:
        sys.exit(f"waiting: unknown command {cmd}")


if __name__ == "__main__":
    main()
