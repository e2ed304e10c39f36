# Every error code of API.md with its status, JSON body, `field` and
# headers (Allow, Retry-After), and that a rejected request creates nothing.
# unauthorized is in test_auth.py, conflict in test_cancel.py.
from base import JobdTestCase

OK = {"command": ["true"]}


def spec(**kw):
    s = dict(OK)
    s.update(kw)
    return s


# (body, field at fault); field None means "any field, or none".
INVALID = [
    ({}, "command"),
    ({"command": []}, "command"),
    ({"command": ""}, "command"),
    ({"command": 5}, "command"),
    ({"command": None}, "command"),
    ({"command": {"a": 1}}, "command"),
    (spec(bogus=1), "bogus"),
    (spec(priority=1001), "priority"),
    (spec(priority=-1001), "priority"),
    (spec(priority=1.5), "priority"),
    (spec(priority="1"), "priority"),
    (spec(max_attempts=0), "max_attempts"),
    (spec(max_attempts=11), "max_attempts"),
    (spec(max_attempts="2"), "max_attempts"),
    (spec(timeout_s=0), "timeout_s"),
    (spec(timeout_s=-1), "timeout_s"),
    (spec(timeout_s="5"), "timeout_s"),
    (spec(timeout_s=101), "timeout_s"),
    (spec(name="x" * 201), "name"),
    (spec(name=5), "name"),
    (spec(env=["A=1"]), "env"),
    (spec(cwd="relative/dir"), "cwd"),
    (spec(cwd=5), "cwd"),
    (spec(stdin=5), "stdin"),
    ([OK], None),
    ("just a string", None),
]


