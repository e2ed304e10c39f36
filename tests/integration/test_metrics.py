# GET /metrics: Prometheus text format with HELP and TYPE for every family;
# job gauges and counters, queue and run histograms, pool gauges, HTTP
# request counts; the values move as jobs run; the token guards it.
import re
import time

from base import JobdTestCase
from harness import FINAL

STATES = ("queued", "running") + FINAL
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)')
SUFFIXES = ("_bucket", "_sum", "_count", "_total")


class Metrics:
    """A parsed exposition: samples [(name, labels, value)], HELP, TYPE."""

    def __init__(self, text):
        self.samples, self.help, self.type = [], {}, {}
        for line in text.splitlines():
            if line.startswith("# HELP "):
                name, _, doc = line[7:].partition(" ")
                self.help[name] = doc
            elif line.startswith("# TYPE "):
                name, _, kind = line[7:].partition(" ")
                self.type[name] = kind
            elif line and not line.startswith("#"):
                m = SAMPLE.match(line)
                if not m:
                    raise AssertionError("not a sample line: %r" % line)
                labels = dict(LABEL.findall(m.group(2) or ""))
                if m.group(2) and not labels:
                    raise AssertionError("bad labels in %r" % line)
                self.samples.append((m.group(1), labels, float(m.group(3))))

    def family(self, name):
        if name in self.type:
            return name
        for suf in SUFFIXES:
            if name.endswith(suf) and name[:-len(suf)] in self.type:
                return name[:-len(suf)]
        return None

    def all(self, name, **labels):
        return [(l, v) for n, l, v in self.samples
                if n == name and all(l.get(k) == w for k, w in labels.items())]

    def get(self, name, **labels):
        got = self.all(name, **labels)
        if len(got) != 1:
            raise AssertionError("want one %s%r, found %r" % (name, labels, got))
        return got[0][1]


def m_other(m):
    """Requests whose code has no label of its own."""
    return sum(v for _, v in m.all("jobd_http_requests_total", code="other"))


