# crash.py — issue 4 item 1: kill -9 of the server at random moments (also
# mid-batch-insert and while every worker is busy) under a stream of
# thousands of short jobs, restart on the same database, repeat; then
# kill -9 of random workers. Asserts: every acknowledged job exists and is
# final, none running, no half batch, no job process left after a kill,
# attempts <= max_attempts, no duplicate from an idempotent retry; a killed
# worker's job fails (or retries) naming the cause and the pool refills.
#
#   python3 crash.py            short (~60 s);  LONG=1: more kills, more jobs
#   CHAOS_SEED=n                replay a run's random choices
import os
import random
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jobdproc  # noqa: E402
from jobdproc import FINAL, MARK_VAR, Server, Tally  # noqa: E402

LONG = jobdproc.LONG
KILLS = 30 if LONG else 16
MAX_JOBS = 30000 if LONG else 5000       # the client idles past this many
RATE = 150                               # jobs/s the client aims at
WORKER_KILLS = 16 if LONG else 6
WORKERS = 4
THREADS = 3
KILL_GRACE = 1
SEED = int(os.environ.get("CHAOS_SEED") or time.time())
MARK = "chaos-%d-%d" % (os.getpid(), SEED)
WORKER_DIED = re.compile(r"worker \d+ .*died", re.I)


def job_spec(rng, name):
    """One job of the mix; every one carries the run's marker."""
    r = rng.random()
    spec = {"name": name, "env": {MARK_VAR: MARK}, "timeout_s": 30}
    if r < 0.35:
        spec["command"] = ["true"]
    elif r < 0.55:
        spec["command"] = ["false"]
    elif r < 0.62:
        spec["command"] = ["sleep", "0.%03d" % rng.randint(5, 60)]
    elif r < 0.63:
        spec["command"] = ["sleep", "0.%03d" % rng.randint(300, 800)]
    elif r < 0.80:
        spec["command"] = "echo out %s; head -c %d /dev/zero | tr '\\0' x; echo err >&2" % (
            name, rng.randint(0, 20000))
    else:
        spec["command"] = ["sh", "-c", "exit %d" % rng.randint(1, 120)]
    if rng.random() < 0.3:
        spec["max_attempts"] = rng.randint(2, 3)
    return spec


class Client:
    """Submits jobs from several threads, singly and in batches, each request
    with its own Idempotency-Key, recording what the server acknowledged.
    A request without an answer is retried (same key) after the restart or
    abandoned, at random: abandoned ones are the unacknowledged ones."""

    def __init__(self, srv, rng):
        self.srv = srv
        self.rng = rng
        self.lock = threading.Lock()
        self.up = threading.Event()
        self.stop = threading.Event()
        self.seq = 0
        self.jobs = {}         # acked job id -> spec
        self.batches = {}      # acked batch id -> [job ids]
        self.submitted = 0     # jobs sent in requests, answered or not
        self.unanswered = 0
        self.retried = 0
        self.retry = []        # (key, path, body) to send again
        self.errors = []       # unexpected answers (not 2xx, 503 or no answer)

    def next_request(self, big=0):
        with self.lock:
            self.seq += 1
            seq, rng = self.seq, random.Random(self.rng.random())
        if self.retry and not big:
            with self.lock:
                if self.retry:
                    self.retried += 1
                    return self.retry.pop()
        key = "%s-k%d" % (MARK, seq)
        n = big or (rng.choice([2, 5, 20, 100, 300]) if rng.random() < 0.3 else 0)
        if n == 0:
            return key, "/v1/jobs", job_spec(rng, "j%d" % seq)
        specs = [job_spec(rng, "b%d-%d" % (seq, i)) for i in range(n)]
        if big:
            for s in specs:
                s["command"] = ["true"]
        return key, "/v1/batches", {"name": "batch%d" % seq, "jobs": specs}

    def send(self, req):
        """Sends one request; True when acknowledged (recorded)."""
        key, path, body = req
        n = len(body["jobs"]) if "jobs" in body else 1
        with self.lock:
            self.submitted += n
        try:
            st, _, got = self.srv.request("POST", path, body=body,
                                          headers={"Idempotency-Key": key}, timeout=30)
        except jobdproc.NET_ERRORS:
            st, got = None, None
        if st in (200, 201):
            with self.lock:
                if "jobs" in body:
                    self.batches[got["id"]] = got["job_ids"]
                    self.jobs.update(zip(got["job_ids"], body["jobs"]))
                else:
                    self.jobs[got["id"]] = body
            return True
        if st is not None and st != 503:
            raise RuntimeError("POST %s: %s %s" % (path, st, got))
        with self.lock:
            self.unanswered += 1
            if self.rng.random() < 0.5:
                self.retry.append(req)
        return False

    def loop(self):
        try:
            self.submit_until_stopped()
        except Exception as e:  # an unexpected answer: crash_phase reports it
            self.errors.append(repr(e))

    def submit_until_stopped(self):
        while not self.stop.is_set():
            if not self.up.wait(0.2):
                continue
            if len(self.jobs) >= MAX_JOBS:
                time.sleep(0.05)
                continue
            req = self.next_request()
            if self.send(req):  # paced, so submissions span every kill
                time.sleep(len(req[2].get("jobs", [0])) * THREADS / RATE)
            else:
                time.sleep(0.05)  # the server is down: do not spin


