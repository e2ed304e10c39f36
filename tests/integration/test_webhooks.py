# Completion webhooks (issue 17 section 3): a job's or batch's `notify`, the
# outbox of deliveries written with the state change, the sender's POST
# (headers, HMAC-SHA256 signature of the exact body), retries with backoff,
# giving up after --webhook-retry-for, GET .../deliveries, the metric, and a
# delivery that survives kill -9 of jobd while its receiver is down. The
# receiver is a local HTTP server in this process.
import hashlib
import hmac
import http.server
import json
import os
import sqlite3
import subprocess
import threading

from base import JobdTestCase
from harness import BACKEND, BIN, free_port
from test_metrics import Metrics

SECRET = "webhook-test-secret"
# Short retries so that a test waits for a few hundred milliseconds.
FAST = ("--webhook-backoff", "0.05", "--webhook-timeout", "2")


class Receiver:
    """Records every POST (headers, raw body) and answers with the next of
    `codes` (the last one repeats)."""

    def __init__(self, codes=(200,), port=0):
        self.codes = list(codes)
        self.got = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.lock:
                    outer.got.append((self.path, dict(self.headers), body))
                    code = outer.codes.pop(0) if len(outer.codes) > 1 else outer.codes[0]
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hook"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def requests(self):
        with self.lock:
            return list(self.got)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class WebhookCase(JobdTestCase):
    def receiver(self, codes=(200,), port=0):
        r = Receiver(codes, port)
        self.addCleanup(r.close)
        return r

    def deliveries(self, srv, kind, ident):
        return srv.expect(200, "GET", "/v1/%s/%d/deliveries" % (kind, ident))[0]["deliveries"]

    def wait_delivery(self, srv, kind, ident, states, n=1, timeout=30):
        def check():
            ds = self.deliveries(srv, kind, ident)
            return ds if len(ds) == n and all(d["state"] in states for d in ds) else None
        return srv.wait_until("%s %d deliveries %s" % (kind, ident, states), check, timeout)


