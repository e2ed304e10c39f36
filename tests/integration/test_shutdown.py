# Graceful shutdown on SIGTERM/SIGINT: refuse new work with 503, let
# running jobs finish within --shutdown-grace, requeue what is left, exit 0.
import http.client
import signal
import time

import procs
from base import JobdTestCase


class TestShutdown(JobdTestCase):
    def test_sigterm_with_nothing_running_exits_zero(self):
        srv = self.server("--workers", "2")
        t0 = time.monotonic()
        self.assertEqual(srv.stop(signal.SIGTERM, timeout=15), 0)
        self.assertLess(time.monotonic() - t0, 5)
        srv.wait_until("workers to exit with the server",
                       lambda: not procs.pids_in_session(srv.proc.pid), 5)

    def test_sigint_exits_zero_like_sigterm(self):
        srv = self.server("--workers", "1")
        self.assertEqual(srv.stop(signal.SIGINT, timeout=15), 0)

    def test_sigterm_refuses_new_jobs_and_lets_running_ones_finish(self):
        srv = self.server("--workers", "1", "--shutdown-grace", "10")
        job = srv.submit({"command": "sleep 2; echo finished"})
        srv.wait_for(job["id"], "running", 10)
        waiting = srv.submit({"command": ["echo", "after restart"]})
        srv.send_signal(signal.SIGTERM)
        refused = None
        while srv.proc.poll() is None and refused is None:
            try:
                resp = srv.request("POST", "/v1/jobs", body={"command": ["true"]}, timeout=5)
            except (OSError, http.client.HTTPException):
                time.sleep(0.02)
                continue
            if resp[0] == 503:
                refused = resp
            else:
                time.sleep(0.02)
        self.assertIsNotNone(refused, "no 503 while shutting down (connection refused?)")
        self.assertError(refused, 503, "unavailable")
        self.assertIsNotNone(refused[1].get("Retry-After"), "503 without Retry-After")
        self.assertEqual(srv.proc.wait(20), 0)
        srv.restart()
        done = srv.job(job["id"])
        self.assertEqual(done["state"], "succeeded", done)
        self.assertEqual(done["attempts"], 1, done)
        self.assertEqual(srv.output(job["id"]), "finished\n")
        later = srv.wait_for(waiting["id"], timeout=10)
        self.assertEqual((later["state"], later["attempts"]), ("succeeded", 1), later)
        self.assertEqual(srv.output(waiting["id"]), "after restart\n")

    def test_jobs_still_running_after_the_grace_period_are_stopped_and_requeued(self):
        srv = self.server("--workers", "1", "--shutdown-grace", "1", "--kill-grace", "1")
        mark = self.marker()
        job = srv.submit({"command": ["sleep", mark], "max_attempts": 2})
        srv.wait_for(job["id"], "running", 10)
        t0 = time.monotonic()
        self.assertEqual(srv.stop(signal.SIGTERM, timeout=20), 0)
        self.assertLess(time.monotonic() - t0, 8, "shutdown took too long")
        self.assertNoProcess(mark, 5, "after a graceful shutdown")
        srv.restart()
        again = srv.wait_for(job["id"], "running", 20)
        self.assertEqual(again["attempts"], 2, again)
        self.assertTrue(procs.wait_present(mark, 10), "requeued job did not run again")
        srv.cancel(job["id"])
        srv.wait_for(job["id"], "canceled", 10)
