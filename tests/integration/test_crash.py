# Crashes: `kill -9` of the server (no acknowledged job lost, no job process
# left, running jobs requeued or failed by attempts after a restart) and
# `kill -9` of a worker (job fails naming the cause, pool back to full size).
import os
import re

import procs
from base import JobdTestCase
from test_metrics import Metrics

SERVER_STOPPED = re.compile(r"server|jobd|restart|stop|shut|crash", re.I)


class TestServerCrash(JobdTestCase):
    def test_acknowledged_jobs_survive_kill_9_of_the_server(self):
        srv = self.server("--workers", "1", "--kill-grace", "1")
        finished = self.run_job({"command": "echo persisted; echo e >&2; exit 3"}, srv)
        mark = self.marker()
        srv.submit({"command": ["sleep", mark]})
        acked = {}
        for i in range(40):
            job = srv.submit({"command": ["echo", str(i)], "name": "ack-%d" % i,
                              "priority": i % 3})
            acked[job["id"]] = job
        batch = srv.submit_batch([{"command": "true", "name": "in-batch"}] * 5)
        srv.kill9()
        srv.restart()
        self.assertEqual(srv.job(finished["id"]), finished)
        self.assertEqual(srv.output(finished["id"]), "persisted\n")
        self.assertEqual(srv.output(finished["id"], "stderr"), "e\n")
        for job_id, job in acked.items():
            got = srv.job(job_id)
            self.assertEqual((got["name"], got["command"], got["priority"]),
                             (job["name"], job["command"], job["priority"]))
        for job_id in batch["job_ids"]:
            self.assertEqual(srv.job(job_id)["batch_id"], batch["id"])
        self.assertEqual(srv.expect(200, "GET", "/v1/batches/%d" % batch["id"])[0]["total"], 5)
        newer = srv.submit({"command": ["true"]})
        self.assertGreater(newer["id"], max(batch["job_ids"]))
        for job_id in list(acked)[:3]:
            self.assertEqual(srv.wait_for(job_id, timeout=20)["state"], "succeeded")

    def test_no_job_process_outlives_a_killed_server(self):
        srv = self.server("--workers", "2")
        m1, m2 = self.marker(), self.marker()
        job = srv.submit({"command": "sh -c 'sleep %s & sleep %s & wait'" % (m1, m2)})
        srv.wait_for(job["id"], "running", 10)
        self.assertTrue(procs.wait_present(m2, 10), "job processes never started")
        worker_pids = [w["pid"] for w in srv.workers()["workers"]]
        srv.kill9()
        self.assertNoProcess(m1, 10, "after kill -9 of the server")
        self.assertNoProcess(m2, 10, "after kill -9 of the server")
        srv.wait_until("workers to exit", lambda: not any(
            procs.pid_alive(p) for p in worker_pids), 10)

    def test_running_jobs_are_requeued_or_failed_by_attempts_after_a_crash(self):
        srv = self.server("--workers", "2", "--kill-grace", "1")
        ma, mb = self.marker(), self.marker()
        last = srv.submit({"command": ["sleep", ma], "max_attempts": 1})
        again = srv.submit({"command": ["sleep", mb], "max_attempts": 2})
        queued = srv.submit({"command": ["echo", "later"]})
        for j in (last, again):
            srv.wait_for(j["id"], "running", 10)
        self.assertEqual(srv.job(queued["id"])["state"], "queued")
        srv.kill9()
        self.assertNoProcess(ma, 10, "after kill -9 of the server")
        self.assertNoProcess(mb, 10, "after kill -9 of the server")
        srv.restart()
        failed = srv.wait_for(last["id"], timeout=20)
        self.assertEqual(failed["state"], "failed", failed)
        self.assertEqual(failed["attempts"], 1, failed)
        self.assertIsInstance(failed["error"], str, failed)
        self.assertRegex(failed["error"], SERVER_STOPPED)
        self.assertTimestamp(failed["finished_at"], "finished_at")
        rerun = srv.wait_for(again["id"], "running", 20)
        self.assertEqual(rerun["attempts"], 2, rerun)
        self.assertTrue(procs.wait_present(mb, 10), "requeued job did not run again")
        done = srv.wait_for(queued["id"], timeout=20)
        self.assertEqual(done["state"], "succeeded", done)
        self.assertEqual(srv.output(queued["id"]), "later\n")
        srv.cancel(again["id"])

    def test_dependents_of_a_job_failed_by_restart_are_canceled_and_counted_at_once(self):
        srv = self.server("--workers", "1", "--kill-grace", "1")
        mark = self.marker()
        first = srv.submit({"command": ["sleep", mark], "max_attempts": 1})
        then = srv.submit({"command": ["true"], "after": [first["id"]]})
        last = srv.submit({"command": ["true"], "after": [then["id"]]})
        srv.wait_for(first["id"], "running", 10)
        srv.kill9()
        self.assertNoProcess(mark, 10, "after kill -9 of the server")
        srv.restart()
        self.assertEqual(srv.job(first["id"])["state"], "failed")
        for dep in (then, last):
            got = srv.job(dep["id"])
            self.assertEqual(got["state"], "canceled", got)
            self.assertRegex(got["error"], r"dependency \d+ ended (failed|canceled)")
        # Right after the restart, not after a later recount.
        s = srv.stats()
        self.assertEqual((s["counts"]["failed"], s["counts"]["canceled"], s["counts"]["queued"]),
                         (1, 2, 0), s)
        self.assertEqual(s["finished_total"], 3, s)
        m = Metrics(srv.expect(200, "GET", "/metrics")[0])
        self.assertEqual(m.get("jobd_jobs_finished_total", state="failed"), 1)
        self.assertEqual(m.get("jobd_jobs_finished_total", state="canceled"), 2)


