# POST /v1/drain and /v1/resume: a draining node starts no job (queued ones
# wait, submissions are still accepted), running jobs finish, /v1/stats,
# /metrics and `node` events on /v1/events say draining and idle; resume
# starts what waited. Per process: a restart serves again unless
# --start-drained. The CLI's `jobd drain [--wait]` and `jobd resume`.
import json
import os
import subprocess

from base import JobdTestCase
from harness import BIN
from test_events import Stream


def node_events(stream, pred):
    """`node` events (parsed) up to the first pred() accepts."""
    evs = stream.until(lambda ev: ev.get("event") == "node" and pred(json.loads(ev["data"])))
    return [json.loads(ev["data"]) for ev in evs if ev.get("event") == "node"]


class TestDrain(JobdTestCase):
    SERVER_FLAGS = None

    def gated_job(self, srv):
        """A running job that ends when its gate file appears: (job, gate)."""
        mark = self.marker()
        gate = os.path.join(srv.tmp, "gate-" + mark)
        job = srv.submit({"command": "while [ ! -e %s ]; do sleep 0.02; done; true %s"
                          % (gate, mark)})
        srv.wait_for(job["id"], "running", 15)
        return job, gate

    def drain(self, srv, path="/v1/drain"):
        return srv.expect(200, "POST", path)[0]

    def test_draining_starts_nothing_new_while_the_running_job_finishes(self):
        srv = self.server("--workers", "2")
        running, gate = self.gated_job(srv)
        self.assertEqual(self.drain(srv), {"draining": True, "idle": False, "running": 1})
        # With a free worker, a job is claimed in the turn that commits it,
        # before its 201: queued after the 201 means it was not claimed.
        waiting = srv.submit({"command": ["true"]})
        self.assertEqual(srv.job(waiting["id"])["state"], "queued")
        st = srv.stats()
        self.assertEqual((st["draining"], st["idle"], st["busy"]), (True, False, 1))
        open(gate, "w").close()
        self.assertEqual(srv.wait_for(running["id"])["state"], "succeeded")
        srv.wait_until("idle", lambda: srv.stats()["idle"])
        self.assertEqual(srv.job(waiting["id"])["state"], "queued")
        self.assertEqual(self.drain(srv, "/v1/resume"),
                         {"draining": False, "idle": False, "running": 1})
        self.assertEqual(srv.wait_for(waiting["id"])["state"], "succeeded")
        self.assertFalse(srv.stats()["draining"])

    def test_drain_and_resume_are_idempotent(self):
        srv = self.server("--workers", "1")
        for _ in range(2):
            self.assertEqual(self.drain(srv), {"draining": True, "idle": True, "running": 0})
        for _ in range(2):
            self.assertEqual(self.drain(srv, "/v1/resume"),
                             {"draining": False, "idle": True, "running": 0})

    def test_stats_and_metrics_show_the_drain_state(self):
        srv = self.server("--workers", "1")
        st = srv.stats()
        self.assertEqual((st["draining"], st["idle"]), (False, True))
        self.assertIn("\njobd_draining 0\n", srv.expect(200, "GET", "/metrics")[0])
        self.drain(srv)
        self.assertTrue(srv.stats()["draining"])
        self.assertIn("\njobd_draining 1\n", srv.expect(200, "GET", "/metrics")[0])

    def test_node_events_say_draining_then_idle_then_resumed(self):
        srv = self.server("--workers", "1")
        running, gate = self.gated_job(srv)
        s = Stream(srv)
        self.addCleanup(s.close)
        self.assertEqual(s.status, 200)
        self.drain(srv)
        self.assertEqual(node_events(s, lambda e: True)[-1],
                         {"draining": True, "idle": False, "running": 1})
        open(gate, "w").close()
        self.assertEqual(node_events(s, lambda e: e["idle"])[-1],
                         {"draining": True, "idle": True, "running": 0})
        self.drain(srv, "/v1/resume")
        self.assertEqual(node_events(s, lambda e: not e["draining"])[-1],
                         {"draining": False, "idle": True, "running": 0})

    def test_a_restarted_node_serves_again_unless_started_drained(self):
        srv = self.server("--workers", "1")
        self.drain(srv)
        srv.stop()
        srv.restart()
        self.assertFalse(srv.stats()["draining"])
        srv.stop()
        srv.restart(["--workers", "1", "--start-drained", "true"])
        self.assertTrue(srv.stats()["draining"])
        job = srv.submit({"command": ["true"]})
        self.assertEqual(srv.job(job["id"])["state"], "queued")
        self.drain(srv, "/v1/resume")
        self.assertEqual(srv.wait_for(job["id"])["state"], "succeeded")

    def test_delayed_jobs_and_reruns_are_still_accepted_while_draining(self):
        srv = self.server("--workers", "1")
        done = srv.wait_for(srv.submit({"command": ["true"]})["id"])
        self.drain(srv)
        rerun = srv.expect(201, "POST", "/v1/jobs/%d/rerun" % done["id"])[0]
        batch = srv.submit_batch([{"command": ["true"]}, {"command": ["true"]}])
        self.assertEqual(srv.job(rerun["id"])["state"], "queued")
        self.assertEqual(srv.stats()["counts"]["queued"], 3, batch)
        self.drain(srv, "/v1/resume")
        srv.wait_batch(batch["id"])
        self.assertEqual(srv.wait_for(rerun["id"])["state"], "succeeded")


class TestDrainCli(JobdTestCase):
    def cli(self, srv, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith("JOBD_")}
        env["JOBD_URL"] = "http://127.0.0.1:%d" % srv.port
        return subprocess.run([BIN] + list(args), capture_output=True, text=True, env=env,
                              timeout=30)

    def test_jobd_drain_wait_returns_once_idle_and_resume_serves_again(self):
        srv = self.server("--workers", "1")
        mark = self.marker()
        gate = os.path.join(srv.tmp, "gate")
        job = srv.submit({"command": "while [ ! -e %s ]; do sleep 0.02; done; true %s"
                          % (gate, mark)})
        srv.wait_for(job["id"], "running", 15)
        r = self.cli(srv, "drain", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"draining": True, "idle": False, "running": 1})
        p = subprocess.Popen([BIN, "drain", "--wait"], stdout=subprocess.PIPE, text=True,
                             env=dict(os.environ, JOBD_URL="http://127.0.0.1:%d" % srv.port))
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.wait(), p.stdout.close()))
        open(gate, "w").close()
        out, _ = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertRegex(out, r"idle\s+true")
        self.assertEqual(srv.job(job["id"])["state"], "succeeded")
        r = self.cli(srv, "resume")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"draining\s+false")
        self.assertFalse(srv.stats()["draining"])
