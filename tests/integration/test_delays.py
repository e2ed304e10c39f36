# Delayed jobs (run_at / delay_s) and retry backoff: the job waits in the
# queue, visibly, starts when its time comes (no earlier), can be canceled
# while it waits, and survives a restart.
import time
from datetime import datetime, timedelta, timezone

from base import JobdTestCase
from harness import FINAL


def parse(ts):
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


class TestDelays(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--kill-grace", "1"]

    def test_delayed_job_waits_queued_then_starts_at_its_time(self):
        job = self.jobd.submit({"command": ["true"], "delay_s": 1.0})
        self.assertEqual(job["state"], "queued")
        run_at = parse(job["run_at"])
        self.assertAlmostEqual((run_at - parse(job["created_at"])).total_seconds(), 1.0, delta=0.05)
        time.sleep(0.5)
        self.assertEqual(self.jobd.job(job["id"])["state"], "queued")
        job = self.jobd.wait_for(job["id"], FINAL, 10)
        self.assertEqual(job["state"], "succeeded", job)
        started = parse(job["started_at"])
        self.assertGreaterEqual(started, run_at)
        # Started when due, not at some later poll (bounds generous enough for
        # a loaded machine: the dispatcher's timer is set to run_at itself).
        self.assertLess((started - run_at).total_seconds(), 2.0, job)
        # queue_ms counts the wait for a worker after the job became due.
        self.assertLess(job["queue_ms"], 2000, job)

    def test_run_at_in_rfc3339_is_honoured(self):
        at = datetime.now(timezone.utc) + timedelta(seconds=0.8)
        spec = {"command": ["true"], "run_at": at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"}
        job = self.jobd.wait_for(self.jobd.submit(spec)["id"], FINAL, 10)
        self.assertGreaterEqual(parse(job["started_at"]), at - timedelta(milliseconds=2))

    def test_delayed_jobs_do_not_hold_back_runnable_ones(self):
        late = self.jobd.submit({"command": ["true"], "delay_s": 30, "priority": 1000})
        now = self.jobd.submit({"command": ["true"]})
        self.assertEqual(self.jobd.wait_for(now["id"], FINAL, 10)["state"], "succeeded")
        self.assertEqual(self.jobd.job(late["id"])["state"], "queued")

    def test_a_30_day_delay_waits_and_nearer_jobs_still_run_on_time(self):
        # Issue 14: a wake-up more than 24.8 days away made the dispatcher's
        # poll timeout negative (wait forever). clock_poll_timeout_ms caps
        # it (tests/unit/test_clock.c covers the arithmetic; from outside,
        # the far job must wait and the dispatcher must keep its near timers).
        srv = self.server("--workers", "1")
        far = srv.submit({"command": ["true"], "delay_s": 30 * 86400})
        ahead = parse(far["run_at"]) - parse(far["created_at"])
        self.assertAlmostEqual(ahead.total_seconds(), 30 * 86400, delta=1)
        near = srv.submit({"command": ["true"], "delay_s": 0.3})
        job = srv.wait_for(near["id"], FINAL, 10)
        self.assertEqual(job["state"], "succeeded", job)
        self.assertGreaterEqual(parse(job["started_at"]), parse(near["run_at"]))
        retried = srv.submit({"command": ["false"], "max_attempts": 2, "retry_backoff_s": 0.3})
        job = srv.wait_job(retried["id"], lambda j: j["state"] in FINAL, "a second attempt", 10)
        self.assertEqual(job["attempts"], 2, job)
        far = srv.job(far["id"])
        self.assertEqual(far["state"], "queued", far)
        self.assertIsNone(far["started_at"], far)

    def test_waiting_job_can_be_canceled(self):
        job = self.jobd.submit({"command": ["true"], "delay_s": 30})
        st, _, body = self.jobd.cancel(job["id"])
        self.assertEqual(st, 200, body)
        self.assertEqual(body["state"], "canceled")

    def test_bad_delays_are_rejected_naming_the_field(self):
        for spec, field in (({"run_at": "tomorrow"}, "run_at"), ({"delay_s": -1}, "delay_s"),
                            ({"delay_s": "5"}, "delay_s"),
                            ({"run_at": "2026-01-01T00:00:00Z", "delay_s": 1}, "delay_s"),
                            ({"retry_backoff_s": 0}, "retry_backoff_s")):
            spec = dict(spec, command=["true"])
            body, _ = self.jobd.expect(400, "POST", "/v1/jobs", body=spec)
            self.assertEqual(body["error"]["code"], "invalid_request")
            self.assertEqual(body["error"]["field"], field, spec)

    def test_retry_backoff_spaces_attempts_and_shows_next_attempt_at(self):
        job = self.jobd.submit({"command": "exit 1", "max_attempts": 2, "retry_backoff_s": 1.0})
        waiting = self.jobd.wait_job(job["id"], lambda j: j["attempts"] == 1 and
                                     j["state"] == "queued", "waiting for attempt 2", 10)
        self.assertIsNotNone(waiting["next_attempt_at"], waiting)
        self.assertIn("retrying in", waiting["error"])
        gap = (parse(waiting["next_attempt_at"]) - datetime.now(timezone.utc)).total_seconds()
        self.assertGreater(gap, 0.2, waiting)  # equal jitter: between 0.5 and 1 s
        job = self.jobd.wait_for(job["id"], FINAL, 10)
        self.assertEqual((job["state"], job["attempts"]), ("failed", 2), job)


class TestDelaysSurviveRestart(JobdTestCase):
    def test_delayed_job_survives_kill_9_and_still_waits_for_its_time(self):
        srv = self.server("--workers", "1")
        job = srv.submit({"command": ["true"], "delay_s": 1.5})
        srv.kill9()
        srv.restart()
        self.assertEqual(srv.job(job["id"])["state"], "queued")
        job = srv.wait_for(job["id"], FINAL, 10)
        self.assertEqual(job["state"], "succeeded", job)
        self.assertGreaterEqual(parse(job["started_at"]), parse(job["run_at"]))
