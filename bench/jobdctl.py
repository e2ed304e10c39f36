#!/usr/bin/env python3
"""jobdctl.py — the bench's HTTP client for one running jobd (issue 5, rows 1, 2, 6, 7).

Each subcommand does one measurement against jobd at $BENCH_ADDR and prints
one line of key=value pairs for bench/run.sh. Polling is used (not /v1/events)
so the client stays cheap; intervals are small against what they time.

    ready TIMEOUT_S                 wait for GET /healthz = 200
    batch POLL_S cmd [args...]      POST one batch of $BENCH_COUNT jobs, wait until
                                    nothing is queued or running (nothing else may
                                    run): wall_s (submit -> seen final),
                                    makespan_ms, speedup
    singles N CONNS POSTLOAD        N single POSTs via postload, wait until none is
                                    queued or running (nothing else may run)
    drain                           wait until nothing is queued or running
    topup TARGET                    submit batches of `true` until TARGET jobs were
                                    submitted in all, then drain
    dispatch N                      N jobs one at a time: queue_ms median, p99
    mem PID                         server RSS, each worker's private memory
    first-id                        id of the newest job
    worker-pids                     the pool's worker pids, space-separated
"""
import http.client
import json
import os
import statistics
import subprocess
import sys
import time

FINAL = ("succeeded", "failed", "timed_out", "canceled")
DEADLINE_S = 180


class Jobd:
    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=30)

    def call(self, method, path, body=None):
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        if resp.status >= 300:
            sys.exit(f"jobdctl: {method} {path}: {resp.status} {raw[:300]!r}")
        return json.loads(raw) if raw else None


def wait_until(pred, poll_s, what):
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        value = pred()
        if value:
            return value
        time.sleep(poll_s)
    sys.exit(f"jobdctl: timed out after {DEADLINE_S} s waiting for {what}")


def cmd_ready(addr, timeout_s):
    end = time.monotonic() + float(timeout_s)
    while time.monotonic() < end:
        try:
            Jobd(addr).call("GET", "/healthz")
            print("ready=1")
            return
        except (OSError, http.client.HTTPException):
            time.sleep(0.02)
    sys.exit("jobdctl: jobd did not become ready")


def cmd_batch(j, poll_s, *argv):
    count = int(os.environ.get("BENCH_COUNT", "2"))
    spec = {"jobs": [{"command": list(argv)} for _ in range(count)]}
    t0 = time.monotonic()
    bid = j.call("POST", "/v1/batches", spec)["id"]
    # Poll the cheap "anything left?" list, not the batch: its counts scan
    # every job of the batch and would load the server being measured.
    wait_idle(j, float(poll_s), f"the end of batch {bid}")
    wall = time.monotonic() - t0
    b = j.call("GET", f"/v1/batches/{bid}")
    ok = b["counts"]["succeeded"]
    print(f"wall_s={wall:.4f} makespan_ms={b['makespan_ms']} "
          f"speedup={b['speedup']} total={b['total']} succeeded={ok} "
          f"jobs_per_s={count / wall:.1f}")
    if ok != count:
        sys.exit(f"jobdctl: batch {bid}: only {ok}/{count} succeeded")


def cmd_ingest(j, n, rounds, kind):
    """Batch ingest: one POST of n delayed jobs (a day away, so none runs
    while measured), from sending the body to its 201, which jobd sends only
    after the commit. kind 1: each job waits on the one before (after_index),
    so the dependency rows are written too; "tagged": 3 tags each (as
    bench/waiting.py's), so job_tags and its index are; 0: neither. Best of
    rounds, the body encoded before the clock starts."""
    n, rounds = int(n), int(rounds)
    jobs = [{"command": ["true"], "delay_s": 86400} for _ in range(n)]
    if kind == "1":
        for i in range(1, n):
            jobs[i]["after_index"] = [i - 1]
    elif kind == "tagged":
        for i, job in enumerate(jobs):
            job["tags"] = {"env": "prod", "team": f"t{i % 50}", "run": f"r{i % 1000}"}
    data = json.dumps({"jobs": jobs}).encode()
    best = None
    for _ in range(rounds):
        t0 = time.monotonic()
        j.conn.request("POST", "/v1/batches", body=data,
                       headers={"Content-Type": "application/json"})
        resp = j.conn.getresponse()
        raw = resp.read()
        dt = time.monotonic() - t0
        if resp.status != 201:
            sys.exit(f"jobdctl: ingest: {resp.status} {raw[:300]!r}")
        best = dt if best is None else min(best, dt)
    print(f"best_s={best:.4f} jobs_per_s={n / best:.0f}")


