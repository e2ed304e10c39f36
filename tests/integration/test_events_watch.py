# GET /v1/events for a watcher (the dashboard): ?coalesce=true sends a job
# whose changes fall into one send once, in its latest state (the other ids
# skipped); ?stats=true adds `stats` events, the figures of GET /v1/stats,
# at the start and whenever they change (this node's: on a cluster without
# /v1/stats's `cluster`). Without them nothing changes.
import json

from base import JobdTestCase
from test_events import Stream, final_of, job_of, seq


def stats_of(ev):
    return json.loads(ev["data"]) if ev.get("event") == "stats" else None


class TestEventsWatch(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2"]
    TIMEOUT = 60

    def stream(self, query="", **kw):
        s = Stream(self.jobd, query=query, **kw)
        self.addCleanup(s.close)
        return s

    def finished_batch(self, n):
        """A batch of n `true` run to the end while a plain stream watched:
        (job ids, that stream's events of them, the id just before them)."""
        plain = self.stream()
        batch = self.jobd.submit_batch([{"command": ["true"]}] * n, name="watched")
        ids = set(batch["job_ids"])
        evs, left = [], set(ids)
        while left:
            ev = plain.next()
            job = job_of(ev)
            if job is not None and job["id"] in ids:
                evs.append(ev)
                if final_of(job["id"])(ev):
                    left.discard(job["id"])
        run, first = seq(evs[0])
        return ids, evs, "%d.%d" % (run, first - 1)

    def test_coalesce_sends_each_job_of_a_send_once_in_its_latest_state(self):
        ids, evs, before = self.finished_batch(5)
        self.assertGreaterEqual(len(evs), 3 * len(ids), evs)
        # Resumed from before them: every change is in the ring, so in one send.
        co = self.stream(query="?coalesce=true", headers={"Last-Event-ID": before})
        got = [co.next() for _ in ids]
        latest = {}
        for ev in evs:
            latest[job_of(ev)["id"]] = ev
        want = sorted(latest.values(), key=seq)
        self.assertEqual([(ev["id"], ev["data"]) for ev in got], [(ev["id"], ev["data"]) for ev in want])
        self.assertTrue(all(job_of(ev)["state"] == "succeeded" for ev in got), got)
        # The same resume without it replays every change.
        plain = self.stream(headers={"Last-Event-ID": before})
        self.assertEqual([plain.next()["id"] for _ in evs], [ev["id"] for ev in evs])

    def test_stats_events_carry_the_figures_at_the_start_and_as_they_change(self):
        s = self.stream(query="?stats=true")
        plain = self.stream()
        first = s.next()
        now = self.jobd.stats()
        got = stats_of(first)
        self.assertIsNotNone(got, first)
        self.assertNotIn("id", first)
        now.pop("cluster", None)  # a cluster node's: the nodes' sum, which the event has not
        self.assertEqual(set(got), set(now))
        self.assertEqual(got["counts"], now["counts"])
        job = self.jobd.submit({"command": ["true"]})
        done = now["counts"]["succeeded"] + 1
        seen = s.until(lambda ev: (stats_of(ev) or {}).get("counts", {}).get("succeeded") == done)
        last = stats_of(seen[-1])
        self.assertEqual((last["finished_total"], last["busy"], last["idle"]),
                         (now["finished_total"] + 1, 0, True))
        # The job's own events come before the figures that count it.
        self.assertTrue(any(final_of(job["id"])(ev) for ev in seen), seen)
        # A stream that did not ask gets none.
        evs = plain.until(final_of(job["id"]))
        self.assertNotIn("stats", [ev.get("event") for ev in evs])

    def test_coalesce_and_stats_take_only_true_or_false(self):
        for name in ("coalesce", "stats"):
            with self.subTest(param=name):
                bad = self.stream(query="?%s=yes" % name)
                self.assertEqual(bad.status, 400)
                self.assertEqual(json.loads(bad.resp.read())["error"]["field"], name)
                ok = self.stream(query="?%s=false" % name)
                self.assertEqual(ok.status, 200)
