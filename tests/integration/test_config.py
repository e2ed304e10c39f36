# Configuration: the JOBD_* environment twins of the flags (flags win),
# --job-dir, --zoneinfo, and invalid settings refused at start-up with a
# message.
import os
import subprocess

from base import JobdTestCase
from harness import BIN, free_port


class TestConfiguration(JobdTestCase):
    def test_env_twins_configure_the_server(self):
        srv = self.server(env={"JOBD_WORKERS": "3", "JOBD_TOKEN": "envtok",
                               "JOBD_MAX_BODY": "2048", "JOBD_DEFAULT_TIMEOUT": "7",
                               "JOBD_MAX_TIMEOUT": "60", "JOBD_OUTPUT_LIMIT": "10"},
                          token="envtok", via_env=True)
        if srv.backend == "postgres":
            tables = srv.psql("SELECT count(*) FROM pg_tables WHERE schemaname"
                              " NOT IN ('pg_catalog', 'information_schema')")
            self.assertGreater(int(tables), 0, "JOBD_DB not used: no tables in %s" % srv.db)
        else:
            self.assertTrue(os.path.exists(srv.db), "JOBD_DB not used")
        self.assertEqual(srv.workers()["size"], 3)
        self.assertEqual(srv.request("GET", "/v1/jobs", token=None)[0], 401)
        job = srv.submit({"command": ["true"]})
        self.assertEqual(job["timeout_s"], 7)
        self.assertError(srv.request("POST", "/v1/jobs",
                                     body={"command": ["true"], "stdin": "x" * 3000}),
                         413, "too_large")
        self.assertError(srv.request("POST", "/v1/jobs",
                                     body={"command": ["true"], "timeout_s": 61}),
                         400, "invalid_request", "timeout_s")
        job = self.run_job({"command": "echo 0123456789abcdef"}, srv)
        self.assertEqual(srv.output(job["id"]), "0123456789")
        self.assertEqual(job["stdout_bytes"], 17)
        # SQLite: output/ beside JOBD_DB's file; PostgreSQL: JOBD_OUTPUT_DIR.
        files = [f for _, _, names in os.walk(srv.output_dir) for f in names]
        self.assertIn("%d.stdout" % job["id"], files,
                      "job output not under %s" % srv.output_dir)

    def test_flags_win_over_env_twins(self):
        srv = self.server("--workers", "2", "--token", "flagtok",
                          env={"JOBD_WORKERS": "3", "JOBD_TOKEN": "envtok"},
                          token="flagtok")
        self.assertEqual(srv.workers()["size"], 2)
        self.assertEqual(srv.request("GET", "/v1/jobs", token="envtok")[0], 401)
        self.assertEqual(srv.request("GET", "/v1/jobs")[0], 200)

    def test_job_dir_flag_and_env_set_the_default_working_directory(self):
        for how in ("flag", "env"):
            with self.subTest(how=how):
                srv = self.server(start=False)
                d = os.path.join(srv.tmp, "jobs-here")
                os.makedirs(d)
                if how == "flag":
                    srv.flags += ["--job-dir", d]
                else:
                    srv.env["JOBD_JOB_DIR"] = d
                srv.start()
                job = self.run_job({"command": ["pwd"]}, srv)
                self.assertEqual(srv.output(job["id"]), os.path.realpath(d) + "\n")

    def test_zoneinfo_flag_and_env_choose_where_time_zones_come_from(self):
        with open("/usr/share/zoneinfo/Europe/Berlin", "rb") as f:
            berlin = f.read()
        for how in ("flag", "env"):
            with self.subTest(how=how):
                srv = self.server(start=False)
                d = os.path.join(srv.tmp, "zones")
                os.makedirs(os.path.join(d, "My"))
                with open(os.path.join(d, "My", "Zone"), "wb") as f:
                    f.write(berlin)
                if how == "flag":
                    srv.flags += ["--zoneinfo", d]
                else:
                    srv.env["JOBD_ZONEINFO"] = d
                srv.start()
                job = {"command": ["true"]}
                for tz in ("My/Zone", "UTC"):
                    srv.expect(201, "POST", "/v1/schedules",
                               body={"cron": "0 3 * * *", "timezone": tz, "job": job})
                self.assertError(srv.request("POST", "/v1/schedules",
                                             body={"cron": "0 3 * * *", "job": job,
                                                   "timezone": "Europe/Berlin"}),
                                 400, "invalid_request", "timezone")

    def test_invalid_settings_stop_the_server_at_start_up(self):
        port = "127.0.0.1:%d" % free_port()
        cases = [(["--workers", "0"], "workers"), (["--workers", "abc"], "workers"),
                 (["--listen", "nonsense"], "listen"), (["--output-limit", "-5"], "output"),
                 (["--default-timeout", "0"], "timeout"), (["--log-level", "loud"], "log"),
                 (["--no-such-flag"], "no-such-flag")]
        for flags, word in cases:
            with self.subTest(flags=flags):
                db = self.server(start=False).db_args()  # SQLite path or PostgreSQL URL
                args = [BIN, "--listen", port] + db + flags
                if flags[0] == "--listen":
                    args = [BIN] + db + flags
                p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True,
                                   timeout=10, text=True)
                self.assertNotEqual(p.returncode, 0, p.stderr)
                self.assertIn(word, p.stderr.lower(), p.stderr)
