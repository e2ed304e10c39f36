# The server's log on stderr: a configuration summary at start, JSON lines
# with --log-format json, every request at debug, every job state change at
# info, and bad logging flags refused at start with a message naming them.
import json
import os
import re
import subprocess

from base import JobdTestCase, RFC3339_MS_UTC
from harness import BIN, _clean_env, pg_url, redact_db


def run_lines(srv):
    """The lines the current run of `srv` has logged so far (the harness
    writes a "=== start: ..." line before each start)."""
    with open(srv.log_path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    return [l for l in text.split("\n=== start: ")[-1].splitlines()[1:] if l]


def wait_logged(srv, pattern, timeout=10):
    """Poll the log until a line matches `pattern`; return that line."""
    rx = re.compile(pattern)

    def found():
        return next((l for l in run_lines(srv) if rx.search(l)), None)
    return srv.wait_until("a log line matching %r" % pattern, found, timeout)


class TestLogs(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2"]  # the harness runs it at --log-level debug

    def test_start_logs_a_summary_with_address_database_and_workers(self):
        srv = self.server("--workers", "3", "--log-level", "info", start=False)
        if srv.backend == "postgres":  # trust auth: the password is not checked
            srv.db = pg_url(srv.db_name, password="jobd-secret-pw")
        srv.start()
        line = wait_logged(srv, r"listening")
        self.assertRegex(line, r"^info ")
        self.assertIn("127.0.0.1:%d" % srv.port, line)
        # The SQLite path, or the PostgreSQL URL with its password as ***.
        self.assertIn(redact_db(srv.db), line)
        self.assertNotIn("jobd-secret-pw", "\n".join(run_lines(srv)))
        self.assertRegex(line, r"\b3 workers\b")

    def test_debug_level_logs_each_request_with_method_path_and_status(self):
        job = self.jobd.submit({"command": ["true"]})
        self.jobd.request("GET", "/v1/jobs/876543")
        self.jobd.request("DELETE", "/v1/stats")
        wait_logged(self.jobd, r"^debug .*\bPOST /v1/jobs 201\b")
        wait_logged(self.jobd, r"^debug .*\bGET /v1/jobs/876543 404\b")
        wait_logged(self.jobd, r"^debug .*\bDELETE /v1/stats 405\b")
        self.jobd.wait_for(job["id"])

    def test_info_level_logs_no_requests(self):
        srv = self.server("--workers", "1", "--log-level", "info")
        srv.request("GET", "/v1/jobs/876543")
        job = srv.submit({"command": ["true"]})
        srv.wait_for(job["id"])
        wait_logged(srv, r"\bjob %d succeeded\b" % job["id"])
        lines = run_lines(srv)
        self.assertEqual([l for l in lines if "876543" in l or l.startswith("debug")], [])

    def test_each_job_state_change_is_logged_at_info(self):
        srv = self.server("--workers", "1", "--log-level", "info", "--kill-grace", "1")
        ok = srv.submit({"command": ["true"]})
        bad = srv.submit({"command": "exit 3"})
        srv.wait_for(bad["id"])
        slow = srv.submit({"command": ["sleep", self.marker()]})
        srv.wait_for(slow["id"], "running")
        srv.cancel(slow["id"])
        srv.wait_for(slow["id"], "canceled")
        want = [(ok, "queued"), (ok, "running"), (ok, "succeeded"),
                (bad, "queued"), (bad, "running"), (bad, "failed"),
                (slow, "queued"), (slow, "running"), (slow, "canceled")]
        for job, state in want:
            with self.subTest(job=job["id"], state=state):
                wait_logged(srv, r"^info .*\bjob %d %s\b" % (job["id"], state), 5)

    def test_json_format_writes_every_line_as_an_object_with_ts_level_msg(self):
        srv = self.server("--workers", "1", "--log-format", "json")
        srv.wait_for(srv.submit({"command": ["true"]})["id"])
        srv.wait_for(srv.submit({"command": ["no-such-command-jobd"]})["id"])
        srv.request("GET", "/v1/jobs/876543")
        self.assertEqual(srv.stop(), 0)
        lines = run_lines(srv)
        self.assertGreaterEqual(len(lines), 5, lines)
        levels = set()
        for line in lines:
            with self.subTest(line=line[:120]):
                obj = json.loads(line)
                self.assertIsInstance(obj, dict)
                self.assertRegex(obj.get("ts", ""), RFC3339_MS_UTC)
                self.assertIn(obj.get("level"), ("debug", "info", "warn", "fatal"))
                self.assertIsInstance(obj.get("msg"), str)
                self.assertTrue(obj["msg"])
                levels.add(obj["level"])
        self.assertLessEqual({"debug", "info"}, levels)
        self.assertTrue(any("listening" in json.loads(l)["msg"] for l in lines))

    def start_fails(self, *flags, db=None):
        """Run jobd with `flags` that must stop it at start: (status, stderr).
        `db` replaces the database flags of a fresh server's data."""
        srv = self.server(start=False)
        cmd = [BIN] + (db or srv.db_args()) + ["--listen", "127.0.0.1:0"]
        p = subprocess.run(cmd + list(flags), capture_output=True, text=True, timeout=10,
                           cwd=srv.tmp, env=_clean_env({}), stdin=subprocess.DEVNULL)
        return p.returncode, p.stderr

    def test_bad_logging_flags_exit_non_zero_naming_the_flag(self):
        for flag, value in (("--log-level", "bogus"), ("--log-format", "xml")):
            with self.subTest(flag=flag):
                rc, err = self.start_fails(flag, value)
                self.assertNotEqual(rc, 0, err)
                self.assertIn(flag, err)
                self.assertIn(value, err)
                self.assertNotIn("listening", err)

    def test_an_unusable_database_directory_exits_non_zero_naming_it(self):
        path = "/proc/jobd-no-such-dir/jobd.db"
        db = ["--db", path]
        srv = self.server(start=False)
        if srv.backend == "postgres":  # no server socket in that directory
            db = ["--db", pg_url(srv.db_name, password="jobd-secret-pw",
                                 host=os.path.dirname(path)),
                  "--output-dir", srv.output_dir]
        rc, err = self.start_fails(db=db)
        self.assertNotEqual(rc, 0, err)
        self.assertIn(os.path.dirname(path), err)
        self.assertRegex(err, r"(?m)^fatal ")
        self.assertNotIn("jobd-secret-pw", err)
