# Per-job resource limits (`limits`: memory_mb, cpu_s, open_files,
# processes): each one stops a job that goes over it and the job's error
# names it, a job under its limits succeeds, the memory cgroup covers the
# job's grandchildren, the job's process is in its cgroup from its first
# instruction, and no cgroup directory outlives the job, its worker or the
# server — a worker killed mid-job included.
#
# How a limit is enforced depends on the machine (worker/limits.h); each
# worker says so in one log line, which these tests read: where there is no
# usable memory or pids cgroup, the memory test checks the address-space
# fallback and the cgroup-only tests are skipped.
import os
import re
import signal
import sys
import time

import procs
from base import JobdTestCase

PYTHON = sys.executable  # the interpreter itself, not a wrapper script that forks
ALLOC_300_MB = "b = bytearray(300 << 20); print(len(b))"
LIMITS_LINE = re.compile(r"worker \d+: limits: "
                         r"(memory_mb by (?:cgroup v\d ([^;\s]+)|RLIMIT_AS)[^;]*);"
                         r" (processes by cgroup v\d ([^;\s]+)|processes [^;]*);")


def cgroup_dirs(srv, timeout=15):
    """{'memory': [dirs], 'pids': [dirs]} as the server's workers logged
    them (the jobd-w<pid> directories), once every worker has started."""
    n = None
    found = {}

    def read():
        with open(srv.log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        lines = LIMITS_LINE.findall(text)
        if n is not None and len(lines) < n:
            return None
        found["memory"] = sorted({m[1] for m in lines if m[1]})
        found["pids"] = sorted({m[3] for m in lines if m[3]})
        found["how"] = "%s; %s" % (lines[0][0], lines[0][2]) if lines else "(no line)"
        return True
    n = len(srv.workers()["workers"])
    srv.wait_until("every worker's limits line", read, timeout)
    return found


def left_behind(dirs):
    return [d for d in dirs if os.path.exists(d)]


class TestLimits(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--kill-grace", "1"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dirs = cgroup_dirs(cls.jobd)

    def need(self, controller):
        if not self.dirs[controller]:
            self.skipTest("no usable %s cgroup here: %s" % (controller, self.dirs["how"]))

    def test_memory_limit_stops_a_job_that_allocates_more(self):
        job = self.run_job({"command": [PYTHON, "-c", ALLOC_300_MB],
                            "limits": {"memory_mb": 100}})
        self.assertEqual(job["state"], "failed", job)
        self.assertEqual(job["limits"]["memory_mb"], 100, job)
        if self.dirs["memory"]:
            self.assertEqual(job["signal"], 9, job)
            self.assertEqual(job["error"],
                             "killed by signal 9 (Killed); memory limit 100 MB exceeded")
        else:
            self.assertEqual(job["exit_code"], 1, job)
            self.assertEqual(job["error"], "exit code 1; memory limit 100 MB may have been "
                             "exceeded (address-space rlimit, not confirmed)")
        self.assertNotIn(str(300 << 20), self.jobd.output(job["id"]))

    def test_memory_cgroup_covers_grandchildren(self):
        self.need("memory")
        job = self.run_job({"command": "%s -c '%s'; exit 3" % (PYTHON, ALLOC_300_MB),
                            "limits": {"memory_mb": 100}})
        self.assertEqual(job["state"], "failed", job)
        self.assertEqual(job["exit_code"], 3, job)
        self.assertEqual(job["error"], "exit code 3; memory limit 100 MB exceeded")

    def test_cpu_limit_stops_a_busy_loop(self):
        job = self.run_job({"command": "while :; do :; done", "limits": {"cpu_s": 1}})
        self.assertEqual(job["state"], "failed", job)
        self.assertEqual(job["signal"], 24, job)  # SIGXCPU
        self.assertEqual(job["error"],
                         "killed by signal 24 (CPU time limit exceeded); cpu limit 1 s exceeded")
        self.assertMs(job, "run_ms", 800, 15000)
        # The kernel checks RLIMIT_CPU on its own sampled clock, and rusage
        # can read up to ~15 % under it on a busy machine (886 ms seen).
        self.assertGreaterEqual(job["cpu_user_ms"] + job["cpu_sys_ms"], 800, job)

    def test_open_files_limit_refuses_the_file_over_it(self):
        code = "import os\nfds = [os.open('/dev/null', os.O_RDONLY) for _ in range(50)]"
        job = self.run_job({"command": [PYTHON, "-c", code], "limits": {"open_files": 16}})
        self.assertEqual(job["state"], "failed", job)
        self.assertEqual(job["exit_code"], 1, job)
        self.assertIsNone(job["error"], job)  # nothing counts EMFILE: the job's stderr says it
        self.assertIn("Too many open files", self.jobd.output(job["id"], "stderr"))

    def test_processes_limit_refuses_forks_and_says_so(self):
        self.need("pids")
        mark = self.marker()
        job = self.run_job({"command": "for i in $(seq 20); do sleep %s & done; wait" % mark,
                            "limits": {"processes": 5}})
        self.assertEqual(job["state"], "failed", job)
        self.assertNotEqual(job["exit_code"], 0, job)
        self.assertEqual(job["error"], "exit code %d; processes limit 5 reached (fork refused)"
                         % job["exit_code"])
        self.assertMs(job, "run_ms", 0, 10000)
        self.assertNoProcess(mark, 5, "(sleeps of a job stopped by its processes limit)")

    def test_job_under_its_limits_succeeds(self):
        limits = {"memory_mb": 200, "cpu_s": 10, "open_files": 64, "processes": 20}
        job = self.run_job({"command": "%s -c 'b = bytearray(20 << 20)' && echo ok" % PYTHON,
                            "limits": limits})
        self.assertEqual(job["state"], "succeeded", job)
        self.assertIsNone(job["error"], job)
        self.assertEqual(job["limits"], limits, job)
        self.assertEqual(self.jobd.output(job["id"]), "ok\n")

    def test_the_job_is_in_its_cgroup_from_the_start_and_it_goes_after(self):
        self.need("memory")
        mark = self.marker()
        job = self.jobd.submit({"command": ["sleep", mark], "limits": {"memory_mb": 50}})
        pids = procs.wait_present(mark, 10)
        self.assertEqual(len(pids), 1, "job never started")
        with open("/proc/%d/cgroup" % pids[0]) as f:
            own = f.read()
        self.assertRegex(own, r"memory:\S*/jobd-w\d+/job-%d\n" % job["id"])
        group = [d + "/job-%d" % job["id"] for d in self.dirs["memory"]
                 if os.path.isdir(d + "/job-%d" % job["id"])]
        self.assertEqual(len(group), 1, (own, self.dirs))
        st, _, _ = self.jobd.cancel(job["id"])
        self.assertEqual(st, 200)
        self.jobd.wait_for(job["id"], "canceled", 15)
        self.jobd.wait_until("the job's cgroup to go", lambda: not os.path.exists(group[0]), 5)


class TestLimitsCleanUp(JobdTestCase):
    def test_no_cgroup_dirs_left_after_the_server_stops(self):
        srv = self.server("--workers", "2", "--kill-grace", "1", "--shutdown-grace", "1")
        dirs = cgroup_dirs(srv)
        if not dirs["memory"] and not dirs["pids"]:
            self.skipTest("no usable cgroup here: %s" % dirs["how"])
        mark = self.marker()
        jobs = [srv.submit({"command": "sleep %s & echo started" % mark,
                            "limits": {"memory_mb": 100, "processes": 10}}),
                srv.submit({"command": ["sleep", mark],
                            "limits": {"memory_mb": 100, "processes": 10}})]
        srv.wait_for(jobs[0]["id"], "succeeded", 15)
        srv.wait_for(jobs[1]["id"], "running", 15)
        self.assertEqual(srv.stop(signal.SIGTERM, 30), 0)
        self.assertEqual(left_behind(dirs["memory"] + dirs["pids"]), [])
        self.assertNoProcess(mark, 5)

    def test_a_worker_killed_mid_job_has_its_groups_removed_by_the_next(self):
        srv = self.server("--workers", "1", "--kill-grace", "1")
        dirs = cgroup_dirs(srv)
        if not dirs["memory"] and not dirs["pids"]:
            self.skipTest("no usable cgroup here: %s" % dirs["how"])
        mark = self.marker()
        # The grandchild leaves the job's process group: only its cgroup
        # still knows it belongs to the job.
        job = srv.submit({"command": "setsid sleep %s & sleep %s" % (mark, mark),
                          "limits": {"memory_mb": 100, "processes": 10}})
        srv.wait_for(job["id"], "running", 15)
        # Both sleeps, not the first one seen: on a loaded machine the
        # second may start a moment after the first.
        srv.wait_until("both sleeps", lambda: len(procs.pids_with_arg(mark)) == 2, 10)
        time.sleep(0.2)  # the setsid has happened
        worker = srv.workers()["workers"][0]["pid"]
        groups = [d + "/job-%d" % job["id"] for d in dirs["memory"] + dirs["pids"]]
        self.assertTrue(all(os.path.isdir(g) for g in groups), groups)
        os.kill(worker, signal.SIGKILL)
        srv.wait_until("a new worker", lambda: any(
            w["pid"] not in (None, worker) for w in srv.workers()["workers"]), 15)
        srv.wait_until("the dead worker's groups to go",
                       lambda: not left_behind(dirs["memory"] + dirs["pids"]), 15)
        self.assertNoProcess(mark, 5, "(orphan in a dead worker's job cgroup)")


class TestLimitMaxima(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1", "--max-memory-mb", "512", "--max-cpu-s", "60",
                    "--max-open-files", "256", "--max-processes", "32"]

    def test_limits_over_the_servers_maxima_are_refused_naming_the_limit(self):
        for name, over in (("memory_mb", 513), ("cpu_s", 61), ("open_files", 257),
                           ("processes", 33)):
            err = self.assertError(self.jobd.request("POST", "/v1/jobs", body={
                "command": ["true"], "limits": {name: over}}), 400, "invalid_request",
                "limits." + name)
            self.assertIn("(the server's maximum)", err["message"])
        self.assertError(self.jobd.request("POST", "/v1/batches", body={"jobs": [
            {"command": ["true"]}, {"command": ["true"], "limits": {"cpu_s": 0}}]}),
            400, "invalid_request", "jobs[1].limits.cpu_s")
        self.assertError(self.jobd.request("POST", "/v1/jobs", body={
            "command": ["true"], "limits": {"disk_mb": 1}}), 400, "invalid_request",
            "limits.disk_mb")
        self.assertEqual(self.jobd.stats()["counts"]["queued"], 0, "nothing refused was stored")

    def test_limits_at_the_maxima_are_kept_shown_and_carried_by_reruns(self):
        limits = {"memory_mb": 512, "cpu_s": 60, "open_files": 256, "processes": 32}
        job = self.run_job({"command": ["true"], "limits": {"cpu_s": 60, "open_files": 256}})
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(job["limits"], {"memory_mb": None, "cpu_s": 60, "open_files": 256,
                                         "processes": None})
        full = self.run_job({"command": ["true"], "limits": limits})
        self.assertEqual(full["limits"], limits)
        rerun = self.jobd.expect(201, "POST", "/v1/jobs/%d/rerun" % full["id"])[0]
        self.assertEqual(rerun["limits"], limits)
