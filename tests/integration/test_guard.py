# The browser guard and the token jobd makes for itself (issue 14, findings
# 1, 2 and 11): a DNS-rebound page (foreign Host) is refused on every
# listen address when the operator set no token; beyond loopback without a
# token jobd makes one, keeps it 0600 beside the database and reuses it;
# --allowed-host (JOBD_ALLOWED_HOSTS) lets a reverse proxy's public name
# through, Host and Origin; every response forbids framing (X-Frame-Options,
# Content-Security-Policy). Requests here carry the Host and Origin a
# browser (or nginx with `proxy_set_header Host $host`) would send.
import os
import re
import stat
import subprocess

from base import JobdTestCase
from harness import BIN, free_port

REBIND = "rebind.attacker.example"
JSON_TYPE = {"Content-Type": "application/json"}


def token_path(srv):
    """Where the server keeps the token it made: beside the SQLite file,
    or in the parent of the output directory on PostgreSQL — <tmp>/data
    either way in the harness."""
    return os.path.join(os.path.dirname(srv.output_dir), "token")


class GuardCase(JobdTestCase):
    def public_server(self, *flags, env=None, token=None):
        """A server listening on 0.0.0.0 (as the container does); requests
        still go to 127.0.0.1."""
        srv = self.server(*flags, env=env, token=token, start=False)
        srv.listen_host = "0.0.0.0"
        return srv.start()

    def browser(self, srv, method, path, host, origin=None, body=None, token=None):
        """A request as a browser on http://<host> would send it."""
        headers = {"Host": host}
        if origin is not None:
            headers["Origin"] = origin
        return srv.request(method, path, body=body, headers=headers, token=token)

    def assertForbidden(self, resp):
        self.assertError(resp, 403, "forbidden")


class TestRebindingWithoutToken(GuardCase):
    """Finding 1: the audit's reproduction, `--listen 0.0.0.0:PORT` and no
    token, used to answer 201 and run the job."""

    def test_a_rebound_post_is_refused_and_creates_no_job(self):
        srv = self.public_server("--workers", "1")
        host = "%s:%d" % (REBIND, srv.port)
        resp = self.browser(srv, "POST", "/v1/jobs", host, origin="http://" + host,
                            body={"command": ["true"]})
        self.assertForbidden(resp)
        self.assertIn("Host", resp[2]["error"]["message"])
        for path in ("/v1/batches", "/v1/jobs/1/cancel"):
            with self.subTest(path=path):
                self.assertForbidden(self.browser(
                    srv, "POST", path, host, origin="http://" + host,
                    body={"jobs": [{"command": ["true"]}]}))
        with open(token_path(srv)) as f:
            tok = f.read().strip()
        self.assertEqual(srv.expect(200, "GET", "/v1/stats", token=tok)[0]["submitted_total"], 0)
        self.assertEqual(srv.expect(200, "GET", "/v1/jobs", token=tok)[0]["jobs"], [])

    def test_a_rebound_get_is_refused(self):
        srv = self.public_server("--workers", "1")
        host = "%s:%d" % (REBIND, srv.port)
        for path in ("/v1/jobs", "/v1/stats", "/", "/app.js"):
            with self.subTest(path=path):
                self.assertForbidden(self.browser(srv, "GET", path, host))

    def test_a_rebound_host_is_refused_on_loopback_too(self):
        srv = self.server("--workers", "1")
        host = "%s:%d" % (REBIND, srv.port)
        self.assertForbidden(self.browser(srv, "GET", "/v1/jobs", host))
        self.assertForbidden(self.browser(srv, "POST", "/v1/jobs", host,
                                          origin="http://" + host, body={"command": ["true"]}))

    def test_localhost_and_ip_literals_pass(self):
        srv = self.public_server("--workers", "1")
        with open(token_path(srv)) as f:
            srv.token = f.read().strip()
        p = srv.port
        for host in ("localhost:%d" % p, "LOCALHOST", "127.0.0.1:%d" % p, "127.0.0.1",
                     "[::1]:%d" % p, "10.1.2.3:%d" % p, "[2001:db8::7]"):
            with self.subTest(host=host):
                self.assertEqual(self.browser(srv, "GET", "/v1/stats", host,
                                              token=srv.token)[0], 200)
                st, _, body = self.browser(srv, "POST", "/v1/jobs", host,
                                           origin="http://" + host, body={"command": ["true"]},
                                           token=srv.token)
                self.assertEqual(st, 201, body)

    def test_a_post_from_another_origin_on_this_machine_is_refused(self):
        srv = self.server("--workers", "1")
        host = "127.0.0.1:%d" % srv.port
        for origin in ("http://127.0.0.1:%d" % (srv.port + 1), "http://localhost:%d" % srv.port,
                       "null", "http://%s:%d" % (REBIND, srv.port)):
            with self.subTest(origin=origin):
                self.assertForbidden(self.browser(srv, "POST", "/v1/jobs", host, origin=origin,
                                                  body={"command": ["true"]}))
        self.assertEqual(srv.stats()["submitted_total"], 0)


