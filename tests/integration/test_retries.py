# Retries: a failed or timed-out attempt goes back to the queue while
# attempts < max_attempts; the final state is that of the last attempt.
import os

from base import JobdTestCase

# Appends a line per attempt to ./attempts and succeeds from attempt $1 on.
COUNTING = 'echo x >> attempts; n=$(wc -l < attempts); echo "try $n"; [ "$n" -ge %d ]'


class TestRetries(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--kill-grace", "1"]

    def workdir(self):
        d = os.path.join(self.jobd.tmp, "w-%s" % self.id().rsplit(".", 1)[-1])
        os.makedirs(d)
        return d

    def attempts_run(self, d):
        with open(os.path.join(d, "attempts")) as f:
            return len(f.readlines())

    def test_failing_job_is_retried_until_max_attempts_then_fails(self):
        d = self.workdir()
        job = self.jobd.submit({"command": COUNTING % 99 + "; exit 7", "cwd": d,
                                "max_attempts": 3})
        self.assertEqual(job["max_attempts"], 3)
        job = self.jobd.wait_for(job["id"], ("succeeded", "failed", "timed_out", "canceled"), 20)
        self.assertEqual(job["state"], "failed", job)
        self.assertEqual(job["attempts"], 3, job)
        self.assertEqual(job["exit_code"], 7, job)
        self.assertEqual(self.attempts_run(d), 3)

    def test_exit_code_of_the_last_attempt_is_reported(self):
        job = self.jobd.submit({"command": "exit 7", "max_attempts": 2})
        job = self.jobd.wait_for(job["id"], ("succeeded", "failed"), 20)
        self.assertEqual(job["state"], "failed", job)
        self.assertEqual(job["attempts"], 2, job)
        self.assertEqual(job["exit_code"], 7, job)

    def test_job_that_succeeds_on_a_retry_ends_succeeded(self):
        d = self.workdir()
        job = self.jobd.submit({"command": COUNTING % 2, "cwd": d, "max_attempts": 5})
        job = self.jobd.wait_for(job["id"], ("succeeded", "failed"), 20)
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(job["attempts"], 2, job)
        self.assertEqual(job["exit_code"], 0, job)
        self.assertEqual(self.attempts_run(d), 2)

    def test_timed_out_attempt_is_retried_and_final_state_is_timed_out(self):
        mark = self.marker()
        job = self.jobd.submit({"command": ["sleep", mark], "timeout_s": 0.3,
                                "max_attempts": 2})
        job = self.jobd.wait_for(job["id"], ("succeeded", "failed", "timed_out"), 20)
        self.assertEqual(job["state"], "timed_out", job)
        self.assertEqual(job["attempts"], 2, job)
        self.assertNoProcess(mark, 5)

    def test_single_attempt_failure_is_not_retried(self):
        d = self.workdir()
        job = self.jobd.submit({"command": COUNTING % 99, "cwd": d})
        job = self.jobd.wait_for(job["id"], ("succeeded", "failed"), 20)
        self.assertEqual(job["state"], "failed", job)
        self.assertEqual(job["attempts"], 1, job)
        self.assertEqual(self.attempts_run(d), 1)
