# Batches: all-or-nothing submission, per-state counts, and the parallel
# speedup a two-worker pool delivers on `sleep 1` jobs.
from base import JobdTestCase
from harness import FINAL

STATES = ("queued", "running") + FINAL
BATCH_KEYS = {"id", "name", "total", "counts", "created_at", "started_at", "finished_at",
              "makespan_ms", "total_run_ms", "speedup"}


class TestBatchSpeedup(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2"]
    TIMEOUT = 40

    def run_batch(self, n):
        batch = self.jobd.submit_batch([{"command": "sleep 1"}] * n, name="sleep%d" % n)
        self.assertEqual(len(batch["job_ids"]), n)
        self.assertLessEqual(BATCH_KEYS, set(batch), BATCH_KEYS - set(batch))
        done = self.jobd.wait_batch(batch["id"], timeout=20)
        self.assertLessEqual(BATCH_KEYS, set(done), BATCH_KEYS - set(done))
        self.assertEqual(done["total"], n)
        self.assertEqual(done["counts"]["succeeded"], n, done)
        for key in ("created_at", "started_at", "finished_at"):
            self.assertTimestamp(done[key], key)
        self.assertLessEqual(done["started_at"], done["finished_at"])
        jobs = [self.jobd.job(i) for i in batch["job_ids"]]
        self.assertEqual(done["started_at"], min(j["started_at"] for j in jobs))
        self.assertEqual(done["finished_at"], max(j["finished_at"] for j in jobs))
        self.assertAlmostEqual(done["total_run_ms"], sum(j["run_ms"] for j in jobs), delta=1)
        return done

    def test_batch_of_two_sleeps_runs_in_parallel_on_two_workers(self):
        b = self.run_batch(2)
        self.assertGreaterEqual(b["makespan_ms"], 990, b)
        self.assertLess(b["makespan_ms"], 1500, b)
        self.assertGreaterEqual(b["total_run_ms"], 1980, b)
        self.assertLess(b["total_run_ms"], 3000, b)
        self.assertGreater(b["speedup"], 1.6, b)
        self.assertAlmostEqual(b["speedup"], b["total_run_ms"] / b["makespan_ms"], places=2)

    def test_batch_of_four_sleeps_takes_two_rounds_on_two_workers(self):
        b = self.run_batch(4)
        self.assertGreaterEqual(b["makespan_ms"], 1980, b)
        self.assertLess(b["makespan_ms"], 2500, b)
        self.assertGreater(b["speedup"], 1.6, b)
        jobs = self.jobd.expect(200, "GET", "/v1/jobs?batch_id=%d" % b["id"])[0]["jobs"]
        self.assertEqual(len(jobs), 4)
        workers = {j["worker"] for j in jobs}
        self.assertEqual(workers, {0, 1})


class TestBatches(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2"]

    def job_count(self):
        return self.jobd.stats()["submitted_total"]

    def test_batch_returns_job_ids_and_every_job_carries_the_batch_id(self):
        st, hd, b = self.jobd.request("POST", "/v1/batches", body={
            "name": "three", "jobs": [{"command": ["true"]}, {"command": "exit 2"},
                                      {"command": ["true"], "name": "x"}]})
        self.assertEqual(st, 201, b)
        self.assertEqual(b["name"], "three")
        self.assertEqual(b["total"], 3)
        ids = b["job_ids"]
        self.assertEqual(len(ids), 3)
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(set(ids)), 3)
        done = self.jobd.wait_batch(b["id"])
        self.assertEqual(set(done["counts"]), set(STATES), done)
        self.assertEqual(done["counts"]["succeeded"], 2, done)
        self.assertEqual(done["counts"]["failed"], 1, done)
        self.assertEqual(done["counts"]["queued"], 0, done)
        for i in ids:
            self.assertEqual(self.jobd.job(i)["batch_id"], b["id"])
        self.assertEqual(self.jobd.job(ids[2])["name"], "x")

    def test_unfinished_batch_has_no_finished_at(self):
        mark = self.marker()
        b = self.jobd.submit_batch([{"command": ["sleep", mark]}])
        self.jobd.wait_for(b["job_ids"][0], "running", 10)
        got = self.jobd.expect(200, "GET", "/v1/batches/%d" % b["id"])[0]
        self.assertEqual(got["counts"]["running"], 1, got)
        self.assertIsNone(got["finished_at"], got)
        self.jobd.cancel(b["job_ids"][0])
        done = self.jobd.wait_batch(b["id"])
        self.assertEqual(done["counts"]["canceled"], 1, done)

    def test_one_invalid_spec_rejects_the_whole_batch(self):
        before = self.job_count()
        resp = self.jobd.request("POST", "/v1/batches", body={"jobs": [
            {"command": ["true"]}, {"command": 5}, {"command": ["true"]}]})
        self.assertError(resp, 400, "invalid_request", "jobs[1].command")
        resp = self.jobd.request("POST", "/v1/batches", body={"jobs": [
            {"command": ["true"]}, {"command": ["true"]}, {"command": ["true"], "bogus": 1}]})
        err = self.assertError(resp, 400, "invalid_request")
        self.assertEqual(err.get("field"), "jobs[2].bogus", err)
        self.assertEqual(self.job_count(), before, "a rejected batch created jobs")
        listed = self.jobd.expect(200, "GET", "/v1/jobs?limit=500")[0]["jobs"]
        self.assertEqual(len(listed), before)

    def test_batch_size_must_be_one_to_ten_thousand(self):
        self.assertError(self.jobd.request("POST", "/v1/batches", body={"jobs": []}),
                         400, "invalid_request", "jobs")
        self.assertError(self.jobd.request("POST", "/v1/batches", body={}),
                         400, "invalid_request", "jobs")
        too_many = [{"command": ["true"]}] * 10001
        self.assertError(self.jobd.request("POST", "/v1/batches", body={"jobs": too_many}),
                         400, "invalid_request", "jobs")

    def test_unknown_batch_is_not_found(self):
        self.assertError(self.jobd.request("GET", "/v1/batches/999999"), 404, "not_found")


class TestBatchList(JobdTestCase):
    """GET /v1/batches: the newest batches, each as GET /v1/batches/{id}
    shows it, in keyset pages like the jobs list. Each test has a private
    server, so the list holds only its own batches."""
    SERVER_FLAGS = None

    def test_empty_list_has_no_batches_and_no_next_page(self):
        srv = self.server("--workers", "2")
        self.assertEqual(srv.expect(200, "GET", "/v1/batches")[0], {"batches": [], "next": None})

    def test_list_is_newest_first_with_each_batchs_progress_makespan_and_speedup(self):
        srv = self.server("--workers", "2")
        mark = self.marker()
        done = srv.submit_batch([{"command": "sleep 0.3"}] * 2, name="pair")
        waiting = srv.submit_batch([{"command": ["sleep", mark]}, {"command": ["true"]}],
                                   name="waiting")
        srv.wait_batch(done["id"])
        srv.wait_for(waiting["job_ids"][0], "running", 10)
        srv.wait_for(waiting["job_ids"][1], timeout=10)
        listed = srv.expect(200, "GET", "/v1/batches")[0]
        self.assertIsNone(listed["next"], listed)
        self.assertEqual([b["id"] for b in listed["batches"]], [waiting["id"], done["id"]])
        for b in listed["batches"]:
            self.assertLessEqual(BATCH_KEYS, set(b), BATCH_KEYS - set(b))
            self.assertNotIn("job_ids", b)
            self.assertEqual(b, srv.expect(200, "GET", "/v1/batches/%d" % b["id"])[0])
        w, d = listed["batches"]
        self.assertEqual((w["name"], w["total"]), ("waiting", 2))
        self.assertEqual(w["counts"]["running"], 1, w)
        self.assertEqual(w["counts"]["succeeded"], 1, w)
        self.assertIsNone(w["finished_at"], w)
        self.assertIsNone(w["makespan_ms"], w)
        self.assertIsNone(w["speedup"], w)
        self.assertEqual((d["name"], d["total"], d["counts"]["succeeded"]), ("pair", 2, 2), d)
        self.assertGreaterEqual(d["makespan_ms"], 290, d)
        self.assertAlmostEqual(d["speedup"], d["total_run_ms"] / d["makespan_ms"], places=2)
        srv.cancel(waiting["job_ids"][0])

    def test_pages_follow_the_next_link_newest_first_to_the_oldest(self):
        srv = self.server("--workers", "2")
        ids = [srv.submit_batch([{"command": ["true"]}], name="b%d" % i)["id"] for i in range(5)]
        seen, url, pages = [], "/v1/batches?limit=2", 0
        while url is not None:
            page = srv.expect(200, "GET", url)[0]
            self.assertLessEqual(len(page["batches"]), 2, page)
            seen += [b["id"] for b in page["batches"]]
            url = page["next"]
            pages += 1
            self.assertLess(pages, 10, "next links do not end")
        self.assertEqual(seen, sorted(ids, reverse=True))
        self.assertEqual(pages, 3)
        older = srv.expect(200, "GET", "/v1/batches?before_id=%d" % ids[2])[0]
        self.assertEqual([b["id"] for b in older["batches"]], [ids[1], ids[0]])

    def test_bad_query_parameters_are_refused_naming_the_parameter(self):
        srv = self.server("--workers", "2")
        for query, field in (("limit=0", "limit"), ("limit=501", "limit"), ("limit=x", "limit"),
                             ("before_id=0", "before_id"), ("before_id=", "before_id"),
                             ("state=queued", "state")):
            self.assertError(srv.request("GET", "/v1/batches?" + query), 400, "invalid_request",
                             field)
