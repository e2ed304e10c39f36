# Cancelling jobs: a queued job is canceled at once and never runs; a
# running job's process group is terminated and the job ends canceled; a
# finished job answers 409 conflict.

import procs
from base import JobdTestCase


class TestCancel(JobdTestCase):
    def blocked_server(self):
        """A one-worker server whose only worker is busy with a blocker job."""
        srv = self.server("--workers", "1", "--kill-grace", "1")
        mark = self.marker()
        blocker = srv.submit({"command": ["sleep", mark]})
        srv.wait_for(blocker["id"], "running", 10)
        return srv, blocker, mark

    def test_cancel_queued_job_is_immediate_and_it_never_runs(self):
        srv, blocker, mark = self.blocked_server()
        queued = srv.submit({"command": "echo ran"})
        self.assertEqual(srv.job(queued["id"])["state"], "queued")
        st, _, job = srv.cancel(queued["id"])
        self.assertEqual(st, 200, job)
        self.assertEqual(job["id"], queued["id"])
        self.assertEqual(job["state"], "canceled", job)
        srv.cancel(blocker["id"])
        srv.wait_for(blocker["id"], "canceled", 10)
        after = srv.submit({"command": ["true"]})
        srv.wait_for(after["id"], "succeeded", 10)
        job = srv.job(queued["id"])
        self.assertEqual(job["state"], "canceled", job)
        self.assertIsNone(job["started_at"], job)
        self.assertEqual(job["attempts"], 0, job)
        self.assertTimestamp(job["finished_at"], "finished_at")
        self.assertEqual(srv.output(queued["id"]), "")

    def test_cancel_running_job_kills_process_group(self):
        srv = self.server("--workers", "1", "--kill-grace", "1")
        m1, m2 = self.marker(), self.marker()
        job = srv.submit({"command": "sleep %s & sleep %s & wait" % (m1, m2)})
        srv.wait_for(job["id"], "running", 10)
        self.assertTrue(procs.wait_present(m2, 10), "job processes never started")
        st, _, body = srv.cancel(job["id"])
        self.assertEqual(st, 200, body)
        # Answered at once: before the job's processes were even signalled
        # to end, not after they died (no clock needed to see it).
        self.assertEqual(body["state"], "running", body)
        self.assertIs(body.get("cancel_requested"), True, body)
        done = srv.wait_for(job["id"], timeout=10)
        self.assertEqual(done["state"], "canceled", done)
        self.assertTimestamp(done["finished_at"], "finished_at")
        self.assertNoProcess(m1, 5, "(canceled job)")
        self.assertNoProcess(m2, 5, "(canceled job)")
        nxt = srv.submit({"command": ["true"]})
        srv.wait_for(nxt["id"], "succeeded", 10)

    def test_cancel_running_job_ignoring_sigterm_is_killed_after_grace(self):
        srv = self.server("--workers", "1", "--kill-grace", "1")
        mark = self.marker()
        job = srv.submit({"command": "trap '' TERM; sleep %s" % mark})
        self.assertTrue(procs.wait_present(mark, 10), "job never started")
        st, _, _ = srv.cancel(job["id"])
        self.assertEqual(st, 200)
        done = srv.wait_for(job["id"], timeout=10)
        self.assertEqual(done["state"], "canceled", done)
        self.assertNoProcess(mark, 5, "(canceled job ignoring SIGTERM)")

    def test_cancel_finished_job_is_a_conflict(self):
        srv = self.server("--workers", "1")
        job = srv.submit({"command": ["true"]})
        srv.wait_for(job["id"], "succeeded", 10)
        self.assertError(srv.cancel(job["id"]), 409, "conflict")
        self.assertEqual(srv.job(job["id"])["state"], "succeeded")
        failed = srv.submit({"command": "exit 1"})
        srv.wait_for(failed["id"], "failed", 10)
        self.assertError(srv.cancel(failed["id"]), 409, "conflict")

    def test_cancel_twice_is_a_conflict_the_second_time(self):
        srv, blocker, _ = self.blocked_server()
        queued = srv.submit({"command": ["true"]})
        self.assertEqual(srv.cancel(queued["id"])[0], 200)
        self.assertError(srv.cancel(queued["id"]), 409, "conflict")
        srv.cancel(blocker["id"])

    def test_cancel_unknown_job_is_not_found(self):
        srv = self.server("--workers", "1")
        self.assertError(srv.cancel(999999), 404, "not_found")
