#!/usr/bin/env python3
"""cluster.py — jobd as a cluster on PostgreSQL: wake-up latency across nodes,
throughput with 1-3 nodes, exactly-once. Self-contained: builds nothing.

Runs $JOBD_BIN (default build/bench-cluster/jobd, else build/jobd; build it
with `make -s -j2 BUILD=build/bench-cluster`). Starts its own PostgreSQL
(the newest /usr/lib/postgresql/*/bin) with fsync ON and synchronous_commit
on (durable, unlike tests/pg/pg-server.sh), on a Unix socket only, in a
fresh directory under /tmp — or uses the one given with --pg URL (see `pg`
below, to share one server across repeated runs). Every measurement gets a
fresh database and fresh nodes (--workers 1 each, --lease 30, own
--output-dir), and everything it started is stopped on exit, error or
Ctrl-C. Each measurement prints one human line and one `RESULT {json}` line.

    cluster.py wakeup  [--n 200] [--mode cross|single|both]
        cross: 2 nodes A, B. A's only worker runs `sleep 30` (submitted
        before B starts, so it is A's); then N × `true`, one at a time, each
        POSTed to A and polled on A every 1 ms (GET /v1/jobs/ID) until final.
        Each must run on B (node_id) — B is woken by NOTIFY. single: the same
        N jobs on ONE idle node (PostgreSQL), POSTed and polled on it.
        Figures: queue_ms (job JSON: queued -> started) median/p95, and
        client POST -> seen final median/p95 (includes the ≤1 ms poll step).
    throughput [--nodes 1|2|3] [--sqlite] [--jobs 5000] [--batch 1000] [--exactly-once]
        N nodes; JOBS × `true` as batches of BATCH, batch i POSTed to node
        i mod N back to back; then polls node 0 every 20 ms for "nothing
        queued or running". Figures: wall = first POST -> seen all final
        (client), api = first POST -> last batch finished_at (server clock),
        jobs/s = JOBS / wall, node_id distribution. --sqlite: one node on a
        SQLite file instead (reference; no PostgreSQL started).
        --exactly-once: jobs are sh -c 'echo $JOBD_JOB_ID $JOBD_ATTEMPT >> F'
        and F must hold each submitted id exactly once with attempt 1.
    submit [--seconds 3] [--conns 4] [--postload PATH]
        the submit path on PostgreSQL: one node (--workers 1), single POSTs
        of delayed jobs (none runs while measured) over CONNS keep-alive
        connections with bench's postload (default build/bench/postload);
        then PostgreSQL alone: pgbench, one client committing one queued job
        row into the same jobs table per transaction. Figures: post_rps,
        pg_commits_per_s and their ratio.
    pg start DIR | pg stop DIR
        start (prints the URL) / stop and remove a durable PostgreSQL for --pg.
    summary [--skip K] FILE...
        median [min, max] of every RESULT figure over the runs in FILEs
        (grouped by measurement; --skip drops each file's first K runs of
        each measurement, e.g. a timing tool's warm-up run).

Common options: --pg URL (or $JOBD_BENCH_PG), --keep DIR (keep node logs there), --quiet.
Node logs (level info) are scanned for warn/error lines after each
measurement; their count is in RESULT ("log_warn") and they are printed.
"""
import argparse
import collections
import datetime
import glob
import http.client
import itertools
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FINAL = ("succeeded", "failed", "timed_out", "canceled")
DEADLINE_S = 300
_cleanups = []  # LIFO: (what, fn)
_db_seq = itertools.count(1)


def log(*a):
    if not ARGS.quiet:
        print("cluster:", *a, file=sys.stderr, flush=True)


def die(msg):
    raise SystemExit("cluster: " + msg)


def jobd_bin():
    b = os.environ.get("JOBD_BIN")
    if not b:
        b = os.path.join(ROOT, "build", "bench-cluster", "jobd")
        if not os.access(b, os.X_OK):
            b = os.path.join(ROOT, "build", "jobd")
    if not os.access(b, os.X_OK):
        die("no jobd binary at %s (make -s -j2 BUILD=build/bench-cluster)" % b)
    return b


