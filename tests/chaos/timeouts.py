# timeouts.py — issue 4 item 2: jobs that resist being stopped. Each case is
# stopped at its timeout (or by a cancel), its whole process tree goes,
# output stays capped at --output-limit, and the server and workers keep a
# bounded RSS while a job writes 1 GB. Cases run in parallel threads on one
# server; each job carries its own environment marker.
#
#   python3 timeouts.py        (~15 s)
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jobdproc  # noqa: E402
from jobdproc import MARK_VAR, Server, Tally  # noqa: E402

GRACE = 1.0
LIMIT = 100000
SLACK_MS = 2500  # scheduling slack on a loaded 2-core machine
RSS_GROWTH_KB = 64 * 1024
MARK = "timeouts-%d" % os.getpid()

GRANDCHILDREN = "sleep 100.%d1 & sleep 100.%d2 & wait"
IGNORES_TERM = "trap '' TERM; sleep 100.%d1 & while :; do wait; done"
CLOSES_STDOUT = "exec >&- 2>&-; sleep 100.%d1"
GIGABYTE = "head -c 1000000000 /dev/zero"
ENDLESS = "yes jobd"
GIGABYTE_ERR = "head -c 1000000000 /dev/zero >&2; sleep 100.%d1"

# name, shell command, how it is stopped ("timeout" or "cancel"), the states
# it may end in, and whether SIGTERM is ignored (then SIGKILL after GRACE).
CASES = [
    ("grandchildren-timeout", GRANDCHILDREN, "timeout", ("timed_out",), False),
    ("grandchildren-cancel", GRANDCHILDREN, "cancel", ("canceled",), False),
    ("ignores-term-timeout", IGNORES_TERM, "timeout", ("timed_out",), True),
    ("ignores-term-cancel", IGNORES_TERM, "cancel", ("canceled",), True),
    ("closes-stdout-timeout", CLOSES_STDOUT, "timeout", ("timed_out",), False),
    ("closes-stdout-cancel", CLOSES_STDOUT, "cancel", ("canceled",), False),
    ("gigabyte-stdout", GIGABYTE, "timeout", ("succeeded", "timed_out"), False),
    ("endless-stdout", ENDLESS, "timeout", ("timed_out",), False),
    ("gigabyte-stderr-cancel", GIGABYTE_ERR, "cancel", ("canceled",), False),
]
TIMEOUT_S = 1.5


class RssWatch(threading.Thread):
    """Samples the server's and its workers' RSS until stopped."""

    def __init__(self, srv):
        super().__init__(daemon=True)
        self.srv = srv
        self.done = threading.Event()
        self.server_max = 0
        self.worker_max = 0

    def run(self):
        while not self.done.wait(0.05):
            self.server_max = max(self.server_max, self.srv.rss_kb())
            for w in self.srv.workers()["workers"]:
                if w["pid"] and w["pid"] > 0:
                    self.worker_max = max(self.worker_max, jobdproc.rss_kb(w["pid"]))


