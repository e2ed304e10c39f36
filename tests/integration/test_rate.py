# Rate limits per queue: PUT /v1/queues/{name} {"rate": {"limit": N,
# "period_s": S}} allows at most N job starts in any S-second sliding
# window. Checked from the jobs' started_at: never more than N starts in a
# window, the dispatcher starts the next ones when the window frees (not a
# polling tick later), the window survives a restart, rate null removes it,
# a rate-limited queue does not hold back another queue, and a bad rate is a
# 400 naming its field.
from datetime import datetime, timezone

from base import JobdTestCase
from harness import FINAL

# The window counts claims; started_at is the worker's clock when the job
# began, after the claim's commit and the RUN message: on a loaded machine
# two jobs' lags may differ by a few hundred ms. Without the limit, 4
# workers start all 9 `true` jobs within that.
START_LAG_S = 0.5


def parse(ts):
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


class TestRate(JobdTestCase):
    SERVER_FLAGS = ["--workers", "4"]

    def put(self, name, body, srv=None):
        return (srv or self.jobd).request("PUT", "/v1/queues/" + name, body=body)

    def queue(self, name, srv=None):
        return (srv or self.jobd).expect(200, "GET", "/v1/queues/" + name)[0]

    def test_three_per_two_seconds_never_exceeded_and_next_starts_when_the_window_frees(self):
        st, _, q = self.put("metered", {"rate": {"limit": 3, "period_s": 2}})
        self.assertEqual(st, 200, q)
        self.assertEqual((q["rate"], q["rate_used"], q["rate_next_at"]),
                         ({"limit": 3, "period_s": 2}, 0, None), q)
        self.assertIsNone(q["concurrency"])
        jobs = [self.jobd.submit({"command": ["true"], "queue": "metered"}) for _ in range(9)]
        jobs = [self.jobd.wait_for(j["id"], FINAL, 30) for j in jobs]
        self.assertTrue(all(j["state"] == "succeeded" for j in jobs), jobs)
        starts = sorted(parse(j["started_at"]).timestamp() for j in jobs)
        for i in range(len(starts) - 3):
            gap = starts[i + 3] - starts[i]
            # 4 starts within 2 s would break the limit ...
            self.assertGreaterEqual(gap, 2 - START_LAG_S, "4 starts in one window: %r" % starts)
            # ... and the 4th waits for the window to free, not a window more:
            # the dispatcher's timer starts it (about 3 windows in all).
            self.assertLess(gap, 2 * 2, "started long after the window freed: %r" % starts)
        q = self.queue("metered")
        self.assertLessEqual(q["rate_used"], 3, q)

    def test_a_used_up_window_shows_and_rate_null_removes_the_limit(self):
        self.put("slow", {"rate": {"limit": 1, "period_s": 3600}, "concurrency": 2})
        first = self.run_job({"command": ["true"], "queue": "slow"})
        self.assertEqual(first["state"], "succeeded")
        held = self.jobd.submit({"command": ["true"], "queue": "slow"})
        q = self.jobd.wait_until("the queue to show its used-up window",
                                 lambda: (lambda q: q if q["queued"] == 1 else None)(self.queue("slow")))
        self.assertEqual((q["rate_used"], q["concurrency"]), (1, 2), q)
        self.assertGreater(parse(q["rate_next_at"]), parse(first["started_at"]), q)
        self.assertEqual(self.jobd.job(held["id"])["state"], "queued")
        metrics = self.jobd.request("GET", "/metrics")[2]
        self.assertIn('jobd_queue_rate_used{queue="slow"} 1', metrics)
        self.assertIn('jobd_queue_rate_limit{queue="slow"} 1', metrics)
        st, _, q = self.put("slow", {"rate": None})
        self.assertEqual((st, q["rate"], q["rate_used"], q["concurrency"]), (200, None, None, 2), q)
        self.assertEqual(self.jobd.wait_for(held["id"], FINAL, 10)["state"], "succeeded")

    def test_a_rate_limited_queue_does_not_hold_back_another(self):
        self.put("trickle", {"rate": {"limit": 1, "period_s": 3600}})
        held = [self.jobd.submit({"command": ["true"], "queue": "trickle"}) for _ in range(3)]
        self.jobd.wait_for(held[0]["id"], FINAL, 10)
        others = [self.run_job({"command": ["true"]}) for _ in range(3)]
        self.assertTrue(all(j["state"] == "succeeded" for j in others), others)
        self.assertEqual([self.jobd.job(j["id"])["state"] for j in held[1:]], ["queued"] * 2)
        for j in held[1:]:
            self.jobd.cancel(j["id"])

    def test_the_window_survives_a_restart(self):
        srv = self.server("--workers", "2")
        self.put("kept-rate", {"rate": {"limit": 1, "period_s": 3600}}, srv)
        first = srv.submit({"command": ["true"], "queue": "kept-rate"})
        self.assertEqual(srv.wait_for(first["id"], FINAL, 10)["state"], "succeeded")
        srv.kill9()
        srv.restart()
        held = srv.submit({"command": ["true"], "queue": "kept-rate"})
        q = self.queue("kept-rate", srv)
        self.assertEqual((q["rate"], q["rate_used"]), ({"limit": 1, "period_s": 3600}, 1), q)
        self.assertIsNotNone(q["rate_next_at"], q)
        self.assertEqual(srv.job(held["id"])["state"], "queued")
        self.put("kept-rate", {"rate": None}, srv)
        self.assertEqual(srv.wait_for(held["id"], FINAL, 10)["state"], "succeeded")

    def test_a_bad_rate_is_refused_naming_the_field(self):
        cases = [
            ({"rate": 5}, "rate"),
            ({"rate": "1/s"}, "rate"),
            ({"rate": {"period_s": 1}}, "rate.limit"),
            ({"rate": {"limit": 0, "period_s": 1}}, "rate.limit"),
            ({"rate": {"limit": 1.5, "period_s": 1}}, "rate.limit"),
            ({"rate": {"limit": 1}}, "rate.period_s"),
            ({"rate": {"limit": 1, "period_s": 0}}, "rate.period_s"),
            ({"rate": {"limit": 1, "period_s": 86401}}, "rate.period_s"),
            ({"rate": {"limit": 1, "period_s": 1, "burst": 2}}, "rate.burst"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                self.assertError(self.put("bad-rate", body), 400, "invalid_request", field)
        self.assertEqual(self.jobd.request("GET", "/v1/queues/bad-rate")[0], 404)