def kill_and_restart(srv, client, t, figures):
    client.up.clear()
    srv.kill9()
    figures["kills"] += 1
    left = jobdproc.wait_unmarked(MARK, KILL_GRACE + 5)
    figures["orphans"] += len(left)
    t.check(not left, "no job process outlives kill -9 of the server",
            "kill %d left pids %s" % (figures["kills"], left))
    srv.start()
    client.up.set()


def crash_phase(srv, rng, t, figures):
    client = Client(srv, rng)
    threads = [threading.Thread(target=client.loop, daemon=True) for _ in range(THREADS)]
    for th in threads:
        th.start()
    client.up.set()
    modes = ["random", "mid-batch", "busy"]
    for k in range(KILLS):
        mode = modes[k % len(modes)]
        if mode == "random":
            time.sleep(rng.uniform(0.3, 3.0))
        elif mode == "busy":
            deadline = time.monotonic() + 5
            time.sleep(rng.uniform(0.3, 1.0))
            while time.monotonic() < deadline:
                try:
                    if srv.get("/v1/stats")["busy"] >= WORKERS:
                        figures["busy kills"] += 1
                        break
                except jobdproc.NET_ERRORS + (RuntimeError,):
                    pass
                time.sleep(0.01)
        else:
            big = client.next_request(big=2000)
            acked = []
            th = threading.Thread(target=lambda: acked.append(client.send(big)))
            th.start()
            time.sleep(rng.uniform(0.0, 0.08))
            kill_and_restart(srv, client, t, figures)
            th.join(35)
            figures["mid-batch kills"] += 1
            figures["big batches unanswered"] += 0 if acked and acked[0] else 1
            continue
        kill_and_restart(srv, client, t, figures)
    time.sleep(2)
    client.stop.set()
    for th in threads:
        th.join(35)
    while client.retry:  # the retries still owed, against the live server
        client.retried += 1
        client.send(client.retry.pop())
    t.check(not client.errors, "every submit got 2xx, 503 or no answer", str(client.errors[:3]))
    return client


def check_jobs(srv, client, t, figures):
    timeout = 300 if LONG else 120
    jobs = srv.wait_final(client.jobs, timeout)
    figures["jobs acknowledged"] = len(client.jobs)
    figures["jobs stored"] = len(jobs)
    lost = [i for i in client.jobs if i not in jobs]
    figures["lost"] = len(lost)
    t.check(not lost, "every acknowledged job exists", "lost ids %s" % lost[:20])
    not_final = [i for i in client.jobs if i in jobs and jobs[i]["state"] not in FINAL]
    t.check(not not_final, "every acknowledged job reached a final state within %ds" % timeout,
            "%d not final, e.g. %s" % (len(not_final), [jobs[i] for i in not_final[:3]]))
    open_jobs = [j for j in jobs.values() if j["state"] not in FINAL]
    t.check(not open_jobs, "no job is queued or running after the run",
            "%d, e.g. %s" % (len(open_jobs), open_jobs[:2]))
    over = [j for j in jobs.values() if j["attempts"] > j["max_attempts"]]
    t.check(not over, "attempts never exceed max_attempts", str(over[:3]))
    wrong = [i for i, s in client.jobs.items() if i in jobs and
             (jobs[i]["name"], jobs[i]["command"]) != (s["name"], s["command"])]
    t.check(not wrong, "acknowledged jobs are stored as sent", str(wrong[:5]))
    names = {}
    for j in jobs.values():
        names[j["name"]] = names.get(j["name"], 0) + 1
    dups = [n for n, c in names.items() if c > 1]
    t.check(not dups, "no duplicate job from an idempotent retry", str(dups[:10]))
    mute = [j for j in jobs.values() if j["state"] == "failed" and
            j["exit_code"] is None and j["signal"] is None and not j["error"]]
    t.check(not mute, "every failure without an exit code names a cause", str(mute[:3]))
    figures["retried attempts"] = sum(1 for j in jobs.values() if j["attempts"] > 1)
    figures["interrupted by a kill"] = sum(
        1 for j in jobs.values() if re.search(r"server|stop|restart", j["error"] or "", re.I))
    return jobs


