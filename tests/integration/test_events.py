# GET /v1/events: the Server-Sent Events stream of job state changes. Ids
# are "<run>.<seq>", Last-Event-ID resumes (or gets `event: resync`), the
# token guards it, and slow or many clients do not hold the server back.
import http.client
import json
import re
import socket

from base import JobdTestCase
from harness import FINAL

EVENT_ID = re.compile(r"^(\d+)\.(\d+)$")
# What a compact `job` event carries (the default; ?full=true: the whole job).
COMPACT_KEYS = {
    "id", "state", "batch_id", "queue", "attempts", "max_attempts", "worker", "pid",
    "exit_code", "signal", "error", "cancel_requested", "created_at", "started_at",
    "finished_at", "next_attempt_at", "queue_ms", "run_ms", "node_id"}


class Stream:
    """One event-stream client over http.client; next() parses one event."""

    def __init__(self, srv, query="", headers=None, token=..., timeout=10):
        tok = srv.token if token is ... else token
        hdrs = dict(headers or {})
        if tok is not None:
            hdrs["Authorization"] = "Bearer " + tok
        self.conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
        self.conn.request("GET", "/v1/events" + query, headers=hdrs)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.ctype = self.resp.getheader("Content-Type", "")
        self.retry = None

    def next(self):
        """The next event as {field: value}; comments and `retry:` skipped."""
        ev = {}
        while True:
            try:
                raw = self.resp.readline()
            except socket.timeout:
                raise AssertionError("no event within the socket timeout") from None
            if not raw:
                raise AssertionError("event stream ended")
            line = raw.decode("utf-8").rstrip("\n").rstrip("\r")
            if line == "":
                if ev:
                    return ev
            elif not line.startswith(":"):
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "retry":
                    self.retry = value
                elif field == "data" and "data" in ev:
                    ev["data"] += "\n" + value
                else:
                    ev[field] = value

    def until(self, pred, limit=5000):
        """Every event up to and including the first pred() accepts."""
        seen = []
        while len(seen) < limit:
            seen.append(self.next())
            if pred(seen[-1]):
                return seen
        raise AssertionError("no matching event among %d: %r" % (limit, seen[-3:]))

    def close(self):
        self.conn.close()


def job_of(ev):
    return json.loads(ev["data"]) if ev.get("event") == "job" else None


def final_of(job_id):
    def pred(ev):
        job = job_of(ev)
        return job is not None and job["id"] == job_id and job["state"] in FINAL
    return pred


def for_job(events, job_id):
    return [ev for ev in events if (job_of(ev) or {}).get("id") == job_id]


def seq(ev):
    m = EVENT_ID.match(ev.get("id", ""))
    if not m:
        raise AssertionError("event id %r is not <run>.<seq>" % ev.get("id"))
    return int(m.group(1)), int(m.group(2))


