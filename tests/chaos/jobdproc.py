# jobdproc.py — the one helper the robustness suites share (chaos, hostile,
# load): start the real jobd ($JOBD_BIN, default build/jobd) on a free
# loopback port with a temporary database, kill -9 and restart it on the
# same database, talk HTTP to it, find job processes by an environment
# marker in /proc, read RSS, and count checks into the closing
# "N passed, N failed" line. Python stdlib only; Linux only.
#
# Other suites import it with sys.path.insert(0, <repo>/tests/chaos).
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.abspath(os.environ.get("JOBD_BIN") or os.path.join(REPO, "build", "jobd"))
NET_ERRORS = (OSError, http.client.HTTPException)  # server down or killed mid-reply
FINAL = ("succeeded", "failed", "timed_out", "canceled")
LONG = os.environ.get("LONG", "") not in ("", "0")
MARK_VAR = "JOBD_TEST_MARK"  # every job carries it; /proc/*/environ finds them


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One jobd under test, restartable on the same database. Runs in its own
    session so close() can sweep whatever it leaves behind."""

    def __init__(self, flags=(), token=None, prefix="jobd-robust-"):
        self.flags = list(flags)
        self.token = token
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        self.db = os.path.join(self.tmp, "data", "jobd.db")
        self.output_dir = os.path.join(self.tmp, "data", "output")
        self.log_path = os.path.join(self.tmp, "jobd.log")
        self.proc = None
        self.port = None
        self.starts = 0

    def start(self, timeout=20):
        if not os.access(BIN, os.X_OK):
            raise RuntimeError("no jobd binary at %s (make, or set JOBD_BIN)" % BIN)
        for _ in range(3):  # the probed port can be taken before jobd binds it
            self.port = free_port()
            cmd = [BIN, "--db", self.db, "--listen", "127.0.0.1:%d" % self.port,
                   "--job-dir", self.tmp] + self.flags
            env = {k: v for k, v in os.environ.items() if not k.startswith("JOBD_")}
            # Leaks are reported at a clean exit (and fail the exit-0 checks);
            # a small quarantine keeps ASan's RSS comparable between passes.
            env.setdefault("ASAN_OPTIONS", "detect_leaks=1:quarantine_size_mb=16")
            with open(self.log_path, "ab") as log:
                log.write(("=== start: %s\n" % " ".join(cmd)).encode())
                log.flush()
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=log, env=env, start_new_session=True)
            self.starts += 1
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if self.request("GET", "/healthz", timeout=1)[0] == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.02)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(10)
            if "in use" not in self.log_tail(3):
                break
        raise RuntimeError("jobd did not become healthy:\n" + self.log_tail())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        """kill -9 of the server process alone: workers and jobs must follow."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, timeout=30):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            return self.proc.wait(timeout)
        return self.proc.returncode if self.proc else None

    def close(self, keep=False):
        if self.alive():
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait(10)
        if keep:
            print("jobd files kept in", self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def log_tail(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def log_has(self, text):
        with open(self.log_path, "rb") as f:
            return text.encode() in f.read()

    # --- HTTP -------------------------------------------------------------
    def request(self, method, path, body=None, raw=None, headers=None, timeout=30):
        """(status, headers dict lower-cased, parsed JSON or text). `body` is
        sent as JSON; `raw` bytes as is; both with Content-Type JSON."""
        hdrs = {}
        data = raw if body is None else json.dumps(body).encode()
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        if self.token:
            hdrs["Authorization"] = "Bearer " + self.token
        hdrs.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            payload = resp.read()
            rh = {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()
        text = payload.decode("utf-8", "replace")
        if rh.get("content-type", "").startswith("application/json"):
            try:
                return resp.status, rh, json.loads(text)
            except ValueError:
                pass
        return resp.status, rh, text

    def get(self, path):
        st, _, body = self.request("GET", path)
        if st != 200:
            raise RuntimeError("GET %s: %s %s" % (path, st, body))
        return body

    def submit(self, spec, key=None, path="/v1/jobs"):
        st, _, body = self.request("POST", path, body=spec,
                                   headers={"Idempotency-Key": key} if key else None)
        if st not in (200, 201):
            raise RuntimeError("POST %s: %s %s" % (path, st, body))
        return body

    def all_jobs(self, query=""):
        """Every job (newest first), following `next` pages of 500."""
        out, path = [], "/v1/jobs?limit=500" + query
        while path:
            page = self.get(path)
            out += page["jobs"]
            path = page["next"]
        return out

    def wait_final(self, ids, timeout):
        """Polls the full list until every id in `ids` is final; returns the
        {id: job} map of the last poll."""
        deadline = time.monotonic() + timeout
        ids = set(ids)
        while True:
            jobs = {j["id"]: j for j in self.all_jobs()}
            if all(i in jobs and jobs[i]["state"] in FINAL for i in ids) \
                    or time.monotonic() > deadline:
                return jobs
            time.sleep(0.2)

    def wait_job(self, job_id, states=FINAL, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            job = self.get("/v1/jobs/%d" % job_id)
            if job["state"] in states or time.monotonic() > deadline:
                return job
            time.sleep(0.02)

    def workers(self):
        return self.get("/v1/workers")

    def rss_kb(self):
        return rss_kb(self.proc.pid)


# --- processes --------------------------------------------------------------
def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _live(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            stat = f.read()
        return stat[stat.rindex(b")") + 2:stat.rindex(b")") + 3] != b"Z"
    except (OSError, ValueError):
        return False


def marked_pids(mark):
    """Live pids whose environment holds MARK_VAR=mark or MARK_VAR=mark-...
    (jobs and everything they forked: the environment is inherited)."""
    want = ("%s=%s" % (MARK_VAR, mark)).encode()
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                env = f.read().split(b"\0")
            if any(e == want or e.startswith(want + b"-") for e in env) and _live(int(d)):
                    found.append(int(d))
        except OSError:
            pass
    return found


def wait_unmarked(mark, timeout):
    """Waits for every marked process to go; returns (and kills) those left."""
    deadline = time.monotonic() + timeout
    while True:
        left = marked_pids(mark)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for p in left:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    return left


def pid_alive(pid):
    return _live(pid)


# --- results ----------------------------------------------------------------
class Tally:
    """Counts named checks; prints each failure with its detail."""

    def __init__(self, suite):
        self.suite = suite
        self.passed = 0
        self.failed = 0

    def check(self, ok, name, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL %s: %s %s" % (self.suite, name, detail), flush=True)
        return ok

    def finish(self):
        print("%s: %d passed, %d failed" % (self.suite, self.passed, self.failed), flush=True)
        sys.exit(1 if self.failed else 0)
