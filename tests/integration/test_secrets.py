# Nothing secret the server was started with reaches a job (finding 6 of
# issue 14): the token, given as JOBD_TOKEN or --token, cannot be read back
# from the server's or the worker's /proc/<pid>/environ and cmdline, and no
# JOBD_* setting (JOBD_DB with a password, JOBD_LOG_LEVEL, ...) is in a
# job's environment — only JOBD_JOB_ID and JOBD_ATTEMPT, which jobd sets and
# a job's own env cannot forge. JOBD_* names a job's env gives are its own.
# And no fd of the worker's reaches a job (TestJobFds).
import json
import os
import shutil
import subprocess
import sys

from base import JobdTestCase
from harness import BIN

PYTHON = sys.executable
TOKEN = "s3cr3t-T0KEN-issue14"

# Prints {path: text or null (unreadable)} for the server's and the
# worker's environ and cmdline, then the job's own environment.
PEEK = r'''
import json, os, sys
server = sys.argv[1]
seen = {}
for pid in (server, str(os.getppid())):
    for name in ("environ", "cmdline"):
        path = "/proc/%s/%s" % (pid, name)
        try:
            with open(path, "rb") as f:
                seen[path] = f.read().decode("utf-8", "replace")
        except OSError:
            seen[path] = None
print(json.dumps({"proc": seen, "env": dict(os.environ)}))
'''


class TestSecrets(JobdTestCase):
    def peek(self, srv, env=None):
        job = self.run_job({"command": [PYTHON, "-c", PEEK, str(srv.proc.pid)],
                            "env": env or {}}, srv)
        self.assertEqual(job["state"], "succeeded", job)
        return job, json.loads(srv.output(job["id"]))

    def assertNoToken(self, seen):
        for path, text in seen["proc"].items():
            if text is not None:
                self.assertNotIn(TOKEN, text, "the token is readable in " + path)
        self.assertNotIn(TOKEN, json.dumps(seen["env"]), "the token is in the job's env")

    def test_a_token_from_the_environment_cannot_be_read_back_by_a_job(self):
        srv = self.server("--workers", "1", env={"JOBD_TOKEN": TOKEN}, token=TOKEN)
        _, seen = self.peek(srv)
        self.assertNoToken(seen)
        # The job did look: the worker's files are its parent's, readable.
        self.assertIsNotNone(seen["proc"]["/proc/%s/cmdline" % srv.proc.pid], seen)

    def test_a_token_from_the_command_line_cannot_be_read_back_by_a_job(self):
        srv = self.server("--workers", "1", "--token", TOKEN, token=TOKEN)
        _, seen = self.peek(srv)
        self.assertNoToken(seen)
        cmdline = seen["proc"]["/proc/%s/cmdline" % srv.proc.pid].split("\0")
        self.assertIn("--token", cmdline)
        self.assertIn("*" * len(TOKEN), cmdline, "the flag's value is overwritten in place")

    def test_a_token_given_as_flag_equals_value_is_overwritten_too(self):
        srv = self.server("--workers", "1", "--token=" + TOKEN, token=TOKEN)
        _, seen = self.peek(srv)
        self.assertNoToken(seen)

    def test_no_jobd_setting_reaches_a_jobs_environment(self):
        srv = self.server("--workers", "1", via_env=True, token=TOKEN,
                          env={"JOBD_TOKEN": TOKEN, "JOBD_LOG_LEVEL": "info",
                               "JOBD_MAX_QUEUED": "1000"})
        job, seen = self.peek(srv, env={"JOBD_JOB_ID": "424242", "JOBD_MINE": "mine"})
        self.assertNoToken(seen)
        jobd_vars = {k: v for k, v in seen["env"].items() if k.startswith("JOBD_")}
        self.assertEqual(jobd_vars, {"JOBD_JOB_ID": str(job["id"]), "JOBD_ATTEMPT": "1",
                                     "JOBD_CPUS": "1", "JOBD_MINE": "mine"})
        # The worker inherits none of them; the server's own block keeps
        # what is not secret (config_scrub's unit tests cover passwords).
        # Unreadable is fine too: a job that is not root cannot read the
        # environ of a process that is not dumpable.
        worker_env = seen["proc"]["/proc/%d/environ" % srv.workers()["workers"][0]["pid"]]
        if worker_env is not None:
            self.assertNotIn("JOBD_", worker_env)
        server_env = seen["proc"]["/proc/%d/environ" % srv.proc.pid]
        if server_env is not None:
            self.assertIn("JOBD_TOKEN=" + "*" * len(TOKEN), server_env.split("\0"))


# Lists the job's fds as {fd: target}; the listing's own dir fd points at
# /proc/<pid>/fd.
FDS = r'''
import json, os
fds = {}
for name in os.listdir("/proc/self/fd"):
    try:
        fds[name] = os.readlink("/proc/self/fd/" + name)
    except OSError:
        pass
print(json.dumps(fds))
'''

# Makes close_range(2) fail as on a kernel before 5.9 (LD_PRELOAD).
NO_CLOSE_RANGE = r'''
#include <errno.h>
int close_range(unsigned int first, unsigned int last, int flags)
{
	(void)first; (void)last; (void)flags;
	errno = ENOSYS;
	return -1;
}
'''


class TestJobFds(JobdTestCase):
    """What a job inherits of the worker's fds (finding 14 of issue 14):
    nothing above 2 — above all not the worker's socket to the server (fd
    3), through which a job could forge its own DONE — even where
    close_range(2) is missing."""

    def assertOnlyStdio(self, srv):
        job = self.run_job({"command": [PYTHON, "-c", FDS]}, srv)
        self.assertEqual(job["state"], "succeeded", job)
        fds = json.loads(srv.output(job["id"]))
        extra = {fd: t for fd, t in fds.items()
                 if int(fd) > 2 and not t.endswith("/fd")}
        self.assertEqual(extra, {}, "the job inherited these fds: %r" % fds)

    def test_a_job_inherits_no_fd_but_0_1_2(self):
        self.assertOnlyStdio(self.server("--workers", "1"))

    def test_a_job_inherits_no_fd_but_0_1_2_without_close_range(self):
        cc = shutil.which("cc") or shutil.which("gcc")
        if cc is None:
            self.skipTest("no C compiler to build the close_range shim")
        srv = self.server("--workers", "1", start=False)
        src, lib = os.path.join(srv.tmp, "shim.c"), os.path.join(srv.tmp, "shim.so")
        with open(src, "w") as f:
            f.write(NO_CLOSE_RANGE)
        subprocess.run([cc, "-shared", "-fPIC", "-o", lib, src], check=True, timeout=60)
        if "asan" in os.path.basename(os.path.dirname(BIN)):
            self.skipTest("an ASan build must come first in LD_PRELOAD's stead")
        srv.env["LD_PRELOAD"] = lib
        srv.start()
        self.assertOnlyStdio(srv)
