# jobd as a cluster: several real jobd nodes (--node-name, --lease) on ONE
# PostgreSQL database. Needs $JOBD_TEST_PG (tests/cluster/run.sh starts a
# throwaway server and sets it). Each test creates its own database, starts
# its nodes on it with the integration harness (Jobd(db_url=..., node_name=...)),
# closes them and then drops the database; a failing test prints every node's
# log (tests/integration/base.py).
#
# What is checked: exactly-once execution of 10,000 jobs spread over 3 nodes;
# a kill -9'd node's jobs reclaimed after its lease (retried, or failed naming
# the node) and the node shown dead; a node restarted under the same name
# reclaiming its own jobs at once and nobody else's; cancel through another
# node; queue concurrency and rate limits across nodes; two nodes racing one
# unique_key making one job; a multi-core job bounded by the largest node,
# taken by a node with room while another holds for it, and canceled through
# another node; delayed jobs and schedules firing once cluster-wide; a
# draining node's submissions run on the other (its drain
# shown to every node); output readable on every node, while a job runs
# and after its node died; a database restart losing nothing; each webhook
# delivery sent by one node at a time.
#
#   python3 tests/cluster/test_cluster.py [TestClass[.test_name] ...]
# ends with "N passed, M failed"; exit status 1 on any failure.
import collections
import glob
import http.client
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import procs  # noqa: E402
import runner  # noqa: E402
from base import JobdTestCase  # noqa: E402
from harness import BACKEND, FINAL, Jobd, pg_url, psql  # noqa: E402
from test_events import Stream  # noqa: E402
from test_metrics import Metrics  # noqa: E402

LEASE = "2"
_db_counter = itertools.count(1)
# Every node and database made, so that main() can clean up after an
# interrupt, when unittest skips the tests' cleanups.
_made = {"nodes": [], "dbs": [], "dirs": []}


def _drop(name):
    psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name, check=False)


class ClusterCase(JobdTestCase):
    TIMEOUT = 60

    def setUp(self):
        super().setUp()
        if BACKEND != "postgres":
            self.fail("the cluster tests need PostgreSQL: set JOBD_TEST_PG "
                      "(tests/cluster/run.sh does)")
        # One database per test, owned here: the nodes share it (db_url) and
        # never drop it; cleanups run last-in first-out, so it is dropped
        # after every node is closed.
        self.db_name = "jobd_cluster_%d_%d" % (os.getpid(), next(_db_counter))
        psql("CREATE DATABASE %s" % self.db_name)
        _made["dbs"].append(self.db_name)
        self.addCleanup(_drop, self.db_name)
        self.db_url = pg_url(self.db_name)
        self.tmp = tempfile.mkdtemp(prefix="jobd-cluster-")
        _made["dirs"].append(self.tmp)
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def node(self, name, *flags, start=True):
        """A node of this test's cluster, closed when the test ends."""
        srv = Jobd(flags, db_url=self.db_url, node_name=name)
        _made["nodes"].append(srv)
        self._servers.append(srv)
        self.addCleanup(srv.close)
        return srv.start() if start else srv

    def cluster(self, n, *flags, prefix="node"):
        return [self.node("%s%d" % (prefix, i + 1), *flags) for i in range(n)]

    def note(self, text):
        """A line of measurements in the run's output."""
        sys.stderr.write("\n    [%s] %s\n" % (self._testMethodName, text))

    def path(self, name):
        return os.path.join(self.tmp, name)

    # --- reading the cluster ------------------------------------------------
    def node_id(self, srv):
        """This node's id from GET /v1/workers "node"."""
        w = srv.workers()
        node = w.get("node")
        self.assertIsInstance(node, dict, "GET /v1/workers has no \"node\": %r" % w)
        self.assertEqual(node.get("name"), srv.node_name, w)
        self.assertIsInstance(node.get("id"), int, w)
        return node["id"]

    def busy_jobs(self, srv):
        """Job ids this node's own workers are running (its local pool)."""
        return {w["job_id"] for w in srv.workers()["workers"]
                if w.get("state") == "busy" and w.get("job_id") is not None}

    def cluster_node(self, srv, name):
        """The entry named `name` in GET /v1/workers "nodes" on srv, or None."""
        w = srv.workers()
        nodes = w.get("nodes")
        self.assertIsInstance(nodes, list, "GET /v1/workers has no \"nodes\": %r" % w)
        for n in nodes:
            if n.get("name") == name:
                return n
        return None

    def wait_not_alive(self, srv, name, timeout=5):
        """Wait until srv's GET /v1/workers shows node `name` other than
        alive; return its entry."""
        def check():
            e = self.cluster_node(srv, name)
            return e if e is not None and e.get("state") != "alive" else None
        try:
            return srv.wait_until("%s not alive" % name, check, timeout)
        except AssertionError:
            self.fail("%s shows node %s as %r after %ss" % (srv.node_name, name,
                                                            self.cluster_node(srv, name), timeout))

    def list_jobs(self, srv, query):
        """Every job of GET /v1/jobs?<query>, following `next`."""
        out, path = [], "/v1/jobs?%s&limit=500" % query
        while path:
            body = srv.expect(200, "GET", path)[0]
            out += body["jobs"]
            path = body.get("next")
        return out

    def wait_batches(self, srvs, batch_ids, timeout):
        """Poll (gently, rotating over the nodes) until every batch is final;
        returns the batches."""
        deadline = time.monotonic() + timeout
        done = {}
        k = 0
        while True:
            for bid in batch_ids:
                if bid in done:
                    continue
                srv = srvs[k % len(srvs)]
                k += 1
                b = srv.expect(200, "GET", "/v1/batches/%d" % bid)[0]
                if sum(b["counts"][s] for s in FINAL) == b["total"] and b["finished_at"]:
                    done[bid] = b
                else:
                    break
            if len(done) == len(batch_ids):
                return [done[b] for b in batch_ids]
            if time.monotonic() >= deadline:
                pending = [b for b in batch_ids if b not in done]
                last = srvs[0].expect(200, "GET", "/v1/batches/%d" % pending[0])[0]
                self.fail("batches %s not final after %ss; batch %d: %r"
                          % (pending, timeout, pending[0], last["counts"]))
            time.sleep(0.25)

    def read_lines(self, path):
        try:
            with open(path) as f:
                return [l.split() for l in f.read().splitlines()]
        except FileNotFoundError:
            return []


