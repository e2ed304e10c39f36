# Output files that are not files (issue 14, finding 10): a job runs as the
# server's user and can replace its own output file under the output
# directory with a FIFO or a symlink. Reading it must neither hang (GET
# .../stderr, the SIGTERM that follows) nor follow the link, and the worker
# writing output must neither block on a FIFO nor write through a symlink.
# On PostgreSQL (run-pg.sh) the dispatcher thread also copies every job's
# output into the database from these files: it must not hang either.
import os
import shlex

from base import JobdTestCase

GRACE = 2  # --shutdown-grace: the stop below must not take longer than this and a margin


def output_path_sh(srv, stream):
    """Shell text that makes the job's own output path's directory and says
    the path ($p): <output_dir>/<id / 10000>/<id>.<stream> (common/capture.c)."""
    return ('d=%s/$((JOBD_JOB_ID / 10000)); mkdir -p "$d"; p="$d/$JOBD_JOB_ID.%s"; rm -f "$p"; '
            % (shlex.quote(srv.output_dir), stream))


class TestOutputFilesThatAreNotFiles(JobdTestCase):
    TIMEOUT = 30

    def start(self):
        return self.server("--workers", "1", "--shutdown-grace", str(GRACE))

    def test_a_fifo_in_place_of_stderr_is_refused_at_once_and_sigterm_still_stops_the_server(self):
        srv = self.start()
        job = self.run_job({"command": output_path_sh(srv, "stderr") + 'mkfifo "$p"'},
                           srv=srv, timeout=10)
        self.assertEqual(job["state"], "succeeded", job)
        # Before the fix the open() of the FIFO waited for a writer forever.
        resp = srv.request("GET", "/v1/jobs/%d/stderr" % job["id"], timeout=2)
        err = self.assertError(resp, 409, "conflict")
        self.assertIn("not a regular file", err["message"])
        st, _, body = srv.request("GET", "/v1/jobs/%d/stdout" % job["id"], timeout=2)
        self.assertEqual((st, body), (200, ""))
        self.assertEqual(srv.request("GET", "/healthz", timeout=2)[0], 200)
        # The dispatcher is not stuck either (on PostgreSQL it copies every
        # job's output into the database, from the same files).
        nxt = self.run_job({"command": ["echo", "next"]}, srv=srv, timeout=10)
        self.assertEqual(nxt["state"], "succeeded", nxt)
        self.assertEqual(srv.stop(timeout=GRACE + 5), 0)

    def test_a_symlink_in_place_of_stdout_is_not_followed(self):
        srv = self.start()
        job = self.run_job({"command": output_path_sh(srv, "stdout") + 'ln -s /etc/passwd "$p"'},
                           srv=srv, timeout=10)
        self.assertEqual(job["state"], "succeeded", job)
        resp = srv.request("GET", "/v1/jobs/%d/stdout" % job["id"], timeout=2)
        err = self.assertError(resp, 409, "conflict")
        self.assertIn("not a regular file", err["message"])
        self.assertNotIn("root:", str(resp[2]))
        self.assertEqual(srv.stop(timeout=GRACE + 5), 0)

    def test_the_worker_writes_through_neither_a_symlink_nor_a_fifo(self):
        srv = self.start()
        target = os.path.join(srv.tmp, "not-output")
        with open(target, "w") as f:
            f.write("keep")
        # The worker creates an output file on the stream's first byte, after
        # the exec: the job gets there first. stderr first (a symlink the
        # worker used to truncate and write through), then stdout (a FIFO
        # without a reader, whose open used to block the worker for good).
        cmd = ("%s ln -s %s \"$p\"; echo err >&2; %s mkfifo \"$p\"; echo out"
               % (output_path_sh(srv, "stderr"), shlex.quote(target),
                  output_path_sh(srv, "stdout")))
        job = self.run_job({"command": cmd}, srv=srv, timeout=10)
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual((job["stdout_bytes"], job["stderr_bytes"]), (4, 4), job)
        with open(target) as f:
            self.assertEqual(f.read(), "keep")
        for stream in ("stdout", "stderr"):
            resp = srv.request("GET", "/v1/jobs/%d/%s" % (job["id"], stream), timeout=2)
            self.assertError(resp, 409, "conflict")
        # The worker is free: the next job runs.
        nxt = self.run_job({"command": ["echo", "next"]}, srv=srv, timeout=10)
        self.assertEqual(nxt["state"], "succeeded", nxt)
        self.assertEqual(srv.output(nxt["id"]), "next\n")
        self.assertEqual(srv.stop(timeout=GRACE + 5), 0)

    def test_a_fifo_swapped_in_after_output_was_written_blocks_nothing(self):
        # On PostgreSQL the dispatcher's per-second copy has seen the file
        # with bytes in it; a FIFO of size 0 in its place looks like new
        # output, and used to be opened (and waited on) on the dispatcher thread.
        srv = self.start()
        setup = output_path_sh(srv, "stdout").replace('rm -f "$p"; ', "")
        job = srv.submit({"command": "echo hi; %s sleep 1.5; rm -f \"$p\"; mkfifo \"$p\"; sleep 1.5"
                                     % setup})
        srv.wait_job(job["id"], lambda j: j["state"] in ("succeeded", "failed"), "final", timeout=10)
        resp = srv.request("GET", "/v1/jobs/%d/stdout" % job["id"], timeout=2)
        if resp[0] == 200:  # served from the database copy, made before the swap
            self.assertEqual(resp[2], "hi\n")
        else:
            self.assertError(resp, 409, "conflict")
        nxt = self.run_job({"command": ["echo", "next"]}, srv=srv, timeout=10)
        self.assertEqual(nxt["state"], "succeeded", nxt)
        self.assertEqual(srv.stop(timeout=GRACE + 5), 0)

    def test_a_shard_directory_replaced_by_a_file_fails_nothing_but_its_output(self):
        # <output_dir>/0 holds the output of jobs 1..9999; a job may make it
        # a file. Its completion must still be recorded (on PostgreSQL the
        # final transaction copies the output and used to fail on ENOTDIR,
        # again and again), and its output is refused like a FIFO's.
        srv = self.start()
        shard = os.path.join(srv.output_dir, "0")
        job = self.run_job({"command": "echo hi; rm -rf %s; echo x > %s"
                                       % (shlex.quote(shard), shlex.quote(shard))},
                           srv=srv, timeout=10)
        self.assertEqual(job["state"], "succeeded", job)
        resp = srv.request("GET", "/v1/jobs/%d/stdout" % job["id"], timeout=2)
        if resp[0] == 200:  # served from the database copy, made before the swap
            self.assertEqual(resp[2], "hi\n")
        else:
            self.assertError(resp, 409, "conflict")
        nxt = self.run_job({"command": ["echo", "next"]}, srv=srv, timeout=10)
        self.assertEqual(nxt["state"], "succeeded", nxt)
        self.assertEqual(srv.stop(timeout=GRACE + 5), 0)