def check_batches(srv, client, jobs, t, figures):
    """Every stored batch is whole: its total equals its jobs, and an
    acknowledged batch holds exactly the ids it was answered with."""
    by_batch = {}
    for j in jobs.values():
        if j["batch_id"] is not None:
            by_batch.setdefault(j["batch_id"], []).append(j["id"])
    top = max(list(client.batches) + list(by_batch) + [0]) + 50
    half, present = [], 0
    for bid in range(1, top + 1):
        st, _, b = srv.request("GET", "/v1/batches/%d" % bid)
        if st == 404:
            if bid in by_batch or bid in client.batches:
                half.append((bid, "jobs or ack without a batch row"))
            continue
        present += 1
        ids = sorted(j["id"] for j in srv.all_jobs("&batch_id=%d" % bid))
        if not (b["total"] == len(ids) == sum(b["counts"].values()) == len(by_batch.get(bid, []))):
            half.append((bid, b["total"], len(ids), b["counts"]))
        elif bid in client.batches and sorted(client.batches[bid]) != ids:
            half.append((bid, "ids differ from the acknowledgement"))
    figures["batches stored"] = present
    figures["batches acknowledged"] = len(client.batches)
    t.check(not half, "no half batch: every batch row is complete or absent", str(half[:5]))


def worker_kills(srv, rng, t, figures):
    """kill -9 of the worker running a job: the job fails naming the dead
    worker (max_attempts 1) or runs again (2); its process goes; the pool
    returns to full size with a new pid."""
    for i in range(WORKER_KILLS):
        attempts = 1 + i % 2
        mark = "%s-w%d" % (MARK, i)
        job = srv.submit({"command": ["sleep", "%.3f" % rng.uniform(0.5, 0.9)],
                          "env": {MARK_VAR: mark}, "max_attempts": attempts})
        deadline, wpid, jpid = time.monotonic() + 10, None, None
        while time.monotonic() < deadline and not (wpid and jpid):
            running = srv.get("/v1/jobs/%d" % job["id"])
            jpid = running["pid"]
            wpid = next((w["pid"] for w in srv.workers()["workers"]
                         if w["job_id"] == job["id"]), None)
            time.sleep(0.01)
        if not t.check(wpid and jpid, "job %d started on a worker" % job["id"]):
            continue
        os.kill(wpid, 9)
        figures["worker kills"] += 1
        end = srv.wait_job(job["id"], timeout=20)
        if attempts == 1:
            t.check(end["state"] == "failed" and WORKER_DIED.search(end["error"] or ""),
                    "a dead worker's job fails naming the cause", str(end))
        else:
            t.check(end["state"] == "succeeded" and end["attempts"] == 2,
                    "a dead worker's job with attempts left runs again", str(end))
        deadline = time.monotonic() + KILL_GRACE + 5
        while jobdproc.pid_alive(jpid) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = jobdproc.wait_unmarked(mark, 0.1)
        figures["orphans"] += len(left)
        t.check(not left, "a dead worker's job process goes too", "pids %s" % left)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ws = srv.workers()
            pids = [w["pid"] for w in ws["workers"]]
            if len(pids) == WORKERS and wpid not in pids and all(
                    p and p > 0 and jobdproc.pid_alive(p) for p in pids):
                break
            time.sleep(0.05)
        t.check(len(pids) == WORKERS and wpid not in pids and ws["size"] == WORKERS,
                "the pool returns to full size", str(ws))


def main():
    t = Tally("chaos-crash")
    rng = random.Random(SEED)
    print("chaos-crash: seed %d (CHAOS_SEED to replay), %s, %d kills" % (
        SEED, "long" if LONG else "short", KILLS), flush=True)
    figures = dict.fromkeys(["kills", "busy kills", "mid-batch kills", "big batches unanswered",
                             "orphans", "worker kills"], 0)
    srv = Server(["--workers", str(WORKERS), "--kill-grace", str(KILL_GRACE),
                  "--shutdown-grace", "2", "--output-limit", "65536", "--log-level", "warn"],
                 prefix="jobd-chaos-")
    start = time.monotonic()
    try:
        srv.start()
        client = crash_phase(srv, rng, t, figures)
        figures["requests unanswered"] = client.unanswered
        figures["requests retried"] = client.retried
        jobs = check_jobs(srv, client, t, figures)
        check_batches(srv, client, jobs, t, figures)
        worker_kills(srv, rng, t, figures)
        t.check(srv.stop() == 0, "SIGTERM at the end exits 0")
        t.check(not srv.log_has("Sanitizer") and not srv.log_has("runtime error"),
                "no sanitizer report in the server log")
    except Exception as e:  # a harness error is a failure, with the log
        t.check(False, "harness ran to the end", "%r\n%s" % (e, srv.log_tail()))
    finally:
        left = jobdproc.wait_unmarked(MARK, 2)
        t.check(not left, "no marked process at the end", str(left))
        srv.close(keep=t.failed > 0)
    figures["seconds"] = round(time.monotonic() - start)
    print("chaos-crash figures: " + ", ".join("%s=%s" % kv for kv in figures.items()))
    t.finish()


if __name__ == "__main__":
    main()
