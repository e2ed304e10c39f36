# load.py — issue 4 item 6: a bounded load test on loopback. Seeds the
# server with jobs, then runs wrk (mix.lua: ~20% submits, single and batch,
# ~80% reads of jobs, lists, stats, workers, output) for LOAD_SECONDS while
# the submitted jobs run. Asserts 0 errors (non-2xx or socket), that every
# acknowledged submit is stored, and a bounded RSS; reports p50/p90/p99
# latency and RSS before/after.
#
#   LOAD_SECONDS=60 python3 load.py    (LOAD_CONNECTIONS=16, LOAD_THREADS=2)
import os
import re
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "chaos"))
from jobdproc import Server, Tally  # noqa: E402

SECONDS = int(os.environ.get("LOAD_SECONDS") or 60)
CONNS = int(os.environ.get("LOAD_CONNECTIONS") or 16)
THREADS = int(os.environ.get("LOAD_THREADS") or 2)
SEED_JOBS = 200
RSS_GROWTH_KB = int(os.environ.get("LOAD_RSS_GROWTH_KB", 128 * 1024))


def sample_rss(srv, stop, peak):
    while not stop.wait(0.2):
        peak[0] = max(peak[0], srv.rss_kb())


def main():
    t = Tally("load")
    wrk = shutil.which("wrk")
    if not wrk:
        t.check(False, "wrk is installed (apt-get install wrk)")
        t.finish()
    srv = Server(["--workers", "2", "--log-level", "warn", "--output-limit", "65536"],
                 prefix="jobd-load-")
    try:
        srv.start()
        srv.submit({"jobs": [{"command": ["echo", "seed %d" % i]} for i in range(SEED_JOBS)]},
                   path="/v1/batches")
        srv.wait_final(range(1, SEED_JOBS + 1), 30)
        rss_before = srv.rss_kb()
        stop, peak = threading.Event(), [rss_before]
        sampler = threading.Thread(target=sample_rss, args=(srv, stop, peak), daemon=True)
        sampler.start()
        env = dict(os.environ, LOAD_SEED_JOBS=str(SEED_JOBS))
        cmd = [wrk, "-t%d" % THREADS, "-c%d" % CONNS, "-d%ds" % SECONDS, "--timeout", "10s",
               "--latency", "-s", os.path.join(HERE, "mix.lua"),
               "http://127.0.0.1:%d" % srv.port]
        print("load: " + " ".join(cmd), flush=True)
        out = subprocess.run(cmd, env=env, capture_output=True, text=True,
                             timeout=SECONDS + 60).stdout
        stop.set()
        sampler.join()
        rss_after = srv.rss_kb()
        res = {k: float(v) for k, v in re.findall(r"^load-result (\S+) (\S+)$", out, re.M)}
        if not t.check("requests" in res, "wrk ran the script", out[-2000:]):
            t.finish()
        stats = srv.get("/v1/stats")
        counts = stats["counts"]
        stored = stats["submitted_total"] - SEED_JOBS
        print("load: %d requests in %.0f s (%.0f/s), %d submits acknowledged (%d jobs), "
              "%d stored; %d non-2xx, %d socket errors" % (
                  res["requests"], res["seconds"], res["requests"] / res["seconds"],
                  res["acked_posts"], res["acked_jobs"], stored, res["non2xx"],
                  res["socket_errors"]))
        print("load: latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms"
              % (res["p50_ms"], res["p90_ms"], res["p99_ms"], res["p99.9_ms"], res["max_ms"]))
        print("load: jobs now %s; server RSS %d kB before, %d kB peak, %d kB after (%+d kB)" % (
            ", ".join("%s %d" % kv for kv in counts.items() if kv[1]), rss_before, peak[0],
            rss_after, rss_after - rss_before))
        t.check(res["non2xx"] == 0, "no non-2xx answer", "%d" % res["non2xx"])
        t.check(res["socket_errors"] == 0, "no socket error", "%d" % res["socket_errors"])
        t.check(res["requests"] > SECONDS * 100, "at least 100 requests/s got through",
                "%d" % res["requests"])
        # wrk cuts requests in flight when time is up: at most one per connection.
        t.check(res["acked_jobs"] <= stored <= res["acked_jobs"] + 5 * CONNS,
                "every acknowledged submit is stored", "acked %d, stored %d" % (
                    res["acked_jobs"], stored))
        t.check(counts["running"] > 0 or counts["queued"] > 0 or counts["succeeded"] > SEED_JOBS,
                "jobs ran during the load", str(counts))
        t.check(rss_after - rss_before <= RSS_GROWTH_KB, "RSS growth stays under %d MB" % (
            RSS_GROWTH_KB >> 10), "%d -> %d kB" % (rss_before, rss_after))
        t.check(srv.request("GET", "/healthz")[0] == 200, "the server still answers")
        t.check(srv.stop(timeout=60) == 0, "SIGTERM exits 0")
        t.check(not srv.log_has("Sanitizer") and not srv.log_has("runtime error"),
                "no sanitizer report in the server log")
    except Exception as e:
        t.check(False, "harness ran to the end", "%r\n%s" % (e, srv.log_tail()))
    finally:
        srv.close(keep=t.failed > 0)
    t.finish()


if __name__ == "__main__":
    main()
