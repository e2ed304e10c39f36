# User text on the way out (issue 14, findings 7, 8 and 9): an error cut to
# fit never splits a character, every JSON page is valid UTF-8 whatever was
# stored, log lines cannot be forged with newlines in a command or a URL,
# and a job's env is bounded (1,024 names) and checked for duplicates fast.
import http.client
import json
import re
import time

from base import JobdTestCase
from harness import FINAL

FORGED = "info jobd: job 424242 succeeded"


def raw_get(srv, path):
    """(status, body bytes) of a GET, not decoded."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=15)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def log_lines(srv):
    """Every line the server wrote so far, as raw bytes."""
    with open(srv.log_path, "rb") as f:
        return f.read().split(b"\n")


def wait_job_final(test, srv, job_id):
    """Poll the job's raw JSON until it is final; the job, or the bytes the
    server sent when they were not UTF-8 JSON."""
    def final():
        st, raw = raw_get(srv, "/v1/jobs/%d" % job_id)
        test.assertEqual(st, 200, raw)
        try:
            job = json.loads(raw.decode("utf-8"))
        except ValueError:
            test.fail("GET /v1/jobs/%d is not UTF-8 JSON: %r" % (job_id, raw[-200:]))
        return job if job["state"] in FINAL else None
    return srv.wait_until("job %d to finish" % job_id, final, 20)


class TestText(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1"]  # the harness runs it at --log-level debug

    def test_a_long_non_ascii_command_leaves_every_page_valid_utf8_json(self):
        path = "/" + "é" * 200  # exec fails; the error quoting it is cut to fit
        job = self.jobd.submit({"command": [path], "name": "é" * 200})
        job = wait_job_final(self, self.jobd, job["id"])
        self.assertEqual(job["state"], "failed", job)
        self.assertNotIn("\ufffd", job["error"], "the cut split a character: %r" % job["error"])
        self.assertTrue(job["error"].startswith("exec /ééé"), job["error"])
        # The reason (strerror) is not cut off by the long path.
        self.assertRegex(job["error"], r": (No such file or directory|File name too long)$")
        self.assertEqual(job["name"], "é" * 200)
        for page in ("/v1/jobs", "/v1/jobs?state=failed", "/v1/jobs/%d" % job["id"]):
            st, raw = raw_get(self.jobd, page)
            self.assertEqual(st, 200, raw)
            try:
                json.loads(raw.decode("utf-8"))
            except ValueError as e:
                self.fail("GET %s is not UTF-8 JSON (%s): ...%r" % (page, e, raw[-300:]))
