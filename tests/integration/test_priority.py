# Dispatch order: higher priority runs first, FIFO within a priority.
# One worker, held by a blocker while the queue fills, then released.
import procs
from base import JobdTestCase


class TestPriority(JobdTestCase):
    def test_higher_priority_runs_first_and_fifo_within_a_priority(self):
        srv = self.server("--workers", "1", "--kill-grace", "1")
        mark = self.marker()
        blocker = srv.submit({"command": ["sleep", mark]})
        srv.wait_for(blocker["id"], "running", 10)
        # (label, priority) in submission order; each job runs 50 ms so
        # started_at values are distinct at millisecond resolution.
        plan = [("low1", -5), ("mid1", 0), ("high1", 7), ("low2", -5),
                ("high2", 7), ("mid2", 0), ("top", 1000), ("bottom", -1000)]
        ids = {}
        for label, prio in plan:
            job = srv.submit({"command": ["sleep", "0.05"], "name": label,
                              "priority": prio})
            self.assertEqual(job["priority"], prio)
            self.assertEqual(job["state"], "queued", job)
            ids[label] = job["id"]
        srv.cancel(blocker["id"])
        self.assertNoProcess(mark, 10)
        jobs = [srv.wait_for(ids[label], "succeeded", 20) for label, _ in plan]
        order = [j["name"] for j in sorted(jobs, key=lambda j: j["started_at"])]
        self.assertEqual(order, ["top", "high1", "high2", "mid1", "mid2",
                                 "low1", "low2", "bottom"])

    def test_priority_applies_to_jobs_submitted_in_a_batch(self):
        srv = self.server("--workers", "1", "--kill-grace", "1")
        mark = self.marker()
        blocker = srv.submit({"command": ["sleep", mark]})
        srv.wait_for(blocker["id"], "running", 10)
        batch = srv.submit_batch([
            {"command": ["sleep", "0.05"], "name": "b-low", "priority": -1},
            {"command": ["sleep", "0.05"], "name": "b-high", "priority": 1},
        ])
        single = srv.submit({"command": ["sleep", "0.05"], "name": "s-mid"})
        srv.cancel(blocker["id"])
        jobs = [srv.wait_for(i, "succeeded", 20) for i in batch["job_ids"] + [single["id"]]]
        order = [j["name"] for j in sorted(jobs, key=lambda j: j["started_at"])]
        self.assertEqual(order, ["b-high", "s-mid", "b-low"])
        self.assertEqual(procs.pids_with_arg(mark), [])
