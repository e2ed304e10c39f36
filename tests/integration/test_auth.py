# Bearer-token auth, on and off: /healthz and the dashboard's files are
# open, everything under /v1 needs `Authorization: Bearer <token>`.
import os

from base import JobdTestCase
from harness import REPO

V1_READS = ("/v1/jobs", "/v1/workers", "/v1/stats", "/v1/jobs/1", "/v1/batches/1")


class TestAuthOn(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1", "--token", "s3cret"]
    SERVER_TOKEN = "s3cret"

    def assertUnauthorized(self, resp):
        self.assertError(resp, 401, "unauthorized")
        self.assertTrue(resp[1].get("WWW-Authenticate", "").startswith("Bearer"),
                        "WWW-Authenticate: %r" % resp[1].get("WWW-Authenticate"))

    def test_healthz_needs_no_token(self):
        st, _, body = self.jobd.request("GET", "/healthz", token=None)
        self.assertEqual((st, body), (200, {"status": "ok"}))

    def test_api_without_token_is_unauthorized(self):
        for path in V1_READS:
            with self.subTest(path=path):
                self.assertUnauthorized(self.jobd.request("GET", path, token=None))

    def test_api_with_a_wrong_token_is_unauthorized(self):
        for tok in ("wrong", "s3cre", "s3cretX", ""):
            with self.subTest(token=tok):
                self.assertUnauthorized(self.jobd.request("GET", "/v1/jobs", token=tok))
        resp = self.jobd.request("GET", "/v1/jobs", token=None,
                                 headers={"Authorization": "Basic czNjcmV0"})
        self.assertUnauthorized(resp)
        resp = self.jobd.request("GET", "/v1/jobs", token=None,
                                 headers={"Authorization": "s3cret"})
        self.assertUnauthorized(resp)

    def test_unauthorized_submit_or_cancel_changes_nothing(self):
        before = self.jobd.stats()["submitted_total"]
        self.assertUnauthorized(self.jobd.request("POST", "/v1/jobs",
                                                  body={"command": ["true"]}, token=None))
        self.assertUnauthorized(self.jobd.request("POST", "/v1/batches", token="bad",
                                                  body={"jobs": [{"command": ["true"]}]}))
        self.assertEqual(self.jobd.stats()["submitted_total"], before)
        mark = self.marker()
        job = self.jobd.submit({"command": ["sleep", mark]})
        self.jobd.wait_for(job["id"], "running", 10)
        self.assertUnauthorized(self.jobd.request(
            "POST", "/v1/jobs/%d/cancel" % job["id"], token=None))
        self.assertEqual(self.jobd.job(job["id"])["state"], "running")
        self.assertEqual(self.jobd.cancel(job["id"])[0], 200)
        self.jobd.wait_for(job["id"], "canceled", 15)

    def test_api_with_the_token_works(self):
        for path in ("/v1/jobs", "/v1/workers", "/v1/stats"):
            with self.subTest(path=path):
                self.assertEqual(self.jobd.request("GET", path)[0], 200)
        job = self.jobd.submit({"command": ["echo", "hi"]})
        self.jobd.wait_for(job["id"], "succeeded", 10)
        self.assertEqual(self.jobd.output(job["id"]), "hi\n")

    def test_dashboard_files_need_no_token(self):
        if not os.path.exists(os.path.join(REPO, "web", "index.html")):
            self.skipTest("web/index.html not there yet")
        st, hd, body = self.jobd.request("GET", "/", token=None)
        self.assertEqual(st, 200, body)
        self.assertTrue(hd.get("Content-Type", "").startswith("text/html"))


class TestAuthOff(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1"]

    def test_without_a_configured_token_no_header_is_needed(self):
        for path in ("/v1/jobs", "/v1/workers", "/v1/stats", "/healthz"):
            with self.subTest(path=path):
                self.assertEqual(self.jobd.request("GET", path, token=None)[0], 200)
        st, _, _ = self.jobd.request("POST", "/v1/jobs", body={"command": ["true"]},
                                     token=None)
        self.assertEqual(st, 201)
