# Base TestCase for the integration suite: starts servers (one shared per
# class via SERVER_FLAGS, or private ones via self.server()), bounds every
# test with a timeout, prints the servers' logs when a test fails, and
# holds the assertions on job and error shapes that many tests share.
# `sqlite_only` skips a test that means nothing on PostgreSQL (run-pg.sh).
import re
import signal
import sys
import unittest

import procs
from harness import BACKEND, Jobd

RFC3339_MS_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def sqlite_only(why):
    """Decorator: skip the test when the suite runs on PostgreSQL
    ($JOBD_TEST_PG), for a test about the SQLite file itself with no
    PostgreSQL equivalent. `why` completes "SQLite-specific: ..."."""
    return unittest.skipIf(BACKEND != "sqlite", "SQLite-specific: " + why)


class TestTimeout(AssertionError):
    pass


def _on_alarm(signum, frame):
    raise TestTimeout("test exceeded its time limit")


class JobdTestCase(unittest.TestCase):
    # Set SERVER_FLAGS (a list) on a subclass to share one server, self.jobd,
    # between its tests; leave it None when every test needs its own.
    SERVER_FLAGS = None
    SERVER_ENV = None
    SERVER_TOKEN = None
    TIMEOUT = 60  # seconds per test, including its own servers' start-up

    @classmethod
    def setUpClass(cls):
        cls.jobd = None
        if cls.SERVER_FLAGS is not None:
            cls.jobd = Jobd(cls.SERVER_FLAGS, cls.SERVER_ENV, cls.SERVER_TOKEN)
            try:
                cls.jobd.start()
            except BaseException:
                sys.stderr.write("\n--- jobd log (%s setUpClass) ---\n%s\n"
                                 % (cls.__name__, cls.jobd.log_tail()))
                cls.jobd.close()
                raise

    @classmethod
    def tearDownClass(cls):
        if cls.jobd is not None:
            cls.jobd.close()

    def setUp(self):
        self._servers = []

    def run(self, result=None):
        result = result if result is not None else self.defaultTestResult()
        before = len(result.failures) + len(result.errors)
        old = signal.signal(signal.SIGALRM, _on_alarm)
        signal.alarm(self.TIMEOUT)
        try:
            super().run(result)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
        if len(result.failures) + len(result.errors) > before:
            for srv in self._all_servers():
                sys.stderr.write("\n--- jobd log for %s (%s) ---\n%s\n--- end ---\n"
                                 % (self.id(), srv.tmp, srv.log_tail()))
        return result

    def _all_servers(self):
        shared = [self.jobd] if getattr(self, "jobd", None) else []
        return shared + getattr(self, "_servers", [])

    def server(self, *flags, env=None, token=None, via_env=False, start=True, prefix=()):
        """A private server for this test, closed (and its processes killed)
        when the test ends. `prefix` runs it under e.g. taskset."""
        srv = Jobd(flags, env, token, via_env, prefix)
        self._servers.append(srv)
        self.addCleanup(srv.close)
        return srv.start() if start else srv

    def marker(self):
        """A unique `sleep` argument; processes carrying it are killed at
        the end of the test whatever happens."""
        m = procs.marker()
        self.addCleanup(lambda: procs.kill_all(procs.pids_with_arg(m)))
        return m

    def run_job(self, spec, srv=None, timeout=30):
        """Submit to `srv` (default: the shared server), wait until final."""
        srv = srv or self.jobd
        return srv.wait_for(srv.submit(spec)["id"], timeout=timeout)

    # --- shared assertions ---------------------------------------------
    def assertNoProcess(self, mark, timeout=10, why=""):
        left = procs.wait_gone(mark, timeout)
        self.assertEqual(left, [], "processes running `sleep %s` still alive "
                         "after %ss %s" % (mark, timeout, why))

    def assertError(self, resp, status, code, field=...):
        """resp is (status, headers, body) from Jobd.request."""
        st, hd, body = resp
        self.assertEqual(st, status, "want %d %s, got %d: %r" % (status, code, st, body))
        self.assertTrue(hd.get("Content-Type", "").startswith("application/json"),
                        "error body Content-Type is %r" % hd.get("Content-Type"))
        self.assertIsInstance(body, dict, body)
        err = body.get("error")
        self.assertIsInstance(err, dict, body)
        self.assertEqual(err.get("code"), code, body)
        self.assertIsInstance(err.get("message"), str, body)
        self.assertTrue(err["message"], "empty error message: %r" % body)
        if field is not ...:
            self.assertEqual(err.get("field"), field, body)
        return err

    def assertTimestamp(self, value, what):
        self.assertIsInstance(value, str, "%s: %r" % (what, value))
        self.assertRegex(value, RFC3339_MS_UTC, what)

    def assertMs(self, job, key, low=0.0, high=None):
        v = job.get(key)
        self.assertIsInstance(v, (int, float), "%s=%r in %r" % (key, v, job))
        self.assertGreaterEqual(v, low, "%s=%r" % (key, v))
        if high is not None:
            self.assertLessEqual(v, high, "%s=%r" % (key, v))
        return v
