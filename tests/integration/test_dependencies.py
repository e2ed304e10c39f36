# Job dependencies (`after`, and `after_index` inside a batch): a job runs
# only once every dependency has succeeded; a dependency that ends any other
# way cancels its dependents, naming it, down the graph; bad references and
# cycles are refused with a 400 naming the field; dependents survive a
# restart; and a long chain runs in order without slowing dispatch down.
import os
import time
from datetime import datetime, timezone

from base import JobdTestCase
from harness import FINAL


def parse(ts):
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


class TestDependencies(JobdTestCase):
    SERVER_FLAGS = ["--workers", "4", "--kill-grace", "1"]

    def test_chain_runs_in_order(self):
        a = self.jobd.submit({"command": "sleep 0.3"})
        b = self.jobd.submit({"command": ["true"], "after": [a["id"]]})
        c = self.jobd.submit({"command": ["true"], "after": [b["id"]]})
        self.assertEqual((b["after"], b["blocked_by"]), ([a["id"]], 1), b)
        self.assertEqual(self.jobd.job(c["id"])["state"], "queued")
        jobs = [self.jobd.wait_for(j["id"], FINAL, 15) for j in (a, b, c)]
        for j in jobs:
            self.assertEqual(j["state"], "succeeded", j)
            self.assertEqual(j["blocked_by"], 0, j)
        for first, then in zip(jobs, jobs[1:]):
            self.assertGreaterEqual(parse(then["started_at"]), parse(first["finished_at"]))
        self.assertEqual(jobs[0]["after"], [])

    def test_failed_dependency_cancels_dependents_naming_it_and_cascades(self):
        a = self.jobd.submit({"command": "sleep 0.2; exit 3"})
        b = self.jobd.submit({"command": ["true"], "after": [a["id"]]})
        c = self.jobd.submit({"command": ["true"], "after": [b["id"]]})
        self.assertEqual(self.jobd.wait_for(a["id"], FINAL, 10)["state"], "failed")
        b = self.jobd.wait_for(b["id"], FINAL, 10)
        c = self.jobd.wait_for(c["id"], FINAL, 10)
        self.assertEqual(b["state"], "canceled", b)
        self.assertEqual(b["error"], "dependency %d ended failed" % a["id"])
        self.assertEqual(c["state"], "canceled", c)
        self.assertEqual(c["error"], "dependency %d ended canceled" % b["id"])
        self.assertIsNone(b["started_at"])
        self.assertEqual(b["attempts"], 0)

    def test_batch_dag_with_after_index(self):
        # 0 → {1, 2} → 3; spec 1 names a later spec's dependency order freely.
        # The root runs until the checks below are done (a gate file), so a
        # loaded machine cannot let its dependents run first.
        gate = os.path.join(self.jobd.tmp, "dag-gate")
        batch = self.jobd.submit_batch([
            {"command": ["sh", "-c", 'while [ ! -e "$0" ]; do sleep 0.02; done', gate],
             "name": "root"},
            {"command": ["true"], "after_index": [0]},
            {"command": ["true"], "after_index": [0]},
            {"command": ["true"], "after_index": [2, 1]},
        ])
        ids = batch["job_ids"]
        self.assertEqual(self.jobd.job(ids[3])["after"], [ids[2], ids[1]])
        self.assertEqual(self.jobd.job(ids[3])["blocked_by"], 2)
        open(gate, "w").close()
        self.wait_batch_done(batch["id"])
        jobs = [self.jobd.job(i) for i in ids]
        for j in jobs:
            self.assertEqual(j["state"], "succeeded", j)
        for k in (1, 2):
            self.assertGreaterEqual(parse(jobs[k]["started_at"]), parse(jobs[0]["finished_at"]))
            self.assertGreaterEqual(parse(jobs[3]["started_at"]), parse(jobs[k]["finished_at"]))

    def wait_batch_done(self, batch_id):
        return self.jobd.wait_batch(batch_id, 20)

    def test_batch_spec_may_wait_for_a_later_spec(self):
        batch = self.jobd.submit_batch([
            {"command": ["true"], "after_index": [1]},
            {"command": "sleep 0.2"},
        ])
        self.wait_batch_done(batch["id"])
        first, second = (self.jobd.job(i) for i in batch["job_ids"])
        self.assertGreaterEqual(parse(first["started_at"]), parse(second["finished_at"]))

    def test_cycle_is_rejected_naming_a_field_on_it(self):
        body, _ = self.jobd.expect(400, "POST", "/v1/batches", body={"jobs": [
            {"command": ["true"]},
            {"command": ["true"], "after_index": [2]},
            {"command": ["true"], "after_index": [3]},
            {"command": ["true"], "after_index": [1]},
        ]})
        self.assertEqual(body["error"]["code"], "invalid_request")
        self.assertIn(body["error"]["field"],
                      ("jobs[1].after_index", "jobs[2].after_index", "jobs[3].after_index"))
        self.assertIn("cycle", body["error"]["message"])

    def test_bad_after_index_is_rejected(self):
        for jobs, field in (
                ([{"command": ["true"], "after_index": [0]}], "jobs[0].after_index"),
                ([{"command": ["true"]}, {"command": ["true"], "after_index": [5]}],
                 "jobs[1].after_index"),
                ([{"command": ["true"]}, {"command": ["true"], "after_index": [0, 0]}],
                 "jobs[1].after_index"),
                ([{"command": ["true"]}, {"command": ["true"], "after_index": [-1]}],
                 "jobs[1].after_index")):
            body, _ = self.jobd.expect(400, "POST", "/v1/batches", body={"jobs": jobs})
            self.assertEqual(body["error"]["code"], "invalid_request")
            self.assertEqual(body["error"]["field"], field, body)
        body, _ = self.jobd.expect(400, "POST", "/v1/jobs",
                                   body={"command": ["true"], "after_index": [0]})
        self.assertEqual(body["error"]["field"], "after_index")

    def test_unknown_or_malformed_ids_are_rejected_naming_after(self):
        for after in ([10 ** 9], [0], ["1"], 5, [1.5], list(range(1, 102))):
            body, _ = self.jobd.expect(400, "POST", "/v1/jobs",
                                       body={"command": ["true"], "after": after})
            self.assertEqual(body["error"]["code"], "invalid_request")
            self.assertEqual(body["error"]["field"], "after", (after, body))
        body, _ = self.jobd.expect(400, "POST", "/v1/batches", body={"jobs": [
            {"command": ["true"]}, {"command": ["true"], "after": [10 ** 9]}]})
        self.assertEqual(body["error"]["field"], "jobs[1].after")
        self.assertIn(str(10 ** 9), body["error"]["message"])

    def test_unknown_id_in_a_batch_writes_nothing(self):
        before = self.jobd.stats()["submitted_total"]
        self.jobd.expect(400, "POST", "/v1/batches", body={"jobs": [
            {"command": ["true"]}, {"command": ["true"], "after": [10 ** 9]}]})
        self.assertEqual(self.jobd.stats()["submitted_total"], before)

    def test_dependency_already_succeeded_does_not_block(self):
        a = self.jobd.wait_for(self.jobd.submit({"command": ["true"]})["id"], FINAL, 10)
        b = self.jobd.submit({"command": ["true"], "after": [a["id"]]})
        self.assertEqual(b["blocked_by"], 0)
        self.assertEqual(self.jobd.wait_for(b["id"], FINAL, 10)["state"], "succeeded")

    def test_dependency_already_failed_cancels_at_once(self):
        a = self.jobd.wait_for(self.jobd.submit({"command": "exit 1"})["id"], FINAL, 10)
        b = self.jobd.submit({"command": ["true"], "after": [a["id"]]})
        self.assertEqual(b["state"], "canceled", b)
        self.assertEqual(b["error"], "dependency %d ended failed" % a["id"])
        # And within one batch: its dependents follow.
        batch = self.jobd.submit_batch([
            {"command": ["true"], "after_index": [1]},
            {"command": ["true"], "after": [a["id"]]},
        ])
        first, second = (self.jobd.job(i) for i in batch["job_ids"])
        self.assertEqual((first["state"], second["state"]), ("canceled", "canceled"))
        self.assertEqual(first["error"], "dependency %d ended canceled" % second["id"])

    def test_blocked_job_can_be_canceled_and_its_dependents_follow(self):
        a = self.jobd.submit({"command": "sleep 30"})
        b = self.jobd.submit({"command": ["true"], "after": [a["id"]]})
        c = self.jobd.submit({"command": ["true"], "after": [b["id"]]})
        st, _, body = self.jobd.cancel(b["id"])
        self.assertEqual(st, 200, body)
        self.assertEqual(body["state"], "canceled")
        c = self.jobd.wait_for(c["id"], FINAL, 10)
        self.assertEqual((c["state"], c["error"]),
                         ("canceled", "dependency %d ended canceled" % b["id"]))
        self.jobd.cancel(a["id"])
        self.assertEqual(self.jobd.wait_for(a["id"], FINAL, 10)["state"], "canceled")

    def test_dependents_of_a_canceled_running_job_are_canceled(self):
        a = self.jobd.submit({"command": "sleep 30"})
        self.jobd.wait_for(a["id"], "running", 10)
        b = self.jobd.submit({"command": ["true"], "after": [a["id"]]})
        self.jobd.cancel(a["id"])
        b = self.jobd.wait_for(b["id"], FINAL, 10)
        self.assertEqual((b["state"], b["error"]),
                         ("canceled", "dependency %d ended canceled" % a["id"]))


