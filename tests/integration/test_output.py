# Output capture limits: each stream is cut at --output-limit, the cut is
# flagged with X-Jobd-Truncated, and *_bytes counts everything written.
from base import JobdTestCase

LIMIT = 1000


class TestOutputLimit(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--output-limit", str(LIMIT)]

    def fetch(self, job_id, stream):
        st, hd, body = self.jobd.request("GET", "/v1/jobs/%d/%s" % (job_id, stream))
        self.assertEqual(st, 200, body)
        self.assertTrue(hd.get("Content-Type", "").startswith("text/plain"))
        return body, hd.get("X-Jobd-Truncated")

    def test_stdout_over_the_limit_is_truncated_and_counted(self):
        job = self.jobd.submit({"command": "head -c 5000 /dev/zero | tr '\\0' a"})
        job = self.jobd.wait_for(job["id"], timeout=15)
        self.assertEqual(job["state"], "succeeded", job)
        out, cut = self.fetch(job["id"], "stdout")
        self.assertEqual(out, "a" * LIMIT)
        self.assertEqual(cut, "true")
        self.assertEqual(job["stdout_bytes"], 5000)
        err, cut = self.fetch(job["id"], "stderr")
        self.assertEqual(err, "")
        self.assertNotEqual(cut, "true")

    def test_each_stream_has_its_own_limit(self):
        job = self.jobd.submit({"command": "head -c 1500 /dev/zero | tr '\\0' e >&2; "
                                           "head -c 999 /dev/zero | tr '\\0' o"})
        job = self.jobd.wait_for(job["id"], timeout=15)
        self.assertEqual(job["state"], "succeeded", job)
        out, cut = self.fetch(job["id"], "stdout")
        self.assertEqual((len(out), cut == "true"), (999, False))
        err, cut = self.fetch(job["id"], "stderr")
        self.assertEqual((err, cut), ("e" * LIMIT, "true"))
        self.assertEqual(job["stdout_bytes"], 999)
        self.assertEqual(job["stderr_bytes"], 1500)

    def test_output_exactly_at_the_limit_is_not_truncated(self):
        job = self.jobd.submit({"command": "head -c %d /dev/zero | tr '\\0' x" % LIMIT})
        job = self.jobd.wait_for(job["id"], timeout=15)
        out, cut = self.fetch(job["id"], "stdout")
        self.assertEqual(out, "x" * LIMIT)
        self.assertNotEqual(cut, "true")

    def test_a_job_writing_far_past_the_limit_is_not_blocked(self):
        job = self.jobd.submit({"command": "head -c 20000000 /dev/zero", "timeout_s": 30})
        job = self.jobd.wait_for(job["id"], timeout=30)
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(job["stdout_bytes"], 20000000)
        out, cut = self.fetch(job["id"], "stdout")
        self.assertEqual((len(out), cut), (LIMIT, "true"))


class TestOutputOffset(JobdTestCase):
    """?offset=N: the bytes from N on, so a follower fetches only what is new."""
    SERVER_FLAGS = ["--workers", "1", "--output-limit", str(LIMIT)]

    def test_offset_answers_the_bytes_from_there_on(self):
        job = self.run_job({"command": "printf 0123456789; printf abc >&2"})
        for stream, offset, want in (("stdout", 0, "0123456789"), ("stdout", 4, "456789"),
                                     ("stdout", 10, ""), ("stdout", 99, ""),
                                     ("stderr", 1, "bc")):
            body, _ = self.jobd.expect(200, "GET", "/v1/jobs/%d/%s?offset=%d"
                                       % (job["id"], stream, offset))
            self.assertEqual(body, want, (stream, offset))

    def test_offset_past_the_cap_is_empty_and_still_says_truncated(self):
        job = self.run_job({"command": "head -c 1500 /dev/zero | tr '\\0' a"})
        body, hd = self.jobd.expect(200, "GET", "/v1/jobs/%d/stdout?offset=%d"
                                    % (job["id"], LIMIT - 10))
        self.assertEqual(body, "a" * 10)
        self.assertEqual(hd.get("X-Jobd-Truncated"), "true")

    def test_a_bad_offset_is_400_naming_it(self):
        job = self.run_job({"command": "true"})
        for bad in ("-1", "x", "1.5", ""):
            self.assertError(self.jobd.request("GET", "/v1/jobs/%d/stdout?offset=%s"
                                               % (job["id"], bad)),
                             400, "invalid_request", "offset")
