# Retention: --retain-finished deletes finished jobs (and their output
# files, dependency edges, idempotency keys, emptied batches) once they are
# that old, in small transactions that leave the API responsive; queued,
# running and recent jobs stay. --max-output-disk deletes the output of the
# oldest finished jobs when their output passes the bound, and their
# stdout/stderr then answer 410 output_purged. Both report through the log
# and /metrics, and both carry on across a restart.
import os
import re
import subprocess
import threading
import time

import test_logs  # the module, not its names: the loader would run TestLogs here too
from base import JobdTestCase
from harness import BIN

RETAIN_S = 4.0
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", re.M)


def days(seconds):
    return "%.12f" % (seconds / 86400.0)


def print_bytes(n, stream="stdout"):
    """A job spec that writes exactly n bytes to one stream."""
    redirect = " >&2" if stream == "stderr" else ""
    return {"command": "head -c %d /dev/zero | tr '\\0' x%s" % (n, redirect)}


def metrics(srv):
    text = srv.expect(200, "GET", "/metrics")[0]
    return {name + (labels or ""): float(value) for name, labels, value in SAMPLE.findall(text)}


def wait_metrics(srv, what, pred, timeout=20):
    """Poll /metrics until pred(samples) holds; return the samples. The
    dispatcher counts right after its commit, so a 404 can come first."""
    return srv.wait_until(what, lambda: (lambda m: m if pred(m) else None)(metrics(srv)),
                          timeout)