class TestWebhookDelivery(WebhookCase):
    def test_a_finished_job_is_posted_signed_with_its_json(self):
        rx = self.receiver()
        srv = self.server("--webhook-secret", SECRET, *FAST)
        job = srv.submit({"command": "true", "notify": {"url": rx.url()}})
        self.assertEqual(job["notify"], {"url": rx.url(), "events": [
            "succeeded", "failed", "timed_out", "canceled"]})
        ds = self.wait_delivery(srv, "jobs", job["id"], ("delivered",))
        (path, headers, body), = rx.requests()
        self.assertEqual(path, "/hook")
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(headers["X-Jobd-Event"], "job.succeeded")
        self.assertEqual(headers["X-Jobd-Delivery"], ds[0]["delivery"])
        want = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        self.assertEqual(headers["X-Jobd-Signature"], want)
        self.assertEqual(json.loads(body), srv.job(job["id"]))
        d = ds[0]
        self.assertEqual((d["event"], d["url"], d["state"]), ("job.succeeded", rx.url(), "delivered"))
        self.assertIsNone(d["next_attempt_at"])
        self.assertTimestamp(d["finished_at"], "finished_at")
        self.assertEqual(len(d["attempts"]), 1)
        self.assertEqual((d["attempts"][0]["status"], d["attempts"][0]["error"]), (200, None))
        self.assertTimestamp(d["attempts"][0]["at"], "at")
        self.assertGreaterEqual(d["attempts"][0]["duration_ms"], 0)

    def test_without_a_secret_there_is_no_signature(self):
        rx = self.receiver()
        srv = self.server(*FAST)
        job = srv.submit({"command": "exit 3", "notify": {"url": rx.url()}})
        self.wait_delivery(srv, "jobs", job["id"], ("delivered",))
        (_, headers, _), = rx.requests()
        self.assertEqual(headers["X-Jobd-Event"], "job.failed")
        self.assertNotIn("X-Jobd-Signature", headers)

    def test_a_server_answering_500_twice_is_retried_until_delivered(self):
        rx = self.receiver((500, 500, 200))
        srv = self.server(*FAST)
        job = srv.submit({"command": "true", "notify": {"url": rx.url()}})
        d, = self.wait_delivery(srv, "jobs", job["id"], ("delivered",))
        self.assertEqual([a["status"] for a in d["attempts"]], [500, 500, 200])
        self.assertEqual([a["error"] for a in d["attempts"]], ["HTTP 500", "HTTP 500", None])
        got = rx.requests()
        self.assertEqual(len(got), 3)
        self.assertEqual({h["X-Jobd-Delivery"] for _, h, _ in got}, {d["delivery"]})
        m = Metrics(srv.expect(200, "GET", "/metrics")[0])
        self.assertEqual(m.get("jobd_webhook_deliveries_total", result="retried"), 2)
        self.assertEqual(m.get("jobd_webhook_deliveries_total", result="delivered"), 1)
        self.assertEqual(m.get("jobd_webhook_deliveries_total", result="failed"), 0)

    def test_retries_give_up_after_retry_for_and_count_as_failed(self):
        rx = self.receiver((503,))
        srv = self.server("--webhook-retry-for", "0.5", *FAST)
        job = srv.submit({"command": "true", "notify": {"url": rx.url()}})
        d, = self.wait_delivery(srv, "jobs", job["id"], ("failed",))
        self.assertGreaterEqual(len(d["attempts"]), 1)
        self.assertTrue(all(a["status"] == 503 for a in d["attempts"]), d)
        self.assertIsNone(d["next_attempt_at"])
        m = Metrics(srv.expect(200, "GET", "/metrics")[0])
        self.assertEqual(m.get("jobd_webhook_deliveries_total", result="failed"), 1)
        self.assertEqual(m.get("jobd_webhook_deliveries_total", result="delivered"), 0)

    def test_a_job_without_notify_has_no_deliveries(self):
        srv = self.server(*FAST)
        job = self.run_job({"command": "true"}, srv)
        self.assertIsNone(job["notify"])
        self.assertEqual(self.deliveries(srv, "jobs", job["id"]), [])
        srv.expect(404, "GET", "/v1/jobs/999999/deliveries")
        srv.expect(404, "GET", "/v1/batches/999999/deliveries")

    def test_events_not_listed_make_no_delivery(self):
        rx = self.receiver()
        srv = self.server(*FAST)
        job = self.run_job({"command": "true",
                            "notify": {"url": rx.url(), "events": ["failed"]}}, srv)
        self.assertEqual(self.deliveries(srv, "jobs", job["id"]), [])
        self.assertEqual(rx.requests(), [])

    def test_a_rerun_keeps_the_jobs_notify(self):
        rx = self.receiver()
        srv = self.server(*FAST)
        job = self.run_job({"command": "true", "notify": {"url": rx.url("/again")}}, srv)
        again = srv.expect(201, "POST", "/v1/jobs/%d/rerun" % job["id"])[0]
        self.assertEqual(again["notify"], job["notify"])
        self.wait_delivery(srv, "jobs", again["id"], ("delivered",))

    def test_canceled_jobs_notify_also_when_a_dependency_cancels_them(self):
        rx = self.receiver()
        srv = self.server(*FAST)
        first = srv.submit({"command": "exit 1"})
        then = srv.submit({"command": "true", "after": [first["id"]],
                           "notify": {"url": rx.url("/dep"), "events": ["canceled"]}})
        later = srv.submit({"command": "true", "delay_s": 3600,
                            "notify": {"url": rx.url("/cancel")}})
        srv.cancel(later["id"])
        self.wait_delivery(srv, "jobs", then["id"], ("delivered",))
        self.wait_delivery(srv, "jobs", later["id"], ("delivered",))
        got = sorted((p, h["X-Jobd-Event"]) for p, h, _ in rx.requests())
        self.assertEqual(got, [("/cancel", "job.canceled"), ("/dep", "job.canceled")])

    def test_a_batch_notifies_once_when_complete_with_its_counts(self):
        rx = self.receiver()
        srv = self.server(*FAST)
        batch = srv.expect(201, "POST", "/v1/batches", body={
            "notify": {"url": rx.url("/batch")},
            "jobs": [{"command": "true"}, {"command": "true"}, {"command": "exit 2"}]})[0]
        d, = self.wait_delivery(srv, "batches", batch["id"], ("delivered",))
        self.assertEqual(d["event"], "batch.completed")
        (path, headers, body), = rx.requests()
        self.assertEqual((path, headers["X-Jobd-Event"]), ("/batch", "batch.completed"))
        sent = json.loads(body)
        self.assertEqual(sent, srv.expect(200, "GET", "/v1/batches/%d" % batch["id"])[0])
        self.assertEqual((sent["counts"]["succeeded"], sent["counts"]["failed"]), (2, 1))
        self.assertIsNotNone(sent["makespan_ms"])
        for job_id in batch["job_ids"]:
            self.assertEqual(self.deliveries(srv, "jobs", job_id), [])


