#!/usr/bin/env python3
"""rate.py — the throughput of a rate-limited queue against its limit
(issue 18 item 2), against one running jobd at $BENCH_ADDR:

    rate.py LIMIT PERIOD_S N    PUT queue "rated" {"rate": {"limit": LIMIT,
                                "period_s": PERIOD_S}}, POST one batch of N
                                `true` into it, wait until all are final

Prints one line of key=value pairs: limit_per_s (LIMIT / PERIOD_S), wall_s
(submit -> all final), jobs_per_s (N / wall_s), steady_per_s (the starts
after the first window's burst: (N - LIMIT) / (last start - first start),
from the jobs' started_at), max_in_window (the most starts seen in any
PERIOD_S window, which must be <= LIMIT give or take a start's few ms).
"""
import os
import sys
import time
from datetime import datetime, timezone

from jobdctl import Jobd, wait_until

QUEUE = "rated"
POLL_S = 0.05


def started(job):
    return datetime.strptime(job["started_at"], "%Y-%m-%dT%H:%M:%S.%fZ") \
        .replace(tzinfo=timezone.utc).timestamp()


def main():
    limit, period, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    j = Jobd(os.environ.get("BENCH_ADDR", "127.0.0.1:8080"))
    j.call("PUT", f"/v1/queues/{QUEUE}", {"rate": {"limit": limit, "period_s": period}})
    t0 = time.monotonic()
    b = j.call("POST", "/v1/batches", {"jobs": [{"command": ["true"], "queue": QUEUE}] * n})
    wait_until(lambda: (lambda x: x["counts"]["queued"] + x["counts"]["running"] == 0)(
        j.call("GET", f"/v1/batches/{b['id']}")), POLL_S, f"batch {b['id']}")
    wall = time.monotonic() - t0
    starts = sorted(started(j.call("GET", f"/v1/jobs/{i}")) for i in b["job_ids"])
    most, lo = 0, 0
    for hi in range(len(starts)):
        while starts[hi] - starts[lo] >= period:
            lo += 1
        most = max(most, hi - lo + 1)
    span = starts[-1] - starts[0]
    steady = (n - limit) / span if span > 0 else 0.0
    print(f"limit_per_s={limit / period:.1f} wall_s={wall:.3f} jobs_per_s={n / wall:.1f} "
          f"steady_per_s={steady:.1f} max_in_window={most}")


if __name__ == "__main__":
    main()