def output_file(srv, job_id, stream="stdout"):
    return os.path.join(srv.output_dir, str(job_id // 10000), "%d.%s" % (job_id, stream))


class TestRetainFinished(JobdTestCase):
    def gone(self, srv, job_id, timeout=20):
        srv.wait_until("job %d to be purged" % job_id,
                       lambda: srv.request("GET", "/v1/jobs/%d" % job_id)[0] == 404, timeout)

    def test_old_finished_jobs_and_their_files_go_while_queued_running_and_recent_stay(self):
        srv = self.server("--workers", "2", "--retain-finished", days(RETAIN_S))
        mark = self.marker()
        ok = srv.submit({"command": "echo out; echo err >&2"})
        failed = srv.submit({"command": "echo bad; exit 3"})
        canceled = srv.submit({"command": ["true"], "delay_s": 600})
        self.assertEqual(srv.cancel(canceled["id"])[0], 200)
        # Finishes well after the old ones: still young when they go.
        recent = srv.submit({"command": "echo recent", "delay_s": RETAIN_S * 0.6})
        waiting = srv.submit({"command": ["true"], "delay_s": 600})
        running = srv.submit({"command": ["sleep", mark]})
        for j in (ok, failed):
            srv.wait_for(j["id"])
        srv.wait_for(running["id"], "running")
        files = [output_file(srv, ok["id"]), output_file(srv, ok["id"], "stderr"),
                 output_file(srv, failed["id"])]
        for f in files:
            self.assertTrue(os.path.exists(f), f)
        self.assertEqual(srv.stats()["counts"]["succeeded"], 1)

        for j in (ok, failed, canceled):
            self.gone(srv, j["id"])
        recent_now = srv.job(recent["id"])
        self.assertEqual(recent_now["state"], "succeeded", recent_now)
        self.assertTrue(os.path.exists(output_file(srv, recent["id"])))
        for f in files:
            self.assertFalse(os.path.exists(f), "%s still there after its job was purged" % f)
        self.assertError(srv.request("GET", "/v1/jobs/%d/stdout" % ok["id"]), 404, "not_found")
        self.assertEqual(srv.job(waiting["id"])["state"], "queued")
        self.assertEqual(srv.job(running["id"])["state"], "running")
        counts = srv.stats()["counts"]
        self.assertEqual((counts["failed"], counts["canceled"]), (0, 0), counts)
        # A purged job cannot be waited on or rerun any more.
        self.assertError(srv.request("POST", "/v1/jobs", body={"command": ["true"],
                                                                "after": [ok["id"]]}),
                         400, "invalid_request", "after")
        self.assertError(srv.request("POST", "/v1/jobs/%d/rerun" % failed["id"]), 404, "not_found")

        # The recent one goes in its turn; the queued and running ones never.
        self.gone(srv, recent["id"])
        self.assertFalse(os.path.exists(output_file(srv, recent["id"])))
        self.assertEqual(srv.job(waiting["id"])["state"], "queued")
        self.assertEqual(srv.job(running["id"])["state"], "running")
        line = test_logs.wait_logged(srv, r"retention: purged \d+ finished jobs")
        self.assertRegex(line, r"^info ")
        m = wait_metrics(srv, "4 jobs purged",
                         lambda m: m["jobd_retention_purged_jobs_total"] >= 4)
        self.assertEqual(m["jobd_retention_purged_jobs_total"], 4, m)
        freed = len("out\nerr\nbad\nrecent\n")
        self.assertEqual(m['jobd_retention_freed_bytes_total{reason="retain_finished"}'], freed)
        self.assertEqual(m["jobd_output_disk_bytes"], 0)
        srv.cancel(running["id"])

    def test_batches_go_with_their_last_job_and_the_env_twin_works(self):
        srv = self.server("--workers", "2", env={"JOBD_RETAIN_FINISHED": days(RETAIN_S)})
        mark = self.marker()
        # Fails at once, and succeeds 2 s later when rerun: the rerun batch
        # outlives the original.
        flaky = "if [ -e ran ]; then sleep 2; else touch ran; exit 1; fi"
        done = srv.submit_batch([{"command": ["true"]}, {"command": flaky}], name="done")
        half = srv.submit_batch([{"command": ["true"]}, {"command": ["sleep", mark]}],
                                name="half")
        srv.wait_batch(done["id"])
        rerun = srv.expect(201, "POST", "/v1/batches/%d/rerun" % done["id"])[0]
        srv.wait_batch(rerun["id"])
        srv.wait_for(half["job_ids"][1], "running")
        self.gone(srv, done["job_ids"][0])
        self.gone(srv, half["job_ids"][0])
        srv.wait_until("batch %d to go" % done["id"], lambda: srv.request(
            "GET", "/v1/batches/%d" % done["id"])[0] == 404, 10)
        left = srv.expect(200, "GET", "/v1/batches/%d" % half["id"])[0]
        self.assertEqual(left["total"], 2)
        self.assertEqual((left["counts"]["running"], left["counts"]["succeeded"]), (1, 0), left)
        # The rerun batch outlives its original: rerun_of no longer names it.
        body = srv.expect(200, "GET", "/v1/batches/%d" % rerun["id"])[0]
        self.assertIsNone(body["rerun_of"], body)
        self.assertEqual(body["counts"]["succeeded"], 1, body)
        # The newest job always stays (its id must not be handed out again):
        # the rerun's job can go once there is a newer one.
        srv.submit_batch([{"command": ["true"]}])
        self.gone(srv, rerun["job_ids"][0])
        self.assertEqual(srv.request("GET", "/v1/batches/%d" % rerun["id"])[0], 404)
        m = wait_metrics(srv, "2 batches purged",
                         lambda m: m["jobd_retention_purged_batches_total"] >= 2)
        self.assertEqual(m["jobd_retention_purged_batches_total"], 2, m)
        srv.cancel(half["job_ids"][1])

    def test_thousands_of_jobs_go_in_small_transactions_while_submissions_are_answered(self):
        n = 5000
        srv = self.server("--workers", "2", "--retain-finished", days(2.0),
                          "--log-level", "info")
        # One failure cancels the 4,999 jobs that wait on it, in one turn.
        specs = [{"command": "exit 1"}] + [{"command": ["true"], "after_index": [0]}] * (n - 1)
        batch = srv.submit_batch(specs, timeout=60)  # 5,000 rows: slow on a loaded machine
        srv.wait_batch(batch["id"], timeout=60)
        answered, errors, stop = [], [], threading.Event()

        def submit_steadily():
            while not stop.is_set():
                st, _, body = srv.request("POST", "/v1/jobs", body={"command": ["true"]})
                answered.append(st)
                if st != 201:
                    errors.append((st, body))
        t = threading.Thread(target=submit_steadily)
        t.start()
        try:
            srv.wait_until("%d jobs purged" % n, lambda: metrics(srv).get(
                "jobd_retention_purged_jobs_total", 0) >= n, 30)
        finally:
            stop.set()
            t.join(20)
        self.assertEqual(errors, [])
        self.assertGreater(len(answered), 10)
        srv.submit_batch([{"command": ["true"]}])  # the emptied batch is not the newest now
        srv.wait_until("the emptied batch to go", lambda: srv.request(
            "GET", "/v1/batches/%d" % batch["id"])[0] == 404, 20)

        def big_passes():
            passes = [re.search(r"purged (\d+) finished jobs \((\d+) transactions?", l)
                      for l in test_logs.run_lines(srv)]
            return [p for p in passes if p and int(p.group(1)) >= n]
        # A pass ends with a transaction that finds fewer jobs than it may take:
        # while the steady jobs above kept coming due it could go on (PostgreSQL
        # purges more slowly than SQLite); now it ends.
        try:
            srv.wait_until("the pass's log line", big_passes, 10)
        except AssertionError:
            pass
        big = big_passes()
        self.assertTrue(big, "no log line for the pass that purged the batch:\n%s"
                        % "\n".join(l for l in test_logs.run_lines(srv) if "retention" in l))
        # The mechanism that keeps submissions answered during the purge: it
        # goes at most 500 jobs a transaction (how long one waits is the
        # bench's business, not a test's: under load any bound flakes).
        self.assertGreaterEqual(int(big[0].group(2)), n // 500, big[0].group(0))
        self.assertEqual(srv.stats()["counts"]["canceled"], 0)


class TestMaxOutputDisk(JobdTestCase):
    def run_in_order(self, srv, specs):
        ids = []
        for spec in specs:
            ids.append(srv.wait_for(srv.submit(spec)["id"])["id"])
        return ids

    def split_purged(self, srv, ids):
        """(purged, kept): each stdout answers 410 output_purged or 200."""
        purged, kept = [], []
        for i in ids:
            st, _, body = srv.request("GET", "/v1/jobs/%d/stdout" % i)
            if st == 410:
                self.assertError((st, _, body), 410, "output_purged")
                purged.append(i)
            else:
                self.assertEqual(st, 200, body)
                kept.append(i)
        return purged, kept

    def test_oldest_outputs_go_first_and_their_output_answers_410(self):
        srv = self.server("--workers", "2", "--max-output-disk", "5000")
        mark = self.marker()
        # Running jobs' output is not counted and never deleted, however big.
        big = srv.submit({"command": "head -c 20000 /dev/zero; exec sleep %s" % mark})
        srv.wait_job(big["id"], lambda j: j["state"] == "running" and
                     os.path.exists(output_file(srv, big["id"])) and
                     os.path.getsize(output_file(srv, big["id"])) == 20000, "output written")
        ids = self.run_in_order(srv, [print_bytes(1000)] * 8)
        m = wait_metrics(srv, "output under the bound",
                         lambda m: m["jobd_output_disk_bytes"] <= 5000)
        purged, kept = self.split_purged(srv, ids)
        self.assertGreaterEqual(len(purged), 3)
        self.assertEqual(purged, ids[:len(purged)], "not the oldest first")
        self.assertEqual(m["jobd_output_disk_bytes"], 1000 * len(kept))
        self.assertEqual(m["jobd_output_purged_jobs_total"], len(purged))
        self.assertEqual(m['jobd_retention_freed_bytes_total{reason="max_output_disk"}'],
                         1000 * len(purged))
        self.assertEqual(m["jobd_output_disk_limit_bytes"], 5000)
        for i in purged:
            self.assertFalse(os.path.exists(output_file(srv, i)), i)
            job = srv.job(i)  # the job itself stays, counts and all
            self.assertEqual((job["state"], job["stdout_bytes"], job["output_purged"]),
                             ("succeeded", 1000, True), job)
            err = self.assertError(srv.request("GET", "/v1/jobs/%d/stderr" % i), 410,
                                   "output_purged")
            self.assertIn("--max-output-disk", err["message"])
        for i in kept:
            self.assertEqual(srv.output(i), "x" * 1000)
            self.assertFalse(srv.job(i)["output_purged"])
        self.assertEqual(len(srv.output(big["id"])), 20000)
        self.assertEqual(srv.job(big["id"])["state"], "running")
        line = test_logs.wait_logged(srv, r"retention: output over --max-output-disk")
        self.assertRegex(line, r"deleted the output of the \d+ oldest finished jobs")
        srv.cancel(big["id"])

    def test_restart_recounts_output_and_purges_what_came_due(self):
        srv = self.server("--workers", "1", env={"JOBD_MAX_OUTPUT_DISK": "100000"})
        keyed = srv.submit(print_bytes(700, "stderr"), headers={"Idempotency-Key": "k-1"})
        ids = [srv.wait_for(keyed["id"])["id"]] + self.run_in_order(srv, [print_bytes(700)] * 2)
        self.assertEqual(metrics(srv)["jobd_output_disk_bytes"], 2100)
        self.assertEqual(srv.stop(), 0)

        srv.restart(["--max-output-disk", "1500", "--retain-finished", days(RETAIN_S)])
        wait_metrics(srv, "output under the new bound",
                     lambda m: m["jobd_output_disk_bytes"] <= 1500)
        purged, kept = self.split_purged(srv, ids)
        self.assertEqual((purged, kept), (ids[:1], ids[1:]))
        self.assertEqual(metrics(srv)["jobd_output_disk_bytes"], 1400)
        # Then retention takes the rows, purged output or not; the newest
        # job stays until a newer one exists, so that its id is never reused.
        for i in ids[:-1]:
            srv.wait_until("job %d purged" % i, lambda i=i: srv.request(
                "GET", "/v1/jobs/%d" % i)[0] == 404, 20)
            self.assertFalse(os.path.exists(output_file(srv, i)))
            self.assertFalse(os.path.exists(output_file(srv, i, "stderr")))
        self.assertEqual(srv.job(ids[-1])["state"], "succeeded")
        # The purged job's idempotency key went with it: the same key makes a new job.
        again = srv.expect(201, "POST", "/v1/jobs", body={"command": ["true"]},
                           headers={"Idempotency-Key": "k-1"})[0]
        self.assertGreater(again["id"], ids[-1])
        self.assertEqual(srv.wait_for(again["id"])["state"], "succeeded")
        srv.wait_until("job %d purged" % ids[-1], lambda: srv.request(
            "GET", "/v1/jobs/%d" % ids[-1])[0] == 404, 20)
        self.assertFalse(os.path.exists(output_file(srv, ids[-1])))
        wait_metrics(srv, "no output left", lambda m: m["jobd_output_disk_bytes"] == 0)


class TestRetentionFlags(JobdTestCase):
    def start_fails(self, *flags, env=None):
        srv = self.server(*flags, env=env, start=False)
        try:
            srv.start()
        except RuntimeError as e:
            return str(e)
        self.fail("jobd started with %r %r" % (flags, env))

    def test_bad_values_are_refused_at_start_naming_the_flag(self):
        for flag, value in (("--retain-finished", "-1"), ("--retain-finished", "soon"),
                            ("--retain-finished", "40000"), ("--retain-finished", "nan"),
                            ("--max-output-disk", "-5"), ("--max-output-disk", "1.5"),
                            ("--max-output-disk", "10G")):
            with self.subTest(flag=flag, value=value):
                out = self.start_fails(flag, value)
                self.assertIn("%s %s" % (flag, value), out)
        out = self.start_fails(env={"JOBD_RETAIN_FINISHED": "a week"})
        self.assertIn("--retain-finished a week", out)

    def test_zero_keeps_everything_and_help_lists_both(self):
        srv = self.server("--retain-finished", "0", "--max-output-disk", "0")
        job = srv.wait_for(srv.submit(print_bytes(3000))["id"])
        self.assertEqual(srv.job(job["id"])["state"], "succeeded")
        self.assertEqual(len(srv.output(job["id"])), 3000)
        m = metrics(srv)
        self.assertEqual(m["jobd_output_disk_bytes"], 3000)
        self.assertEqual(m["jobd_output_disk_limit_bytes"], 0)
        self.assertEqual([l for l in test_logs.run_lines(srv) if "retention:" in l], [])
        out = subprocess.run([BIN, "--help"], capture_output=True, text=True, timeout=10).stdout
        self.assertIn("--retain-finished", out)
        self.assertIn("JOBD_RETAIN_FINISHED", out)
        self.assertIn("--max-output-disk", out)
        self.assertIn("JOBD_MAX_OUTPUT_DISK", out)