class TestMetrics(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--kill-grace", "1"]

    def scrape(self, srv=None):
        srv = srv or self.jobd
        text, hd = srv.expect(200, "GET", "/metrics")
        self.assertTrue(hd.get("Content-Type", "").startswith("text/plain"),
                        hd.get("Content-Type"))
        return Metrics(text)

    def test_every_sample_belongs_to_a_family_with_help_and_type(self):
        m = self.scrape()
        self.assertTrue(m.samples)
        for name, labels, _ in m.samples:
            fam = m.family(name)
            self.assertIsNotNone(fam, "%s%r has no # TYPE" % (name, labels))
            self.assertTrue(m.help.get(fam), "%s has no # HELP" % fam)
        for fam, kind in m.type.items():
            self.assertIn(kind, ("counter", "gauge", "histogram", "summary", "untyped"), fam)

    def test_jobs_are_counted_by_every_state_with_submitted_and_finished_counters(self):
        m = self.scrape()
        for state in STATES:
            self.assertGreaterEqual(m.get("jobd_jobs", state=state), 0, state)
        self.assertEqual(m.type["jobd_jobs"], "gauge")
        self.assertGreaterEqual(m.get("jobd_jobs_submitted_total"), 0)
        for state in FINAL:
            self.assertGreaterEqual(m.get("jobd_jobs_finished_total", state=state), 0, state)
        self.assertEqual(m.type.get(m.family("jobd_jobs_finished_total")), "counter")

    def test_queue_and_run_histograms_have_cumulative_buckets_up_to_inf(self):
        self.run_job({"command": ["true"]})
        m = self.scrape()
        for fam in ("jobd_job_queue_seconds", "jobd_job_run_seconds"):
            with self.subTest(histogram=fam):
                self.assertEqual(m.type.get(fam), "histogram")
                buckets = [(float(l["le"]), v) for l, v in m.all(fam + "_bucket")]
                self.assertGreater(len(buckets), 1)
                les = [le for le, _ in buckets]
                self.assertEqual(les, sorted(set(les)), "le not increasing")
                self.assertEqual(les[-1], float("inf"))
                counts = [v for _, v in buckets]
                self.assertEqual(counts, sorted(counts), "buckets not cumulative")
                self.assertEqual(counts[-1], m.get(fam + "_count"))
                self.assertGreaterEqual(m.get(fam + "_count"), 1)
                self.assertGreaterEqual(m.get(fam + "_sum"), 0)

    def test_pool_gauges_give_the_size_and_busy_workers(self):
        m = self.scrape()
        self.assertEqual(m.get("jobd_workers"), 2)
        self.assertEqual(m.get("jobd_workers"), self.jobd.workers()["size"])
        self.assertIn(m.get("jobd_workers_busy"), (0, 1, 2))
        self.assertEqual(m.type["jobd_workers_busy"], "gauge")

    def test_named_queues_are_gauged_and_schedule_firings_counted(self):
        self.jobd.expect(200, "PUT", "/v1/queues/gauged", body={"paused": True})
        held = [self.jobd.submit({"command": ["true"], "queue": "gauged"}) for _ in range(2)]
        m = self.scrape()
        self.assertEqual(m.get("jobd_queue_jobs", queue="gauged", state="queued"), 2)
        self.assertEqual(m.get("jobd_queue_jobs", queue="gauged", state="running"), 0)
        self.assertEqual(m.get("jobd_queue_paused", queue="gauged"), 1)
        self.assertEqual(m.get("jobd_queue_paused", queue="default"), 0)
        for j in held:
            self.jobd.cancel(j["id"])
        before = m.get("jobd_schedule_firings_total", result="job")
        s = self.jobd.expect(201, "POST", "/v1/schedules", body={
            "cron": "* * * * * *", "job": {"command": ["true"]}})[0]
        self.addCleanup(self.jobd.request, "DELETE", "/v1/schedules/%d" % s["id"])
        self.jobd.wait_until("a firing counted", lambda: self.scrape().get(
            "jobd_schedule_firings_total", result="job") > before, 5)

    def test_http_requests_are_counted_by_route_and_code(self):
        def count(m, suffix, code):
            return sum(v for l, v in m.all("jobd_http_requests_total", code=code)
                       if l.get("route", "").endswith(suffix))
        before = self.scrape()
        self.jobd.stats()
        self.jobd.stats()
        self.assertEqual(self.jobd.request("GET", "/v1/jobs/987654")[0], 404)
        after = self.scrape()
        self.assertEqual(count(after, " /v1/stats", "200"),
                         count(before, " /v1/stats", "200") + 2)
        self.assertEqual(count(after, " /v1/jobs/{id}", "404"),
                         count(before, " /v1/jobs/{id}", "404") + 1)

    def test_refused_hosts_are_counted_as_403(self):
        def forbidden(m):
            return sum(v for _, v in m.all("jobd_http_requests_total", code="403"))
        before = self.scrape()
        host = "rebind.attacker.example:%d" % self.jobd.port
        self.assertEqual(self.jobd.request("GET", "/v1/stats", headers={"Host": host})[0], 403)
        after = self.scrape()
        self.assertEqual(forbidden(after), forbidden(before) + 1)
        self.assertEqual(m_other(after), m_other(before))

    def test_process_start_time_is_near_now(self):
        start = self.scrape().get("process_start_time_seconds")
        self.assertLessEqual(start, time.time() + 1)
        self.assertGreater(start, time.time() - 300)

    def test_counters_and_histograms_move_as_a_batch_runs(self):
        def snap():
            m = self.scrape()
            return {"submitted": m.get("jobd_jobs_submitted_total"),
                    "ok": m.get("jobd_jobs_finished_total", state="succeeded"),
                    "failed": m.get("jobd_jobs_finished_total", state="failed"),
                    "runs": m.get("jobd_job_run_seconds_count"),
                    "waits": m.get("jobd_job_queue_seconds_count"),
                    "stored_ok": m.get("jobd_jobs", state="succeeded"),
                    "stored_failed": m.get("jobd_jobs", state="failed")}
        before = snap()
        batch = self.jobd.submit_batch([{"command": ["true"]}, {"command": "exit 0"},
                                        {"command": "exit 7"}])
        self.jobd.wait_batch(batch["id"])
        after = snap()
        moved = {k: after[k] - before[k] for k in before}
        self.assertEqual(moved, {"submitted": 3, "ok": 2, "failed": 1, "runs": 3,
                                 "waits": 3, "stored_ok": 2, "stored_failed": 1})

    def test_busy_workers_is_one_while_a_sleep_job_runs(self):
        def busy():
            return self.scrape().get("jobd_workers_busy")
        self.jobd.wait_until("no busy worker", lambda: busy() == 0, 10)
        job = self.jobd.submit({"command": ["sleep", self.marker()]})
        self.jobd.wait_for(job["id"], "running", 10)
        self.assertEqual(busy(), 1)
        self.assertEqual(self.scrape().get("jobd_jobs", state="running"), 1)
        self.jobd.cancel(job["id"])
        self.jobd.wait_for(job["id"], "canceled", 10)
        self.jobd.wait_until("the worker idle again", lambda: busy() == 0, 10)


class TestMetricsAuth(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1", "--token", "m3trics"]
    SERVER_TOKEN = "m3trics"

    def test_metrics_need_the_token(self):
        st, hd, body = self.jobd.request("GET", "/metrics", token=None)
        self.assertEqual(st, 401, body)
        self.assertTrue(hd.get("WWW-Authenticate", "").startswith("Bearer"))
        self.assertEqual(self.jobd.request("GET", "/metrics", token="wrong")[0], 401)
        text, _ = self.jobd.expect(200, "GET", "/metrics")
        self.assertEqual(Metrics(text).get("jobd_workers"), 1)
