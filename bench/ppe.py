#!/usr/bin/env python3
"""ppe.py — the Python ProcessPoolExecutor peer of the jobd bench (issue 5, rows 1-2).

Runs COUNT copies of a command through ProcessPoolExecutor(max_workers=JOBS),
each task calling subprocess.run(argv, check=True) — what people write instead
of a job service. Prints "count=N seconds=S jobs_per_s=R", timed from pool
creation to the last result (the whole interpreter is timed by the caller).

    ppe.py JOBS COUNT cmd [args...]
"""
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def run(argv):
    subprocess.run(argv, check=True)


def main():
    jobs, count, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    t0 = time.monotonic()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for _ in pool.map(run, [argv] * count, chunksize=1):
            pass
    secs = time.monotonic() - t0
    print(f"count={count} seconds={secs:.4f} jobs_per_s={count / secs:.1f}")


if __name__ == "__main__":
    main()
