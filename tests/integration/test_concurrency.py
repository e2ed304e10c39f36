# Many clients at once: concurrent submissions and batches all stored with
# distinct ids, and cancels racing a job's own completion stay consistent.
import threading

from base import JobdTestCase

THREADS = 8


def in_threads(fn, n=THREADS):
    """Run fn(i) in n threads; return the results in order (re-raising the
    first exception)."""
    results, errors = [None] * n, []

    def run(i):
        try:
            results[i] = fn(i)
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if errors:
        raise errors[0]
    return results


class TestConcurrency(JobdTestCase):
    TIMEOUT = 90

    def test_concurrent_submissions_are_all_stored_with_distinct_ids(self):
        srv = self.server("--workers", "2")
        per = 40
        got = in_threads(lambda i: [srv.submit({"command": ["true"], "name": "t%d-%d" % (i, k)})
                                    for k in range(per)])
        jobs = [j for chunk in got for j in chunk]
        ids = [j["id"] for j in jobs]
        self.assertEqual(len(set(ids)), THREADS * per)
        for chunk in got:  # each client sees its own ids increase
            self.assertEqual([j["id"] for j in chunk], sorted(j["id"] for j in chunk))
        listed = srv.expect(200, "GET", "/v1/jobs?limit=500")[0]["jobs"]
        self.assertEqual({j["id"] for j in listed}, set(ids))
        self.assertEqual({j["name"] for j in listed}, {j["name"] for j in jobs})
        srv.wait_until("all jobs to succeed", lambda: srv.stats()["counts"]["succeeded"]
                       == THREADS * per, 60)
        s = srv.stats()
        self.assertEqual((s["submitted_total"], s["finished_total"]),
                         (THREADS * per, THREADS * per))

    def test_concurrent_batches_each_get_exactly_their_jobs(self):
        srv = self.server("--workers", "2")
        size = 50
        batches = in_threads(lambda i: srv.submit_batch(
            [{"command": ["true"], "name": "b%d" % i}] * size), 4)
        all_ids = [i for b in batches for i in b["job_ids"]]
        self.assertEqual(len(set(all_ids)), 4 * size)
        for n, b in enumerate(batches):
            listed = srv.expect(200, "GET", "/v1/jobs?limit=500&batch_id=%d" % b["id"])[0]["jobs"]
            self.assertEqual(sorted(j["id"] for j in listed), sorted(b["job_ids"]))
            self.assertEqual({j["name"] for j in listed}, {"b%d" % n})
        for b in batches:
            done = srv.wait_batch(b["id"], 60)
            self.assertEqual(done["counts"]["succeeded"], size, done)

    def test_cancel_racing_completion_is_consistent(self):
        srv = self.server("--workers", "2", "--kill-grace", "1")
        outcomes = []
        for _ in range(60):
            job = srv.submit({"command": ["true"]})
            st, _, body = srv.cancel(job["id"])
            self.assertIn(st, (200, 409), body)
            outcomes.append((job["id"], st, body))
        for job_id, st, body in outcomes:
            final = srv.wait_for(job_id, timeout=20)
            if st == 409:
                self.assertEqual(final["state"], "succeeded", (body, final))
            elif body["state"] == "canceled":
                self.assertEqual(final["state"], "canceled", (body, final))
            else:
                self.assertIs(body.get("cancel_requested"), True, body)
                self.assertIn(final["state"], ("canceled", "succeeded"), final)
        ws = srv.wait_until("pool idle", lambda: (
            srv.workers() if srv.stats()["busy"] == 0 else None), 10)
        self.assertEqual(len(ws["workers"]), 2)
        s = srv.stats()
        self.assertEqual(s["counts"]["canceled"] + s["counts"]["succeeded"], 60, s)
