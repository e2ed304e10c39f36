# Starts the real jobd binary on a free loopback port with a temporary
# database and drives it over HTTP. One Jobd object = one server (and its
# restarts on the same database). No mocks: everything goes through the
# binary named by $JOBD_BIN (default <repo>/build/jobd).
#
# With $JOBD_TEST_PG set to a PostgreSQL base URL (as printed by
# tests/pg/pg-server.sh start; tests/integration/run-pg.sh does this) each
# Jobd gets a fresh database of its own on that server instead of a SQLite
# file, created at its first start and dropped by close().
import glob
import http.client
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

import procs

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("JOBD_BIN") or os.path.join(REPO, "build", "jobd")
FINAL = ("succeeded", "failed", "timed_out", "canceled")
START_TIMEOUT = 15.0
POLL = 0.02
PG_BASE = os.environ.get("JOBD_TEST_PG") or None
BACKEND = "postgres" if PG_BASE else "sqlite"
_pg_counter = itertools.count(1)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_url(dbname, base=None, password=None, host=None):
    """The base URL ($JOBD_TEST_PG) with its database replaced, and its
    password, or its host (the ?host= socket directory), when given."""
    parts = urllib.parse.urlsplit(base or PG_BASE)
    netloc, query = parts.netloc, parts.query
    if password is not None:
        user, _, hostport = netloc.rpartition("@")
        netloc = "%s:%s@%s" % (user.split(":", 1)[0], urllib.parse.quote(password, safe=""),
                               hostport)
    if host is not None:
        params = [(k, host if k == "host" else v)
                  for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True)]
        query = urllib.parse.urlencode(params, safe="/")
    return urllib.parse.urlunsplit((parts.scheme, netloc, "/" + dbname, query, parts.fragment))


def redact_db(db):
    """`db` as the server logs it: a URL's password (user:PASS@) as ***."""
    m = re.match(r"^(postgres(?:ql)?://[^/@:]*):[^/@]*@", db)
    return db if m is None else m.group(1) + ":***@" + db[m.end():]


def _psql_bin():
    found = shutil.which("psql")
    if found:
        return found
    newest = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"),
                    key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not newest:
        raise RuntimeError("JOBD_TEST_PG is set but psql is not installed "
                           "(Debian: postgresql-client)")
    return newest[-1]


