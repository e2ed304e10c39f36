# Idempotency-Key: a repeated submission with the same key answers 200 with
# the original job and creates nothing; a different key creates a new job.
from base import JobdTestCase

SPEC = {"command": ["echo", "once"], "name": "idem"}


class TestIdempotency(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1"]

    def post(self, key, spec=SPEC):
        return self.jobd.request("POST", "/v1/jobs", body=spec,
                                 headers={"Idempotency-Key": key})

    def test_repeat_with_the_same_key_returns_the_original_job(self):
        st, _, first = self.post("key-A")
        self.assertEqual(st, 201, first)
        before = self.jobd.stats()["submitted_total"]
        st, hd, again = self.post("key-A")
        self.assertEqual(st, 200, again)
        self.assertEqual(again["id"], first["id"])
        self.assertEqual(again["command"], SPEC["command"])
        self.assertEqual(self.jobd.stats()["submitted_total"], before)
        listed = self.jobd.expect(200, "GET", "/v1/jobs?limit=500")[0]["jobs"]
        self.assertEqual([j["id"] for j in listed].count(first["id"]), 1)

    def test_repeat_after_the_job_finished_still_returns_it(self):
        st, _, first = self.post("key-B", {"command": ["true"]})
        self.assertEqual(st, 201)
        self.jobd.wait_for(first["id"], "succeeded", 10)
        st, _, again = self.post("key-B", {"command": ["true"]})
        self.assertEqual(st, 200, again)
        self.assertEqual(again["id"], first["id"])
        self.assertEqual(again["state"], "succeeded")

    def test_a_different_key_or_no_key_creates_a_new_job(self):
        st1, _, a = self.post("key-C")
        st2, _, b = self.post("key-D")
        self.assertEqual((st1, st2), (201, 201))
        self.assertNotEqual(a["id"], b["id"])
        c = self.jobd.submit(SPEC)
        d = self.jobd.submit(SPEC)
        self.assertNotEqual(c["id"], d["id"])

    def test_an_invalid_request_with_a_key_does_not_use_the_key(self):
        self.assertError(self.post("key-E", {"command": 5}), 400, "invalid_request", "command")
        st, _, job = self.post("key-E")
        self.assertEqual(st, 201, job)


class TestIdempotencyAcrossRestart(JobdTestCase):
    def test_key_is_remembered_after_a_crash(self):
        srv = self.server("--workers", "1")
        st, _, first = srv.request("POST", "/v1/jobs", body=SPEC,
                                   headers={"Idempotency-Key": "durable"})
        self.assertEqual(st, 201)
        srv.kill9()
        srv.restart()
        st, _, again = srv.request("POST", "/v1/jobs", body=SPEC,
                                   headers={"Idempotency-Key": "durable"})
        self.assertEqual(st, 200, again)
        self.assertEqual(again["id"], first["id"])