class TestEvents(JobdTestCase):
    SERVER_FLAGS = ["--workers", "4"]
    TIMEOUT = 120

    def stream(self, srv=None, **kw):
        s = Stream(srv or self.jobd, **kw)
        self.addCleanup(s.close)
        return s

    def run_watched(self, spec, s):
        """Submit with `s` open; the events of that job until its final one."""
        job = self.jobd.submit(spec)
        return job, for_job(s.until(final_of(job["id"])), job["id"])

    def test_stream_opens_with_200_event_stream_and_a_retry_hint(self):
        s = self.stream()
        self.assertEqual(s.status, 200)
        self.assertTrue(s.ctype.startswith("text/event-stream"), s.ctype)
        self.run_watched({"command": ["true"]}, s)
        self.assertEqual(s.retry, "1000")

    def assert_in_order(self, evs):
        states = [job_of(ev)["state"] for ev in evs]
        collapsed = [x for i, x in enumerate(states)
                     if not (x == "running" and i and states[i - 1] == "running")]
        self.assertEqual(collapsed, ["queued", "running", "succeeded"], states)
        self.assertLessEqual(states.count("running"), 2, states)
        for ev in evs:
            self.assertEqual(ev["event"], "job")

    def test_a_job_goes_queued_running_succeeded_in_order_with_compact_json(self):
        s = self.stream()
        job, evs = self.run_watched({"command": ["true"], "name": "ev-order"}, s)
        self.assert_in_order(evs)
        for ev in evs:
            self.assertEqual(set(job_of(ev)), COMPACT_KEYS)
        full = self.jobd.job(job["id"])
        self.assertEqual(job_of(evs[-1]), {k: full[k] for k in COMPACT_KEYS})

    def test_full_true_sends_the_whole_job_json_and_only_true_or_false_is_taken(self):
        s = self.stream(query="?full=true")
        job, evs = self.run_watched({"command": ["true"], "name": "ev-full"}, s)
        self.assert_in_order(evs)
        for ev in evs:
            data = job_of(ev)
            self.assertEqual((data["name"], data["command"]), ("ev-full", ["true"]))
        self.assertEqual(job_of(evs[-1]), self.jobd.job(job["id"]))
        compact = self.stream(query="?full=false")
        _, evs = self.run_watched({"command": ["true"]}, compact)
        self.assertEqual(set(job_of(evs[-1])), COMPACT_KEYS)
        bad = self.stream(query="?full=yes")
        self.assertEqual(bad.status, 400)
        self.assertEqual(json.loads(bad.resp.read())["error"]["field"], "full")

    def test_a_failure_reads_the_same_compact_and_full(self):
        """Exit code, error text (quotes, backslash, tab escaped) and times
        as GET shows them."""
        s = self.stream()
        for spec in ({"command": "exit 3"}, {"command": ['/no/such "x"\\\té']}):
            job, evs = self.run_watched(spec, s)
            got = job_of(evs[-1])
            full = self.jobd.job(job["id"])
            self.assertEqual(got["state"], "failed")
            self.assertEqual(got, {k: full[k] for k in COMPACT_KEYS})
        self.assertIn('"x"', got["error"])

    def test_event_ids_are_run_dot_seq_and_increase(self):
        s = self.stream()
        a, first = self.run_watched({"command": ["true"]}, s)
        b, second = self.run_watched({"command": "exit 2"}, s)
        self.assertEqual(job_of(second[-1])["state"], "failed")
        ids = [seq(ev) for ev in first + second]
        self.assertEqual(len({run for run, _ in ids}), 1, ids)
        self.assertEqual(ids, sorted(set(ids)), "ids not strictly increasing: %r" % ids)

    def test_last_event_id_replays_the_events_after_it(self):
        s = self.stream()
        job, evs = self.run_watched({"command": ["true"]}, s)
        self.assertGreaterEqual(len(evs), 3, evs)
        again = self.stream(headers={"Last-Event-ID": evs[0]["id"]})
        replay = again.until(final_of(job["id"]))
        self.assertEqual([ev["id"] for ev in replay], [ev["id"] for ev in evs[1:]])
        self.assertEqual([ev["data"] for ev in replay], [ev["data"] for ev in evs[1:]])
        self.assertNotIn("resync", [ev.get("event") for ev in replay])

    def test_last_event_id_of_another_run_gets_resync_first(self):
        for last in ("1.5", "garbage"):
            with self.subTest(last_event_id=last):
                s = self.stream(headers={"Last-Event-ID": last})
                first = s.next()
                self.assertEqual(first.get("event"), "resync", first)
                self.assertEqual(json.loads(first.get("data", "null")), {})
                job, evs = self.run_watched({"command": ["true"]}, s)
                self.assertEqual(job_of(evs[-1])["state"], "succeeded")

    def test_clients_that_never_read_do_not_hold_jobs_back(self):
        socks = []
        self.addCleanup(lambda: [x.close() for x in socks])
        for _ in range(20):
            sk = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sk.settimeout(10)
            sk.connect(("127.0.0.1", self.jobd.port))
            sk.sendall(b"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            socks.append(sk)
        for sk in socks:  # served: a peek leaves every byte unread
            self.assertTrue(sk.recv(1, socket.MSG_PEEK))
        # Big events (an 8 KB env each) overflow the sockets' buffers early.
        spec = {"command": ["true"], "env": {"PAD": "x" * 8192}}
        batch = self.jobd.submit_batch([spec] * 200, name="slow-readers")
        done = self.jobd.wait_batch(batch["id"], timeout=60)
        self.assertEqual(done["counts"]["succeeded"], 200, done)
        self.assertEqual(self.jobd.expect(200, "GET", "/healthz")[0], {"status": "ok"})
        for sk in socks:
            sk.close()
        s = self.stream()
        self.run_watched({"command": ["true"]}, s)

    def test_many_clients_all_receive_the_same_events_for_a_job(self):
        clients = [self.stream() for _ in range(30)]
        job = self.jobd.submit({"command": ["true"]})
        seen = [for_job(c.until(final_of(job["id"])), job["id"]) for c in clients]
        want = [(ev["id"], ev["data"]) for ev in seen[0]]
        self.assertEqual(job_of(seen[0][-1])["state"], "succeeded")
        for i, evs in enumerate(seen):
            self.assertEqual([(ev["id"], ev["data"]) for ev in evs], want, "client %d" % i)


class TestEventsAuth(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1", "--token", "T0k"]
    SERVER_TOKEN = "T0k"

    def open(self, **kw):
        s = Stream(self.jobd, **kw)
        self.addCleanup(s.close)
        return s

    def test_stream_without_or_with_a_wrong_token_is_unauthorized(self):
        self.assertEqual(self.open(token=None).status, 401)
        self.assertEqual(self.open(token="nope").status, 401)
        self.assertEqual(self.open(token=None, query="?access_token=nope").status, 401)

    def test_stream_accepts_a_bearer_header_or_an_access_token_query(self):
        for kw in ({}, {"token": None, "query": "?access_token=T0k"}):
            with self.subTest(**kw):
                s = self.open(**kw)
                self.assertEqual(s.status, 200)
                self.assertTrue(s.ctype.startswith("text/event-stream"), s.ctype)
                job = self.jobd.submit({"command": ["true"]})
                s.until(final_of(job["id"]))

    def test_access_token_query_is_refused_on_other_routes(self):
        st, _, _ = self.jobd.request("GET", "/v1/stats?access_token=T0k", token=None)
        self.assertEqual(st, 401)
