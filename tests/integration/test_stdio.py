# A job's standard streams: stdin fed from the spec (large inputs too, and
# jobs that stop reading), stdout and stderr captured separately, readable
# while the job runs, UTF-8 round-tripped. Output caps are in test_output.py.
from base import JobdTestCase


class TestStdio(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--kill-grace", "1"]

    def test_stdin_is_fed_to_the_job(self):
        job = self.run_job({"command": ["wc", "-l"], "stdin": "a\nb\nc\n"})
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(self.jobd.output(job["id"]).strip(), "3")

    def test_stdin_defaults_to_empty_so_cat_ends_at_once(self):
        job = self.jobd.submit({"command": ["cat"]})
        job = self.jobd.wait_for(job["id"], timeout=10)
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(self.jobd.output(job["id"]), "")

    def test_stdout_and_stderr_are_captured_separately(self):
        job = self.run_job({"command": "echo out; echo err-line >&2"})
        self.assertEqual(job["state"], "succeeded", job)
        st, hd, out = self.jobd.request("GET", "/v1/jobs/%d/stdout" % job["id"])
        self.assertEqual(st, 200)
        self.assertTrue(hd.get("Content-Type", "").startswith("text/plain"), hd.items())
        self.assertNotEqual(hd.get("X-Jobd-Truncated"), "true")
        self.assertEqual(out, "out\n")
        self.assertEqual(self.jobd.output(job["id"], "stderr"), "err-line\n")
        self.assertEqual(job["stdout_bytes"], 4)
        self.assertEqual(job["stderr_bytes"], 9)

    def test_output_is_readable_while_the_job_runs(self):
        mark = self.marker()
        job = self.jobd.submit({"command": "echo early; exec sleep %s" % mark})
        self.jobd.wait_until("stdout while running", lambda: self.jobd.output(job["id"]) == "early\n", 10)
        self.assertEqual(self.jobd.job(job["id"])["state"], "running")
        st, _, _ = self.jobd.cancel(job["id"])
        self.assertEqual(st, 200)
        self.jobd.wait_for(job["id"], "canceled")

    def test_large_stdin_is_fed_while_output_is_drained(self):
        data = "".join("line %06d\n" % i for i in range(50000))  # 600 kB
        job = self.run_job({"command": ["cat"], "stdin": data})
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(job["stdout_bytes"], len(data))
        self.assertEqual(self.jobd.output(job["id"]), data)

    def test_job_that_stops_reading_stdin_still_finishes(self):
        job = self.run_job({"command": "head -c 5; echo; exit 0", "stdin": "y" * 2000000})
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(self.jobd.output(job["id"]), "yyyyy\n")
        after = self.run_job({"command": ["echo", "worker still fine"]})
        self.assertEqual(after["state"], "succeeded", after)

    def test_utf8_in_command_name_env_and_output_round_trips(self):
        text = "h\u00e9llo \u2713 \U0001F680"
        job = self.run_job({"command": ["printf", "%s|%s", text], "name": text,
                            "env": {"JOBD_T_UTF8": text}})
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(job["command"][2], text)
        self.assertEqual(job["name"], text)
        self.assertEqual(job["env"], {"JOBD_T_UTF8": text})
        self.assertEqual(self.jobd.output(job["id"]), "%s|" % text)