class TestExactlyOnce(ClusterCase):
    TIMEOUT = 110

    def test_10000_jobs_on_3_nodes_run_exactly_once_and_fairly(self):
        nodes = self.cluster(3, "--workers", "2", "--lease", LEASE)
        out = self.path("runs")
        spec = {"command": ["sh", "-c", "echo $JOBD_JOB_ID $JOBD_ATTEMPT >> '%s'" % out]}
        batches, ids = [], []
        t0 = time.monotonic()
        for i in range(10):  # round-robin over the nodes' POST /v1/batches
            b = nodes[i % 3].submit_batch([spec] * 1000, name="b%d" % i)
            batches.append(b["id"])
            ids += b["job_ids"]
        self.assertEqual(len(set(ids)), 10000)

        final = self.wait_batches(nodes, batches, timeout=95)
        counts = collections.Counter()
        for b in final:
            counts.update(b["counts"])
        self.assertEqual(counts["succeeded"], 10000, dict(counts))

        lines = self.read_lines(out)
        runs = collections.Counter(int(l[0]) for l in lines)
        twice = sorted(i for i, n in runs.items() if n > 1)
        self.assertEqual(twice, [], "%d jobs ran more than once, e.g. %s"
                         % (len(twice), twice[:10]))
        self.assertEqual(set(runs), set(ids), "ran: %d ids, submitted %d; missing e.g. %s"
                         % (len(runs), len(ids), sorted(set(ids) - set(runs))[:10]))
        self.assertEqual(len(lines), 10000)
        retried = [l for l in lines if l[1] != "1"]
        self.assertEqual(retried, [], "attempts other than 1: %s" % retried[:10])

        # Fair share: every node ran at least 10 % of the jobs.
        node_ids = {srv.node_name: self.node_id(srv) for srv in nodes}
        per_node = collections.Counter()
        for i, bid in enumerate(batches):
            for j in self.list_jobs(nodes[(i + 1) % 3], "batch_id=%d" % bid):
                self.assertEqual(j["state"], "succeeded", j)
                per_node[j.get("node_id")] += 1
        self.note("10,000 jobs in %.1fs; jobs per node_id %s (nodes %s)"
                  % (time.monotonic() - t0, dict(per_node), node_ids))
        self.assertEqual(sum(per_node.values()), 10000)
        self.assertLessEqual(set(per_node), set(node_ids.values()),
                             "node_id values %s vs nodes %s" % (dict(per_node), node_ids))
        for name, nid in node_ids.items():
            self.assertGreaterEqual(per_node[nid], 1000,
                                    "node %s (id %s) ran %d of 10000 jobs: %s"
                                    % (name, nid, per_node[nid], dict(per_node)))