def run_case(srv, t, i, case):
    name, shell, how, states, ignores_term = case
    mark = "%s-%d" % (MARK, i)
    spec = {"command": shell.replace("%d", str(i)), "env": {MARK_VAR: mark}, "name": name}
    if how == "timeout":
        spec["timeout_s"] = TIMEOUT_S
    job = srv.submit(spec)
    if how == "cancel":
        running = srv.wait_job(job["id"], ("running",), 20)
        deadline = time.monotonic() + 10
        while not jobdproc.marked_pids(mark) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.5)  # let it get going (1 GB writers reach their cap)
        sent = time.monotonic()
        st, _, body = srv.request("POST", "/v1/jobs/%d/cancel" % job["id"])
        t.check(st == 200 and body.get("cancel_requested") is True and
                body["state"] in ("running", "canceled"),
                name + ": cancel answers at once with cancel_requested", "%s %s" % (st, body))
        end = srv.wait_job(job["id"], timeout=30)
        took = (time.monotonic() - sent) * 1000
        limit = (GRACE * 1000 if ignores_term else 0) + SLACK_MS
        t.check(took <= limit, name + ": canceled within the grace period",
                "%.0f ms > %.0f ms" % (took, limit))
        t.check(running["state"] == "running", name + ": was running", str(running))
    else:
        end = srv.wait_job(job["id"], timeout=60)
        if end["state"] == "timed_out":
            low = TIMEOUT_S * 1000 + (GRACE * 1000 if ignores_term else 0)
            t.check(low * 0.9 <= end["run_ms"] <= low + SLACK_MS,
                    name + ": stopped at its timeout", "run_ms %s, want ~%.0f" % (
                        end["run_ms"], low))
    t.check(end["state"] in states, name + ": ends " + "/".join(states), str(end))
    sys.stdout.write("  %-24s %-9s run %6.0f ms, stdout %s B, stderr %s B\n" % (
        name, end["state"], end["run_ms"] or 0, end["stdout_bytes"], end["stderr_bytes"]))
    left = jobdproc.wait_unmarked(mark, 3)
    t.check(not left, name + ": no process of the job lingers", "pids %s" % left)
    for stream in ("stdout", "stderr"):
        st, hdrs, text = srv.request("GET", "/v1/jobs/%d/%s" % (job["id"], stream))
        size = len(text.encode()) if isinstance(text, str) else -1
        t.check(st == 200 and size <= LIMIT, name + ": " + stream + " capped",
                "status %s, %d bytes" % (st, size))
        wrote = end[stream + "_bytes"] or 0
        if wrote > LIMIT:
            t.check(hdrs.get("x-jobd-truncated") == "true" and size == LIMIT,
                    name + ": " + stream + " marked truncated at the cap",
                    "%s, %d bytes kept of %d" % (hdrs.get("x-jobd-truncated"), size, wrote))


def output_files_capped(srv, t):
    big = []
    for root, _, files in os.walk(srv.output_dir):
        for f in files:
            size = os.path.getsize(os.path.join(root, f))
            if size > LIMIT:
                big.append((f, size))
    t.check(not big, "no output file on disk exceeds --output-limit", str(big))


def main():
    t = Tally("chaos-timeouts")
    srv = Server(["--workers", str(len(CASES)), "--kill-grace", str(GRACE),
                  "--output-limit", str(LIMIT), "--log-level", "warn"], prefix="jobd-timeouts-")
    try:
        srv.start()
        rss0 = srv.rss_kb()
        watch = RssWatch(srv)
        watch.start()
        threads = []
        for i, case in enumerate(CASES):
            th = threading.Thread(target=run_case, args=(srv, t, i, case), daemon=True)
            th.start()
            threads.append(th)
        for th in threads:
            th.join(90)
            t.check(not th.is_alive(), "case thread finished")
        watch.done.set()
        watch.join()
        output_files_capped(srv, t)
        print("chaos-timeouts: server RSS %d kB at start, %d kB at most; worker RSS %d kB "
              "at most" % (rss0, watch.server_max, watch.worker_max))
        t.check(watch.server_max - rss0 <= RSS_GROWTH_KB, "server RSS stays bounded",
                "%d -> %d kB" % (rss0, watch.server_max))
        t.check(watch.worker_max <= RSS_GROWTH_KB, "worker RSS stays bounded",
                "%d kB" % watch.worker_max)
        idle = srv.workers()["workers"]
        t.check(all(w["state"] == "idle" for w in idle) and len(idle) == len(CASES),
                "every worker is idle again", str(idle))
        t.check(srv.stop() == 0, "SIGTERM exits 0")
        t.check(not srv.log_has("Sanitizer") and not srv.log_has("runtime error"),
                "no sanitizer report in the server log")
    except Exception as e:
        t.check(False, "harness ran to the end", "%r\n%s" % (e, srv.log_tail()))
    finally:
        left = jobdproc.wait_unmarked(MARK, 2)
        t.check(not left, "no marked process at the end", str(left))
        srv.close(keep=t.failed > 0)
    t.finish()


if __name__ == "__main__":
    main()
