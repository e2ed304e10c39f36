# The HTTP front is an event loop (libmicrohttpd in epoll mode, one thread
# per core): idle keep-alive connections, open event streams and commands
# waiting for the dispatcher's commit hold no thread of the server's. The
# thread count is read from /proc/PID/task while hundreds of connections
# and dozens of streams are open and jobs are submitted and answered; the
# streams still get every event, their pings, and what is published during
# a SIGTERM drain before they end.
import http.client
import json
import os
import select
import signal
import socket
import threading
import time

from base import JobdTestCase

IDLE = 300         # idle keep-alive connections held open
STREAMS = 40       # GET /v1/events streams held open
# The dispatcher (main thread), the header-deadline watchdog and one loop
# per core: far fewer than one per connection (IDLE + STREAMS).
THREADS_MAX = 4 + (os.cpu_count() or 1)
PING_WAIT_S = 25   # the server pings a quiet stream every 15 s
EOF_WAIT_S = 15    # a half-closed client's connection closes long before 30 s


def threads(pid):
    return len(os.listdir("/proc/%d/task" % pid))


def request_bytes(method, path, body=None):
    head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (method, path)
    if body is None:
        return (head + "\r\n").encode()
    data = json.dumps(body).encode()
    return (head + "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % len(data)).encode() + data


def read_response(sock, deadline):
    """One HTTP response (with Content-Length) from sock: (status, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += recv_until(sock, deadline)
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v)
    while len(rest) < length:
        rest += recv_until(sock, deadline)
    return int(lines[0].split()[1]), rest[:length]


def recv_until(sock, deadline):
    left = deadline - time.monotonic()
    if left <= 0 or not select.select([sock], [], [], left)[0]:
        raise AssertionError("no answer in time")
    data = sock.recv(65536)
    if not data:
        raise AssertionError("connection closed by the server")
    return data


class Stream:
    """A raw GET /v1/events client: text() is everything received so far."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(request_bytes("GET", "/v1/events"))
        self.buf = b""
        self.eof = False

    def read_until(self, needle, timeout):
        self.read_while(lambda: needle not in self.buf, repr(needle), timeout)

    def read_until_event(self, job_id, timeout, state="succeeded"):
        self.read_while(lambda: not has_event(self.buf, job_id, state),
                        "job %d %s" % (job_id, state), timeout)

    def read_while(self, pred, needle, timeout):
        deadline = time.monotonic() + timeout
        while pred():
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise AssertionError("no %s on the stream in %.0f s; got %r"
                                     % (needle, timeout, self.buf[-300:]))
            data = self.sock.recv(65536)
            if not data:
                raise AssertionError("stream ended before %s: %r" % (needle, self.buf[-300:]))
            self.buf += data

    def read_to_end(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise AssertionError("stream did not end in %.0f s" % timeout)
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                return self.buf
            self.buf += data

    def close(self):
        self.sock.close()


def has_event(buf, job_id, state):
    want_id, want_state = ('"id":%d,' % job_id).encode(), ('"state":"%s"' % state).encode()
    return any(want_id in ev and want_state in ev for ev in buf.split(b"\n\n"))


class TestHttpLoop(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--max-connections-per-ip", "0",
                    "--header-timeout", "300"]
    TIMEOUT = 120

    def open_idle(self, n):
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", self.jobd.port), timeout=10)
            s.sendall(request_bytes("GET", "/healthz"))
            socks.append(s)
        deadline = time.monotonic() + 30
        for s in socks:  # every one answered, and left open (keep-alive)
            self.assertEqual(read_response(s, deadline)[0], 200)
        return socks

    def open_streams(self, n):
        streams = [Stream(self.jobd.port) for _ in range(n)]
        self.addCleanup(lambda: [s.close() for s in streams])
        for s in streams:
            s.read_until(b": jobd events", 10)
        return streams

    def test_idle_connections_and_streams_hold_no_thread_while_jobs_are_answered(self):
        pid = self.jobd.proc.pid
        before = threads(pid)
        idle = self.open_idle(IDLE)
        streams = self.open_streams(STREAMS)
        counts = [threads(pid)]

        ids, errors = [], []

        def submitter():
            conn = http.client.HTTPConnection("127.0.0.1", self.jobd.port, timeout=30)
            try:
                for _ in range(10):  # keep-alive: each answered before the next
                    conn.request("POST", "/v1/jobs", body=json.dumps({"command": ["true"]}),
                                 headers={"Content-Type": "application/json"})
                    resp = conn.getresponse()
                    body = json.loads(resp.read())
                    if resp.status != 201:
                        errors.append((resp.status, body))
                    else:
                        ids.append(body["id"])
                    counts.append(threads(pid))
            finally:
                conn.close()

        workers = [threading.Thread(target=submitter) for _ in range(4)]
        for w in workers:
            w.start()
        batch = self.jobd.submit_batch([{"command": ["true"]}] * 20, name="loop")
        for w in workers:
            w.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(len(ids), 40)
        done = self.jobd.wait_batch(batch["id"], timeout=60)
        self.assertEqual(done["counts"]["succeeded"], 20, done)
        for job_id in ids:
            self.jobd.wait_for(job_id, "succeeded", 30)
        counts.append(threads(pid))
        self.assertLessEqual(max(counts), THREADS_MAX,
                             "threads with %d idle connections and %d streams open: %r "
                             "(%d before)" % (IDLE, STREAMS, counts, before))
        last = max(ids)
        for s in streams:  # every stream got the jobs' events
            s.read_until_event(last, 30)
        deadline = time.monotonic() + 30
        for s in idle[:20]:  # the idle connections were kept, and still answer
            s.sendall(request_bytes("GET", "/healthz"))
            self.assertEqual(read_response(s, deadline)[0], 200)
        self.assertLessEqual(threads(pid), THREADS_MAX)

    def closed_after_answer(self, data):
        """Sends data, closes our side at once (the FIN comes with the
        request), and returns the status of the answer once the server has
        closed the connection: well before libmicrohttpd's 30 s idle timeout
        and the class's 300 s header deadline, which are what would close a
        connection whose EOF the event loop missed."""
        s = socket.create_connection(("127.0.0.1", self.jobd.port), timeout=10)
        self.addCleanup(s.close)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + EOF_WAIT_S
        status, _ = read_response(s, deadline)
        with self.assertRaisesRegex(AssertionError, "connection closed by the server"):
            while True:  # read to EOF; "no answer in time" if it stays open
                recv_until(s, deadline)
        return status

    def test_a_client_that_closes_its_side_is_answered_then_closed(self):
        self.assertEqual(self.closed_after_answer(request_bytes("GET", "/healthz")), 200)
        self.assertEqual(self.closed_after_answer(request_bytes("GET", "/v1/nope")), 404)
        self.assertEqual(self.closed_after_answer(
            request_bytes("POST", "/v1/jobs", {"command": ["true"]})), 201)

    def test_two_content_lengths_are_refused_before_the_body(self):
        body = b'{"command": ["true"]}'
        data = (b"POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 40\r\n"
                b"Content-Length: %d\r\n\r\n" % len(body)) + body
        before = self.jobd.submit({"command": ["true"]})["id"]
        self.assertEqual(self.closed_after_answer(data), 400)
        after = self.jobd.submit({"command": ["true"]})["id"]
        self.assertEqual(after, before + 1, "the refused request made a job")

    def test_a_quiet_stream_gets_pings_then_events(self):
        s = self.open_streams(1)[0]
        s.read_until(b": ping\n\n", PING_WAIT_S)
        job = self.jobd.submit({"command": ["true"]})
        s.read_until_event(job["id"], 30)


class TestHttpLoopDrain(JobdTestCase):
    TIMEOUT = 60

    def test_events_published_during_a_sigterm_drain_reach_streams_before_they_end(self):
        srv = self.server("--workers", "2", "--shutdown-grace", "2")
        quick = srv.submit({"command": "sleep 1"})
        slow = srv.submit({"command": "sleep 60"})
        for job in (quick, slow):
            srv.wait_for(job["id"], "running", 10)
        streams = [Stream(srv.port) for _ in range(20)]
        self.addCleanup(lambda: [s.close() for s in streams])
        for s in streams:
            s.read_until(b": jobd events", 10)
        # quick ends during the drain; slow is cut when the grace is over,
        # and its requeue (or failure) is published just before the end.
        srv.send_signal(signal.SIGTERM)
        for i, s in enumerate(streams):
            buf = s.read_to_end(30)
            self.assertTrue(has_event(buf, quick["id"], "succeeded"),
                            "stream %d ended without job %d's final event: %r"
                            % (i, quick["id"], buf[-400:]))
            self.assertTrue(has_event(buf, slow["id"], "queued") or
                            has_event(buf, slow["id"], "failed"),
                            "stream %d ended without job %d's cut: %r"
                            % (i, slow["id"], buf[-400:]))
        self.assertEqual(srv.proc.wait(30), 0)
