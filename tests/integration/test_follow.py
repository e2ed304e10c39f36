# GET /v1/jobs/{id}/stdout?follow=true: a chunked stream of the output as
# the job writes it, ended when the job is final and everything was sent.
# Jobs wait on gate files the test creates, so "bytes arrive before the job
# ends" is checked without timing. Followers wait parked (no thread each)
# and count toward --max-event-streams (503 beyond it).
import http.client
import os
import tempfile

from base import JobdTestCase
from test_http_loop import THREADS_MAX, threads


class Follower:
    def __init__(self, port, path):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        self.conn.request("GET", path)
        self.resp = self.conn.getresponse()
        self.got = b""

    def read_until(self, needle):
        while needle not in self.got:
            data = self.resp.read1(65536)
            if not data:
                raise AssertionError("stream ended before %r: %r" % (needle, self.got))
            self.got += data

    def read_to_end(self):
        self.got += self.resp.read()
        self.conn.close()
        return self.got


class TestFollow(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--output-limit", "100000"]

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="jobd-follow-")

    def gated_job(self, steps, stream=""):
        # Prints line<i>, then waits for gate<i>, for each step; then "end".
        script = "".join("echo line%d %s; while [ ! -e %s/gate%d ]; do sleep 0.02; done; "
                         % (i, stream, self.dir, i) for i in range(steps))
        return self.jobd.submit({"command": script + "echo end " + stream})

    def open_gate(self, i):
        open(os.path.join(self.dir, "gate%d" % i), "w").close()

    def follow(self, job_id, query="", stream="stdout"):
        return Follower(self.jobd.port, "/v1/jobs/%d/%s?follow=true%s" % (job_id, stream, query))

    def test_bytes_arrive_while_the_job_runs_and_the_stream_ends_with_it(self):
        job = self.gated_job(3)
        f = self.follow(job["id"])
        self.assertEqual(f.resp.status, 200)
        self.assertTrue(f.resp.getheader("Content-Type").startswith("text/plain"))
        for i in range(3):
            f.read_until(b"line%d\n" % i)
            self.assertNotIn(b"line%d" % (i + 1), f.got)
            self.assertEqual(self.jobd.job(job["id"])["state"], "running")
            self.open_gate(i)
        body = f.read_to_end()
        self.assertEqual(body, b"line0\nline1\nline2\nend\n")
        self.assertEqual(self.jobd.job(job["id"])["state"], "succeeded")

    def test_stderr_is_followed_too(self):
        job = self.gated_job(1, stream=">&2")
        f = self.follow(job["id"], stream="stderr")
        f.read_until(b"line0\n")
        self.open_gate(0)
        self.assertEqual(f.read_to_end(), b"line0\nend\n")

    def test_many_writes_arrive_in_order_up_to_the_cap(self):
        # 3,000 numbered lines (past the 100,000-byte cap) written while followed.
        job = self.jobd.submit({"command": "seq -w 1 3000 | sed 's/$/ abcdefghijklmnopqrstuvwxyz/' "
                                           "| while read l; do echo \"$l\"; done"})
        body = self.follow(job["id"]).read_to_end()
        whole = b"".join(b"%04d abcdefghijklmnopqrstuvwxyz\n" % i for i in range(1, 3001))
        self.assertEqual(body, whole[:100000])
        self.assertEqual(self.jobd.wait_for(job["id"])["stdout_bytes"], len(whole))

    def test_a_finished_job_sends_what_there_is_and_ends(self):
        job = self.run_job({"command": "printf 0123456789"})
        self.assertEqual(self.follow(job["id"]).read_to_end(), b"0123456789")
        self.assertEqual(self.follow(job["id"], stream="stderr").read_to_end(), b"")

    def test_offset_is_honoured(self):
        job = self.run_job({"command": "printf 0123456789"})
        self.assertEqual(self.follow(job["id"], "&offset=4").read_to_end(), b"456789")
        self.assertEqual(self.follow(job["id"], "&offset=99").read_to_end(), b"")
        job = self.gated_job(1)
        f = self.follow(job["id"], "&offset=3")
        f.read_until(b"e0\n")
        self.open_gate(0)
        self.assertEqual(f.read_to_end(), b"e0\nend\n")

    def test_bad_follow_is_400_and_unknown_job_404(self):
        job = self.run_job({"command": "true"})
        self.assertError(self.jobd.request("GET", "/v1/jobs/%d/stdout?follow=yes" % job["id"]),
                         400, "invalid_request", "follow")
        self.assertError(self.jobd.request("GET", "/v1/jobs/999999/stdout?follow=true"),
                         404, "not_found")

    def test_many_followers_hold_no_thread(self):
        job = self.gated_job(1)
        pid = self.jobd.proc.pid
        followers = [self.follow(job["id"]) for _ in range(30)]
        for f in followers:
            f.read_until(b"line0\n")
        self.assertLessEqual(threads(pid), THREADS_MAX)
        self.open_gate(0)
        for f in followers:
            self.assertEqual(f.read_to_end(), b"line0\nend\n")


class TestFollowLimit(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1", "--max-event-streams", "2"]

    def test_followers_beyond_the_limit_get_503_with_retry_after(self):
        job = self.jobd.submit({"command": "echo hi; sleep 30"})
        path = "/v1/jobs/%d/stdout?follow=true" % job["id"]
        held = [Follower(self.jobd.port, path) for _ in range(2)]
        for f in held:
            f.read_until(b"hi\n")
        st, hd, body = self.jobd.request("GET", path)
        self.assertEqual(st, 503, body)
        self.assertIn("Retry-After", hd)
        self.jobd.cancel(job["id"])
        for f in held:
            self.assertEqual(f.read_to_end(), b"hi\n")
        # The places are given back when a follower ends.
        self.jobd.wait_until("a follower is let in again",
                             lambda: self.jobd.request("GET", path)[0] == 200)

class TestFollowShare(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1", "--max-event-streams", "2"]

    def test_followers_and_event_streams_share_the_places(self):
        job = self.jobd.submit({"command": "echo hi; sleep 30"})
        path = "/v1/jobs/%d/stdout?follow=true" % job["id"]
        events = http.client.HTTPConnection("127.0.0.1", self.jobd.port, timeout=20)
        events.request("GET", "/v1/events")
        self.assertEqual(events.getresponse().status, 200)
        held = Follower(self.jobd.port, path)
        held.read_until(b"hi\n")
        self.assertEqual(self.jobd.request("GET", path)[0], 503)
        self.assertEqual(self.jobd.request("GET", "/v1/events")[0], 503)
        self.jobd.cancel(job["id"])
        self.assertEqual(held.read_to_end(), b"hi\n")
        events.close()