class TestDependenciesSurviveRestart(JobdTestCase):
    def test_dependents_survive_kill_9_and_restart(self):
        srv = self.server("--workers", "1")
        # Two attempts: the one kill -9 interrupts is requeued, not failed.
        a = srv.submit({"command": "sleep 0.5", "max_attempts": 2})
        b = srv.submit({"command": ["true"], "after": [a["id"]]})
        srv.wait_for(a["id"], "running", 10)
        srv.kill9()
        srv.restart()
        self.assertEqual(srv.job(b["id"])["state"], "queued")
        a = srv.wait_for(a["id"], FINAL, 15)
        b = srv.wait_for(b["id"], FINAL, 15)
        self.assertEqual((a["state"], b["state"]), ("succeeded", "succeeded"), (a, b))
        self.assertGreaterEqual(parse(b["started_at"]), parse(a["finished_at"]))

    def test_job_failed_by_recovery_cancels_its_dependents(self):
        srv = self.server("--workers", "1")
        a = srv.submit({"command": "sleep 30"})
        b = srv.submit({"command": ["true"], "after": [a["id"]]})
        srv.wait_for(a["id"], "running", 10)
        srv.kill9()
        srv.restart()
        self.assertEqual(srv.job(a["id"])["state"], "failed")
        b = srv.job(b["id"])
        self.assertEqual((b["state"], b["error"]),
                         ("canceled", "dependency %d ended failed" % a["id"]))


