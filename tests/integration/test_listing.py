# GET /v1/jobs: newest first, state and batch_id filters, limit, and keyset
# pagination through `next` (a relative URL, null on the last page).
from urllib.parse import parse_qs, urlsplit

import procs
from base import JobdTestCase


class TestListing(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1", "--kill-grace", "1"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.make_jobs(cls.jobd)
        except BaseException:
            cls.jobd.close()
            raise

    @classmethod
    def make_jobs(cls, srv):
        ids = {}
        for name, cmd in (("s1", "true"), ("f1", "exit 1"), ("s2", "true"),
                          ("f2", "exit 2"), ("s3", "true")):
            ids[name] = srv.submit({"command": cmd, "name": name})["id"]
        batch = srv.submit_batch([{"command": "true"}, {"command": "true"}])
        cls.batch_id = batch["id"]
        ids["b1"], ids["b2"] = batch["job_ids"]
        for i in ids.values():
            srv.wait_for(i, timeout=20)
        cls.mark = procs.marker()
        ids["run"] = srv.submit({"command": ["sleep", cls.mark]})["id"]
        srv.wait_for(ids["run"], "running", 10)
        ids["q"] = srv.submit({"command": "true", "name": "q"})["id"]
        cls.ids = ids

    def list(self, query=""):
        body, _ = self.jobd.expect(200, "GET", "/v1/jobs" + query)
        self.assertEqual(set(body), {"jobs", "next"}, body)
        return body

    def ids_of(self, *names):
        return sorted((self.ids[n] for n in names), reverse=True)

    def test_list_is_newest_first_with_full_jobs_and_no_next(self):
        body = self.list()
        got = [j["id"] for j in body["jobs"]]
        self.assertEqual(got, sorted(self.ids.values(), reverse=True))
        self.assertIsNone(body["next"])
        first = body["jobs"][0]
        self.assertEqual(first["state"], "queued")
        self.assertEqual(first["name"], "q")
        self.assertEqual(first["command"], "true")

    def test_state_filter_returns_only_that_state(self):
        got = [j["id"] for j in self.list("?state=succeeded")["jobs"]]
        self.assertEqual(got, self.ids_of("s1", "s2", "s3", "b1", "b2"))
        got = [j["id"] for j in self.list("?state=queued")["jobs"]]
        self.assertEqual(got, self.ids_of("q"))
        self.assertEqual(self.list("?state=timed_out")["jobs"], [])

    def test_state_filter_accepts_several_comma_separated_states(self):
        got = [j["id"] for j in self.list("?state=failed,running")["jobs"]]
        self.assertEqual(got, self.ids_of("f1", "f2", "run"))

    def test_batch_id_filter_returns_the_batch_jobs(self):
        got = [j["id"] for j in self.list("?batch_id=%d" % self.batch_id)["jobs"]]
        self.assertEqual(got, self.ids_of("b1", "b2"))
        self.assertEqual(self.list("?batch_id=999999")["jobs"], [])

    def test_limit_pages_follow_next_to_the_end_without_gaps(self):
        everything = [j["id"] for j in self.list()["jobs"]]
        url, pages, seen = "/v1/jobs?limit=2", 0, []
        while url is not None:
            self.assertTrue(url.startswith("/v1/jobs?"), "next is not relative: %r" % url)
            body = self.list(url[len("/v1/jobs"):])
            self.assertLessEqual(len(body["jobs"]), 2)
            self.assertGreater(len(body["jobs"]), 0, "empty page before next=null")
            seen += [j["id"] for j in body["jobs"]]
            url = body["next"]
            pages += 1
            self.assertLessEqual(pages, 10, "pagination does not end")
        self.assertEqual(seen, everything)
        self.assertEqual(pages, (len(everything) + 1) // 2)

    def test_pagination_keeps_the_state_filter(self):
        body = self.list("?state=succeeded&limit=3")
        self.assertEqual(len(body["jobs"]), 3)
        self.assertIsNotNone(body["next"])
        q = parse_qs(urlsplit(body["next"]).query)
        self.assertEqual(q.get("state"), ["succeeded"], body["next"])
        rest = self.list(body["next"][len("/v1/jobs"):])
        self.assertIsNone(rest["next"])
        got = [j["id"] for j in body["jobs"] + rest["jobs"]]
        self.assertEqual(got, self.ids_of("s1", "s2", "s3", "b1", "b2"))

    def test_before_id_returns_only_older_jobs(self):
        pivot = self.ids["s3"]
        got = [j["id"] for j in self.list("?before_id=%d" % pivot)["jobs"]]
        self.assertEqual(got, self.ids_of("s1", "f1", "s2", "f2"))

    def test_limit_out_of_range_or_malformed_is_invalid(self):
        for query in ("?limit=0", "?limit=501", "?limit=abc", "?limit=-1",
                      "?state=bogus", "?batch_id=abc", "?before_id=x"):
            with self.subTest(query=query):
                self.assertError(self.jobd.request("GET", "/v1/jobs" + query),
                                 400, "invalid_request")
        self.assertEqual(len(self.list("?limit=500")["jobs"]), len(self.ids))
        self.assertEqual(len(self.list("?limit=1")["jobs"]), 1)
