# No job process outlives its job (finding 4 of issue 14): a process that
# leaves the job's process group — `setsid`, or a double fork into a group
# of its own — is killed when the job's main process ends, whether the job
# exits, times out or is canceled, when the server stops (SIGTERM or
# SIGKILL) and when the job's worker is killed. Each case runs twice: with
# per-job cgroups (where this machine allows them) and with --cgroups false,
# where the worker, a child subreaper, is all that contains the job.
#
# The escapee prints its pid on the job's stdout; the test checks that this
# pid, and every process running `sleep <marker>`, is gone.
import os
import signal
import sys

import procs
from base import JobdTestCase

PYTHON = sys.executable

# argv: how (setsid | double-fork), the sleep marker, then (exit | sleep).
ESCAPE = r'''
import os, sys, time
how, mark, then = sys.argv[1:4]
r, w = os.pipe()
if os.fork() == 0:
    os.close(r)
    if how == "double-fork":
        if os.fork() > 0:
            os._exit(0)        # the middle process goes: the escapee is orphaned now
        os.setpgid(0, 0)       # and out of the job's process group
    else:
        os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)      # holds none of the job's pipes
    os.write(w, b"%d\n" % os.getpid())
    os.execvp("sleep", ["sleep", mark])
os.close(w)
pid = os.read(r, 64).decode().strip()
deadline = time.monotonic() + 10
while time.monotonic() < deadline:     # until it is `sleep <mark>`, not before
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            if mark.encode() in f.read().split(b"\0"):
                break
    except OSError:
        pass
    time.sleep(0.01)
print(pid, flush=True)
if then == "sleep":
    time.sleep(600)
'''


class ContainmentCases:
    """Mixed into a JobdTestCase; CGROUP_FLAGS picks the containment."""
    CGROUP_FLAGS = []

    def start(self, *flags):
        srv = self.server("--workers", "1", "--kill-grace", "1", "--shutdown-grace", "1",
                          *(self.CGROUP_FLAGS + list(flags)))
        path = os.path.join(srv.job_dir, "escape.py")
        with open(path, "w") as f:
            f.write(ESCAPE)
        return srv

    def escape(self, srv, how, then, **spec):
        """Submits a job whose escapee runs `sleep <marker>`; returns
        (job, marker) once the escapee runs (its pid printed)."""
        mark = self.marker()
        spec = dict(spec, command=[PYTHON, "escape.py", how, mark, then])
        job = srv.submit(spec)
        self.assertTrue(procs.wait_present(mark, 10), "the escapee never started")
        return job, mark

    def escapee(self, srv, job_id):
        srv.wait_until("the escapee's pid on stdout",
                       lambda: srv.output(job_id).strip().isdigit(), 10)
        return int(srv.output(job_id).strip())

    def assertGone(self, pid, mark, when):
        self.assertNoProcess(mark, 5, "(an escapee, %s)" % when)
        self.assertFalse(procs.pid_alive(pid), "escapee %s still alive %s"
                         % (procs.describe(pid), when))

    def check_end(self, how):
        srv = self.start()
        job, mark = self.escape(srv, how, "exit")
        self.assertEqual(srv.wait_for(job["id"], timeout=15)["state"], "succeeded")
        self.assertGone(self.escapee(srv, job["id"]), mark, "after its job succeeded")

    def test_setsid_escapee_dies_when_its_job_ends(self):
        self.check_end("setsid")

    def test_double_fork_escapee_dies_when_its_job_ends(self):
        self.check_end("double-fork")

    def test_escapee_dies_when_its_job_times_out(self):
        srv = self.start()
        job, mark = self.escape(srv, "double-fork", "sleep", timeout_s=3)
        # Its pid from the process table, not from the job's stdout: on a
        # loaded machine the job may time out before it prints.
        pids = srv.wait_until("the escapee `sleep %s`" % mark, lambda: [
            p for p in procs.pids_with_arg(mark) if procs.argv0(p) == "sleep"], 10)
        self.assertEqual(len(pids), 1, "escapees running `sleep %s`: %s" % (mark, pids))
        self.assertEqual(srv.wait_for(job["id"], timeout=15)["state"], "timed_out")
        self.assertGone(pids[0], mark, "after its job timed out")

    def test_escapee_dies_when_its_job_is_canceled(self):
        srv = self.start()
        job, mark = self.escape(srv, "setsid", "sleep")
        pid = self.escapee(srv, job["id"])
        self.assertEqual(srv.cancel(job["id"])[0], 200)
        self.assertEqual(srv.wait_for(job["id"], timeout=15)["state"], "canceled")
        self.assertGone(pid, mark, "after its job was canceled")

    def test_escapees_die_when_the_server_stops(self):
        srv = self.start()
        job, mark = self.escape(srv, "setsid", "sleep")
        pid = self.escapee(srv, job["id"])
        self.assertEqual(srv.stop(signal.SIGTERM, 20), 0)
        self.assertGone(pid, mark, "after a clean server stop")

    def test_escapees_die_when_the_server_is_killed(self):
        srv = self.start()
        job, mark = self.escape(srv, "double-fork", "sleep")
        pid = self.escapee(srv, job["id"])
        srv.kill9()
        self.assertGone(pid, mark, "after the server was SIGKILLed")

    def test_escapees_die_when_their_worker_is_killed(self):
        srv = self.start()
        job, mark = self.escape(srv, "setsid", "sleep")
        pid = self.escapee(srv, job["id"])
        os.kill(srv.workers()["workers"][0]["pid"], signal.SIGKILL)
        self.assertEqual(srv.wait_for(job["id"], timeout=15)["state"], "failed")
        self.assertGone(pid, mark, "after its worker was SIGKILLed")

    def test_a_job_that_leaves_nothing_behind_is_unchanged(self):
        srv = self.start()
        job = self.run_job({"command": "echo hi; sleep 0.1 & wait"}, srv)
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(srv.output(job["id"]), "hi\n")


class TestContainment(ContainmentCases, JobdTestCase):
    CGROUP_FLAGS = []


class TestContainmentWithoutCgroups(ContainmentCases, JobdTestCase):
    CGROUP_FLAGS = ["--cgroups", "false"]

    def test_the_worker_says_it_contains_jobs_without_cgroups(self):
        srv = self.start()
        srv.wait_until("the containment line", lambda: "containment: no cgroups" in
                       open(srv.log_path, encoding="utf-8", errors="replace").read(), 10)