class TestNodeDeath(ClusterCase):
    TIMEOUT = 75

    def test_kill9_node_jobs_are_rerun_elsewhere_after_its_lease(self):
        n1, n2, n3 = self.cluster(3, "--workers", "2", "--lease", LEASE)
        n2_id = self.node_id(n2)
        out = self.path("runs")
        script = ("echo $JOBD_JOB_ID $JOBD_ATTEMPT start $(date +%%s.%%N) >> '%s'; sleep 1; "
                  "echo $JOBD_JOB_ID $JOBD_ATTEMPT end $(date +%%s.%%N) >> '%s'" % (out, out))
        b = n1.submit_batch([{"command": ["sh", "-c", script], "max_attempts": 3}] * 60)
        n1.wait_until("node2 to run jobs", lambda: self.busy_jobs(n2), timeout=15)
        t_kill = time.time()
        n2.kill9()

        batch = self.wait_batches([n1, n3], [b["id"]], timeout=50)[0]
        self.assertEqual(batch["counts"]["succeeded"], 60, batch["counts"])

        starts, ends = collections.defaultdict(list), collections.defaultdict(list)
        for l in self.read_lines(out):
            (starts if l[2] == "start" else ends)[int(l[0])].append((int(l[1]), float(l[3])))
        doubled = {i: v for i, v in starts.items()
                   if len(v) != len({a for a, _ in v})}
        self.assertEqual(doubled, {}, "(job, attempt) started more than once: "
                         "{job: [(attempt, time)]}")
        self.assertEqual(set(ends), set(b["job_ids"]))
        twice = {i: v for i, v in ends.items() if len(v) != 1}
        self.assertEqual(twice, {}, "jobs that ran to the end more than once")
        # Cut short by the kill: attempt 1 started and never ended.
        killed = {i for i, v in starts.items()
                  if any(a == 1 for a, _ in v) and ends[i][0][0] != 1}
        retried = {i for i, v in starts.items() if any(a >= 2 for a, _ in v)}
        self.assertTrue(killed, "no job was cut short by the kill of node2")
        self.assertLessEqual(killed, retried, "jobs of node2 not run again")
        self.assertEqual({i for i in retried if ends[i][0][0] == 1}, set(),
                         "jobs whose attempt 1 ran to the end were run again")
        first_retry = min(t for i in retried for a, t in starts[i] if a >= 2)
        self.note("killed node2 running %s; rerun %s, the first %.2fs after the kill"
                  % (sorted(killed), sorted(retried), first_retry - t_kill))
        self.assertGreaterEqual(first_retry - t_kill, 1.0,
                                "a job of node2 was rerun %.2fs after the kill, before its "
                                "%ss lease could expire" % (first_retry - t_kill, LEASE))
        for i in retried:
            j = n1.job(i)
            self.assertEqual((j["state"], j["attempts"]), ("succeeded", ends[i][0][0]), j)
            self.assertNotEqual(j.get("node_id"), n2_id, j)
            self.assertIsNotNone(j.get("node_id"), j)
        dead = self.wait_not_alive(n1, "node2")
        self.assertEqual(dead["state"], "dead", dead)
        self.assertEqual(dead.get("id"), n2_id, dead)

    def last_attempt_on_node2(self):
        """Two nodes of one worker each running a job without attempts left:
        (node1, node2, both job ids, node2's job)."""
        n1, n2 = self.cluster(2, "--workers", "1", "--lease", LEASE)
        mark = self.marker()
        ids = [n1.submit({"command": ["sleep", mark], "max_attempts": 1})["id"]
               for _ in range(2)]
        victim = n1.wait_until("node2 to run one of the jobs",
                               lambda: self.busy_jobs(n2) & set(ids), timeout=15).pop()
        return n1, n2, ids, victim

    def test_kill9_node_job_without_attempts_left_fails_naming_the_node(self):
        n1, n2, ids, victim = self.last_attempt_on_node2()
        other = [i for i in ids if i != victim][0]
        n1.wait_for(other, "running", timeout=10)
        t_kill = time.monotonic()
        n2.kill9()
        job = n1.wait_for(victim, FINAL, timeout=float(LEASE) + 10)
        waited = time.monotonic() - t_kill
        self.note("job %d of node2 final %.2fs after the kill: %s %r"
                  % (victim, waited, job["state"], job.get("error")))
        self.assertEqual(job["state"], "failed", job)
        self.assertEqual(job["attempts"], 1, job)
        self.assertIn("node2", job.get("error") or "", job)
        self.assertGreaterEqual(waited, 1.0, "failed %.2fs after the kill, before the lease "
                                "could expire: %r" % (waited, job))
        kept = n1.job(other)
        self.assertEqual((kept["state"], kept["attempts"]), ("running", 1), kept)
        self.wait_not_alive(n1, "node2")

    def test_reclaim_cancels_dependents_with_their_event_and_counts_at_once(self):
        n1, n2, _, victim = self.last_attempt_on_node2()
        dep = n1.submit({"command": ["true"], "after": [victim]})["id"]
        events = Stream(n1, timeout=float(LEASE) + 15)
        self.assertEqual(events.status, 200)
        n2.kill9()
        seen = events.until(lambda ev: json.loads(ev.get("data") or "{}").get("id") == dep)
        got = json.loads(seen[-1]["data"])
        self.assertEqual(got["state"], "canceled", got)
        self.assertIn("dependency %d ended failed" % victim, got.get("error") or "", got)
        # Counted by the node that reclaimed, in the same transaction.
        m = Metrics(n1.expect(200, "GET", "/metrics")[0])
        self.assertEqual(m.get("jobd_jobs_finished_total", state="failed"), 1)
        self.assertEqual(m.get("jobd_jobs_finished_total", state="canceled"), 1)
        s = n1.stats()
        self.assertEqual(s["finished_total"], 2, s)
        self.assertEqual(s["counts"]["canceled"], 1, s)

    def test_restart_with_same_name_reclaims_its_jobs_at_once_and_no_others(self):
        a = self.node("a", "--workers", "1", "--lease", "30")
        b = self.node("b", "--workers", "1", "--lease", "30")
        mark = self.marker()
        ids = [a.submit({"command": ["sleep", mark], "max_attempts": 2})["id"]
               for _ in range(2)]
        on_a = a.wait_until("a to run one of the jobs",
                            lambda: self.busy_jobs(a) & set(ids), timeout=15).pop()
        on_b = [i for i in ids if i != on_a][0]
        before_b = a.wait_for(on_b, "running", timeout=10)
        a.kill9()
        t0 = time.monotonic()
        a.restart()
        job = a.wait_job(on_a, lambda j: j["state"] == "running" and j["attempts"] == 2,
                         "attempt 2 running", timeout=10)
        self.note("attempt 2 running %.2fs after the restart began" % (time.monotonic() - t0))
        self.assertLess(time.monotonic() - t0, 15, job)
        a.wait_until("2 `sleep` processes (a's new attempt, b's first)",
                     lambda: len(procs.pids_with_arg(mark)) == 2, timeout=5)
        after_b = b.job(on_b)
        self.assertEqual((after_b["state"], after_b["attempts"], after_b["pid"]),
                         ("running", 1, before_b["pid"]),
                         "the restart of node a touched node b's job: %r" % after_b)


