# Unique jobs (unique_key, unique_while): while a job holds its key, a submit
# with the same key makes nothing and answers 200 with that job and the
# header X-Jobd-Unique: existing; once the job leaves its unique_while states
# the key is free again. A batch with a held key is refused whole (409); a
# rerun answers a live holder; a schedule's firing makes no job meanwhile.
# Enforced by the database's jobs_unique index, so racing submits make one job.
import threading

from base import JobdTestCase

SLEEP = ["sleep", "60"]


class TestUnique(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1"]

    def post(self, spec, headers=None):
        return self.jobd.request("POST", "/v1/jobs", body=spec, headers=headers)

    def stop(self, job):
        self.addCleanup(self.jobd.cancel, job["id"])
        return job

    def test_a_second_submit_answers_the_queued_or_running_holder(self):
        first = self.stop(self.jobd.submit({"command": SLEEP, "unique_key": "report:1"}))
        self.assertEqual(first["unique_key"], "report:1")
        self.assertEqual(first["unique_while"], ["queued", "running"])
        self.jobd.wait_for(first["id"], "running")
        before = self.jobd.stats()["submitted_total"]
        st, hd, again = self.post({"command": ["true"], "unique_key": "report:1"})
        self.assertEqual(st, 200, again)
        self.assertEqual(hd.get("X-Jobd-Unique"), "existing")
        self.assertEqual(again["id"], first["id"])
        self.assertEqual(again["state"], "running")
        self.assertEqual(self.jobd.stats()["submitted_total"], before)
        # Queued behind it (one worker), a second key is held as well.
        queued = self.stop(self.jobd.submit({"command": SLEEP, "unique_key": "report:2"}))
        st, hd, again = self.post({"command": ["true"], "unique_key": "report:2"})
        self.assertEqual((st, again["id"], again["state"]), (200, queued["id"], "queued"))

    def test_after_the_holder_ended_a_new_job_is_made(self):
        first = self.jobd.submit({"command": ["true"], "unique_key": "k-ended"})
        self.jobd.wait_for(first["id"], "succeeded")
        st, hd, second = self.post({"command": ["true"], "unique_key": "k-ended"})
        self.assertEqual(st, 201, second)
        self.assertIsNone(hd.get("X-Jobd-Unique"))
        self.assertNotEqual(second["id"], first["id"])
        self.jobd.wait_for(second["id"])

    def test_unique_while_succeeded_holds_the_key_after_success_only(self):
        spec = {"command": ["true"], "unique_key": "once",
                "unique_while": ["succeeded", "running", "queued"]}
        first = self.jobd.submit(spec)
        self.assertEqual(first["unique_while"], ["queued", "running", "succeeded"])
        self.jobd.wait_for(first["id"], "succeeded")
        st, hd, again = self.post(spec)
        self.assertEqual((st, again["id"], hd.get("X-Jobd-Unique")), (200, first["id"], "existing"))
        failing = {"command": ["false"], "unique_key": "until-ok",
                   "unique_while": ["queued", "running", "succeeded"]}
        bad = self.jobd.submit(failing)
        self.jobd.wait_for(bad["id"], "failed")
        st, _, retry = self.post(failing)
        self.assertEqual(st, 201, retry)

    def test_a_canceled_holder_frees_its_key(self):
        first = self.jobd.submit({"command": SLEEP, "unique_key": "k-cancel"})
        self.jobd.cancel(first["id"])
        self.jobd.wait_for(first["id"], "canceled")
        second = self.stop(self.jobd.submit({"command": SLEEP, "unique_key": "k-cancel"}))
        self.assertNotEqual(second["id"], first["id"])

    def test_concurrent_submits_of_one_key_make_exactly_one_job(self):
        n = 8
        results = [None] * n

        def post(i):
            results[i] = self.post({"command": SLEEP, "unique_key": "race", "name": "r%d" % i})
        threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        statuses = sorted(r[0] for r in results)
        self.assertEqual(statuses, [200] * (n - 1) + [201], results)
        ids = {r[2]["id"] for r in results}
        self.assertEqual(len(ids), 1, results)
        self.stop(results[0][2])

    def test_idempotency_key_wins_over_unique_key(self):
        spec = {"command": ["true"], "unique_key": "k-idem"}
        first = self.jobd.submit(spec, headers={"Idempotency-Key": "idem-u"})
        self.jobd.wait_for(first["id"], "succeeded")
        st, hd, again = self.post(spec, headers={"Idempotency-Key": "idem-u"})
        self.assertEqual((st, again["id"]), (200, first["id"]))
        self.assertIsNone(hd.get("X-Jobd-Unique"))

    def test_a_batch_with_a_held_key_is_refused_whole(self):
        holder = self.stop(self.jobd.submit({"command": SLEEP, "unique_key": "k-batch"}))
        before = self.jobd.stats()["submitted_total"]
        resp = self.jobd.request("POST", "/v1/batches", body={"jobs": [
            {"command": ["true"], "unique_key": "k-other"},
            {"command": ["true"], "unique_key": "k-batch"}]})
        self.assertError(resp, 409, "conflict", "jobs[1].unique_key")
        self.assertIn("job %d" % holder["id"], resp[2]["error"]["message"])
        self.assertEqual(self.jobd.stats()["submitted_total"], before)
        # k-other was rolled back with the batch: free.
        self.stop(self.jobd.submit({"command": ["true"], "unique_key": "k-other"}))
        # Two jobs of one batch with one key: the second finds the first.
        resp = self.jobd.request("POST", "/v1/batches", body={"jobs": [
            {"command": ["true"], "unique_key": "k-twice"},
            {"command": ["true"], "unique_key": "k-twice"}]})
        self.assertError(resp, 409, "conflict", "jobs[1].unique_key")

    def test_rerun_keeps_the_key_and_answers_a_live_holder(self):
        first = self.jobd.submit({"command": ["true"], "unique_key": "k-rerun"})
        self.jobd.wait_for(first["id"], "succeeded")
        holder = self.stop(self.jobd.submit({"command": SLEEP, "unique_key": "k-rerun"}))
        st, hd, body = self.jobd.request("POST", "/v1/jobs/%d/rerun" % first["id"])
        self.assertEqual((st, body["id"], hd.get("X-Jobd-Unique")), (200, holder["id"], "existing"))

    def test_bad_unique_fields_are_refused(self):
        cases = [
            ({"unique_key": ""}, "unique_key"),
            ({"unique_key": "a b"}, "unique_key"),
            ({"unique_key": "x" * 201}, "unique_key"),
            ({"unique_key": 5}, "unique_key"),
            ({"unique_key": "k", "unique_while": []}, "unique_while"),
            ({"unique_key": "k", "unique_while": ["queued", "sleeping"]}, "unique_while"),
            ({"unique_key": "k", "unique_while": ["queued"]}, "unique_while"),
            ({"unique_key": "k", "unique_while": ["running", "succeeded"]}, "unique_while"),
            ({"unique_key": "k", "unique_while": "queued"}, "unique_while"),
            ({"unique_while": ["queued", "running"]}, "unique_while"),
        ]
        for extra, field in cases:
            spec = dict({"command": ["true"]}, **extra)
            self.assertError(self.post(spec), 400, "invalid_request", field)
        ok = self.jobd.submit({"command": ["true"], "unique_key": "Az09_.:/@=+-" + "x" * 188})
        self.jobd.wait_for(ok["id"])

    def test_a_schedule_firing_while_its_key_is_held_makes_no_job(self):
        s = self.jobd.expect(201, "POST", "/v1/schedules", body={
            "cron": "* * * * * *", "overlap": "allow",
            "job": {"command": SLEEP, "unique_key": "cron-u"}})[0]
        self.addCleanup(self.jobd.request, "DELETE", "/v1/schedules/%d" % s["id"])

        def get():
            return self.jobd.expect(200, "GET", "/v1/schedules/%d" % s["id"])[0]
        self.jobd.wait_until("a firing refused by the held key",
                             lambda: get()["skipped"] >= 1, 8)
        self.assertIn('unique_key "cron-u" is held by job', get()["last_error"])
        self.jobd.expect(200, "DELETE", "/v1/schedules/%d" % s["id"])
        jobs = self.jobd.expect(200, "GET", "/v1/jobs?schedule_id=%d" % s["id"])[0]["jobs"]
        self.assertEqual(len(jobs), 1, jobs)
        self.jobd.cancel(jobs[0]["id"])
