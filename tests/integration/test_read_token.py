# --read-token (JOBD_READ_TOKEN): a bearer token that may read every GET
# route (walked from server/api/routes.h, so a new route is covered without
# a new test), /metrics, the event stream and output followers; every other
# method answers 403 `forbidden` "read-only token: …" and changes nothing;
# no or a wrong token stays 401; the write token still does everything.
# GET /v1/whoami says which one a request bore. A read token needs a write
# token (else every request could write): start-up refuses it alone.
import json
import os
import re
import subprocess

from base import JobdTestCase
from harness import BIN, REPO
from test_events import Stream
from test_guard import token_path

WRITE, READ = "wr1te-T0KEN", "r3ad-T0KEN"
ROUTE = re.compile(r'X\("([A-Z]+)", "([^"]+)", (\w+),')


def routes():
    """(method, pattern) of every route in server/api/routes.h."""
    with open(os.path.join(REPO, "server", "api", "routes.h")) as f:
        found = ROUTE.findall(f.read())
    assert len(found) > 20, found
    return [(m, p) for m, p, _ in found]


class TestReadToken(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1", "--token", WRITE, "--read-token", READ]
    SERVER_TOKEN = WRITE

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.jobd
        cls.job = srv.wait_for(srv.submit({"command": ["echo", "hi"]})["id"])
        cls.batch = srv.submit_batch([{"command": ["true"]}])
        cls.schedule = srv.expect(201, "POST", "/v1/schedules", body={
            "cron": "0 3 * * *", "job": {"command": ["true"]}})[0]
        srv.wait_batch(cls.batch["id"])

    def path(self, pattern):
        ids = {"/v1/jobs/": self.job["id"], "/v1/batches/": self.batch["id"],
               "/v1/schedules/": self.schedule["id"]}
        for prefix, i in ids.items():
            if pattern.startswith(prefix):
                pattern = pattern.replace("{id}", str(i))
        return pattern.replace("{name}", "default")

    def as_read(self, method, path, **kw):
        return self.jobd.request(method, path, token=READ, **kw)

    def test_the_read_token_reads_every_get_route(self):
        for method, pattern in routes():
            if method != "GET" or pattern == "/v1/events":
                continue
            with self.subTest(route=pattern):
                st, _, body = self.as_read("GET", self.path(pattern))
                self.assertEqual(st, 200, body)
        self.assertEqual(self.as_read("GET", "/v1/jobs/%d/stdout?follow=true"
                                      % self.job["id"])[2], "hi\n")
        self.assertIn("jobd_workers", self.as_read("GET", "/metrics")[2])

    def test_the_read_token_opens_the_event_stream_by_header_and_by_query(self):
        s = Stream(self.jobd, token=READ)
        self.addCleanup(s.close)
        self.assertEqual(s.status, 200)
        q = Stream(self.jobd, query="?access_token=" + READ, token=None)
        self.addCleanup(q.close)
        self.assertEqual(q.status, 200)

    def test_every_mutation_route_answers_403_to_the_read_token_and_changes_nothing(self):
        before = self.jobd.stats()
        queue = self.jobd.expect(200, "GET", "/v1/queues/default")[0]
        mutations = [(m, p) for m, p in routes() if m != "GET"]
        self.assertGreaterEqual(len(mutations), 10)
        for method, pattern in mutations + [("PATCH", "/v1/jobs/1"), ("DELETE", "/v1/nope")]:
            with self.subTest(route=method + " " + pattern):
                path = self.path(pattern)
                err = self.assertError(self.as_read(method, path, body={"command": ["true"]}),
                                       403, "forbidden")
                self.assertTrue(err["message"].startswith("read-only token: "), err)
                self.assertIn(path, err["message"])
        after = self.jobd.stats()
        self.assertEqual(after["submitted_total"], before["submitted_total"])
        self.assertEqual(after["draining"], False)
        self.assertEqual(self.jobd.expect(200, "GET", "/v1/queues/default")[0], queue)
        self.assertFalse(self.jobd.expect(200, "GET", "/v1/schedules/%d"
                                          % self.schedule["id"])[0]["paused"])

    def test_no_or_a_wrong_token_is_401_on_every_route(self):
        for method, pattern in routes():
            if pattern in ("/healthz", "/openapi.json"):
                continue
            for tok in (None, "wrong", READ + "x", READ[:-1]):
                with self.subTest(route=method + " " + pattern, token=tok):
                    self.assertError(self.jobd.request(method, self.path(pattern), token=tok),
                                     401, "unauthorized")

    def test_whoami_says_what_the_token_may_do(self):
        self.assertEqual(self.as_read("GET", "/v1/whoami")[2], {"access": "read"})
        self.assertEqual(self.jobd.expect(200, "GET", "/v1/whoami")[0], {"access": "write"})

    def test_the_write_token_still_does_everything(self):
        job = self.jobd.submit({"command": ["true"]})
        self.assertEqual(self.jobd.wait_for(job["id"])["state"], "succeeded")
        self.jobd.expect(201, "POST", "/v1/jobs/%d/rerun" % job["id"])
        self.jobd.expect(200, "PUT", "/v1/queues/rt", body={"concurrency": 1})
        self.jobd.expect(200, "POST", "/v1/drain")
        self.jobd.expect(200, "POST", "/v1/resume")


class TestReadTokenConfig(JobdTestCase):
    def start_fails(self, *flags, env=None):
        srv = self.server(*flags, env=env, start=False)
        args = [BIN, "--listen", "127.0.0.1:0"] + srv.db_args() + list(flags)
        p = subprocess.run(args, capture_output=True, text=True, timeout=30,
                           env=dict({k: v for k, v in os.environ.items()
                                     if not k.startswith("JOBD_")}, **(env or {})))
        self.assertNotEqual(p.returncode, 0, p.stderr)
        return p.stderr

    def test_a_read_token_without_a_write_token_is_refused_at_start_up(self):
        self.assertIn("--read-token needs a --token", self.start_fails("--read-token", READ))
        self.assertIn("--read-token needs a --token",
                      self.start_fails(env={"JOBD_READ_TOKEN": READ}))

    def test_a_read_token_equal_to_the_write_token_is_refused(self):
        self.assertIn("must differ", self.start_fails("--token", WRITE, "--read-token", WRITE))

    def test_the_environment_twin_sets_the_read_token(self):
        srv = self.server("--workers", "1", env={"JOBD_TOKEN": WRITE, "JOBD_READ_TOKEN": READ},
                          token=READ)
        self.assertEqual(srv.expect(200, "GET", "/v1/whoami")[0], {"access": "read"})
        self.assertError(srv.request("POST", "/v1/jobs", body={"command": ["true"]}),
                         403, "forbidden")

    def test_beyond_loopback_the_generated_token_writes_and_the_read_token_only_reads(self):
        srv = self.server("--workers", "1", "--read-token", READ, token=READ, start=False)
        srv.listen_host = "0.0.0.0"  # as the container: jobd makes the write token
        srv.start()
        with open(token_path(srv)) as f:
            made = f.read().strip()
        self.assertEqual(srv.expect(200, "GET", "/v1/whoami")[0], {"access": "read"})
        self.assertError(srv.request("POST", "/v1/jobs", body={"command": ["true"]}),
                         403, "forbidden")
        self.assertError(srv.request("GET", "/v1/jobs", token=None), 401, "unauthorized")
        self.assertEqual(srv.expect(200, "GET", "/v1/whoami", token=made)[0],
                         {"access": "write"})

    def test_the_read_token_is_scrubbed_from_the_command_line(self):
        srv = self.server("--workers", "1", "--token", WRITE, "--read-token", READ, token=WRITE)
        with open("/proc/%d/cmdline" % srv.proc.pid, "rb") as f:
            cmdline = f.read().decode().split("\0")
        self.assertNotIn(READ, cmdline)
        self.assertIn("*" * len(READ), cmdline)