# --- PostgreSQL ---------------------------------------------------------------
def pg_bin():
    found = [b for b in glob.glob("/usr/lib/postgresql/*/bin")
             if all(os.access(os.path.join(b, x), os.X_OK) for x in ("initdb", "pg_ctl", "psql"))]
    if not found:
        die("no PostgreSQL in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    return max(found, key=lambda p: [int(x) for x in p.split("/")[-2].split(".") if x.isdigit()])


def as_pg(cmd):
    return (["runuser", "-u", "postgres", "--"] + cmd) if os.geteuid() == 0 else cmd


def pg_start(d):
    """Durable PostgreSQL in D (new/empty), socket only; returns the base URL."""
    b = pg_bin()
    os.makedirs(d, exist_ok=True)
    if os.listdir(d):
        die("%s is not empty" % d)
    d = os.path.realpath(d)
    open(os.path.join(d, ".jobd-bench-pg"), "w").close()
    if os.geteuid() == 0:
        shutil.chown(d, "postgres", "postgres")
    port = 5439
    subprocess.run(as_pg([b + "/initdb", "--auth=trust", "-U", "postgres", "--locale=C",
                          "-E", "UTF8", "-D", d + "/data"]), check=True, cwd="/",
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # fsync, synchronous_commit, full_page_writes, wal_sync_method: defaults
    # (on, on, on, fdatasync) — stated explicitly so the figure is durable.
    opts = ("-k %s -c listen_addresses='' -p %d -c fsync=on -c synchronous_commit=on "
            "-c full_page_writes=on -c max_connections=300" % (d, port))
    subprocess.run(as_pg([b + "/pg_ctl", "-w", "-D", d + "/data", "-l", d + "/log",
                          "-o", opts, "start"]), check=True, cwd="/",
                   stdout=subprocess.DEVNULL)
    return "postgresql://postgres@/postgres?host=%s&port=%d" % (d, port)


def pg_stop(d):
    if not os.path.isdir(d):
        return
    if not os.path.exists(os.path.join(d, ".jobd-bench-pg")):
        die("%s was not made by cluster.py pg start" % d)
    if os.path.exists(os.path.join(d, "data", "postmaster.pid")):
        subprocess.run(as_pg([pg_bin() + "/pg_ctl", "-w", "-D", d + "/data", "stop", "-m", "fast"]),
                       cwd="/", stdout=subprocess.DEVNULL)
    shutil.rmtree(d, ignore_errors=True)


def pg_parts(url):
    q = dict(kv.split("=", 1) for kv in url.split("?", 1)[1].split("&"))
    return q["host"], q["port"]


def psql(url, sql):
    host, port = pg_parts(url)
    subprocess.run([pg_bin() + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host,
                    "-p", port, "-U", "postgres", "-d", "postgres", "-c", sql],
                   check=True, stdout=subprocess.DEVNULL)


def pg_setting(url, name):
    host, port = pg_parts(url)
    return subprocess.run([pg_bin() + "/psql", "-X", "-At", "-h", host, "-p", port, "-U",
                           "postgres", "-d", "postgres", "-c", "SHOW " + name],
                          check=True, capture_output=True, text=True).stdout.strip()


def fresh_db(url):
    name = "jobd_bench_%d_%d" % (os.getpid(), next(_db_seq))
    psql(url, "CREATE DATABASE " + name)
    _cleanups.append(("drop " + name, lambda: psql(url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)))
    return url.replace("/postgres?", "/%s?" % name, 1)


# --- nodes --------------------------------------------------------------------
class Node:
    def __init__(self, name, db, tmp, workers=1):
        self.name = name
        self.dir = os.path.join(tmp, name)
        os.makedirs(os.path.join(self.dir, "out"))
        os.makedirs(os.path.join(self.dir, "cwd"))
        self.log_path = os.path.join(self.dir, "jobd.log")
        self.db, self.workers = db, workers
        self.proc = None
        self.conn = None

    def start(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        cmd = [jobd_bin(), "--listen", "127.0.0.1:%d" % self.port, "--workers", str(self.workers),
               "--log-level", "info", "--shutdown-grace", "2", "--kill-grace", "1"]
        if self.db.startswith("postgres"):
            cmd += ["--db", self.db, "--node-name", self.name, "--lease", "30",
                    "--output-dir", os.path.join(self.dir, "out")]
        else:
            cmd += ["--db", os.path.join(self.dir, "jobd.db")]
        env = {k: v for k, v in os.environ.items() if not k.startswith("JOBD_")}
        with open(self.log_path, "ab") as f:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=f,
                                         cwd=os.path.join(self.dir, "cwd"), env=env,
                                         start_new_session=True)
        _cleanups.append(("stop " + self.name, self.stop))
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                die("node %s exited (%s) at start:\n%s" % (self.name, self.proc.returncode, self.tail()))
            try:
                self.conn = None
                self.call("GET", "/healthz")
                return self
            except (OSError, http.client.HTTPException, SystemExit):
                time.sleep(0.02)
        die("node %s not healthy in 60 s:\n%s" % (self.name, self.tail()))

    def tail(self, n=20):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"

    def call(self, method, path, body=None):
        if self.conn is not None and method == "GET":
            try:  # the server may have closed an idle keep-alive connection
                return self._call(method, path, body)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                pass
        return self._call(method, path, body)

    def _call(self, method, path, body):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        try:
            self.conn.request(method, path, body=data, headers=hdrs)
            resp = self.conn.getresponse()
            raw = resp.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        if resp.status >= 300:
            die("%s %s on %s: %d %r" % (method, path, self.name, resp.status, raw[:300]))
        return json.loads(raw) if raw else None

    def node_id(self):
        return self.call("GET", "/v1/workers")["node"]["id"]

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            log("node %s did not stop in 20 s; SIGKILL to its session" % self.name)
        finally:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # leftovers in its group
            except OSError:
                pass
            self.proc.wait(10)

    def warnings(self):
        try:
            with open(self.log_path, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            return []
        # Every jobd line starts with its level; anything else (a crash, a
        # library's message) counts too.
        return [l for l in lines if l.strip() and not l.startswith(("info ", "debug "))]


def wait_until(pred, poll_s, what):
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(poll_s)
    die("timed out after %d s waiting for %s" % (DEADLINE_S, what))


def pct(vals, p):
    v = sorted(vals)
    return v[min(len(v) - 1, round(p / 100 * (len(v) - 1)))]


def parse_ts(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


class Setup:
    """The measurement's scratch directory, database and nodes."""

    def __init__(self, pg_url):
        self.pg_url = pg_url
        self.tmp = tempfile.mkdtemp(prefix="jobd-bc-")
        _cleanups.append(("rm " + self.tmp, lambda: shutil.rmtree(self.tmp, ignore_errors=True)))
        self.nodes = []

    def node(self, name, db):
        n = Node(name, db, self.tmp)
        self.nodes.append(n)
        return n.start()

    def finish(self, result):
        """Stop nodes, collect warn/error log lines, keep logs if asked."""
        for n in self.nodes:
            n.stop()
        warns = []
        for n in self.nodes:
            warns += ["%s: %s" % (n.name, l) for l in n.warnings()]
            if ARGS.keep:
                os.makedirs(ARGS.keep, exist_ok=True)
                shutil.copy(n.log_path, os.path.join(ARGS.keep, "%s-%d-%s.log" % (
                    result["what"], os.getpid(), n.name)))
        result["log_warn"] = len(warns)
        for w in warns[:20]:
            print("  log:", w, file=sys.stderr)
        if len(warns) > 20:
            print("  log: ... %d more" % (len(warns) - 20), file=sys.stderr)
        return result


# --- measurements -------------------------------------------------------------
def one_at_a_time(submit_to, n, want_node):
    qs, walls, wrong = [], [], []
    for _ in range(n):
        t0 = time.monotonic()
        jid = submit_to.call("POST", "/v1/jobs", {"command": ["true"]})["id"]
        job = wait_until(lambda: (lambda j: j if j["state"] in FINAL else None)(
            submit_to.call("GET", "/v1/jobs/%d" % jid)), 0.001, "job %d" % jid)
        walls.append((time.monotonic() - t0) * 1000)
        if job["state"] != "succeeded":
            die("job %d: %s" % (jid, job["state"]))
        qs.append(job["queue_ms"])
        if want_node is not None and job.get("node_id") != want_node:
            wrong.append((jid, job.get("node_id")))
    return qs, walls, wrong


def m_wakeup(url, mode):
    s = Setup(url)
    res = {"what": "wakeup_" + mode, "n": ARGS.n}
    db = fresh_db(url)
    if mode == "cross":
        a = s.node("nodeA", db)
        sleeper = a.call("POST", "/v1/jobs", {"command": ["sleep", "30"]})["id"]
        aid = a.node_id()
        wait_until(lambda: (lambda j: j["state"] == "running" and j.get("node_id") == aid)(
            a.call("GET", "/v1/jobs/%d" % sleeper)), 0.01, "sleep 30 running on A")
        b = s.node("nodeB", db)
        bid = b.node_id()
        time.sleep(0.5)  # let B settle (first heartbeat, LISTEN)
        qs, walls, wrong = one_at_a_time(a, ARGS.n, bid)
        still = a.call("GET", "/v1/jobs/%d" % sleeper)
        if still["state"] != "running":
            die("A's sleep 30 was no longer running at the end (%s): A was not busy throughout"
                % still["state"])
        a.call("POST", "/v1/jobs/%d/cancel" % sleeper)
        res["ran_on_B"] = ARGS.n - len(wrong)
        if wrong:
            log("jobs not on B (id, node_id):", wrong[:10])
    else:
        a = s.node("solo", db)
        qs, walls, wrong = one_at_a_time(a, ARGS.n, a.node_id())
    res.update(queue_med_ms=statistics.median(qs), queue_p95_ms=pct(qs, 95),
               queue_max_ms=max(qs), wall_med_ms=statistics.median(walls),
               wall_p95_ms=pct(walls, 95))
    s.finish(res)
    print("%-22s n=%d queue_ms median %.3f p95 %.3f (max %.1f) | POST->final median %.3f p95 %.3f ms%s"
          % (res["what"], ARGS.n, res["queue_med_ms"], res["queue_p95_ms"], res["queue_max_ms"],
             res["wall_med_ms"], res["wall_p95_ms"],
             " | on B %d/%d" % (res["ran_on_B"], ARGS.n) if mode == "cross" else ""))
    if mode == "cross" and wrong:
        die("%d of %d jobs did not run on B" % (len(wrong), ARGS.n))
    return res


def m_throughput(url, nodes, sqlite, exactly_once):
    s = Setup(url)
    what = ("sqlite1" if sqlite else "pg%d" % nodes) + ("_once" if exactly_once else "")
    res = {"what": "throughput_" + what, "jobs": ARGS.jobs, "batch": ARGS.batch}
    db = "sqlite" if sqlite else fresh_db(url)
    ns = [s.node("node%d" % (i + 1), db) for i in range(1 if sqlite else nodes)]
    ids_by_node = {n.name: (n.node_id() if not sqlite else None) for n in ns}
    runs = os.path.join(s.tmp, "runs.txt")
    cmd = (["sh", "-c", "echo $JOBD_JOB_ID $JOBD_ATTEMPT >> '%s'" % runs] if exactly_once
           else ["true"])
    time.sleep(0.3)
    nb = (ARGS.jobs + ARGS.batch - 1) // ARGS.batch
    specs = [[{"command": cmd}] * min(ARGS.batch, ARGS.jobs - i * ARGS.batch) for i in range(nb)]
    batches, ids = [], []
    t0_wall = time.time()
    t0 = time.monotonic()
    for i, spec in enumerate(specs):
        b = ns[i % len(ns)].call("POST", "/v1/batches", {"jobs": spec})
        batches.append(b["id"])
        ids += b["job_ids"]
    t_submit = time.monotonic() - t0
    wait_until(lambda: not ns[0].call("GET", "/v1/jobs?state=queued,running&limit=1")["jobs"],
               0.02, "all jobs final")
    wall = time.monotonic() - t0
    # After the clock: states, per-node counts, server-side end.
    last_finish = 0
    states, per_node = collections.Counter(), collections.Counter()
    for i, bid in enumerate(batches):
        rd = ns[(i + 1) % len(ns)]
        last_finish = max(last_finish, parse_ts(rd.call("GET", "/v1/batches/%d" % bid)["finished_at"]))
        path = "/v1/jobs?batch_id=%d&limit=500" % bid
        while path:
            body = rd.call("GET", path)
            for j in body["jobs"]:
                states[j["state"]] += 1
                per_node[j.get("node_id")] += 1
            path = body.get("next")
    name_of = {v: k for k, v in ids_by_node.items()}
    res.update(wall_s=wall, api_s=last_finish - t0_wall, submit_s=t_submit,
               jobs_per_s=ARGS.jobs / wall,
               per_node={name_of.get(k, str(k)): v for k, v in sorted(per_node.items(), key=str)},
               states=dict(states))
    ok = states["succeeded"] == ARGS.jobs and len(set(ids)) == ARGS.jobs
    if exactly_once:
        with open(runs) as f:
            lines = [l.split() for l in f.read().splitlines()]
        seen = collections.Counter(int(l[0]) for l in lines)
        dup = sorted(i for i, c in seen.items() if c > 1)
        missing = set(ids) - set(seen)
        retried = [l for l in lines if l[1] != "1"]
        res.update(lines=len(lines), duplicates=len(dup), missing=len(missing), retried=len(retried))
        ok = ok and not dup and not missing and not retried and len(lines) == ARGS.jobs
    s.finish(res)
    print("%-22s %d jobs in %d batches: wall %.3f s (api %.3f, submit %.3f) = %.0f jobs/s; "
          "per node %s; states %s%s"
          % (res["what"], ARGS.jobs, nb, wall, res["api_s"], t_submit, res["jobs_per_s"],
             res["per_node"], res["states"],
             "; runs file: %d lines, %d dup, %d missing, %d attempt!=1" % (
                 res["lines"], res["duplicates"], res["missing"], res["retried"])
             if exactly_once else ""))
    if not ok:
        die("check failed: %s" % json.dumps(res))
    return res


def m_submit(url):
    s = Setup(url)
    res = {"what": "submit_pg", "conns": ARGS.conns, "seconds": ARGS.seconds}
    db = fresh_db(url)
    node = s.node("node1", db)
    out = subprocess.run([ARGS.postload, "-a", "127.0.0.1:%d" % node.port, "-c", str(ARGS.conns),
                          "-n", "1000000", "-t", str(ARGS.seconds),
                          "-b", '{"command":["true"],"delay_s":86400}'],
                         check=True, capture_output=True, text=True).stdout
    res["post_rps"] = float(dict(w.split("=", 1) for w in out.split())["rps"])
    node.stop()
    # The same table, PostgreSQL alone: one row per transaction, as a server
    # without group commit would acknowledge each POST.
    script = os.path.join(s.tmp, "insert.sql")
    with open(script, "w") as f:
        f.write("INSERT INTO jobs (command, state, timeout_s, created_at, queued_at) "
                "VALUES ('[\"true\"]', 'queued', 0, 1, 1);\n")
    host, port = pg_parts(url)
    out = subprocess.run([pg_bin() + "/pgbench", "-n", "-c", "1", "-T", str(max(1, round(ARGS.seconds))),
                          "-f", script, "-h", host, "-p", port, "-U", "postgres",
                          db.split("?", 1)[0].rsplit("/", 1)[1]],
                         check=True, capture_output=True, text=True).stdout
    tps = [l for l in out.splitlines() if l.startswith("tps = ")]
    if not tps:
        die("pgbench printed no tps:\n" + out)
    res["pg_commits_per_s"] = float(tps[0].split()[2])
    res["ratio"] = res["post_rps"] / res["pg_commits_per_s"]
    s.finish(res)
    print("%-22s single POSTs of delayed jobs, %d conns: %.0f req/s | PostgreSQL 1-row commits: "
          "%.0f/s | ratio %.2f" % (res["what"], ARGS.conns, res["post_rps"],
                                   res["pg_commits_per_s"], res["ratio"]))
    return res


# --- summary ------------------------------------------------------------------
def summary(files, skip):
    groups = collections.defaultdict(list)
    for fn in files:
        seen = collections.Counter()
        with open(fn) as f:
            for line in f:
                if line.startswith("RESULT "):
                    r = json.loads(line[7:])
                    seen[r["what"]] += 1
                    if seen[r["what"]] > skip:
                        groups[r["what"]].append(r)
    for what, rs in groups.items():
        print("%s (%d runs)" % (what, len(rs)))
        for k in rs[0]:
            vals = [r[k] for r in rs if isinstance(r.get(k), (int, float)) and not isinstance(r.get(k), bool)]
            if len(vals) == len(rs) and k not in ("n", "jobs", "batch"):
                print("  %-14s median %10.3f  [min %.3f, max %.3f]"
                      % (k, statistics.median(vals), min(vals), max(vals)))
            elif k in ("per_node", "states"):
                print("  %-14s %s" % (k, " | ".join(json.dumps(r[k], sort_keys=True) for r in rs)))


# --- main ---------------------------------------------------------------------
def cleanup():
    while _cleanups:
        what, fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:  # keep cleaning up
            print("cluster: cleanup %s: %s" % (what, e), file=sys.stderr)


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pg", default=os.environ.get("JOBD_BENCH_PG"),
                   help="base URL of a running PostgreSQL, e.g. from `pg start` "
                   "(default $JOBD_BENCH_PG; else one is started and stopped)")
    p.add_argument("--keep", help="copy node logs into this directory")
    p.add_argument("--quiet", action="store_true")
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("wakeup")
    w.add_argument("--n", type=int, default=200)
    w.add_argument("--mode", choices=("cross", "single", "both"), default="both")
    t = sub.add_parser("throughput")
    t.add_argument("--nodes", type=int, default=1, choices=(1, 2, 3))
    t.add_argument("--sqlite", action="store_true")
    t.add_argument("--jobs", type=int, default=5000)
    t.add_argument("--batch", type=int, default=1000)
    t.add_argument("--exactly-once", action="store_true")
    u = sub.add_parser("submit")
    u.add_argument("--seconds", type=float, default=3)
    u.add_argument("--conns", type=int, default=4)
    u.add_argument("--postload", default=os.path.join(ROOT, "build", "bench", "postload"))
    g = sub.add_parser("pg")
    g.add_argument("action", choices=("start", "stop"))
    g.add_argument("dir")
    sm = sub.add_parser("summary")
    sm.add_argument("--skip", type=int, default=0,
                    help="drop each file's first N runs of each measurement (warm-ups)")
    sm.add_argument("files", nargs="+")
    ARGS = p.parse_args()

    if ARGS.cmd == "summary":
        return summary(ARGS.files, ARGS.skip)
    if ARGS.cmd == "pg":
        if ARGS.action == "start":
            try:
                print(pg_start(ARGS.dir))
            except BaseException:
                pg_stop(ARGS.dir)
                raise
        else:
            pg_stop(ARGS.dir)
        return

    def on_signal(sig, _):
        raise SystemExit(128 + sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        url = ARGS.pg
        if url is None and not (ARGS.cmd == "throughput" and ARGS.sqlite):
            d = tempfile.mkdtemp(prefix="jbpg-")  # short: the socket path must fit
            os.rmdir(d)
            _cleanups.append(("pg stop", lambda: pg_stop(d)))
            url = pg_start(d)
            log("PostgreSQL at", url)
        if url is not None:
            log("PostgreSQL fsync=%s synchronous_commit=%s; jobd %s" % (
                pg_setting(url, "fsync"), pg_setting(url, "synchronous_commit"), jobd_bin()))
        out = []
        if ARGS.cmd == "wakeup":
            for mode in (("cross", "single") if ARGS.mode == "both" else (ARGS.mode,)):
                out.append(m_wakeup(url, mode))
                cleanup_measurement()
        elif ARGS.cmd == "submit":
            out.append(m_submit(url))
        else:
            out.append(m_throughput(url, ARGS.nodes, ARGS.sqlite, ARGS.exactly_once))
        for r in out:
            print("RESULT " + json.dumps(r))
    except KeyboardInterrupt:
        print("cluster: interrupted", file=sys.stderr)
        sys.exit(130)
    finally:
        cleanup()


def cleanup_measurement():
    """Undo everything but the PostgreSQL server (the first cleanup, if ours)."""
    keep = [c for c in _cleanups if c[0] == "pg stop"]
    rest = [c for c in _cleanups if c[0] != "pg stop"]
    _cleanups[:] = rest
    cleanup()
    _cleanups[:] = keep


if __name__ == "__main__":
    main()