class TestLongChain(JobdTestCase):
    TIMEOUT = 120

    def test_thousand_job_chain_runs_in_order(self):
        srv = self.server("--workers", "2")
        n = 1000
        jobs = [{"command": ["true"]}] + [{"command": ["true"], "after_index": [i]}
                                          for i in range(n - 1)]
        t0 = time.monotonic()
        batch = srv.submit_batch(jobs)
        srv.wait_batch(batch["id"], 90)
        elapsed = time.monotonic() - t0
        self.assertEqual(srv.expect(200, "GET", "/v1/batches/%d" % batch["id"])[0]
                         ["counts"]["succeeded"], n)
        jobs = []
        for start in range(0, n, 500):
            jobs += srv.expect(200, "GET", "/v1/jobs?batch_id=%d&limit=500&before_id=%d"
                               % (batch["id"], batch["job_ids"][-1] + 1 - start))[0]["jobs"]
        jobs.sort(key=lambda j: j["id"])
        self.assertEqual([j["id"] for j in jobs], batch["job_ids"])
        for first, then in zip(jobs, jobs[1:]):
            self.assertGreaterEqual(parse(then["started_at"]), parse(first["finished_at"]))
        self.assertLess(elapsed, 60, "1,000 chained jobs took %.1f s" % elapsed)