class TestErrors(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1", "--max-body", "4096",
                    "--default-timeout", "50", "--max-timeout", "100"]

    def submitted(self):
        return self.jobd.stats()["submitted_total"]

    def test_malformed_json_is_invalid_json(self):
        before = self.submitted()
        for raw in (b"{", b"", b"[1,", b'{"command": ["true"]} trailing',
                    b"{'command': 'true'}", b'{"command": "echo \xff\xfe"}',
                    b'{"command": ["true"], "name": "\xc3"}'):
            with self.subTest(raw=raw):
                self.assertError(self.jobd.request("POST", "/v1/jobs", raw=raw),
                                 400, "invalid_json")
        self.assertEqual(self.submitted(), before)

    def test_bad_fields_are_invalid_request_naming_the_field(self):
        before = self.submitted()
        for body, field in INVALID:
            with self.subTest(body=str(body)[:80]):
                err = self.assertError(self.jobd.request("POST", "/v1/jobs", body=body),
                                       400, "invalid_request")
                if field is not None:
                    self.assertEqual(err.get("field"), field, err)
        self.assertEqual(self.submitted(), before)

    def test_nul_bytes_in_strings_are_invalid_request_naming_the_field(self):
        before = self.submitted()
        for body, prefix in ((spec(command=["echo", "a\u0000b"]), "command"),
                             (spec(command="echo a\u0000b"), "command"),
                             (spec(env={"A": "x\u0000y"}), "env"),
                             (spec(cwd="/tmp\u0000x"), "cwd"),
                             (spec(name="a\u0000b"), "name"),
                             (spec(stdin="a\u0000b"), "stdin")):
            with self.subTest(body=body):
                resp = self.jobd.request("POST", "/v1/jobs", body=body)
                if prefix == "stdin" and resp[0] == 201:
                    continue  # a NUL in stdin may be accepted as a byte of input
                err = self.assertError(resp, 400, "invalid_request")
                self.assertTrue(str(err.get("field")).startswith(prefix), err)
        self.assertLessEqual(self.submitted(), before + 1)

    def test_deeply_nested_json_is_rejected_and_the_server_lives(self):
        for raw in (b"[" * 2000 + b"]" * 2000, b'{"a":' * 600 + b"1" + b"}" * 600,
                    b"[" * 4000):
            with self.subTest(size=len(raw)):
                st, _, body = self.jobd.request("POST", "/v1/jobs", raw=raw)
                self.assertEqual(st, 400, body)
                self.assertIn(body["error"]["code"], ("invalid_json", "invalid_request"))
        self.assertEqual(self.jobd.request("GET", "/healthz")[0], 200)

    def test_chunked_bodies_are_accepted_and_limited_too(self):
        st, _, job = self.jobd.request("POST", "/v1/jobs",
                                       raw=[b'{"command":', b' ["true"]}'])
        self.assertEqual(st, 201, job)
        before = self.submitted()
        big = [b'{"command": ["true"], "stdin": "'] + [b"x" * 1000] * 6 + [b'"}']
        self.assertError(self.jobd.request("POST", "/v1/jobs", raw=big), 413, "too_large")
        self.assertEqual(self.submitted(), before)

    def test_bad_values_inside_command_and_env_name_their_container(self):
        for body, prefix in ((spec(command=["ls", 1]), "command"),
                             (spec(env={"A": 1}), "env")):
            with self.subTest(body=body):
                err = self.assertError(self.jobd.request("POST", "/v1/jobs", body=body),
                                       400, "invalid_request")
                self.assertTrue(str(err.get("field")).startswith(prefix), err)

    def test_boundary_values_are_accepted(self):
        for body in (spec(priority=1000), spec(priority=-1000), spec(max_attempts=10),
                     spec(max_attempts=1), spec(timeout_s=100), spec(name="n" * 200),
                     spec(env={}), spec(cwd="/"), spec(stdin="")):
            with self.subTest(body=str(body)[:80]):
                self.jobd.submit(body)

    def test_unknown_routes_and_resources_are_not_found(self):
        for path in ("/v1/nope", "/v1/jobs/999999", "/v1/jobs/999999/stdout",
                     "/v1/jobs/999999/stderr", "/v1/batches/999999", "/v1/jobs/abc",
                     "/v2/jobs", "/v1/jobs/99999999999999999999", "/v1/jobs/-1",
                     "/v1/jobs/0", "/v1/jobs/1.5", "/v1/jobs/1/stdout/x"):
            with self.subTest(path=path):
                self.assertError(self.jobd.request("GET", path), 404, "not_found")

    def test_files_outside_the_web_dir_are_never_served(self):
        for path in ("/../Makefile", "/%2e%2e/Makefile", "/..%2fMakefile",
                     "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd"):
            with self.subTest(path=path):
                st, _, body = self.jobd.request("GET", path)
                self.assertIn(st, (400, 403, 404), body)
                self.assertNotIn("root:", str(body))

    def test_wrong_method_is_method_not_allowed_with_allow(self):
        job = self.jobd.submit(OK)
        cases = [("DELETE", "/v1/jobs/%d" % job["id"], {"GET"}),
                 ("PUT", "/v1/jobs", {"GET", "POST"}),
                 ("GET", "/v1/jobs/%d/cancel" % job["id"], {"POST"}),
                 ("POST", "/healthz", {"GET"}),
                 ("DELETE", "/v1/workers", {"GET"})]
        for method, path, allowed in cases:
            with self.subTest(method=method, path=path):
                resp = self.jobd.request(method, path)
                self.assertError(resp, 405, "method_not_allowed")
                allow = {m.strip() for m in resp[1].get("Allow", "").split(",") if m.strip()}
                self.assertTrue(allowed <= allow, "Allow: %r" % resp[1].get("Allow"))
                self.assertNotIn(method, allow)

    def test_body_over_the_limit_is_too_large(self):
        before = self.submitted()
        resp = self.jobd.request("POST", "/v1/jobs", body=spec(stdin="x" * 5000))
        self.assertError(resp, 413, "too_large")
        batch = {"jobs": [OK] * 400}
        self.assertError(self.jobd.request("POST", "/v1/batches", body=batch),
                         413, "too_large")
        self.assertEqual(self.submitted(), before)
        self.jobd.submit(spec(stdin="x" * 3000))

    def test_non_json_content_type_is_unsupported_media_type(self):
        before = self.submitted()
        for ctype in ("text/plain", "application/x-www-form-urlencoded",
                      "multipart/form-data; boundary=x", None):
            with self.subTest(ctype=ctype):
                resp = self.jobd.request("POST", "/v1/jobs", body=OK,
                                         headers={"Content-Type": ctype})
                self.assertError(resp, 415, "unsupported_media_type")
        self.assertEqual(self.submitted(), before)
        self.jobd.submit(OK, headers={"Content-Type": "application/json; charset=utf-8"})

    def test_cross_site_form_post_cannot_cancel_a_job(self):
        mark = self.marker()
        job = self.jobd.submit({"command": ["sleep", mark]})
        self.jobd.wait_for(job["id"], "running", 10)
        resp = self.jobd.request("POST", "/v1/jobs/%d/cancel" % job["id"], raw=b"",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertError(resp, 415, "unsupported_media_type")
        self.assertEqual(self.jobd.job(job["id"])["state"], "running")
        st, _, body = self.jobd.cancel(job["id"])  # no body, no Content-Type: like curl -XPOST
        self.assertEqual(st, 200, body)
        self.jobd.wait_for(job["id"], "canceled", 10)


class TestQueueLimit(JobdTestCase):
    def test_full_queue_is_unavailable_with_retry_after(self):
        srv = self.server("--workers", "1", "--max-queued", "2", "--kill-grace", "1")
        mark = self.marker()
        blocker = srv.submit({"command": ["sleep", mark]})
        srv.wait_for(blocker["id"], "running", 10)
        q1 = srv.submit(OK)
        srv.submit(OK)
        before = srv.stats()["submitted_total"]
        resp = srv.request("POST", "/v1/jobs", body=OK)
        self.assertError(resp, 503, "unavailable")
        retry = resp[1].get("Retry-After")
        self.assertIsNotNone(retry, "503 without Retry-After")
        self.assertTrue(retry.strip().isdigit(), "Retry-After: %r" % retry)
        self.assertError(srv.request("POST", "/v1/batches", body={"jobs": [OK]}),
                         503, "unavailable")
        self.assertEqual(srv.stats()["submitted_total"], before)
        self.assertEqual(srv.cancel(q1["id"])[0], 200)
        srv.submit(OK)
        srv.cancel(blocker["id"])
