# /healthz, /v1/workers and /v1/stats: pool size and slots, idle/busy
# worker states, per-state counts with every state present.
import procs
from base import JobdTestCase
from harness import FINAL

STATES = {"queued", "running"} | set(FINAL)


class TestStatus(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--kill-grace", "1"]

    def all_idle(self):
        ws = self.jobd.workers()["workers"]
        return ws if all(x["state"] == "idle" for x in ws) else None

    def test_default_pool_is_sized_to_the_cpus_the_process_may_use(self):
        srv = self.server(prefix=["taskset", "-c", "0"])
        w = srv.workers()
        self.assertEqual(w["size"], 1, w)
        self.assertEqual(w["size_source"], "affinity")
        self.assertEqual(len(w["workers"]), 1)

    def test_workers_flag_overrides_the_cpu_count(self):
        srv = self.server("--workers", "3", prefix=["taskset", "-c", "0"])
        w = srv.workers()
        self.assertEqual((w["size"], w["size_source"]), (3, "flag"))

    def test_libpq_is_mapped_only_on_postgresql(self):
        # On SQLite the PostgreSQL client library (and the TLS, Kerberos and
        # LDAP libraries it pulls in) is never loaded: the server stays small.
        with open("/proc/%d/maps" % self.jobd.proc.pid) as f:
            mapped = "libpq.so" in f.read()
        self.assertEqual(mapped, self.jobd.backend == "postgres")

    def test_healthz_is_ok(self):
        st, hd, body = self.jobd.request("GET", "/healthz")
        self.assertEqual(st, 200)
        self.assertTrue(hd.get("Content-Type", "").startswith("application/json"))
        self.assertEqual(body, {"status": "ok"})

    def test_workers_lists_every_slot_with_a_live_pid(self):
        w = self.jobd.workers()
        self.assertEqual(w["size"], 2)
        slots = sorted(x["slot"] for x in w["workers"])
        self.assertEqual(slots, [0, 1])
        pids = [x["pid"] for x in w["workers"]]
        self.assertEqual(len(set(pids)), 2)
        for x in w["workers"]:
            self.assertTrue(procs.pid_alive(x["pid"]), x)
            self.assertNotEqual(x["pid"], self.jobd.proc.pid)
            self.assertIn(x["state"], ("idle", "busy"))
            self.assertIsInstance(x["jobs_done"], int)
            self.assertTimestamp(x["started_at"], "started_at")

    def test_busy_worker_shows_its_job_and_counts_it_when_done(self):
        idle = self.jobd.wait_until("all workers idle", self.all_idle, 10)
        done_before = sum(x["jobs_done"] for x in idle)
        for x in idle:
            self.assertIsNone(x["job_id"], x)
        mark = self.marker()
        job = self.jobd.submit({"command": ["sleep", mark]})
        job = self.jobd.wait_for(job["id"], "running", 10)
        busy = [x for x in self.jobd.workers()["workers"] if x["state"] == "busy"]
        self.assertEqual(len(busy), 1, busy)
        self.assertEqual(busy[0]["job_id"], job["id"])
        self.assertEqual(busy[0]["slot"], job["worker"])
        stats = self.jobd.stats()
        self.assertEqual(stats["busy"], 1)
        self.assertEqual(stats["counts"]["running"], 1)
        self.jobd.cancel(job["id"])
        self.jobd.wait_for(job["id"], "canceled", 10)
        ws = self.jobd.wait_until("worker idle again", self.all_idle, 10)
        self.assertEqual(sum(x["jobs_done"] for x in ws), done_before + 1)

    def test_stats_lists_every_state_and_counts_submissions(self):
        s = self.jobd.stats()
        self.assertEqual(s["workers"], 2)
        self.assertEqual(set(s["counts"]), STATES, s)
        for state, n in s["counts"].items():
            self.assertIsInstance(n, int, state)
        self.assertIsInstance(s["uptime_s"], (int, float))
        self.assertGreaterEqual(s["uptime_s"], 0)
        job = self.jobd.submit({"command": "exit 4"})
        self.jobd.wait_for(job["id"], "failed", 10)
        t = self.jobd.stats()
        self.assertEqual(t["submitted_total"], s["submitted_total"] + 1)
        self.assertEqual(t["finished_total"], s["finished_total"] + 1)
        self.assertEqual(t["counts"]["failed"], s["counts"]["failed"] + 1)
        self.assertEqual(sum(t["counts"].values()), sum(s["counts"].values()) + 1)
