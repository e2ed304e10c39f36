# Multi-core jobs (`cpus: k`, docs/API.md "Multi-core jobs"): a k-cpu job
# holds k worker slots while it runs and never shares the pool with more
# than the rest; it finds k in JOBD_CPUS; out-of-range values are refused
# naming `cpus`; a rerun keeps it; a 2-cpu job waiting at the head is not
# overtaken by 1-cpu jobs that come after it (strict head-of-line
# reservation), and the hold ends when that head is canceled, its queue
# paused or the node drained; a timeout or its worker's death frees all its
# slots; kill -9 of the server while one runs is recovered as for any job;
# a schedule's job takes cpus as POST /v1/jobs does, its bound included.
# Every check is on states, order and the API's timestamps.
import os
import signal

from base import JobdTestCase
from harness import BACKEND


def overlaps(a, b):
    """Whether two finished jobs' [started_at, finished_at] overlap (RFC
    3339 UTC strings of one length compare as times)."""
    return a["started_at"] < b["finished_at"] and b["started_at"] < a["finished_at"]


class TestCpus(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--kill-grace", "1"]

    def test_a_two_cpu_job_never_overlaps_another_job_on_a_two_slot_server(self):
        srv = self.jobd
        specs = [{"command": ["sleep", "0.1"], "name": "before"},
                 {"command": "echo $JOBD_CPUS; sleep 0.1", "name": "wide", "cpus": 2},
                 {"command": ["sleep", "0.1"], "name": "after1"},
                 {"command": ["sleep", "0.1"], "name": "after2"}]
        batch = srv.submit_batch(specs)
        jobs = [srv.wait_for(i, "succeeded", 20) for i in batch["job_ids"]]
        wide = jobs[1]
        self.assertEqual(wide["cpus"], 2, wide)
        self.assertEqual(sorted(wide["slots"]), [0, 1], wide)
        self.assertEqual(wide["slots"][0], wide["worker"], wide)
        self.assertEqual(srv.output(wide["id"]), "2\n")
        for other in jobs[:1] + jobs[2:]:
            self.assertEqual(other["cpus"], 1, other)
            self.assertEqual(other["slots"], [other["worker"]], other)
            self.assertFalse(overlaps(wide, other), (wide, other))

    def test_held_slots_show_busy_and_start_nothing_else_until_the_job_ends(self):
        srv = self.jobd
        mark = self.marker()
        wide = srv.submit({"command": ["sleep", mark], "cpus": 2})
        srv.wait_for(wide["id"], "running", 10)
        holding = [w for w in srv.workers()["workers"]
                   if w.get("state") == "busy" and w["job_id"] == wide["id"]]
        self.assertEqual(len(holding), 2, srv.workers())
        small = srv.submit({"command": ["true"]})
        self.assertEqual(srv.job(small["id"])["state"], "queued")
        srv.cancel(wide["id"])
        self.assertNoProcess(mark, 10)
        done = srv.wait_for(small["id"], "succeeded", 10)
        self.assertGreaterEqual(done["started_at"], srv.job(wide["id"])["finished_at"])

    def test_cpus_out_of_range_or_not_an_integer_is_refused_naming_cpus(self):
        srv = self.jobd
        for bad in (0, 3, 1.5, "2"):
            self.assertError(srv.request("POST", "/v1/jobs",
                                         body={"command": ["true"], "cpus": bad}),
                             400, "invalid_request", "cpus")
        jobs = [{"command": ["true"]}] * 3 + [{"command": ["true"], "cpus": 9}]
        self.assertError(srv.request("POST", "/v1/batches", body={"jobs": jobs}),
                         400, "invalid_request", "jobs[3].cpus")
        # A cluster checks the bound when the jobs are stored, where a batch's
        # cpus is its first job's (docs/API.md).
        self.assertError(srv.request("POST", "/v1/batches",
                                     body={"cpus": 3, "jobs": [{"command": ["true"]}]}),
                         400, "invalid_request", "cpus" if BACKEND == "sqlite" else "jobs[0].cpus")

    def test_a_schedules_cpus_over_the_pool_is_refused_naming_job_cpus(self):
        srv = self.jobd
        # On PostgreSQL too, where the bound is the largest live node's pool
        # and only the stored schedule's firings would meet it otherwise.
        self.assertError(srv.request("POST", "/v1/schedules", body={
            "cron": "* * * * *", "job": {"command": ["true"], "cpus": 3}}),
            400, "invalid_request", "job.cpus")
        self.assertEqual(srv.expect(200, "GET", "/v1/schedules")[0]["schedules"], [])
        made = srv.expect(201, "POST", "/v1/schedules", body={
            "cron": "* * * * *", "paused": True, "job": {"command": ["true"], "cpus": 2}})[0]
        self.assertEqual(made["job"]["cpus"], 2, made)

    def test_a_batchs_cpus_applies_to_its_jobs_and_a_rerun_keeps_cpus(self):
        srv = self.jobd
        batch = srv.expect(201, "POST", "/v1/batches", body={
            "cpus": 2, "jobs": [{"command": ["true"]}, {"command": ["true"], "cpus": 1}]})[0]
        first, second = [srv.wait_for(i, "succeeded", 20) for i in batch["job_ids"]]
        self.assertEqual((first["cpus"], second["cpus"]), (2, 1))
        again = srv.expect(201, "POST", "/v1/jobs/%d/rerun" % first["id"])[0]
        self.assertEqual(again["cpus"], 2, again)
        self.assertEqual(sorted(srv.wait_for(again["id"], "succeeded", 20)["slots"]), [0, 1])

    def held_head(self, queue=None):
        """A 1-cpu blocker running and a 2-cpu job queued behind it (in
        queue), for which the node holds its idle slot."""
        srv = self.jobd
        mark = self.marker()
        blocker = srv.submit({"command": ["sleep", mark], "name": "blocker"})
        srv.wait_for(blocker["id"], "running", 10)
        spec = {"command": ["true"], "name": "wide", "cpus": 2}
        if queue:
            spec["queue"] = queue
        return blocker, mark, srv.submit(spec)

    def end_blocker(self, blocker, mark):
        self.jobd.cancel(blocker["id"])
        self.assertNoProcess(mark, 10)

    def assert_all_idle(self):
        srv = self.jobd
        srv.wait_until("every slot idle", lambda: all(
            w["state"] == "idle" for w in srv.workers()["workers"]), 10)

    def test_canceling_the_held_head_lets_the_jobs_behind_it_start(self):
        srv = self.jobd
        blocker, mark, wide = self.held_head()
        small = srv.submit({"command": ["true"], "name": "small"})
        self.assertEqual(srv.job(small["id"])["state"], "queued")
        srv.cancel(wide["id"])
        # It runs beside the blocker, on the slot that was held.
        srv.wait_for(small["id"], "succeeded", 10)
        self.assertEqual(srv.job(blocker["id"])["state"], "running")
        self.end_blocker(blocker, mark)

    def test_pausing_the_held_heads_queue_ends_the_hold(self):
        srv = self.jobd
        blocker, mark, wide = self.held_head("wideq")
        small = srv.submit({"command": ["true"], "name": "small", "queue": "other"})
        self.assertEqual(srv.job(small["id"])["state"], "queued")
        srv.expect(200, "PUT", "/v1/queues/wideq", body={"paused": True})
        srv.wait_for(small["id"], "succeeded", 10)
        self.assertEqual(srv.job(blocker["id"])["state"], "running")
        srv.expect(200, "PUT", "/v1/queues/wideq", body={"paused": False})
        self.end_blocker(blocker, mark)
        self.assertEqual(sorted(srv.wait_for(wide["id"], "succeeded", 10)["slots"]), [0, 1])
        self.assert_all_idle()

    def test_a_drain_while_a_head_is_held_holds_no_slot_and_resume_runs_it(self):
        srv = self.jobd
        blocker, mark, wide = self.held_head()
        srv.expect(200, "POST", "/v1/drain")
        self.end_blocker(blocker, mark)
        srv.wait_until("idle", lambda: srv.stats()["idle"], 10)
        self.assertEqual(srv.job(wide["id"])["state"], "queued")
        self.assertEqual(srv.stats()["busy"], 0)
        self.assert_all_idle()
        srv.expect(200, "POST", "/v1/resume")
        self.assertEqual(sorted(srv.wait_for(wide["id"], "succeeded", 10)["slots"]), [0, 1])
        self.assert_all_idle()

    def test_a_timeout_kills_the_jobs_process_group_and_frees_both_slots(self):
        srv = self.jobd
        mark = self.marker()
        wide = srv.submit({"command": "sleep %s & sleep %s; wait" % (mark, mark),
                           "cpus": 2, "timeout_s": 0.5})
        self.assertEqual(srv.wait_for(wide["id"], timeout=20)["state"], "timed_out")
        self.assertNoProcess(mark, 10)
        self.assert_all_idle()
        pair = [srv.submit({"command": ["true"]}) for _ in range(2)]
        for j in pair:
            srv.wait_for(j["id"], "succeeded", 10)

    def test_its_workers_death_frees_both_slots_and_the_job_is_retried(self):
        srv = self.jobd
        mark = self.marker()
        wide = srv.submit({"command": '[ "$JOBD_ATTEMPT" = 2 ] || exec sleep %s' % mark,
                           "cpus": 2, "max_attempts": 2})
        running = srv.wait_for(wide["id"], "running", 10)
        worker = srv.workers()["workers"][running["worker"]]
        os.kill(worker["pid"], signal.SIGKILL)
        done = srv.wait_for(wide["id"], timeout=20)
        self.assertEqual((done["state"], done["attempts"]), ("succeeded", 2), done)
        self.assertNoProcess(mark, 10)
        self.assert_all_idle()

    def test_a_two_cpu_job_counts_one_start_of_a_rate_limited_queue(self):
        srv = self.jobd
        srv.expect(200, "PUT", "/v1/queues/rated",
                   body={"rate": {"limit": 2, "period_s": 3600}})
        wide = srv.submit({"command": ["true"], "cpus": 2, "queue": "rated"})
        srv.wait_for(wide["id"], "succeeded", 10)
        one = srv.submit({"command": ["true"], "queue": "rated"})
        srv.wait_for(one["id"], "succeeded", 10)
        third = srv.submit({"command": ["true"], "queue": "rated"})
        srv.wait_until("the window used up", lambda: next(
            q for q in srv.expect(200, "GET", "/v1/queues")[0]["queues"]
            if q["name"] == "rated")["rate_used"] == 2, 10)
        self.assertEqual(srv.job(third["id"])["state"], "queued")
        srv.cancel(third["id"])

    def test_a_two_cpu_job_at_the_head_is_not_overtaken_by_later_one_cpu_jobs(self):
        srv = self.jobd
        mark = self.marker()
        blocker = srv.submit({"command": ["sleep", mark], "name": "blocker"})
        srv.wait_for(blocker["id"], "running", 10)
        wide = srv.submit({"command": ["sleep", "0.05"], "name": "wide", "cpus": 2})
        # One slot is idle all along: without the reservation each of these
        # would start on it at once, ahead of the 2-cpu job.
        stream = [srv.submit({"command": ["sleep", "0.05"], "name": "s%d" % i})
                  for i in range(6)]
        for s in stream:
            self.assertEqual(srv.job(s["id"])["state"], "queued", s)
        srv.cancel(blocker["id"])
        self.assertNoProcess(mark, 10)
        w = srv.wait_for(wide["id"], "succeeded", 20)
        later = [srv.wait_for(s["id"], "succeeded", 20) for s in stream]
        for s in later:
            self.assertGreaterEqual(s["started_at"], w["finished_at"], (w, s))


class TestCpusCrash(JobdTestCase):
    def test_kill_9_of_the_server_while_a_two_cpu_job_runs_is_recovered(self):
        srv = self.server("--workers", "2", "--kill-grace", "1")
        mark = self.marker()
        # Its first attempt runs until the crash, its second ends at once.
        wide = srv.submit({"command": '[ "$JOBD_ATTEMPT" = 2 ] || exec sleep %s' % mark,
                           "cpus": 2, "max_attempts": 2})
        srv.wait_for(wide["id"], "running", 10)
        srv.kill9()
        self.assertNoProcess(mark, 10, "after kill -9 of the server")
        srv.restart()
        done = srv.wait_for(wide["id"], timeout=20)
        self.assertEqual(done["state"], "succeeded", done)
        self.assertEqual(done["attempts"], 2, done)
        self.assertEqual(sorted(done["slots"]), [0, 1], done)
        # Both slots are free again: two 1-cpu jobs run side by side.
        mark2 = self.marker()
        pair = [srv.submit({"command": ["sleep", mark2]}) for _ in range(2)]
        for j in pair:
            srv.wait_for(j["id"], "running", 10)
        for j in pair:
            srv.cancel(j["id"])
        self.assertNoProcess(mark2, 10)