def stuck(j):
    """What is still running, for the message when a wait times out."""
    jobs = j.call("GET", "/v1/jobs?state=running&limit=5")["jobs"]
    return ", ".join(f"job {x['id']} (worker {x['worker']}, pid {x['pid']}, "
                     f"started {x['started_at']})" for x in jobs) or "none"


def wait_idle(j, poll_s, what):
    try:
        wait_until(lambda: idle(j), poll_s, what)
    except SystemExit:
        sys.exit(f"jobdctl: {what} never came; still running: {stuck(j)}")


def idle(j):
    """Nothing queued or running: an O(log n) keyset query (/v1/stats counts
    every row, which would load jobd while it is being measured)."""
    return not j.call("GET", "/v1/jobs?state=queued,running&limit=1")["jobs"]


def cmd_singles(j, addr, n, conns, postload):
    n = int(n)
    t0 = time.monotonic()
    out = subprocess.run([postload, "-a", addr, "-c", conns, "-n", str(n)],
                         check=True, capture_output=True, text=True).stdout
    t_submit = time.monotonic() - t0
    wait_idle(j, 0.01, "the end of the single POSTs' jobs")
    wall = time.monotonic() - t0
    print(f"wall_s={wall:.4f} submit_s={t_submit:.4f} jobs_per_s={n / wall:.1f} "
          f"postload: {out.strip()}")


def cmd_topup(j, target):
    target = int(target)
    submitted = j.call("GET", "/v1/stats")["submitted_total"]
    while submitted < target:
        n = min(10000, target - submitted)
        j.call("POST", "/v1/batches", {"jobs": [{"command": ["true"]}] * n})
        submitted += n
        wait_idle(j, 0.05, "an empty queue")
    print(f"submitted_total={j.call('GET', '/v1/stats')['submitted_total']}")


def cmd_dispatch(j, n):
    qs = []
    for _ in range(int(n)):
        jid = j.call("POST", "/v1/jobs", {"command": ["true"]})["id"]
        job = wait_until(lambda: (lambda x: x if x["state"] in FINAL else None)(
            j.call("GET", f"/v1/jobs/{jid}")), 0.001, f"job {jid}")
        qs.append(job["queue_ms"])
    qs.sort()
    p99 = qs[min(len(qs) - 1, round(0.99 * (len(qs) - 1)))]
    print(f"n={len(qs)} median_ms={statistics.median(qs):.3f} p99_ms={p99:.3f}")


def proc_kb(path, keys):
    total = 0
    with open(path) as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in keys:
                total += int(rest.split()[0])
    return total


def cmd_mem(j, pid):
    rss = proc_kb(f"/proc/{pid}/status", ("VmRSS",))
    workers = j.call("GET", "/v1/workers")["workers"]
    priv = [proc_kb(f"/proc/{w['pid']}/smaps_rollup",
                    ("Private_Clean", "Private_Dirty")) for w in workers]
    wrss = [proc_kb(f"/proc/{w['pid']}/status", ("VmRSS",)) for w in workers]
    print(f"server_rss_kb={rss} worker_private_kb_max={max(priv)} "
          f"worker_private_kb={','.join(map(str, priv))} "
          f"worker_rss_kb={','.join(map(str, wrss))}")


def main():
    addr = os.environ.get("BENCH_ADDR", "127.0.0.1:8080")
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "ready":
        return cmd_ready(addr, *args)
    j = Jobd(addr)
    if cmd == "batch":
        cmd_batch(j, *args)
    elif cmd == "singles":
        cmd_singles(j, addr, *args)
    elif cmd == "drain":
        wait_idle(j, 0.02, "an empty queue")
        print("drained=1")
    elif cmd == "ingest":
        cmd_ingest(j, *args)
    elif cmd == "topup":
        cmd_topup(j, *args)
    elif cmd == "dispatch":
        cmd_dispatch(j, *args)
    elif cmd == "mem":
        cmd_mem(j, *args)
    elif cmd == "worker-pids":
        print(" ".join(str(w["pid"]) for w in j.call("GET", "/v1/workers")["workers"]))
    elif cmd == "first-id":
        print(j.call("GET", "/v1/jobs?limit=1")["jobs"][0]["id"])
    else:
        sys.exit(f"jobdctl: unknown command {cmd}")


if __name__ == "__main__":
    main()