class TestAcrossNodes(ClusterCase):
    TIMEOUT = 45

    def test_cancel_through_another_node(self):
        a, b = self.cluster(2, "--workers", "1", "--lease", LEASE)
        mark = self.marker()
        jid = a.submit({"command": ["sleep", mark]})["id"]
        a.wait_for(jid, "running", timeout=10)
        runner_node = a.wait_until(
            "a node to show the job busy",
            lambda: next((s for s in (a, b) if jid in self.busy_jobs(s)), None), timeout=5)
        other = b if runner_node is a else a
        self.assertTrue(procs.wait_present(mark, 5), "the job's process never showed up")
        t0 = time.monotonic()
        st, _, body = other.cancel(jid)
        self.assertEqual(st, 200, body)
        job = other.wait_for(jid, FINAL, timeout=10)
        took = time.monotonic() - t0
        self.note("canceled through %s in %.2fs" % (other.node_name, took))
        self.assertEqual(job["state"], "canceled", job)
        self.assertLess(took, 3.0, "canceled through %s only after %.2fs"
                        % (other.node_name, took))
        self.assertNoProcess(mark, timeout=2, why="after the cancel")

    def test_queue_concurrency_limit_holds_across_nodes(self):
        nodes = self.cluster(3, "--workers", "2", "--lease", LEASE)
        nodes[0].expect(200, "PUT", "/v1/queues/one", body={"concurrency": 1})
        out = self.path("spans")
        script = ("echo $JOBD_JOB_ID start $(date +%%s.%%N) >> '%s'; sleep 0.3; "
                  "echo $JOBD_JOB_ID end $(date +%%s.%%N) >> '%s'" % (out, out))
        ids = [nodes[i % 3].submit({"command": ["sh", "-c", script], "queue": "one"})["id"]
               for i in range(6)]
        jobs = [nodes[0].wait_for(i, FINAL, timeout=20) for i in ids]
        for j in jobs:
            self.assertEqual(j["state"], "succeeded", j)
        spans = collections.defaultdict(dict)
        for jid, what, t in self.read_lines(out):
            spans[int(jid)][what] = float(t)
        self.assertEqual(set(spans), set(ids))
        order = sorted(spans.items(), key=lambda kv: kv[1]["start"])
        for (i1, s1), (i2, s2) in zip(order, order[1:]):
            self.assertGreaterEqual(s2["start"], s1["end"],
                                    "jobs %d and %d of queue `one` (concurrency 1) overlapped"
                                    % (i1, i2))
        by_start = sorted(jobs, key=lambda j: j["started_at"])
        for j1, j2 in zip(by_start, by_start[1:]):
            self.assertGreaterEqual(j2["started_at"], j1["finished_at"], (j1, j2))

    def test_two_nodes_racing_one_unique_key_make_one_job(self):
        nodes = self.cluster(2, "--workers", "1", "--lease", LEASE)
        for rnd in range(5):
            key = "race-%d" % rnd
            go = threading.Barrier(8)
            results = [None] * 8

            def post(i):
                go.wait(10)
                results[i] = nodes[i % 2].request("POST", "/v1/jobs", body={
                    "command": ["sleep", "30"], "delay_s": 3600, "unique_key": key})
            threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            statuses = sorted(r[0] for r in results)
            self.assertEqual(statuses, [200] * 7 + [201], results)
            self.assertEqual(len({r[2]["id"] for r in results}), 1, results)
            self.assertTrue(all(r[1].get("X-Jobd-Unique") == "existing"
                                for r in results if r[0] == 200), results)
            held = [j for j in self.list_jobs(nodes[0], "state=queued") if j["unique_key"] == key]
            self.assertEqual(len(held), 1, held)

    def test_queue_rate_limit_holds_across_nodes(self):
        nodes = self.cluster(2, "--workers", "3", "--lease", LEASE)
        nodes[0].expect(200, "PUT", "/v1/queues/metered",
                        body={"rate": {"limit": 3, "period_s": 2}})
        ids = [nodes[i % 2].submit({"command": ["true"], "queue": "metered"})["id"]
               for i in range(9)]
        jobs = [nodes[0].wait_for(i, FINAL, timeout=30) for i in ids]
        for j in jobs:
            self.assertEqual(j["state"], "succeeded", j)
        # The window counts claims, started_at is the worker's clock a little
        # later (tests/integration/test_rate.py: START_LAG_S).
        starts = sorted(datetime.strptime(j["started_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
                        .replace(tzinfo=timezone.utc).timestamp() for j in jobs)
        for a, b in zip(starts, starts[3:]):
            self.assertGreaterEqual(b - a, 2 - 0.5, "4 starts in one 2 s window: %r" % starts)

    def test_a_draining_node_starts_nothing_and_the_other_runs_its_submissions(self):
        a, b = self.cluster(2, "--workers", "2", "--lease", LEASE)
        a.expect(200, "POST", "/v1/drain")
        self.assertTrue(self.cluster_node(b, a.node_name)["draining"])
        self.assertFalse(self.cluster_node(a, b.node_name)["draining"])
        ids = [a.submit({"command": ["true"]})["id"] for _ in range(6)]
        jobs = [a.wait_for(i, FINAL, timeout=20) for i in ids]
        b_id = self.node_id(b)
        for j in jobs:
            self.assertEqual((j["state"], j["node_id"]), ("succeeded", b_id), j)
        st = a.stats()
        self.assertEqual((st["draining"], st["idle"]), (True, True), st)
        a.expect(200, "POST", "/v1/resume")
        self.assertFalse(self.cluster_node(b, a.node_name)["draining"])

    def test_a_multi_core_job_is_bounded_by_the_largest_node_and_runs_there(self):
        a = self.node("small", "--workers", "1", "--lease", LEASE)
        b = self.node("big", "--workers", "2", "--lease", LEASE)
        self.assertError(a.request("POST", "/v1/jobs", body={"command": ["true"], "cpus": 3}),
                         400, "invalid_request", "cpus")
        wide = a.submit({"command": ["true"], "cpus": 2})
        done = a.wait_for(wide["id"], FINAL, timeout=20)
        self.assertEqual((done["state"], done["node_id"]), ("succeeded", self.node_id(b)), done)
        self.assertEqual(sorted(done["slots"]), [0, 1], done)

    def test_a_node_holding_for_a_head_does_not_keep_a_node_with_room_from_it(self):
        a, b = self.cluster(2, "--workers", "2", "--lease", LEASE)
        b.expect(200, "POST", "/v1/drain")
        mark = self.marker()
        blocker = a.submit({"command": ["sleep", mark]})
        a.wait_for(blocker["id"], "running", timeout=10)
        wide = a.submit({"command": ["true"], "cpus": 2})
        self.assertEqual(a.job(wide["id"])["state"], "queued")  # a has 1 idle slot
        b.expect(200, "POST", "/v1/resume")
        done = b.wait_for(wide["id"], FINAL, timeout=10)
        self.assertEqual((done["state"], done["node_id"]), ("succeeded", self.node_id(b)), done)
        self.assertEqual(sorted(done["slots"]), [0, 1], done)
        self.assertEqual(a.job(blocker["id"])["state"], "running")
        a.cancel(blocker["id"])
        self.assertNoProcess(mark, timeout=10, why="after the cancel")

    def test_canceling_a_held_head_through_another_node_ends_the_hold(self):
        a, b = self.cluster(2, "--workers", "2", "--lease", LEASE)
        b.expect(200, "POST", "/v1/drain")  # b only serves the API here
        mark = self.marker()
        blocker = a.submit({"command": ["sleep", mark]})
        a.wait_for(blocker["id"], "running", timeout=10)
        wide = a.submit({"command": ["true"], "cpus": 2})
        small = a.submit({"command": ["true"]})
        self.assertEqual(a.job(small["id"])["state"], "queued")  # a holds its idle slot
        st, _, body = b.cancel(wide["id"])
        self.assertEqual(st, 200, body)
        # a hears of it and runs small beside the blocker.
        done = a.wait_for(small["id"], FINAL, timeout=10)
        self.assertEqual((done["state"], done["node_id"]), ("succeeded", self.node_id(a)), done)
        self.assertEqual(a.job(blocker["id"])["state"], "running")
        a.cancel(blocker["id"])
        self.assertNoProcess(mark, timeout=10, why="after the cancel")

    def test_delayed_job_runs_once(self):
        nodes = self.cluster(3, "--workers", "2", "--lease", LEASE)
        out = self.path("delayed")
        t0 = time.monotonic()
        jid = nodes[1].submit({"command": ["sh", "-c", "echo $JOBD_JOB_ID $JOBD_ATTEMPT >> '%s'"
                                           % out], "delay_s": 1})["id"]
        job = nodes[0].wait_for(jid, FINAL, timeout=15)
        self.assertGreaterEqual(time.monotonic() - t0, 0.9, job)
        self.assertEqual((job["state"], job["attempts"]), ("succeeded", 1), job)
        time.sleep(1.0)  # a second node running it late would show here
        self.assertEqual(self.read_lines(out), [[str(jid), "1"]])

    def test_every_second_schedule_fires_once_per_second_cluster_wide(self):
        nodes = self.cluster(3, "--workers", "2", "--lease", LEASE)
        out = self.path("ticks")
        s = nodes[0].expect(201, "POST", "/v1/schedules", body={
            "cron": "* * * * * *", "overlap": "allow",
            "job": {"command": ["sh", "-c", "echo $JOBD_JOB_ID >> '%s'" % out]}})[0]
        t0 = time.monotonic()
        time.sleep(5)
        nodes[0].expect(200, "DELETE", "/v1/schedules/%d" % s["id"])
        window = time.monotonic() - t0
        time.sleep(0.5)
        jobs = self.list_jobs(nodes[2], "schedule_id=%d" % s["id"])
        for j in jobs:
            nodes[1].wait_for(j["id"], FINAL, timeout=10)
        self.note("%d jobs in %.1fs" % (len(jobs), window))
        self.assertLessEqual(len(jobs), window + 1.5,
                             "%d jobs in %.1fs from an every-second schedule on 3 nodes"
                             % (len(jobs), window))
        self.assertGreaterEqual(len(jobs), window - 2.5,
                                "only %d jobs in %.1fs" % (len(jobs), window))
        seconds = collections.Counter(j["created_at"][:19] for j in jobs)
        self.assertEqual([t for t, n in seconds.items() if n > 1], [],
                         "two jobs made in the same second: %s"
                         % sorted(j["created_at"] for j in jobs))
        ran = collections.Counter(int(l[0]) for l in self.read_lines(out))
        self.assertEqual(ran, collections.Counter(j["id"] for j in jobs))


class TestWebhooksAcrossNodes(ClusterCase):
    def test_each_delivery_is_sent_by_one_node_at_a_time(self):
        import http.server
        import threading
        seen = collections.Counter()
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    uuid = self.headers["X-Jobd-Delivery"]
                    seen[uuid] += 1
                    first = seen[uuid] == 1
                self.send_response(500 if first else 200)  # every delivery is retried once
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.addCleanup(httpd.server_close)
        self.addCleanup(httpd.shutdown)
        url = "http://127.0.0.1:%d/hook" % httpd.server_address[1]
        nodes = self.cluster(3, "--workers", "2", "--lease", LEASE, "--webhook-backoff", "0.05")
        spec = {"command": ["true"], "notify": {"url": url}}
        ids = []
        for i in range(3):
            ids += nodes[i].submit_batch([spec] * 30, name="h%d" % i)["job_ids"]

        def delivered(job_id):
            ds = nodes[job_id % 3].expect(200, "GET", "/v1/jobs/%d/deliveries" % job_id)[0]
            return len(ds["deliveries"]) == 1 and ds["deliveries"][0]["state"] == "delivered"
        for job_id in ids:
            nodes[0].wait_until("job %d delivered" % job_id, lambda: delivered(job_id), 30)
        with lock:
            counts = dict(seen)
        self.assertEqual(len(counts), 90)
        self.assertEqual({n for n in counts.values()}, {2},
                         "deliveries not sent exactly twice (500, then 200): %s"
                         % {u: n for u, n in counts.items() if n != 2})


class TestOutputAndDatabase(ClusterCase):
    TIMEOUT = 45

    def runs_on(self, nodes, jid):
        return nodes[0].wait_until(
            "job %d busy on a node" % jid,
            lambda: next((s for s in nodes if jid in self.busy_jobs(s)), None), timeout=5)

    def test_output_is_readable_on_every_node_while_running_and_after_its_node_died(self):
        a, b = self.cluster(2, "--workers", "1", "--lease", LEASE)
        jid = a.submit({"command": ["sh", "-c", "echo first; sleep 30"], "max_attempts": 1})["id"]
        owner = self.runs_on((a, b), jid)
        other = b if owner is a else a
        t0 = time.monotonic()
        seen = other.wait_until("the running job's output on the other node", lambda: (
            lambda r: r if r[0] == 200 and r[2] == "first\n" else None)(
            other.request("GET", "/v1/jobs/%d/stdout" % jid)), timeout=5)
        self.note("a running job's output reached the other node in %.2fs"
                  % (time.monotonic() - t0))
        self.assertEqual(seen[1]["X-Jobd-Truncated"], "false")
        done = a.submit({"command": ["sh", "-c", "printf 'out'; printf 'err' >&2"]})["id"]
        job = a.wait_for(done, FINAL, timeout=10)
        finished_by = a if job["node_id"] == self.node_id(a) else b
        survivor = b if finished_by is a else a
        finished_by.kill9()
        self.assertEqual(survivor.output(done), "out")
        self.assertEqual(survivor.output(done, "stderr"), "err")

    def test_a_job_running_on_another_node_is_followed_from_the_database_copy(self):
        a, b = self.cluster(2, "--workers", "1", "--lease", LEASE)
        gate = self.path("gate")
        jid = a.submit({"command": ["sh", "-c", "echo first; while [ ! -e '%s' ]; do "
                                    "sleep 0.02; done; echo second" % gate]})["id"]
        owner = self.runs_on((a, b), jid)
        other = b if owner is a else a
        conn = http.client.HTTPConnection("127.0.0.1", other.port, timeout=20)
        conn.request("GET", "/v1/jobs/%d/stdout?follow=true" % jid)
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        got = b""
        while b"first\n" not in got:
            piece = resp.read1(65536)
            self.assertTrue(piece, "the stream ended early: %r" % got)
            got += piece
        self.assertEqual(other.job(jid)["state"], "running")
        open(gate, "w").close()
        got += resp.read()
        conn.close()
        self.assertEqual(got, b"first\nsecond\n")
        self.assertEqual(other.job(jid)["state"], "succeeded")

    def test_a_database_restart_loses_no_job_and_the_node_carries_on(self):
        srv = self.node("solo", "--workers", "1", "--lease", "30")
        jid = srv.submit({"command": ["sh", "-c", "sleep 1.5; echo done"]})["id"]
        srv.wait_for(jid, "running", timeout=5)
        # The throwaway server of tests/pg/pg-server.sh: its socket dir holds data/.
        pg_dir = os.environ["JOBD_TEST_PG"].split("host=")[1].split("&")[0]
        pg_ctl = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]
        cmd = [pg_ctl, "-D", os.path.join(pg_dir, "data"), "-m", "fast", "-w", "restart"]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        job = srv.wait_for(jid, FINAL, timeout=20)
        self.assertEqual((job["state"], job["attempts"]), ("succeeded", 1), job)
        self.assertEqual(srv.output(jid), "done\n")
        after = srv.submit({"command": ["echo", "after"]})["id"]
        self.assertEqual(srv.wait_for(after, FINAL, timeout=10)["state"], "succeeded")


def main(argv):
    if BACKEND != "postgres":
        print("test_cluster.py: JOBD_TEST_PG is not set (use tests/cluster/run.sh)")
        print("0 passed, 1 failed")
        return 1
    loader = unittest.TestLoader()
    module = sys.modules[__name__]
    suite = (loader.loadTestsFromNames(argv, module) if argv
             else loader.loadTestsFromModule(module))
    ids = [t.id() for t in runner._flatten(suite)]
    t0 = time.monotonic()

    def interrupted(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    try:
        result = unittest.TextTestRunner(verbosity=2, stream=sys.stderr).run(suite)
    finally:  # normally all done by the tests' cleanups already
        for srv in _made["nodes"]:
            srv.close()
        for name in _made["dbs"]:
            _drop(name)
        for d in _made["dirs"]:
            shutil.rmtree(d, True)
    bad = set()
    for test, _ in result.failures + result.errors:
        bad |= runner._failed_ids(test, ids)
    bad |= {t.id() for t in result.unexpectedSuccesses}
    skipped = len({t.id() for t, _ in result.skipped} - bad)
    sys.stderr.flush()
    print("cluster suite took %.1fs" % (time.monotonic() - t0))
    line = "%d passed, %d failed" % (len(ids) - len(bad) - skipped, len(bad))
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 1 if bad or not ids else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
