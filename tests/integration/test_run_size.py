# The worker protocol's size limit (issue 14, finding 13): with --max-body
# above PROTO_MAX_PAYLOAD (common/proto.h, 64 MiB), a job whose RUN message
# would exceed it used to be accepted, and then killed its worker on every
# attempt and was lost. It is refused at submit, naming the field.
from base import JobdTestCase

PROTO_MAX_PAYLOAD = 64 << 20
MAX_BODY = PROTO_MAX_PAYLOAD + (8 << 20)


class TestRunMessageSize(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1", "--max-body", str(MAX_BODY)]
    TIMEOUT = 60

    def test_a_job_too_large_for_the_worker_protocol_is_refused_and_the_pool_stays_healthy(self):
        before = self.jobd.stats()["submitted_total"]
        big = "x" * (PROTO_MAX_PAYLOAD + 1)
        resp = self.jobd.request("POST", "/v1/jobs", body={"command": ["cat"], "stdin": big},
                                 timeout=30)
        err = self.assertError(resp, 400, "invalid_request", "stdin")
        self.assertIn("limit", err["message"])
        del big
        resp = self.jobd.request("POST", "/v1/batches", timeout=30, body={"jobs": [
            {"command": ["true"]},
            {"command": ["true"], "env": {"BIG": "y" * PROTO_MAX_PAYLOAD}}]})
        self.assertError(resp, 400, "invalid_request", "jobs[1].env")
        # Nothing was stored, and a worker still runs the next job.
        self.assertEqual(self.jobd.stats()["submitted_total"], before)
        job = self.run_job({"command": ["echo", "fine"]}, timeout=15)
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(self.jobd.output(job["id"]), "fine\n")

    def test_a_large_job_under_the_limit_still_runs(self):
        size = 4 << 20
        job = self.run_job({"command": "wc -c", "stdin": "z" * size}, timeout=30)
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(self.jobd.output(job["id"]).strip(), str(size))
