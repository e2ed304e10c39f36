# Reruns: a finished job's spec becomes a new job linked by rerun_of; a
# batch's failures become a new batch (GNU parallel's --resume-failed).
from base import JobdTestCase
from harness import FINAL


class TestReruns(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2"]

    def test_rerun_copies_the_spec_into_a_new_linked_job(self):
        spec = {"command": "cat; echo $K", "stdin": "in\n", "env": {"K": "v"}, "name": "r",
                "priority": 5, "timeout_s": 30}
        first = self.jobd.wait_for(self.jobd.submit(spec)["id"], FINAL)
        body, hd = self.jobd.expect(201, "POST", "/v1/jobs/%d/rerun" % first["id"])
        self.assertEqual(hd["Location"], "/v1/jobs/%d" % body["id"])
        self.assertEqual(body["rerun_of"], first["id"])
        for k in ("command", "env", "name", "priority", "timeout_s"):
            self.assertEqual(body[k], first[k], k)
        again = self.jobd.wait_for(body["id"], FINAL)
        self.assertEqual(again["state"], "succeeded")
        self.assertEqual(self.jobd.output(again["id"]), "in\nv\n")

    def test_rerun_of_an_unfinished_job_is_a_conflict(self):
        job = self.jobd.submit({"command": ["true"], "delay_s": 30})
        body, _ = self.jobd.expect(409, "POST", "/v1/jobs/%d/rerun" % job["id"])
        self.assertEqual(body["error"]["code"], "conflict")
        self.jobd.expect(404, "POST", "/v1/jobs/999999/rerun")

    def test_batch_rerun_takes_only_the_failures_by_default(self):
        b = self.jobd.submit_batch([{"command": "true"}, {"command": "exit 2"},
                                    {"command": "exit 3"}])
        self.jobd.wait_batch(b["id"])
        body, hd = self.jobd.expect(201, "POST", "/v1/batches/%d/rerun" % b["id"])
        self.assertEqual(body["rerun_of"], b["id"])
        self.assertEqual(body["total"], 2)
        cmds = sorted(self.jobd.job(i)["command"] for i in body["job_ids"])
        self.assertEqual(cmds, ["exit 2", "exit 3"])
        self.assertEqual(hd["Location"], "/v1/batches/%d" % body["id"])

    def test_batch_rerun_by_state_and_nothing_to_rerun(self):
        b = self.jobd.submit_batch([{"command": "true"}])
        self.jobd.wait_batch(b["id"])
        self.jobd.expect(409, "POST", "/v1/batches/%d/rerun" % b["id"])
        body, _ = self.jobd.expect(201, "POST", "/v1/batches/%d/rerun?state=succeeded" % b["id"])
        self.assertEqual(body["total"], 1)
        err, _ = self.jobd.expect(400, "POST", "/v1/batches/%d/rerun?state=bogus" % b["id"])
        self.assertEqual(err["error"]["field"], "state")
        self.jobd.expect(404, "POST", "/v1/batches/999999/rerun")