class TestWorkerCrash(JobdTestCase):
    def kill_worker_of(self, srv, job_id):
        w = [x for x in srv.workers()["workers"] if x["job_id"] == job_id]
        self.assertEqual(len(w), 1, srv.workers())
        os.kill(w[0]["pid"], 9)
        return w[0]

    def full_pool(self, srv, size, old):
        def ready():
            ws = srv.workers()
            slots = {x["slot"]: x for x in ws["workers"]}
            if ws["size"] != size or sorted(slots) != list(range(size)):
                return None
            if slots[old["slot"]]["pid"] in (None, old["pid"]):
                return None
            return ws if all(procs.pid_alive(x["pid"]) for x in ws["workers"]) else None
        return srv.wait_until("pool back to %d workers" % size, ready, 15)

    def test_killed_worker_is_replaced_and_its_job_fails_naming_the_cause(self):
        srv = self.server("--workers", "2", "--kill-grace", "1")
        mark = self.marker()
        job = srv.submit({"command": ["sleep", mark]})
        srv.wait_for(job["id"], "running", 10)
        old = self.kill_worker_of(srv, job["id"])
        done = srv.wait_for(job["id"], timeout=15)
        self.assertEqual(done["state"], "failed", done)
        self.assertEqual(done["attempts"], 1)
        self.assertIsInstance(done["error"], str, done)
        self.assertRegex(done["error"], re.compile("worker", re.I))
        self.assertRegex(done["error"], re.compile("signal 9|SIGKILL|killed", re.I))
        self.full_pool(srv, 2, old)
        a = srv.submit({"command": ["sleep", "0.5"]})
        b = srv.submit({"command": ["sleep", "0.5"]})
        ja, jb = srv.wait_for(a["id"], timeout=10), srv.wait_for(b["id"], timeout=10)
        self.assertEqual((ja["state"], jb["state"]), ("succeeded", "succeeded"))
        self.assertEqual({ja["worker"], jb["worker"]}, {0, 1})

    def test_job_of_a_killed_worker_leaves_no_process(self):
        srv = self.server("--workers", "1", "--kill-grace", "1")
        mark = self.marker()
        job = srv.submit({"command": "sleep %s & wait" % mark})
        srv.wait_for(job["id"], "running", 10)
        self.assertTrue(procs.wait_present(mark, 10))
        self.kill_worker_of(srv, job["id"])
        srv.wait_for(job["id"], timeout=15)
        self.assertNoProcess(mark, 10, "after its worker was killed")

    def test_killed_worker_with_attempts_left_retries_the_job(self):
        srv = self.server("--workers", "1", "--kill-grace", "1")
        mark = self.marker()
        job = srv.submit({"command": "if [ -e first ]; then echo second; "
                                     "else touch first; sleep %s; fi" % mark,
                          "cwd": srv.tmp, "max_attempts": 2})
        self.assertTrue(procs.wait_present(mark, 10))
        old = self.kill_worker_of(srv, job["id"])
        done = srv.wait_for(job["id"], ("succeeded", "failed"), 20)
        self.assertEqual(done["state"], "succeeded", done)
        self.assertEqual(done["attempts"], 2)
        self.assertEqual(srv.output(job["id"]), "second\n")
        self.full_pool(srv, 1, old)
