# Tags: `tags` on job and batch specs (a batch's apply to each job, a job's
# own win per key), their bounds, the list filters ?tag=k:v (repeatable,
# AND) and ?name_prefix=, pagination through `next` with them, and the
# indexes that serve them (EXPLAIN).
import sqlite3
from urllib.parse import quote

from base import JobdTestCase
from harness import BACKEND


class TestTags(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            # A paused queue: every job stays queued, so nothing here moves.
            cls.jobd.expect(200, "PUT", "/v1/queues/tags-held", body={"paused": True})
        except BaseException:
            cls.jobd.close()
            raise

    def submit(self, spec):
        spec = dict(spec, queue="tags-held")
        return self.jobd.submit(spec)

    def ids(self, query):
        body, _ = self.jobd.expect(200, "GET", "/v1/jobs" + query)
        return [j["id"] for j in body["jobs"]]

    def test_job_json_shows_its_tags_and_an_untagged_job_none(self):
        job = self.submit({"command": "true", "tags": {"env": "prod", "team": "ml"}})
        self.assertEqual(job["tags"], {"env": "prod", "team": "ml"})
        self.assertEqual(self.jobd.job(job["id"])["tags"], {"env": "prod", "team": "ml"})
        self.assertEqual(self.submit({"command": "true"})["tags"], {})

    def test_batch_tags_apply_to_each_job_and_a_job_own_tag_wins(self):
        body, _ = self.jobd.expect(201, "POST", "/v1/batches", body={
            "tags": {"run": "b1", "env": "dev"},
            "jobs": [{"command": "true", "queue": "tags-held"},
                     {"command": "true", "queue": "tags-held",
                      "tags": {"env": "prod", "extra": "x"}}]})
        first, second = (self.jobd.job(i) for i in body["job_ids"])
        self.assertEqual(first["tags"], {"run": "b1", "env": "dev"})
        self.assertEqual(second["tags"], {"run": "b1", "env": "prod", "extra": "x"})
        self.assertEqual(self.ids("?tag=run:b1&tag=env:prod"), [second["id"]])

    def test_invalid_tags_are_refused_naming_the_field_and_key(self):
        cases = [
            ({"tags": ["a"]}, "tags"),
            ({"tags": {"bad key": "v"}}, "tags.bad key"),
            ({"tags": {"k": 1}}, "tags.k"),
            ({"tags": {"k": "line\nbreak"}}, "tags.k"),
            ({"tags": {"k": "v" * 257}}, "tags.k"),
            ({"tags": {"t%d" % i: "v" for i in range(17)}}, "tags"),
        ]
        for extra, field in cases:
            resp = self.jobd.request("POST", "/v1/jobs", body=dict({"command": "true"}, **extra))
            self.assertError(resp, 400, "invalid_request", field)
        err = self.assertError(self.jobd.request("POST", "/v1/jobs", body={
            "command": "true", "tags": {"k" * 65: "v"}}), 400, "invalid_request")
        self.assertTrue(err["field"].startswith("tags.kkk"), err)
        ok = self.submit({"command": "true", "tags": {"k" * 64: "v" * 256, "a.-_": "ünï"}})
        self.assertEqual(len(ok["tags"]), 2)
        resp = self.jobd.request("POST", "/v1/batches", body={
            "tags": {"t%d" % i: "v" for i in range(10)},
            "jobs": [{"command": "true", "tags": {"u%d" % i: "v" for i in range(7)}}]})
        self.assertError(resp, 400, "invalid_request", "jobs[0].tags")

    def test_tag_filters_are_anded_and_checked(self):
        a = self.submit({"command": "true", "tags": {"and-c": "1", "and-d": "1"}})["id"]
        b = self.submit({"command": "true", "tags": {"and-c": "1", "and-d": "2"}})["id"]
        c = self.submit({"command": "true", "tags": {"and-c": "2", "and-d": "1"}})["id"]
        self.assertEqual(self.ids("?tag=and-c:1"), [b, a])
        self.assertEqual(self.ids("?tag=and-d:1"), [c, a])
        self.assertEqual(self.ids("?tag=and-c:1&tag=and-d:1"), [a])
        self.assertEqual(self.ids("?tag=and-c:1&tag=and-d:1&state=succeeded"), [])
        self.assertEqual(self.ids("?tag=and-c:3"), [])
        for q in ("?tag=nocolon", "?tag=bad%20key:v", "?tag=k:" + "v" * 257):
            self.assertError(self.jobd.request("GET", "/v1/jobs" + q), 400, "invalid_request",
                             "tag")

    def test_tag_values_with_colons_and_spaces_filter_and_page(self):
        ids = [self.submit({"command": "true", "tags": {"url": "http://x y/é"}})["id"]
               for _ in range(5)]
        url, seen = "/v1/jobs?limit=2&tag=" + quote("url:http://x y/é"), []
        while url is not None:
            body, _ = self.jobd.expect(200, "GET", url)
            self.assertLessEqual(len(body["jobs"]), 2)
            seen += [j["id"] for j in body["jobs"]]
            url = body["next"]
        self.assertEqual(seen, sorted(ids, reverse=True))

    def test_pagination_with_tag_filter_keeps_every_filter(self):
        want = []
        for i in range(7):
            j = self.submit({"command": "true", "name": "pg-%d" % i,
                             "tags": {"page": "p", "odd": str(i % 2)}})
            if i % 2:
                want.append(j["id"])
            self.submit({"command": "true", "tags": {"page": "other"}})
        url, seen, pages = "/v1/jobs?limit=1&tag=page:p&tag=odd:1&name_prefix=pg-", [], 0
        while url is not None:
            body, _ = self.jobd.expect(200, "GET", url)
            seen += [j["id"] for j in body["jobs"]]
            url = body["next"]
            pages += 1
            if url:
                self.assertIn("tag=page:p", url)
                self.assertIn("tag=odd:1", url)
                self.assertIn("name_prefix=pg-", url)
        self.assertEqual(seen, sorted(want, reverse=True))
        self.assertEqual(pages, len(want))

    def test_name_prefix_matches_names_that_start_with_it(self):
        ids = {n: self.submit({"command": "true", "name": n})["id"]
               for n in ("np-alpha", "np-alphabet", "np-beta", "np-alpha/x", "nq-alpha")}
        self.assertEqual(self.ids("?name_prefix=np-alpha"),
                         sorted([ids["np-alpha"], ids["np-alphabet"], ids["np-alpha/x"]],
                                reverse=True))
        self.assertEqual(self.ids("?name_prefix=np-"), sorted(
            [v for k, v in ids.items() if k.startswith("np-")], reverse=True))
        self.assertEqual(self.ids("?name_prefix=np-gamma"), [])
        self.assertEqual(self.ids("?name_prefix=%25"), [])  # no LIKE wildcard
        self.assertError(self.jobd.request("GET", "/v1/jobs?name_prefix="), 400,
                         "invalid_request", "name_prefix")

    def test_filters_are_served_by_indexes(self):
        """The scans of store_stmts.def (STMT_LIST_TAG, STMT_LIST_NAME), as the
        planner sees them on the server's own database."""
        tag_sql = ("SELECT id FROM jobs WHERE id IN (SELECT job_id FROM job_tags WHERE key = 'k'"
                   " AND value = 'v' AND job_id < 100 ORDER BY job_id DESC LIMIT 10)"
                   " ORDER BY id DESC")
        if BACKEND == "sqlite":
            db = sqlite3.connect(self.jobd.db)
            try:
                plan = " | ".join(r[-1] for r in db.execute("EXPLAIN QUERY PLAN " + tag_sql))
                self.assertIn("job_tags_kv", plan)
                self.assertNotIn("SCAN job_tags", plan)
                plan = " | ".join(r[-1] for r in db.execute(
                    "EXPLAIN QUERY PLAN SELECT id FROM jobs INDEXED BY jobs_name WHERE name IS NOT"
                    " NULL AND name >= 'a' AND name < 'b' AND id < 100 ORDER BY id DESC LIMIT 10"))
                self.assertIn("INDEX jobs_name (name>? AND name<?)", plan)
            finally:
                db.close()
        else:
            plan = self.jobd.psql("SET enable_seqscan = off; EXPLAIN " + tag_sql)
            self.assertIn("job_tags_kv", plan)
            plan = self.jobd.psql(
                "SET enable_seqscan = off; EXPLAIN SELECT id FROM jobs WHERE name IS NOT NULL"
                " AND name COLLATE \"C\" >= 'a' AND name COLLATE \"C\" < 'b' AND id < 100"
                " ORDER BY id DESC LIMIT 10")
            self.assertIn("jobs_name", plan)
