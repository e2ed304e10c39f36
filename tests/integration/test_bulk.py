# Bulk actions: POST /v1/jobs/cancel and /v1/jobs/rerun act on every job a
# filter matches (state, batch_id, queue, schedule_id, tag, name_prefix),
# page by page through the dispatcher, and answer the counts; dry_run only
# counts; an empty filter is refused.
from base import JobdTestCase
from harness import FINAL


class TestBulk(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2"]

    def held(self, queue):
        """A paused queue: its jobs stay queued until canceled."""
        self.jobd.expect(200, "PUT", "/v1/queues/" + queue, body={"paused": True})
        return queue

    def states(self, ids):
        return [self.jobd.job(i)["state"] for i in ids]

    def bulk(self, action, body, query=""):
        return self.jobd.expect(200, "POST", "/v1/jobs/%s%s" % (action, query), body=body)[0]

    def test_empty_or_unknown_filter_is_refused_and_changes_nothing(self):
        q = self.held("bulk-empty")
        job = self.jobd.submit({"command": "true", "queue": q})
        for action in ("cancel", "rerun"):
            self.assertError(self.jobd.request("POST", "/v1/jobs/" + action, body={}), 400,
                             "invalid_request", "filter")
            self.assertError(self.jobd.request("POST", "/v1/jobs/" + action,
                                               body={"dry_run": False, "state": None}), 400,
                             "invalid_request", "filter")
            self.assertError(self.jobd.request("POST", "/v1/jobs/" + action,
                                               body={"colour": "red"}), 400,
                             "invalid_request", "colour")
            self.assertError(self.jobd.request("POST", "/v1/jobs/" + action,
                                               body={"tag": ["nocolon"]}), 400,
                             "invalid_request", "tag")
            self.assertError(self.jobd.request("POST", "/v1/jobs/" + action, body=[1]), 400,
                             "invalid_request")
        self.assertEqual(self.jobd.job(job["id"])["state"], "queued")

    def test_cancel_by_tag_leaves_the_others_alone(self):
        q = self.held("bulk-tag")
        mine = [self.jobd.submit({"command": "true", "queue": q,
                                  "tags": {"who": "bulk-a", "n": str(i)}})["id"]
                for i in range(4)]
        others = [self.jobd.submit({"command": "true", "queue": q,
                                    "tags": {"who": "bulk-b"}})["id"] for _ in range(3)]
        body = self.bulk("cancel", {"tag": ["who:bulk-a"]})
        self.assertEqual(body, {"matched": 4, "canceled": 4, "dry_run": False})
        self.assertEqual(self.states(mine), ["canceled"] * 4)
        self.assertEqual(self.states(others), ["queued"] * 3)
        again = self.bulk("cancel", {"tag": "who:bulk-a"})
        self.assertEqual((again["matched"], again["canceled"]), (4, 0))

    def test_cancel_by_batch_and_state_leaves_the_others_alone(self):
        q = self.held("bulk-batch")
        b = self.jobd.submit_batch([{"command": "true", "queue": q} for _ in range(3)])
        other = self.jobd.submit_batch([{"command": "true", "queue": q} for _ in range(2)])
        done = self.jobd.wait_for(self.jobd.submit({"command": "true"})["id"], FINAL)
        body = self.bulk("cancel", {"batch_id": b["id"], "state": ["queued", "running"]})
        self.assertEqual(body, {"matched": 3, "canceled": 3, "dry_run": False})
        self.assertEqual(self.states(b["job_ids"]), ["canceled"] * 3)
        self.assertEqual(self.states(other["job_ids"]), ["queued"] * 2)
        body = self.bulk("cancel", {"state": "succeeded", "queue": "default"})
        self.assertEqual(body["canceled"], 0)
        self.assertGreaterEqual(body["matched"], 1)
        self.assertEqual(self.jobd.job(done["id"])["state"], "succeeded")

    def test_cancel_running_jobs_by_name_prefix(self):
        mark = self.marker()
        ids = [self.jobd.submit({"command": ["sleep", mark], "name": "bulk-run-%d" % i})["id"]
               for i in range(2)]
        for i in ids:
            self.jobd.wait_for(i, "running", 10)
        body = self.bulk("cancel", {"name_prefix": "bulk-run-"})
        self.assertEqual((body["matched"], body["canceled"]), (2, 2))
        for i in ids:
            self.assertEqual(self.jobd.wait_for(i, FINAL, 20)["state"], "canceled")
        self.assertNoProcess(mark)

    def test_dry_run_counts_without_changing_anything(self):
        q = self.held("bulk-dry")
        ids = [self.jobd.submit({"command": "true", "queue": q,
                                 "tags": {"dry": "1"}})["id"] for _ in range(3)]
        self.assertEqual(self.bulk("cancel", {"tag": ["dry:1"]}, "?dry_run=true"),
                         {"matched": 3, "canceled": 3, "dry_run": True})
        self.assertEqual(self.bulk("cancel", {"tag": ["dry:1"], "dry_run": True}),
                         {"matched": 3, "canceled": 3, "dry_run": True})
        self.assertEqual(self.bulk("rerun", {"tag": ["dry:1"], "dry_run": True}),
                         {"matched": 3, "rerun": 0, "batch_id": None, "dry_run": True})
        self.assertEqual(self.states(ids), ["queued"] * 3)

    def test_rerun_of_the_failed_jobs_of_a_batch(self):
        b = self.jobd.submit_batch([{"command": "true", "tags": {"rr": "x"}},
                                    {"command": "exit 3", "tags": {"rr": "x"}},
                                    {"command": "exit 4", "tags": {"rr": "x"}}])
        self.jobd.wait_batch(b["id"])
        dry = self.bulk("rerun", {"batch_id": b["id"], "state": "failed", "dry_run": True})
        self.assertEqual((dry["matched"], dry["rerun"]), (2, 2))
        body = self.bulk("rerun", {"batch_id": b["id"], "state": "failed"})
        self.assertEqual((body["matched"], body["rerun"], body["dry_run"]), (2, 2, False))
        batch = self.jobd.expect(200, "GET", "/v1/batches/%d" % body["batch_id"])[0]
        self.assertEqual((batch["total"], batch["rerun_of"]), (2, b["id"]))
        reruns = self.jobd.expect(200, "GET", "/v1/jobs?batch_id=%d" % batch["id"])[0]["jobs"]
        self.assertEqual(sorted(j["command"] for j in reruns), ["exit 3", "exit 4"])
        self.assertEqual({j["rerun_of"] for j in reruns}, set(b["job_ids"][1:]))
        self.assertEqual([j["tags"] for j in reruns], [{"rr": "x"}] * 2)
        self.assertEqual(self.bulk("rerun", {"batch_id": b["id"], "state": "queued"})["rerun"],
                         0)

    def test_more_than_one_page_of_jobs_is_all_handled(self):
        q = self.held("bulk-many")
        n = 2500
        b = self.jobd.submit_batch([{"command": "true", "queue": q} for _ in range(n)])
        self.jobd.submit({"command": "true", "queue": q, "tags": {"many": "no"}})
        body = self.bulk("cancel", {"queue": q, "batch_id": b["id"]}, "?dry_run=true")
        self.assertEqual(body, {"matched": n, "canceled": n, "dry_run": True})
        body = self.bulk("cancel", {"batch_id": b["id"]})
        self.assertEqual(body, {"matched": n, "canceled": n, "dry_run": False})
        batch = self.jobd.expect(200, "GET", "/v1/batches/%d" % b["id"])[0]
        self.assertEqual(batch["counts"]["canceled"], n)
        left, _ = self.jobd.expect(200, "GET", "/v1/jobs?queue=%s&state=queued" % q)
        self.assertEqual([j["tags"] for j in left["jobs"]], [{"many": "no"}])
        body = self.bulk("rerun", {"batch_id": b["id"], "state": "canceled", "dry_run": True})
        self.assertEqual((body["matched"], body["rerun"]), (n, n))
        body = self.bulk("rerun", {"batch_id": b["id"]})
        self.assertEqual((body["matched"], body["rerun"]), (n, n))
        batch = self.jobd.expect(200, "GET", "/v1/batches/%d" % body["batch_id"])[0]
        self.assertEqual((batch["total"], batch["counts"]["queued"]), (n, n))
        self.bulk("cancel", {"queue": q})
