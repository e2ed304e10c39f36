#!/usr/bin/env python3
# idle_conns.py — what idle keep-alive connections cost jobd: starts a jobd
# on a scratch database, opens N connections that each make one request
# (GET /healthz) and then stay open, idle, and prints the server's threads
# (/proc/PID/task) and VmRSS before and after, and how fast a fresh client
# is still answered (a POST of `true` waited to its end, and GET /healthz).
# Optionally M event streams (GET /v1/events) are held open too.
#
#   python3 bench/idle_conns.py [--jobd build/jobd] [--conns 10000] [--streams 0]
#
# Raises its own RLIMIT_NOFILE to N + M + 256 (up to the hard limit: raise
# that with `ulimit -Hn` as root if it is lower); jobd raises its own from
# --max-connections. Loopback only; nothing is left behind but the scratch
# directory, which is removed.
import argparse
import http.client
import json
import os
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def proc_figures(pid):
    threads = len(os.listdir("/proc/%d/task" % pid))
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return threads, rss


def wait_healthy(port, proc, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("idle_conns: jobd exited during start-up")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    sys.exit("idle_conns: jobd not healthy")


def open_idle(port, n, path, until):
    """n connections, each sent GET path; returns them once each has
    received `until` (the end of an answer's headers, or a stream's first
    comment). Opened in chunks so the listen backlog never overflows."""
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode()
    done, chunk = [], 500
    ep = select.epoll()
    for start in range(0, n, chunk):
        pending = {}
        for _ in range(min(chunk, n - start)):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(req)
            s.setblocking(False)
            pending[s.fileno()] = [s, b""]
            ep.register(s.fileno(), select.EPOLLIN)
        deadline = time.monotonic() + 60
        while pending and time.monotonic() < deadline:
            for fd, _ in ep.poll(1):
                s, buf = pending[fd]
                data = s.recv(65536)
                if not data:
                    sys.exit("idle_conns: the server closed a connection (limits?)")
                buf += data
                pending[fd][1] = buf
                if until in buf:
                    ep.unregister(fd)
                    done.append(pending.pop(fd)[0])
        if pending:
            sys.exit("idle_conns: %d connections not answered" % len(pending))
    ep.close()
    return done


def timed_requests(port, reps=200):
    """Median ms of GET /healthz over a fresh keep-alive connection, and of
    one POST of `true` until its job has ended (polled)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    t = []
    for _ in range(reps):
        t0 = time.monotonic()
        c.request("GET", "/healthz")
        c.getresponse().read()
        t.append(time.monotonic() - t0)
    t.sort()
    health_ms = t[len(t) // 2] * 1000
    t0 = time.monotonic()
    c.request("POST", "/v1/jobs", body=json.dumps({"command": ["true"]}),
              headers={"Content-Type": "application/json"})
    resp = c.getresponse()
    job = json.loads(resp.read())
    assert resp.status == 201, job
    while job["state"] not in ("succeeded", "failed", "timed_out", "canceled"):
        c.request("GET", "/v1/jobs/%d" % job["id"])
        job = json.loads(c.getresponse().read())
    job_ms = (time.monotonic() - t0) * 1000
    c.close()
    return health_ms, job_ms


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jobd", default=os.path.join(ROOT, "build", "jobd"))
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--streams", type=int, default=0)
    a = ap.parse_args()
    total = a.conns + a.streams
    limit = raise_nofile(total + 256)
    if limit < total + 64:
        sys.exit("idle_conns: RLIMIT_NOFILE %d is too low for %d connections (ulimit -Hn)"
                 % (limit, total))
    tmp = tempfile.mkdtemp(prefix="jobd-idle-")
    port = free_port()
    cmd = [a.jobd, "--db", os.path.join(tmp, "jobd.db"), "--listen", "127.0.0.1:%d" % port,
           "--workers", "1", "--log-level", "warn", "--max-connections", str(total + 100),
           "--max-connections-per-ip", "0", "--header-timeout", "3600",
           "--max-event-streams", str(max(1, a.streams))]
    with open(os.path.join(tmp, "jobd.log"), "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        wait_healthy(port, proc)
        t0, r0 = proc_figures(proc.pid)
        h0, j0 = timed_requests(port)
        print("idle_conns: jobd %s" % a.jobd)
        print("idle_conns: before: %d threads, VmRSS %d kB; GET /healthz %.2f ms, "
              "POST true to its end %.1f ms" % (t0, r0, h0, j0))
        start = time.monotonic()
        idle = open_idle(port, a.conns, "/healthz", b"\r\n\r\n")
        streams = open_idle(port, a.streams, "/v1/events", b": jobd events") if a.streams else []
        opened = time.monotonic() - start
        t1, r1 = proc_figures(proc.pid)
        h1, j1 = timed_requests(port)
        print("idle_conns: with %d idle keep-alive connections and %d event streams open "
              "(opened in %.1f s): %d threads, VmRSS %d kB (%.1f kB per connection); "
              "GET /healthz %.2f ms, POST true to its end %.1f ms"
              % (len(idle), len(streams), opened, t1, r1,
                 (r1 - r0) / max(1, len(idle) + len(streams)), h1, j1))
        for s in idle + streams:
            s.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
