# Named queues: a job's `queue`, GET /v1/queues and PUT /v1/queues/{name}.
# A queue never runs more than its concurrency limit at once, pausing it
# holds its jobs without touching other queues, priority then FIFO still
# order jobs inside a queue, settings survive restarts, and strict mode
# refuses queues nobody made.
from datetime import datetime, timezone

from base import JobdTestCase
from harness import FINAL


def parse(ts):
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def intervals(jobs):
    return sorted((parse(j["started_at"]), parse(j["finished_at"])) for j in jobs)


class TestQueues(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--kill-grace", "1"]

    def put(self, name, body, srv=None):
        return (srv or self.jobd).request("PUT", "/v1/queues/" + name, body=body)

    def queue(self, name, srv=None):
        return (srv or self.jobd).expect(200, "GET", "/v1/queues/" + name)[0]

    def test_jobs_go_to_the_default_queue_which_always_exists(self):
        job = self.run_job({"command": ["true"]})
        self.assertEqual(job["queue"], "default")
        names = [q["name"] for q in self.jobd.expect(200, "GET", "/v1/queues")[0]["queues"]]
        self.assertIn("default", names)

    def test_a_queue_is_made_by_its_first_job_and_listed_with_counts(self):
        mark = self.marker()
        self.put("listed", {"paused": True})
        held = [self.jobd.submit({"command": ["true"], "queue": "listed"}) for _ in range(3)]
        runner = self.jobd.submit({"command": ["sleep", mark], "queue": "fresh-1"})
        self.jobd.wait_for(runner["id"], "running", 10)
        body = self.jobd.expect(200, "GET", "/v1/queues")[0]
        self.assertFalse(body["strict"])
        by_name = {q["name"]: q for q in body["queues"]}
        self.assertEqual((by_name["listed"]["queued"], by_name["listed"]["running"]), (3, 0), body)
        self.assertEqual(by_name["fresh-1"]["running"], 1, body)
        self.assertIsNone(by_name["fresh-1"]["concurrency"])
        self.assertFalse(by_name["fresh-1"]["paused"])
        self.jobd.cancel(runner["id"])
        for j in held:
            self.jobd.cancel(j["id"])

    def test_concurrency_limit_is_never_exceeded_and_other_queues_use_free_workers(self):
        st, _, q = self.put("one-at-a-time", {"concurrency": 1})
        self.assertEqual(st, 200, q)
        self.assertEqual((q["name"], q["concurrency"], q["paused"]), ("one-at-a-time", 1, False))
        limited = [self.jobd.submit({"command": ["sleep", "0.4"], "queue": "one-at-a-time"})
                   for _ in range(3)]
        other = self.jobd.submit({"command": ["sleep", "0.4"]})
        jobs = [self.jobd.wait_for(j["id"], FINAL, 20) for j in limited]
        self.assertTrue(all(j["state"] == "succeeded" for j in jobs), jobs)
        spans = intervals(jobs)
        for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
            self.assertGreaterEqual(s2, e1, "two jobs of a concurrency-1 queue overlapped: %r" % spans)
        # The free worker ran the default queue's job meanwhile, not after.
        other = self.jobd.wait_for(other["id"], FINAL, 20)
        self.assertLess(parse(other["started_at"]), spans[0][1], other)

    def test_limit_of_two_runs_two_at_once(self):
        self.put("pair", {"concurrency": 2})
        jobs = [self.jobd.submit({"command": ["sleep", "0.5"], "queue": "pair"}) for _ in range(2)]
        jobs = [self.jobd.wait_for(j["id"], FINAL, 20) for j in jobs]
        (s1, e1), (s2, e2) = intervals(jobs)
        self.assertLess(s2, e1, "a concurrency-2 queue ran its two jobs one after the other")

    def test_pause_holds_a_queue_without_touching_others_and_resume_releases_it(self):
        st, _, q = self.put("held", {"paused": True})
        self.assertEqual((st, q["paused"]), (200, True), q)
        held = self.jobd.submit({"command": ["true"], "queue": "held"})
        free = self.run_job({"command": ["true"]})
        self.assertEqual(free["state"], "succeeded")
        self.assertEqual(self.jobd.job(held["id"])["state"], "queued")
        self.assertEqual(self.queue("held")["queued"], 1)
        st, _, q = self.put("held", {"paused": False})
        self.assertFalse(q["paused"])
        self.assertEqual(self.jobd.wait_for(held["id"], FINAL, 10)["state"], "succeeded")

    def test_a_paused_queue_lets_its_running_job_finish_and_jobs_can_be_canceled(self):
        self.put("drain", {})
        running = self.jobd.submit({"command": ["sleep", "0.5"], "queue": "drain"})
        self.jobd.wait_for(running["id"], "running", 10)
        self.put("drain", {"paused": True})
        waiting = self.jobd.submit({"command": ["true"], "queue": "drain"})
        self.assertEqual(self.jobd.wait_for(running["id"], FINAL, 10)["state"], "succeeded")
        self.assertEqual(self.jobd.job(waiting["id"])["state"], "queued")
        st, _, body = self.jobd.cancel(waiting["id"])
        self.assertEqual((st, body["state"]), (200, "canceled"), body)

    def test_inside_a_queue_priority_comes_first_then_fifo(self):
        srv = self.server("--workers", "1")
        srv.expect(200, "PUT", "/v1/queues/ordered", body={"paused": True})
        # 20 ms each: started_at has millisecond precision, so `true`s
        # could share one and their order would not show.
        cmd = ["sleep", "0.02"]
        low = srv.submit({"command": cmd, "queue": "ordered", "priority": 0})
        high1 = srv.submit({"command": cmd, "queue": "ordered", "priority": 5})
        high2 = srv.submit({"command": cmd, "queue": "ordered", "priority": 5})
        srv.expect(200, "PUT", "/v1/queues/ordered", body={"paused": False})
        done = [srv.wait_for(j["id"], FINAL, 10) for j in (low, high1, high2)]
        order = [j["id"] for j in sorted(done, key=lambda j: j["started_at"])]
        self.assertEqual(order, [high1["id"], high2["id"], low["id"]])

    def test_a_full_queue_does_not_hold_back_lower_priority_jobs_of_other_queues(self):
        srv = self.server("--workers", "2")
        mark = self.marker()
        srv.expect(200, "PUT", "/v1/queues/busy", body={"concurrency": 1})
        first = srv.submit({"command": ["sleep", mark], "queue": "busy", "priority": 9})
        srv.wait_for(first["id"], "running", 10)
        blocked = srv.submit({"command": ["true"], "queue": "busy", "priority": 9})
        low = srv.submit({"command": ["true"], "priority": -5})
        self.assertEqual(srv.wait_for(low["id"], FINAL, 10)["state"], "succeeded")
        self.assertEqual(srv.job(blocked["id"])["state"], "queued")
        srv.cancel(first["id"])
        self.assertEqual(srv.wait_for(blocked["id"], FINAL, 10)["state"], "succeeded")

    def test_raising_a_limit_starts_waiting_jobs_at_once(self):
        srv = self.server("--workers", "2")
        mark = self.marker()
        srv.expect(200, "PUT", "/v1/queues/grow", body={"concurrency": 1})
        a = srv.submit({"command": ["sleep", mark], "queue": "grow"})
        b = srv.submit({"command": ["sleep", mark], "queue": "grow"})
        srv.wait_for(a["id"], "running", 10)
        self.assertEqual(srv.job(b["id"])["state"], "queued")
        q = srv.expect(200, "PUT", "/v1/queues/grow", body={"concurrency": None})[0]
        self.assertIsNone(q["concurrency"])
        srv.wait_for(b["id"], "running", 5)
        for j in (a, b):
            srv.cancel(j["id"])

    def test_queue_settings_survive_kill_9(self):
        srv = self.server("--workers", "1")
        srv.expect(200, "PUT", "/v1/queues/kept", body={"concurrency": 3, "paused": True})
        job = srv.submit({"command": ["true"], "queue": "kept"})
        srv.kill9()
        srv.restart()
        q = srv.expect(200, "GET", "/v1/queues/kept")[0]
        self.assertEqual((q["concurrency"], q["paused"], q["queued"]), (3, True, 1), q)
        self.assertEqual(srv.job(job["id"])["state"], "queued")
        srv.expect(200, "PUT", "/v1/queues/kept", body={"paused": False})
        self.assertEqual(srv.wait_for(job["id"], FINAL, 10)["state"], "succeeded")

    def test_a_refused_job_leaves_no_half_made_queue_behind(self):
        srv = self.server("--workers", "1")
        # Refused after its queue was first seen: the queue goes with it.
        self.assertError(srv.request("POST", "/v1/jobs", body={
            "command": ["true"], "queue": "ghost", "after": [99999]}), 400, "invalid_request",
            "after")
        job = srv.submit({"command": ["true"], "queue": "ghost", "delay_s": 1})
        q = srv.expect(200, "GET", "/v1/queues/ghost")[0]
        self.assertEqual(q["queued"], 1, q)
        srv.kill9()
        srv.restart()
        self.assertEqual(srv.wait_for(job["id"], FINAL, 10)["state"], "succeeded")

    def test_reruns_keep_the_queue(self):
        job = self.run_job({"command": ["true"], "queue": "again"})
        st, _, rerun = self.jobd.request("POST", "/v1/jobs/%d/rerun" % job["id"])
        self.assertEqual(st, 201, rerun)
        self.assertEqual(rerun["queue"], "again")

    def test_bad_queue_requests_get_clear_errors(self):
        for body, field in (({"concurrency": 0}, "concurrency"),
                            ({"concurrency": 1.5}, "concurrency"),
                            ({"concurrency": "2"}, "concurrency"),
                            ({"paused": "yes"}, "paused"),
                            ({"limit": 2}, "limit")):
            self.assertError(self.put("q", body), 400, "invalid_request", field)
        self.assertError(self.put("bad%20name", {}), 400, "invalid_request", "name")
        self.assertError(self.put("x" * 65, {}), 400, "invalid_request", "name")
        self.assertError(self.jobd.request("PUT", "/v1/queues/q", raw=b"[1"), 400, "invalid_json")
        self.assertError(self.jobd.request("PUT", "/v1/queues/q", raw=b"{}",
                                           headers={"Content-Type": "text/plain"}),
                         415, "unsupported_media_type")
        self.assertError(self.jobd.request("GET", "/v1/queues/never-made"), 404, "not_found")
        for q in ("", "has space", "x" * 65, 7):
            self.assertError(self.jobd.request("POST", "/v1/jobs",
                                               body={"command": ["true"], "queue": q}),
                             400, "invalid_request", "queue")


class TestStrictQueues(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1", "--strict-queues", "true"]

    def test_strict_mode_refuses_unknown_queues_until_they_are_made(self):
        err = self.assertError(self.jobd.request("POST", "/v1/jobs", body={
            "command": ["true"], "queue": "nightly"}), 400, "invalid_request", "queue")
        self.assertIn("nightly", err["message"])
        self.assertError(self.jobd.request("POST", "/v1/batches", body={"jobs": [
            {"command": ["true"]}, {"command": ["true"], "queue": "nightly"}]}),
            400, "invalid_request", "jobs[1].queue")
        self.assertEqual(self.jobd.stats()["counts"]["queued"], 0)
        self.assertTrue(self.jobd.expect(200, "GET", "/v1/queues")[0]["strict"])
        self.jobd.expect(200, "PUT", "/v1/queues/nightly", body={})
        job = self.run_job({"command": ["true"], "queue": "nightly"})
        self.assertEqual((job["state"], job["queue"]), ("succeeded", "nightly"))
        self.assertEqual(self.run_job({"command": ["true"]})["state"], "succeeded")

    def test_strict_mode_refuses_schedules_whose_job_names_an_unknown_queue(self):
        self.assertError(self.jobd.request("POST", "/v1/schedules", body={
            "cron": "@daily", "job": {"command": ["true"], "queue": "weekly"}}),
            400, "invalid_request", "job.queue")
        self.jobd.expect(200, "PUT", "/v1/queues/weekly", body={})
        s = self.jobd.expect(201, "POST", "/v1/schedules", body={
            "cron": "@daily", "job": {"command": ["true"], "queue": "weekly"}})[0]
        self.jobd.expect(200, "DELETE", "/v1/schedules/%d" % s["id"])


class TestMaxQueues(JobdTestCase):
    """--max-queues bounds how many queues exist (issue 14, finding 12: one
    batch of distinct names made a permanent queue each). The default queue
    counts; a batch is checked whole before anything is stored."""
    TIMEOUT = 30

    def names(self, srv):
        return sorted(q["name"] for q in srv.expect(200, "GET", "/v1/queues")[0]["queues"])

    def test_a_job_or_batch_that_would_make_a_queue_over_the_bound_is_refused_whole(self):
        srv = self.server("--workers", "1", "--max-queues", "3")
        srv.expect(200, "PUT", "/v1/queues/made", body={"concurrency": 1})
        before = srv.stats()["submitted_total"]
        resp = srv.request("POST", "/v1/batches", body={"jobs": [
            {"command": ["true"], "queue": "made"},
            {"command": ["true"], "queue": "third"},
            {"command": ["true"], "queue": "fourth"}]})
        err = self.assertError(resp, 400, "invalid_request", "jobs[2].queue")
        self.assertIn("--max-queues", err["message"])
        # Nothing of the batch is stored, not even the queue its second job made.
        self.assertEqual(self.names(srv), ["default", "made"])
        self.assertEqual(srv.stats()["submitted_total"], before)
        # Under the bound a job still makes its queue; at it, one more is refused.
        job = self.run_job({"command": ["true"], "queue": "third"}, srv=srv, timeout=10)
        self.assertEqual(job["state"], "succeeded", job)
        resp = srv.request("POST", "/v1/jobs", body={"command": ["true"], "queue": "fourth"})
        self.assertError(resp, 400, "invalid_request", "queue")
        self.assertEqual(self.names(srv), ["default", "made", "third"])
        # Existing queues stay usable.
        for q in ("default", "made", "third"):
            job = self.run_job({"command": ["true"], "queue": q}, srv=srv, timeout=10)
            self.assertEqual(job["state"], "succeeded", job)

    def test_put_may_change_every_queue_but_not_make_one_over_the_bound(self):
        srv = self.server("--workers", "1", "--max-queues", "2")
        srv.expect(200, "PUT", "/v1/queues/second", body={"paused": False})
        resp = srv.request("PUT", "/v1/queues/third", body={"concurrency": 2})
        err = self.assertError(resp, 409, "conflict")
        self.assertIn("--max-queues", err["message"])
        body, _ = srv.expect(200, "PUT", "/v1/queues/second", body={"concurrency": 3})
        self.assertEqual(body["concurrency"], 3)
        srv.expect(200, "PUT", "/v1/queues/default", body={"paused": False})
        self.assertEqual(self.names(srv), ["default", "second"])
        # The bound holds across a restart (it counts the stored queues).
        self.assertEqual(srv.stop(timeout=15), 0)
        srv.restart()
        resp = srv.request("POST", "/v1/jobs", body={"command": ["true"], "queue": "third"})
        self.assertError(resp, 400, "invalid_request", "queue")

    def test_the_default_bound_stops_a_batch_of_a_thousand_new_queue_names(self):
        srv = self.server("--workers", "1")
        resp = srv.request("POST", "/v1/batches", body={"jobs": [
            {"command": ["true"], "queue": "q%d" % i, "delay_s": 3600} for i in range(1000)]})
        # default + 999 new ones make 1,000: the last name is one too many.
        self.assertError(resp, 400, "invalid_request", "jobs[999].queue")
        self.assertEqual(self.names(srv), ["default"])
        srv.submit_batch([{"command": ["true"], "queue": "q%d" % i, "delay_s": 3600}
                          for i in range(999)])
        self.assertEqual(len(self.names(srv)), 1000)