class TestGeneratedToken(GuardCase):
    """Finding 1's default: beyond loopback without a token, jobd makes one,
    keeps it 0600 in <data dir>/token and reuses it."""

    def test_listening_beyond_loopback_makes_a_private_token_and_reuses_it(self):
        srv = self.public_server("--workers", "1")
        path = token_path(srv)
        st = os.stat(path)
        self.assertTrue(stat.S_ISREG(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, oct(st.st_mode))
        with open(path) as f:
            tok = f.read()
        self.assertRegex(tok, r"^[0-9a-f]{64}\n$")
        tok = tok.strip()
        log = open(srv.log_path).read()
        self.assertIn(tok, log, "the new token is printed once")
        self.assertIn(path, log)

        self.assertEqual(srv.request("GET", "/healthz")[0], 200)
        self.assertError(srv.request("GET", "/v1/stats"), 401, "unauthorized")
        self.assertError(srv.request("POST", "/v1/jobs", body={"command": ["true"]}),
                         401, "unauthorized")
        self.assertEqual(srv.request("GET", "/v1/stats", token=tok)[0], 200)
        srv.token = tok
        job = srv.submit({"command": ["echo", "ok"]})
        srv.wait_for(job["id"], "succeeded", 15)

        srv.stop()
        srv.token = None
        srv.restart()
        with open(path) as f:
            self.assertEqual(f.read().strip(), tok, "a restart keeps the token")
        self.assertError(srv.request("GET", "/v1/stats"), 401, "unauthorized")
        self.assertEqual(srv.request("GET", "/v1/jobs/%d" % job["id"], token=tok)[0], 200)
        second_start = open(srv.log_path).read().split("=== start:")[-1]
        self.assertIn(path, second_start)
        self.assertNotIn(tok, second_start, "the token is printed only when it is made")

    def test_an_explicit_token_wins_and_loopback_makes_none(self):
        srv = self.public_server("--workers", "1", "--token", "given", token="given")
        self.assertFalse(os.path.exists(token_path(srv)))
        self.assertEqual(srv.request("GET", "/v1/stats")[0], 200)
        self.assertError(srv.request("GET", "/v1/stats", token=None), 401, "unauthorized")
        # With the operator's token the token is the guard: a name for this
        # machine that is not listed still works beyond loopback.
        st, _, body = self.browser(srv, "GET", "/v1/stats", "build-box.lan:%d" % srv.port,
                                   token="given")
        self.assertEqual(st, 200, body)

        local = self.server("--workers", "1")
        self.assertFalse(os.path.exists(token_path(local)))
        self.assertEqual(local.request("GET", "/v1/stats")[0], 200)

    def test_a_broken_token_file_stops_the_start(self):
        srv = self.server("--workers", "1", start=False)
        with open(token_path(srv), "w") as f:
            f.write("\n")
        p = subprocess.run([BIN, "--listen", "0.0.0.0:%d" % free_port()] + srv.db_args(),
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=10,
                           text=True)
        self.assertNotEqual(p.returncode, 0, p.stderr)
        self.assertIn(token_path(srv), p.stderr)
        self.assertIn("empty", p.stderr)


class TestAllowedHosts(GuardCase):
    """Finding 2: nginx in front, as docs/operations.md sets it up."""

    def test_the_proxy_name_passes_host_and_origin(self):
        srv = self.server("--workers", "1", "--allowed-host", "jobs.example.com")
        # proxy_set_header Host $host: the browser's Host and Origin arrive as sent.
        st, hd, _ = self.browser(srv, "GET", "/", "jobs.example.com")
        self.assertEqual(st, 200)
        self.assertTrue(hd["Content-Type"].startswith("text/html"))
        self.assertEqual(self.browser(srv, "GET", "/v1/jobs", "jobs.example.com")[0], 200)
        st, _, body = self.browser(srv, "POST", "/v1/jobs", "jobs.example.com",
                                   origin="https://jobs.example.com",
                                   body={"command": ["echo", "via-proxy"]})
        self.assertEqual(st, 201, body)
        srv.wait_for(body["id"], "succeeded", 15)
        st, _, body = self.browser(srv, "PUT", "/v1/queues/q", "jobs.example.com:8443",
                                   origin="https://jobs.example.com:8443",
                                   body={"concurrency": 1})
        self.assertIn(st, (200, 201), body)
        # A proxy that rewrites Host (to the upstream's address) still
        # passes the browser's Origin: a listed name is accepted.
        st, _, body = self.browser(srv, "POST", "/v1/jobs/%d/rerun" % 1,
                                   "127.0.0.1:%d" % srv.port, origin="https://jobs.example.com")
        self.assertEqual(st, 201, body)

    def test_other_names_and_origins_are_still_refused(self):
        srv = self.server("--workers", "1", "--allowed-host", "jobs.example.com")
        for host in ("evil.example.com", "jobs.example.com.evil.example", "example.com"):
            with self.subTest(host=host):
                self.assertForbidden(self.browser(srv, "GET", "/v1/jobs", host))
        for origin in ("https://evil.example", "https://jobs.example.com.evil.example", "null"):
            with self.subTest(origin=origin):
                self.assertForbidden(self.browser(srv, "POST", "/v1/jobs", "jobs.example.com",
                                                  origin=origin, body={"command": ["true"]}))
        self.assertEqual(srv.stats()["submitted_total"], 0)

    def test_without_the_flag_a_proxy_name_is_refused_naming_the_flag(self):
        srv = self.server("--workers", "1")
        resp = self.browser(srv, "GET", "/v1/jobs", "jobs.example.com")
        self.assertForbidden(resp)
        self.assertIn("--allowed-host", resp[2]["error"]["message"])

    def test_the_env_twin_takes_a_list_and_wildcards(self):
        srv = self.server("--workers", "1",
                          env={"JOBD_ALLOWED_HOSTS": "a.example, *.jobs.example.org"})
        for host in ("a.example", "A.EXAMPLE:8080", "eu.jobs.example.org"):
            with self.subTest(host=host):
                self.assertEqual(self.browser(srv, "GET", "/v1/jobs", host)[0], 200)
        for host in ("b.example", "jobs.example.org"):
            with self.subTest(host=host):
                self.assertForbidden(self.browser(srv, "GET", "/v1/jobs", host))

    def test_a_bad_list_stops_the_start_naming_the_flag(self):
        db = self.server(start=False).db_args()
        for bad in ("a b", "http://x", ",x", "a/b"):
            with self.subTest(value=bad):
                p = subprocess.run([BIN, "--listen", "127.0.0.1:%d" % free_port()] + db +
                                   ["--allowed-host", bad], stdin=subprocess.DEVNULL,
                                   capture_output=True, timeout=10, text=True)
                self.assertNotEqual(p.returncode, 0, p.stderr)
                self.assertIn("--allowed-host", p.stderr)


class TestFraming(GuardCase):
    """Finding 11: no page may frame the dashboard (and click Cancel)."""
    SERVER_FLAGS = ["--workers", "1"]

    def assertNoFraming(self, hd, what):
        self.assertEqual(hd.get("X-Frame-Options"), "DENY", what)
        csp = hd.get("Content-Security-Policy") or ""
        self.assertRegex(csp, r"(^|;)\s*frame-ancestors 'none'\s*(;|$)", what)
        self.assertRegex(csp, r"(^|;)\s*default-src 'self'\s*(;|$)", what)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)

    def test_every_kind_of_response_forbids_framing(self):
        srv = self.jobd
        job = srv.submit({"command": ["echo", "x"]})
        srv.wait_for(job["id"], "succeeded", 15)
        for method, path in (("GET", "/"), ("GET", "/index.html"), ("GET", "/style.css"),
                             ("GET", "/app.js"), ("GET", "/favicon.svg"), ("GET", "/nope.html"),
                             ("GET", "/healthz"), ("GET", "/v1/stats"), ("GET", "/v1/jobs"),
                             ("GET", "/v1/jobs/%d/stdout" % job["id"]), ("GET", "/metrics"),
                             ("GET", "/openapi.json"), ("HEAD", "/"),
                             ("POST", "/v1/jobs/999999/cancel"), ("DELETE", "/v1/jobs")):
            with self.subTest(method=method, path=path):
                st, hd, _ = srv.request(method, path)
                self.assertNoFraming(hd, "%s %s -> %d" % (method, path, st))
        st, hd, _ = self.browser(srv, "GET", "/", "%s:%d" % (REBIND, srv.port))
        self.assertEqual(st, 403)
        self.assertNoFraming(hd, "the guard's own 403")

    def test_the_event_stream_forbids_framing(self):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.jobd.port, timeout=10)
        try:
            conn.request("GET", "/v1/events")
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            self.assertNoFraming(resp.headers, "/v1/events")
        finally:
            conn.close()

    def test_the_dashboard_needs_nothing_the_policy_forbids(self):
        """No inline script or style, no javascript: or data: URL in the
        page the policy covers."""
        st, _, html = self.jobd.request("GET", "/")
        self.assertEqual(st, 200)
        self.assertIsNone(re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script")
        self.assertNotIn("<style", html)
        self.assertIsNone(re.search(r"\s(style|on[a-z]+)=", html), "inline style or handler")
        self.assertNotIn("javascript:", html)
        self.assertNotIn("data:", html)
