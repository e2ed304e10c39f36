# Timeouts: SIGTERM to the job's whole process group at timeout_s, SIGKILL
# after --kill-grace, state timed_out, and no process of the job left over.
import procs
from base import JobdTestCase


class TestTimeouts(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--kill-grace", "1"]

    def test_timeout_kills_a_grandchild_and_ends_timed_out(self):
        m1, m2 = self.marker(), self.marker()
        job = self.jobd.submit({"command": "sh -c 'sleep %s & sleep %s & wait'" % (m1, m2),
                                "timeout_s": 1})
        self.assertEqual(job["timeout_s"], 1)
        self.assertTrue(procs.wait_present(m1, 10), "grandchild never started")
        job = self.jobd.wait_for(job["id"], timeout=15)
        self.assertEqual(job["state"], "timed_out", job)
        self.assertMs(job, "run_ms", 900, 4000)
        self.assertTimestamp(job["finished_at"], "finished_at")
        self.assertNoProcess(m1, 5, "(grandchild of a timed-out job)")
        self.assertNoProcess(m2, 5, "(grandchild of a timed-out job)")

    def test_timeout_escalates_to_sigkill_when_sigterm_is_ignored(self):
        mark = self.marker()
        job = self.jobd.submit({"command": "trap '' TERM; sleep %s; echo survived" % mark,
                                "timeout_s": 1})
        self.assertTrue(procs.wait_present(mark, 10), "job never started")
        job = self.jobd.wait_for(job["id"], timeout=15)
        self.assertEqual(job["state"], "timed_out", job)
        # timeout (1 s) + kill grace (1 s) before SIGKILL can end it
        self.assertMs(job, "run_ms", 1800, 6000)
        self.assertNoProcess(mark, 5, "(job ignoring SIGTERM)")
        self.assertNotIn("survived", self.jobd.output(job["id"]))

    def test_many_timed_out_jobs_with_grandchildren_all_finish(self):
        # Races between the group's exit and the worker's reaping show up as
        # a job stuck in `running` with nothing left to run.
        n = 300
        b = self.jobd.submit_batch([{"command": "sh -c 'sleep 1000 & sleep 1000 & wait'",
                                     "timeout_s": 0.02}] * n)
        try:
            done = self.jobd.wait_batch(b["id"], timeout=40)
        except AssertionError:
            stuck = self.jobd.expect(200, "GET", "/v1/jobs?state=running&batch_id=%d"
                                     % b["id"])[0]["jobs"]
            self.fail("jobs still running long after their timeout: %r" % stuck)
        self.assertEqual(done["counts"]["timed_out"], n, done)

    def test_fractional_timeout_is_honoured(self):
        mark = self.marker()
        job = self.jobd.submit({"command": ["sleep", mark], "timeout_s": 0.5})
        job = self.jobd.wait_for(job["id"], timeout=10)
        self.assertEqual(job["state"], "timed_out", job)
        self.assertMs(job, "run_ms", 400, 1500)
        self.assertNoProcess(mark, 5)


class TestDefaultTimeout(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1", "--kill-grace", "1",
                    "--default-timeout", "1", "--max-timeout", "100"]

    def test_default_timeout_applies_when_timeout_s_is_omitted(self):
        mark = self.marker()
        job = self.jobd.submit({"command": ["sleep", mark]})
        self.assertEqual(job["timeout_s"], 1, job)
        job = self.jobd.wait_for(job["id"], timeout=15)
        self.assertEqual(job["state"], "timed_out", job)
        self.assertNoProcess(mark, 5)

    def test_timeout_above_the_maximum_is_rejected(self):
        resp = self.jobd.request("POST", "/v1/jobs",
                                 body={"command": ["true"], "timeout_s": 101})
        self.assertError(resp, 400, "invalid_request", "timeout_s")
        job = self.jobd.submit({"command": ["true"], "timeout_s": 100})
        self.assertEqual(job["timeout_s"], 100)