def psql(sql, url=None, check=True):
    """Run one SQL command with the psql CLI on `url` (default: the base
    URL); returns its unaligned, tuples-only output, stripped."""
    p = subprocess.run([_psql_bin(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                        "-d", url or PG_BASE, "-c", sql],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise RuntimeError("psql %r failed (%s): %s" % (sql, p.returncode, p.stderr.strip()))
    return p.stdout.strip()


def _clean_env(extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBD_")}
    env.update(extra or {})
    return env


class Jobd:
    """A jobd server under test. `flags` are extra command-line flags, `env`
    extra environment (JOBD_* from the test's own environment is dropped),
    `token` is sent as a bearer token on every request unless overridden.
    With `via_env` the address and database go in JOBD_LISTEN and JOBD_DB
    (and JOBD_OUTPUT_DIR) instead of --listen and --db (and --output-dir).

    `db` is what the server gets as its database: the SQLite file
    <tmp>/data/jobd.db, or with $JOBD_TEST_PG the URL of this object's own
    PostgreSQL database (`db_url`, None on SQLite; a test may set `db` to
    another spelling of it, e.g. with a password, before start()).
    `output_dir` is where job output files go: <tmp>/data/output either way
    (SQLite's default beside the file; passed as --output-dir on PostgreSQL).
    `backend` is "sqlite" or "postgres".

    Cluster option (tests/cluster/): `db_url` points this server at an
    existing PostgreSQL database shared with other Jobd objects (nodes)
    instead of a database of its own; the caller creates and drops it, so
    close() leaves it alone. `node_name` adds `--node-name NAME`."""

    def __init__(self, flags=(), env=None, token=None, via_env=False, prefix=(),
                 db_url=None, node_name=None):
        self.flags = list(flags)
        self.node_name = node_name  # kept across restart(flags=...)
        self.prefix = list(prefix)  # e.g. ["taskset", "-c", "0"]
        self.env = dict(env or {})
        self.token = token
        self.via_env = via_env
        self.tmp = tempfile.mkdtemp(prefix="jobd-it-%s" % (node_name + "-" if node_name else ""))
        self.backend = BACKEND
        self.output_dir = os.path.join(self.tmp, "data", "output")
        self.db_url = None
        self.db_name = None
        self._db_created = False
        self._db_shared = db_url is not None
        if self._db_shared:
            assert self.backend == "postgres", "db_url needs $JOBD_TEST_PG"
            self.db_url = self.db = db_url
        elif self.backend == "postgres":
            self.db_name = "jobd_it_%d_%d" % (os.getpid(), next(_pg_counter))
            self.db_url = pg_url(self.db_name)
            self.db = self.db_url
        else:
            self.db = os.path.join(self.tmp, "data", "jobd.db")
        self.job_dir = os.path.join(self.tmp, "jobdir")
        os.makedirs(os.path.join(self.tmp, "data"))
        os.makedirs(self.job_dir)
        self.log_path = os.path.join(self.tmp, "jobd.log")
        self.proc = None
        self.sessions = []
        self.port = None
        self.listen_host = "127.0.0.1"  # e.g. "0.0.0.0"; requests still go to 127.0.0.1

    # --- database ----------------------------------------------------------
    def ensure_db(self):
        """On PostgreSQL, create this object's database unless done already
        (restarts reuse it)."""
        if self.backend == "postgres" and not self._db_created and not self._db_shared:
            psql("CREATE DATABASE %s" % self.db_name)
            self._db_created = True

    def db_args(self):
        """The database flags a server on this object's data is started with:
        ["--db", db] (+ ["--output-dir", output_dir] on PostgreSQL). Creates
        the PostgreSQL database when needed."""
        self.ensure_db()
        args = ["--db", self.db]
        if self.backend == "postgres":
            args += ["--output-dir", self.output_dir]
        return args

    def db_env(self):
        """db_args() as the environment twins JOBD_DB (+ JOBD_OUTPUT_DIR)."""
        self.ensure_db()
        env = {"JOBD_DB": self.db}
        if self.backend == "postgres":
            env["JOBD_OUTPUT_DIR"] = self.output_dir
        return env

    def psql(self, sql):
        """Run SQL in this server's PostgreSQL database (see psql())."""
        assert self.backend == "postgres", "psql() on a %s server" % self.backend
        return psql(sql, self.db_url)

    def _drop_db(self):
        if self._db_created:
            self._db_created = False
            try:
                psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.db_name, check=False)
            except (OSError, subprocess.SubprocessError, RuntimeError):
                pass

    # --- lifecycle -------------------------------------------------------
    def start(self):
        if not os.access(BIN, os.X_OK):
            raise RuntimeError("jobd binary not found or not executable: %s "
                               "(build it with make, or set JOBD_BIN)" % BIN)
        last = None
        for _ in range(3):  # a free port can be taken between probe and bind
            self.port = free_port()
            addr = "%s:%d" % (self.listen_host, self.port)
            cmd = self.prefix + [BIN, "--log-level", "debug"] + self.flags
            if self.node_name is not None:
                cmd += ["--node-name", self.node_name]
            env = dict(self.env)
            if self.via_env:
                env.update(self.db_env(), JOBD_LISTEN=addr)
            else:
                cmd += self.db_args() + ["--listen", addr]
            with open(self.log_path, "ab") as log:
                log.write(("\n=== start: %s\n" % " ".join(cmd)).encode())
                log.flush()
                self.proc = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                    cwd=self.job_dir, env=_clean_env(env),
                    start_new_session=True)
            self.sessions.append(self.proc.pid)
            try:
                self.wait_healthy()
                return self
            except RuntimeError as e:
                last = e
                if "in use" not in self.log_tail(5).lower():
                    raise
        raise last

    def wait_healthy(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("jobd exited with %s during start-up:\n%s"
                                   % (self.proc.returncode, self.log_tail()))
            try:
                status, _, _ = self.request("GET", "/healthz", timeout=1)
                if status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(POLL)
        raise RuntimeError("jobd not healthy after %.0fs:\n%s"
                           % (timeout, self.log_tail()))

    def kill9(self):
        """SIGKILL the server process only: its workers and jobs must go by
        themselves."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def send_signal(self, sig):
        os.kill(self.proc.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Send `sig` and wait for the exit; returns the exit status."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        return self.proc.wait(timeout)

    def restart(self, flags=None):
        """Start again on the same database (new port); the previous server
        must already have exited."""
        assert self.proc.poll() is not None, "restart() of a running server"
        if flags is not None:
            self.flags = list(flags)
        return self.start()

    def close(self):
        """Kill the server and everything left in its sessions, remove the
        temporary directory (and drop the PostgreSQL database); the log tail
        stays readable via log_tail()."""
        self._final_tail = self.log_tail()
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait(10)
        for sid in self.sessions:
            procs.kill_all(procs.pids_in_session(sid))
        self._drop_db()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def log_tail(self, lines=150):
        """The end of the server's log without the debug lines of our polls,
        then the processes still in the server's sessions."""
        if getattr(self, "_final_tail", None) is not None:
            return self._final_tail
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return "(no log)"
        kept = [l for l in text.splitlines() if not re.search(r"http: GET \S+ 200$", l)]
        left = [procs.describe(p) for sid in self.sessions
                for p in procs.pids_in_session(sid)]
        return "\n".join(kept[-lines:] + ["--- processes left in its sessions:"] + left)

    # --- HTTP --------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, raw=None,
                token=..., timeout=15):
        """Returns (status, headers, body). `body` is sent as JSON with
        Content-Type application/json; `raw` (bytes) is sent as is, or with
        chunked transfer encoding when it is a list of byte strings. A header
        value of None removes that header. The response body is parsed JSON
        when the server says it is JSON, else text."""
        hdrs = {}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        tok = self.token if token is ... else token
        if tok is not None:
            hdrs["Authorization"] = "Bearer " + tok
        for k, v in (headers or {}).items():
            hdrs = {hk: hv for hk, hv in hdrs.items() if hk.lower() != k.lower()}
            if v is not None:
                hdrs[k] = v
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(data, list):
                conn.request(method, path, body=iter(data), headers=hdrs,
                             encode_chunked=True)
            else:
                conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            payload = resp.read()
        finally:
            conn.close()
        ctype = resp.getheader("Content-Type", "")
        if method == "HEAD":
            return resp.status, resp.headers, None
        if ctype.startswith("application/json"):
            try:
                return resp.status, resp.headers, json.loads(payload)
            except ValueError:
                raise AssertionError("%s %s: invalid JSON from server: %r"
                                     % (method, path, payload[:300]))
        return resp.status, resp.headers, payload.decode("utf-8", "replace")

    def expect(self, status, method, path, **kw):
        st, hd, body = self.request(method, path, **kw)
        if st != status:
            raise AssertionError("%s %s: want %d, got %d: %r"
                                 % (method, path, status, st, body))
        return body, hd

    # --- API shortcuts ---------------------------------------------------
    def submit(self, spec, headers=None):
        return self.expect(201, "POST", "/v1/jobs", body=spec, headers=headers)[0]

    def submit_batch(self, jobs, name=None, timeout=15):
        body = {"jobs": jobs}
        if name is not None:
            body["name"] = name
        return self.expect(201, "POST", "/v1/batches", body=body, timeout=timeout)[0]

    def job(self, job_id):
        return self.expect(200, "GET", "/v1/jobs/%d" % job_id)[0]

    def cancel(self, job_id):
        return self.request("POST", "/v1/jobs/%d/cancel" % job_id)

    def output(self, job_id, stream="stdout"):
        return self.expect(200, "GET", "/v1/jobs/%d/%s" % (job_id, stream))[0]

    def workers(self):
        return self.expect(200, "GET", "/v1/workers")[0]

    def stats(self):
        return self.expect(200, "GET", "/v1/stats")[0]

    def wait_for(self, job_id, states=FINAL, timeout=30):
        """Poll the job until its state is in `states`; return the job."""
        if isinstance(states, str):
            states = (states,)
        return self.wait_job(job_id, lambda j: j["state"] in states,
                             "state in %s" % (states,), timeout)

    def wait_job(self, job_id, pred, what, timeout=30):
        """Poll the job until pred(job) holds; return the job."""
        last = {}

        def check():
            last["job"] = job = self.job(job_id)
            return job if pred(job) else None
        try:
            return self.wait_until(what, check, timeout)
        except AssertionError:
            job = last.get("job") or {}
            raise AssertionError("job %d: no %s after %ss (state %s): %r"
                                 % (job_id, what, timeout, job.get("state"), job)) from None

    def wait_until(self, what, pred, timeout=30):
        """Poll pred() until it returns something truthy; return it."""
        deadline = time.monotonic() + timeout
        while True:
            got = pred()
            if got:
                return got
            if time.monotonic() >= deadline:
                raise AssertionError("timed out after %ss waiting for %s"
                                     % (timeout, what))
            time.sleep(POLL)

    def wait_batch(self, batch_id, timeout=30):
        """Poll the batch until every job is final; return the batch."""
        def done():
            b = self.expect(200, "GET", "/v1/batches/%d" % batch_id)[0]
            final = sum(b["counts"][s] for s in FINAL)
            return b if final == b["total"] and b["finished_at"] else None
        return self.wait_until("batch %d to finish" % batch_id, done, timeout)
