# How a submitted job runs: argv vs shell commands, exit codes, signals,
# exec failures, env, cwd, and the job's fields and timings.
import datetime
import os
import tempfile
import time

import procs
from base import JobdTestCase

JOB_KEYS = {"id", "name", "batch_id", "command", "env", "cwd", "state", "priority",
            "timeout_s", "max_attempts", "attempts", "worker", "pid", "exit_code",
            "signal", "error", "created_at", "started_at", "finished_at", "queue_ms",
            "run_ms", "cpu_user_ms", "cpu_sys_ms", "max_rss_kb", "stdout_bytes",
            "stderr_bytes"}


def ms_between(a, b):
    """Milliseconds from RFC 3339 timestamp a to b."""
    parse = lambda t: datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ")
    return (parse(b) - parse(a)).total_seconds() * 1000


class TestExecution(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--kill-grace", "1"]

    def test_submit_answers_201_with_location_and_the_queued_job(self):
        st, hd, job = self.jobd.request("POST", "/v1/jobs",
                                        body={"command": ["true"], "name": "n1"})
        self.assertEqual(st, 201, job)
        self.assertEqual(hd.get("Location"), "/v1/jobs/%d" % job["id"])
        self.assertEqual(hd.get("Content-Type"), "application/json; charset=utf-8")
        self.assertLessEqual(JOB_KEYS, set(job), "missing: %s" % (JOB_KEYS - set(job)))
        self.assertIsInstance(job["id"], int)
        self.assertGreater(job["id"], 0)
        self.assertEqual(job["name"], "n1")
        self.assertEqual(job["command"], ["true"])
        self.assertIn(job["state"], ("queued", "running", "succeeded"))
        self.assertEqual(job["priority"], 0)
        self.assertEqual(job["max_attempts"], 1)
        self.assertIsNone(job["batch_id"])
        self.assertTimestamp(job["created_at"], "created_at")
        nxt = self.jobd.submit({"command": ["true"]})
        self.assertGreater(nxt["id"], job["id"], "ids must increase")

    def test_argv_command_is_execed_without_a_shell(self):
        job = self.run_job({"command": ["echo", "$HOME;", "a  b", "*"]})
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(self.jobd.output(job["id"]), "$HOME; a  b *\n")

    def test_string_command_runs_under_sh_c(self):
        job = self.run_job({"command": "echo $((6*7)) | tr 4 x; echo two"})
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(job["command"], "echo $((6*7)) | tr 4 x; echo two")
        self.assertEqual(self.jobd.output(job["id"]), "x2\ntwo\n")

    def test_successful_job_reports_exit_zero_and_every_timing(self):
        job = self.run_job({"command": ["sleep", "0.3"]})
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(job["exit_code"], 0)
        self.assertIsNone(job["signal"])
        self.assertIsNone(job["error"])
        self.assertEqual(job["attempts"], 1)
        self.assertIn(job["worker"], (0, 1))
        self.assertIsInstance(job["pid"], int)
        for key in ("created_at", "started_at", "finished_at"):
            self.assertTimestamp(job[key], key)
        self.assertLessEqual(job["created_at"], job["started_at"])
        self.assertLessEqual(job["started_at"], job["finished_at"])
        self.assertMs(job, "queue_ms", 0, 5000)
        self.assertMs(job, "run_ms", 280, 5000)
        self.assertMs(job, "cpu_user_ms")
        self.assertMs(job, "cpu_sys_ms")
        self.assertMs(job, "max_rss_kb", 1)
        self.assertEqual(job["stdout_bytes"], 0)
        self.assertEqual(job["stderr_bytes"], 0)
        self.assertLessEqual(JOB_KEYS, set(job), "missing: %s" % (JOB_KEYS - set(job)))
        # the durations agree with the timestamps (which have ms resolution)
        self.assertAlmostEqual(job["queue_ms"], ms_between(job["created_at"], job["started_at"]),
                               delta=5)
        self.assertAlmostEqual(job["run_ms"], ms_between(job["started_at"], job["finished_at"]),
                               delta=5)

    def test_idle_pool_starts_and_records_jobs_without_polling_delays(self):
        # Dispatch and completion are event-driven: an idle worker starts a
        # job within milliseconds, and `true` is recorded as finished soon after.
        queue, wall = [], []
        for _ in range(10):
            job = self.run_job({"command": ["true"]})
            queue.append(job["queue_ms"])
            wall.append(ms_between(job["created_at"], job["finished_at"]))
        queue.sort()
        wall.sort()
        self.assertLess(queue[5], 20, "median queue_ms of an idle pool: %r" % queue)
        self.assertLess(wall[5], 50, "median submit-to-finish of `true`: %r" % wall)

    def test_cpu_time_of_a_busy_job_is_measured(self):
        job = self.run_job({"command": "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"})
        self.assertEqual(job["state"], "succeeded", job)
        cpu = job["cpu_user_ms"] + job["cpu_sys_ms"]
        self.assertGreater(cpu, 50, job)
        self.assertLessEqual(cpu, job["run_ms"] * 1.2 + 20, job)

    def test_nonzero_exit_fails_with_that_exit_code(self):
        job = self.run_job({"command": "exit 3"})
        self.assertEqual(job["state"], "failed", job)
        self.assertEqual(job["exit_code"], 3)
        self.assertIsNone(job["signal"])
        self.assertTimestamp(job["finished_at"], "finished_at")

    def test_job_killed_by_a_signal_fails_naming_the_signal(self):
        job = self.run_job({"command": "kill -KILL $$"})
        self.assertEqual(job["state"], "failed", job)
        self.assertIn(job["signal"], (9, "SIGKILL", "KILL"), job)
        self.assertIsNone(job["exit_code"], job)

    def test_command_not_found_fails_with_an_exec_error(self):
        job = self.run_job({"command": ["jobd-no-such-command-xyz", "a"]})
        self.assertEqual(job["state"], "failed", job)
        self.assertIsInstance(job["error"], str, job)
        self.assertIn("exec", job["error"].lower(), job)
        self.assertIn("jobd-no-such-command-xyz", job["error"], job)
        self.assertIn("No such file", job["error"], job)

    def test_env_is_added_to_the_inherited_environment(self):
        job = self.run_job({"command": 'printf "%s|%s" "$JOBD_T_VAR" "${PATH:+has-path}"',
                            "env": {"JOBD_T_VAR": "v a l=1"}})
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(job["env"], {"JOBD_T_VAR": "v a l=1"})
        self.assertEqual(self.jobd.output(job["id"]), "v a l=1|has-path")

    def test_cwd_sets_the_working_directory(self):
        with tempfile.TemporaryDirectory() as d:
            job = self.run_job({"command": ["pwd"], "cwd": d})
            self.assertEqual(job["state"], "succeeded", job)
            self.assertEqual(job["cwd"], d)
            self.assertEqual(self.jobd.output(job["id"]), os.path.realpath(d) + "\n")

    def test_default_cwd_is_the_servers_job_dir(self):
        job = self.run_job({"command": ["pwd"]})
        self.assertEqual(job["state"], "succeeded", job)
        self.assertIsNone(job["cwd"])
        self.assertEqual(self.jobd.output(job["id"]),
                         os.path.realpath(self.jobd.job_dir) + "\n")

    def test_missing_cwd_is_rejected_or_fails_without_running(self):
        spec = {"command": "echo ran", "cwd": "/nonexistent-jobd-dir"}
        st, _, body = self.jobd.request("POST", "/v1/jobs", body=spec)
        if st == 400:
            self.assertEqual(body["error"]["field"], "cwd", body)
            return
        self.assertEqual(st, 201, body)
        job = self.jobd.wait_for(body["id"])
        self.assertEqual(job["state"], "failed", job)
        self.assertIsInstance(job["error"], str, job)
        self.assertEqual(self.jobd.output(job["id"]), "")

    def test_running_job_shows_worker_and_pid(self):
        mark = self.marker()
        job = self.jobd.submit({"command": ["sleep", mark]})
        self.jobd.wait_for(job["id"], "running", 10)
        # pid is null until the worker reports the process started
        job = self.jobd.wait_job(job["id"], lambda j: j["pid"] is not None, "pid", 5)
        self.assertEqual(job["state"], "running")
        self.assertIn(job["worker"], (0, 1))
        self.assertIsInstance(job["pid"], int)
        self.assertTimestamp(job["started_at"], "started_at")
        self.assertIsNone(job["finished_at"])
        self.assertIsNone(job["exit_code"])
        self.assertEqual(job["attempts"], 1)
        self.assertEqual(procs.wait_present(mark, 5), [job["pid"]],
                         "pid should be the job's own process")
        t0 = time.monotonic()
        self.jobd.cancel(job["id"])
        self.jobd.wait_for(job["id"], "canceled", 10)
        self.assertLess(time.monotonic() - t0, 5)
