# GET /openapi.json: the document in docs/openapi.json, OpenAPI 3.1, served
# without the token; it and the route list in server/api/routes.h (from which
# routes.c builds the route table) describe the same API both ways round.
import http.client
import json
import os
import re

from base import JobdTestCase
from harness import REPO

DOC = os.path.join(REPO, "docs", "openapi.json")
ROUTES_H = os.path.join(REPO, "server", "api", "routes.h")
ROUTE = re.compile(r'^\s*X\(\s*"([A-Z]+)",\s*"([^"]+)"', re.M)
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def norm(path):
    return re.sub(r"\{[^}]*\}", "{}", path)


def route_table():
    with open(ROUTES_H) as f:
        return [(m, norm(p)) for m, p in ROUTE.findall(f.read())]


def documented(doc):
    return [(method.upper(), path) for path, item in doc["paths"].items()
            for method in item if method in METHODS]


class TestOpenAPI(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--token", "0pen"]
    SERVER_TOKEN = "0pen"

    def served(self):
        st, hd, body = self.jobd.request("GET", "/openapi.json", token=None)
        self.assertEqual(st, 200, body)
        self.assertTrue(hd.get("Content-Type", "").startswith("application/json"),
                        hd.get("Content-Type"))
        return body

    def test_served_document_is_docs_openapi_json_without_a_token(self):
        with open(DOC) as f:
            self.assertEqual(self.served(), json.load(f))

    def test_document_is_openapi_3_1_with_paths(self):
        doc = self.served()
        self.assertRegex(doc.get("openapi", ""), r"^3\.1\.\d+$")
        self.assertTrue(doc["info"]["title"])
        self.assertTrue(doc["info"]["version"])
        self.assertTrue(doc["paths"])

    def test_every_route_in_the_route_table_is_documented(self):
        table = route_table()
        self.assertGreaterEqual(len(table), 10, "routes.h not parsed: %r" % table)
        doc = {(m, norm(p)) for m, p in documented(self.served())}
        missing = ["%s %s" % r for r in table if r not in doc]
        self.assertEqual(missing, [], "routes answered but not in openapi.json")

    def fill(self, path, ids):
        """A concrete URL for a path template: real job and batch ids, a
        real dashboard file for anything else."""
        if path.startswith("/v1/batches/"):
            return path.replace("{}", str(ids["batch"]))
        if path.startswith("/v1/jobs/"):
            return path.replace("{}", str(ids["job"]))
        if path.startswith("/v1/schedules/"):
            return path.replace("{}", str(ids["schedule"]))
        if path.startswith("/v1/queues/"):
            return path.replace("{}", "default")
        return path.replace("{}", "index.html")

    def status_of(self, method, url):
        if url.startswith("/v1/events"):  # a stream: the status line is enough
            conn = http.client.HTTPConnection("127.0.0.1", self.jobd.port, timeout=10)
            try:
                conn.request(method, url, headers={"Authorization": "Bearer 0pen"})
                return conn.getresponse().status
            finally:
                conn.close()
        bodies = {"/v1/jobs": {"command": ["true"]},
                  "/v1/batches": {"jobs": [{"command": ["true"]}]},
                  "/v1/schedules": {"cron": "@yearly", "job": {"command": ["true"]}},
                  "/v1/queues/default": {}}
        body = bodies.get(url) if method in ("POST", "PUT") else None
        return self.jobd.request(method, url, body=body)[0]

    def test_every_documented_operation_is_answered_by_the_server(self):
        job = self.run_job({"command": ["true"]})
        batch = self.jobd.submit_batch([{"command": ["true"]}])
        self.jobd.wait_batch(batch["id"])
        sched = self.jobd.expect(201, "POST", "/v1/schedules", body={
            "cron": "@yearly", "job": {"command": ["true"]}})[0]
        ids = {"job": job["id"], "batch": batch["id"], "schedule": sched["id"]}
        ops = sorted(documented(self.served()), key=lambda op: op[0] == "DELETE")
        self.assertGreaterEqual(len(ops), 10)
        unanswered = []
        for method, path in ops:
            url = self.fill(norm(path), ids)
            st = self.status_of(method, url)
            if st in (404, 405):
                unanswered.append("%s %s -> %d" % (method, url, st))
        self.assertEqual(unanswered, [], "documented but not answered")

    def test_route_table_and_document_list_the_same_operations(self):
        table = set(route_table())
        doc = {(m, norm(p)) for m, p in documented(self.served())}
        static = {("GET", "/"), ("GET", "/{}")}
        self.assertEqual(sorted(doc - static), sorted(table - static),
                         "openapi.json and routes.h disagree")