class TestWebhookRetention(WebhookCase):
    def rows(self, srv, where):
        """(deliveries, their attempts) matching where, read in one statement."""
        sql = ("SELECT (SELECT count(*) FROM deliveries d WHERE %s),"
               " (SELECT count(*) FROM delivery_attempts a JOIN deliveries d"
               " ON d.id = a.delivery_id WHERE %s)" % (where, where))
        if BACKEND == "sqlite":
            db = sqlite3.connect(srv.db)
            try:
                return tuple(db.execute(sql).fetchone())
            finally:
                db.close()
        return tuple(int(v) for v in srv.psql(sql).strip().split("|"))

    def test_a_purged_job_takes_its_deliveries_with_it(self):
        rx = self.receiver()
        srv = self.server("--retain-finished", "%.12f" % (1.0 / 86400), *FAST)
        job = srv.submit({"command": "true", "notify": {"url": rx.url()}})
        batch = srv.expect(201, "POST", "/v1/batches", body={
            "notify": {"url": rx.url()}, "jobs": [{"command": "true"}]})[0]
        self.wait_delivery(srv, "jobs", job["id"], ("delivered",))
        self.wait_delivery(srv, "batches", batch["id"], ("delivered",))
        # The newest job and batch are never purged: these come after.
        last = srv.submit_batch([{"command": "true", "notify": {"url": rx.url()}}])
        last_id = last["job_ids"][0]
        self.wait_delivery(srv, "jobs", last_id, ("delivered",))
        srv.wait_until("job %d to be purged" % job["id"],
                       lambda: srv.request("GET", "/v1/jobs/%d" % job["id"])[0] == 404)
        srv.wait_until("batch %d to be purged" % batch["id"], lambda: srv.request(
            "GET", "/v1/batches/%d" % batch["id"])[0] == 404)
        self.assertEqual(self.rows(srv, "d.job_id = %d" % job["id"]), (0, 0))
        self.assertEqual(self.rows(srv, "d.batch_id = %d" % batch["id"]), (0, 0))
        self.assertEqual(self.rows(srv, "d.job_id = %d" % last_id), (1, 1))


class TestWebhookCli(WebhookCase):
    def cli(self, srv, *args, stdin=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("JOBD_")}
        env["JOBD_URL"] = "http://127.0.0.1:%d" % srv.port
        r = subprocess.run([BIN] + list(args), input=stdin, capture_output=True, text=True,
                           env=env, timeout=30)
        self.assertEqual(r.returncode, 0, "stdout %r stderr %r" % (r.stdout, r.stderr))
        return int(r.stdout)

    def test_run_and_batch_take_notify(self):
        rx = self.receiver()
        srv = self.server(*FAST)
        job_id = self.cli(srv, "run", "--notify", rx.url("/run"), "--", "true")
        batch_id = self.cli(srv, "batch", "--notify", rx.url("/batch"), "--", "echo", "{}",
                            stdin="a\nb\n")
        self.wait_delivery(srv, "jobs", job_id, ("delivered",))
        self.wait_delivery(srv, "batches", batch_id, ("delivered",))
        got = sorted((p, h["X-Jobd-Event"]) for p, h, _ in rx.requests())
        self.assertEqual(got, [("/batch", "batch.completed"), ("/run", "job.succeeded")])


class TestWebhookValidation(WebhookCase):
    SERVER_FLAGS = []

    def test_a_bad_notify_is_refused_naming_the_field(self):
        cases = [
            ({"url": "ftp://example.com/x"}, "notify.url"),
            ({"url": "http://"}, "notify.url"),
            ({"url": "http://a b/"}, "notify.url"),
            ({"url": "http://h/" + "x" * 3000}, "notify.url"),
            ({"url": 7}, "notify.url"),
            ({}, "notify.url"),
            ({"url": "http://h/", "events": ["running"]}, "notify.events"),
            ({"url": "http://h/", "events": []}, "notify.events"),
            ({"url": "http://h/", "secret": "x"}, "notify.secret"),
            ("http://h/", "notify"),
        ]
        for notify, field in cases:
            with self.subTest(notify=notify):
                resp = self.jobd.request("POST", "/v1/jobs",
                                         body={"command": "true", "notify": notify})
                self.assertError(resp, 400, "invalid_request", field)
        resp = self.jobd.request("POST", "/v1/batches", body={
            "notify": {"url": "http://h/", "events": ["succeeded"]},
            "jobs": [{"command": "true"}]})
        self.assertError(resp, 400, "invalid_request", "notify.events")
        resp = self.jobd.request("POST", "/v1/batches", body={
            "jobs": [{"command": "true", "notify": {"url": "gopher://h"}}]})
        self.assertError(resp, 400, "invalid_request", "jobs[0].notify.url")


class TestWebhookCrash(WebhookCase):
    def test_a_delivery_survives_kill_9_while_its_receiver_is_down(self):
        port = free_port()
        srv = self.server(*FAST)
        url = "http://127.0.0.1:%d/late" % port
        job = srv.submit({"command": "true", "notify": {"url": url}})

        def refused():
            ds = self.deliveries(srv, "jobs", job["id"])
            return ds and ds[0]["attempts"] and ds[0]
        d = srv.wait_until("a refused attempt", refused)
        self.assertEqual(d["state"], "pending")
        self.assertIsNone(d["attempts"][0]["status"])
        self.assertIn("POST " + url, d["attempts"][0]["error"])
        srv.kill9()
        rx = self.receiver(port=port)
        srv.restart()
        d2, = self.wait_delivery(srv, "jobs", job["id"], ("delivered",))
        self.assertEqual(d2["delivery"], d["delivery"])
        self.assertEqual(d2["attempts"][-1]["status"], 200)
        self.assertEqual({h["X-Jobd-Delivery"] for _, h, _ in rx.requests()}, {d["delivery"]})
