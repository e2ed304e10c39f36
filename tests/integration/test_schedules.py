# Cron schedules: POST/GET/DELETE /v1/schedules, pause and resume. Each
# firing makes an ordinary job carrying schedule_id; overlap "skip" holds a
# firing back while the last one's job is unfinished; firings missed while
# jobd was down follow catch_up; time zones follow their DST rules; bad
# input is refused naming the field. Seconds-resolution expressions (six
# fields) keep these tests short.
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from base import JobdTestCase
from harness import FINAL


def parse(ts):
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


class TestSchedules(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2", "--kill-grace", "1"]

    def create(self, body, srv=None, status=201):
        return (srv or self.jobd).expect(status, "POST", "/v1/schedules", body=body)[0]

    def get(self, sid, srv=None):
        return (srv or self.jobd).expect(200, "GET", "/v1/schedules/%d" % sid)[0]

    def jobs_of(self, sid, srv=None):
        jobs = (srv or self.jobd).expect(200, "GET", "/v1/jobs?limit=500&schedule_id=%d" % sid)[0]
        self.assertTrue(all(j["schedule_id"] == sid for j in jobs["jobs"]), jobs)
        return jobs["jobs"]

    def delete(self, sid, srv=None):
        (srv or self.jobd).expect(200, "DELETE", "/v1/schedules/%d" % sid)

    def cleanup(self, sid):
        """Deletes the schedule when the test ends, if the test has not."""
        self.addCleanup(self.jobd.request, "DELETE", "/v1/schedules/%d" % sid)

    def test_create_shows_defaults_and_next_run_and_is_listed(self):
        s = self.create({"cron": "0 3 * * *", "job": {"command": ["true"]}})
        self.cleanup(s["id"])
        self.assertEqual((s["timezone"], s["overlap"], s["catch_up"], s["paused"]),
                         ("UTC", "skip", "none", False), s)
        self.assertEqual(s["job"], {"command": ["true"]})
        nxt = parse(s["next_run_at"])
        now = datetime.now(timezone.utc)
        self.assertEqual((nxt.hour, nxt.minute, nxt.second), (3, 0, 0), s)
        self.assertTrue(now < nxt <= now + timedelta(days=1), s)
        self.assertEqual((s["runs"], s["skipped"], s["last_job_id"]), (0, 0, None))
        listed = self.jobd.expect(200, "GET", "/v1/schedules")[0]["schedules"]
        self.assertIn(s["id"], [x["id"] for x in listed])
        self.assertEqual(self.get(s["id"])["cron"], "0 3 * * *")

    def test_each_firing_makes_an_ordinary_job_with_schedule_id(self):
        s = self.create({"cron": "* * * * * *", "name": "every second",
                         "job": {"command": ["echo", "tick"], "name": "tick", "queue": "cron"}})
        self.cleanup(s["id"])
        self.jobd.wait_until("3 firings", lambda: len(self.jobs_of(s["id"])) >= 3, 10)
        jobs = self.jobs_of(s["id"])
        for j in jobs:
            self.assertEqual((j["name"], j["queue"], j["schedule_id"]), ("tick", "cron", s["id"]))
        done = self.jobd.wait_for(jobs[-1]["id"], FINAL, 10)
        self.assertEqual(self.jobd.output(done["id"]), "tick\n")
        starts = sorted(parse(j["created_at"]) for j in jobs)
        for a, b in zip(starts, starts[1:]):
            self.assertGreater((b - a).total_seconds(), 0.5, starts)
        cur = self.get(s["id"])
        self.assertGreaterEqual(cur["runs"], 3, cur)
        # Paged by schedule_id: newest first, next keeps the filter.
        page = self.jobd.expect(200, "GET", "/v1/jobs?limit=2&schedule_id=%d" % s["id"])[0]
        self.assertEqual(len(page["jobs"]), 2)
        self.assertIn("schedule_id=%d" % s["id"], page["next"])
        rest = self.jobd.expect(200, "GET", page["next"])[0]["jobs"]
        self.assertTrue(rest and all(j["schedule_id"] == s["id"] and j["id"] < page["jobs"][1]["id"]
                                     for j in rest), rest)
        done = self.jobd.expect(200, "GET", "/v1/jobs?state=succeeded&schedule_id=%d" % s["id"])[0]
        self.assertTrue(all(j["state"] == "succeeded" for j in done["jobs"]), done)
        self.assertError(self.jobd.request("GET", "/v1/jobs?batch_id=1&schedule_id=%d" % s["id"]),
                         400, "invalid_request", "schedule_id")
        self.assertIsNotNone(cur["last_run_at"])
        self.assertIn(cur["last_job_id"], [j["id"] for j in self.jobs_of(s["id"])])

    def test_overlap_skip_waits_for_the_last_job_and_allow_does_not(self):
        mark = self.marker()
        skip = self.create({"cron": "* * * * * *", "job": {"command": ["sleep", mark]}})
        self.cleanup(skip["id"])
        self.jobd.wait_until("the first firing", lambda: self.jobs_of(skip["id"]), 5)
        self.jobd.wait_until("two skipped firings",
                             lambda: self.get(skip["id"])["skipped"] >= 2, 6)
        self.assertEqual(len(self.jobs_of(skip["id"])), 1)
        self.assertIn("unfinished", self.get(skip["id"])["last_error"])
        self.delete(skip["id"])
        self.jobd.cancel(self.jobs_of(skip["id"])[0]["id"])

        allow = self.create({"cron": "* * * * * *", "overlap": "allow",
                             "job": {"command": ["sleep", mark], "queue": "overlap"}})
        self.cleanup(allow["id"])
        self.jobd.wait_until("two jobs at once", lambda: sum(
            j["state"] == "running" for j in self.jobs_of(allow["id"])) >= 2, 8)
        self.delete(allow["id"])
        for j in self.jobs_of(allow["id"]):
            self.jobd.cancel(j["id"])

    def test_pause_stops_firings_and_resume_starts_them_again(self):
        s = self.create({"cron": "* * * * * *", "job": {"command": ["true"]}})
        self.cleanup(s["id"])
        p = self.jobd.expect(200, "POST", "/v1/schedules/%d/pause" % s["id"])[0]
        self.assertEqual((p["paused"], p["next_run_at"]), (True, None), p)
        before = len(self.jobs_of(s["id"]))
        time.sleep(2.2)
        self.assertEqual(len(self.jobs_of(s["id"])), before)
        r = self.jobd.expect(200, "POST", "/v1/schedules/%d/resume" % s["id"])[0]
        self.assertFalse(r["paused"])
        self.assertIsNotNone(r["next_run_at"])
        self.jobd.wait_until("a firing after resume",
                             lambda: len(self.jobs_of(s["id"])) > before, 5)

    def test_created_paused_never_fires(self):
        s = self.create({"cron": "* * * * * *", "paused": True, "job": {"command": ["true"]}})
        self.cleanup(s["id"])
        self.assertIsNone(s["next_run_at"])
        time.sleep(1.5)
        self.assertEqual(self.jobs_of(s["id"]), [])

    def test_delete_stops_it_and_its_jobs_keep_schedule_id(self):
        s = self.create({"cron": "* * * * * *", "job": {"command": ["true"]}})
        self.jobd.wait_until("a firing", lambda: self.jobs_of(s["id"]), 5)
        st, _, body = self.jobd.request("DELETE", "/v1/schedules/%d" % s["id"])
        self.assertEqual((st, body["id"]), (200, s["id"]), body)
        self.assertError(self.jobd.request("GET", "/v1/schedules/%d" % s["id"]), 404, "not_found")
        self.assertError(self.jobd.request("DELETE", "/v1/schedules/%d" % s["id"]), 404, "not_found")
        n = len(self.jobs_of(s["id"]))
        time.sleep(1.5)
        self.assertEqual(len(self.jobs_of(s["id"])), n)

    def test_time_zones_follow_their_own_offsets(self):
        for tz in ("Europe/Berlin", "America/New_York", "Asia/Kolkata"):
            s = self.create({"cron": "30 9 * * *", "timezone": tz, "job": {"command": ["true"]}})
            self.cleanup(s["id"])
            local = parse(s["next_run_at"]).astimezone(ZoneInfo(tz))
            self.assertEqual((local.hour, local.minute, local.second), (9, 30, 0), (tz, s))
            self.assertEqual(s["timezone"], tz)

    def test_bad_schedules_are_refused_naming_the_field(self):
        ok_job = {"command": ["true"]}
        cases = (
            ({"cron": "61 * * * *", "job": ok_job}, "cron"),
            ({"cron": "* * *", "job": ok_job}, "cron"),
            ({"cron": "0 0 30 2 *", "job": ok_job}, "cron"),
            ({"cron": "0 0 30 2 *", "paused": True, "job": ok_job}, "cron"),
            ({"cron": 5, "job": ok_job}, "cron"),
            ({"job": ok_job}, "cron"),
            ({"cron": "* * * * *", "timezone": "Mars/Olympus", "job": ok_job}, "timezone"),
            ({"cron": "* * * * *", "timezone": "../../etc/passwd", "job": ok_job}, "timezone"),
            ({"cron": "* * * * *", "overlap": "sometimes", "job": ok_job}, "overlap"),
            ({"cron": "* * * * *", "catch_up": "all", "job": ok_job}, "catch_up"),
            ({"cron": "* * * * *"}, "job"),
            ({"cron": "* * * * *", "job": "true"}, "job"),
            ({"cron": "* * * * *", "job": {"command": []}}, "job.command"),
            ({"cron": "* * * * *", "job": {"command": ["true"], "run_at": "2030-01-01T00:00:00Z"}},
             "job.run_at"),
            ({"cron": "* * * * *", "job": {"command": ["true"], "after": [1]}}, "job.after"),
            ({"cron": "* * * * *", "job": {"command": ["true"], "limits": {"cpu_s": 0}}},
             "job.limits.cpu_s"),
            ({"cron": "* * * * *", "job": ok_job, "every": "day"}, "every"),
        )
        for body, field in cases:
            self.assertError(self.jobd.request("POST", "/v1/schedules", body=body),
                             400, "invalid_request", field)
        self.assertError(self.jobd.request("POST", "/v1/schedules/999999/pause"), 404, "not_found")
        self.assertError(self.jobd.request("GET", "/v1/schedules/999999"), 404, "not_found")


class TestSchedulesAcrossRestarts(JobdTestCase):
    def missed_schedule(self, catch_up):
        """A schedule firing once a minute, 2 s from now; the server is
        killed before that second and restarted after it."""
        srv = self.server("--workers", "1")
        second = (datetime.now(timezone.utc) + timedelta(seconds=2.5)).second
        s = srv.expect(201, "POST", "/v1/schedules", body={
            "cron": "%d * * * * *" % second, "catch_up": catch_up,
            "job": {"command": ["true"]}})[0]
        srv.kill9()
        due = parse(s["next_run_at"])
        while datetime.now(timezone.utc) < due + timedelta(seconds=0.5):
            time.sleep(0.1)
        srv.restart()
        return srv, s

    def jobs_of(self, srv, sid):
        jobs = srv.expect(200, "GET", "/v1/jobs?limit=500")[0]["jobs"]
        return [j for j in jobs if j["schedule_id"] == sid]

    def test_catch_up_none_skips_firings_missed_while_down(self):
        srv, s = self.missed_schedule("none")
        cur = srv.wait_until("the missed firing to be handled", lambda: (
            lambda c: c if c["skipped"] == 1 else None)(
                srv.expect(200, "GET", "/v1/schedules/%d" % s["id"])[0]), 5)
        self.assertIn("missed", cur["last_error"])
        self.assertEqual((cur["runs"], self.jobs_of(srv, s["id"])), (0, []))
        self.assertGreater(parse(cur["next_run_at"]), datetime.now(timezone.utc))

    def test_catch_up_once_runs_one_job_for_the_missed_firings(self):
        srv, s = self.missed_schedule("once")
        jobs = srv.wait_until("the catch-up job", lambda: self.jobs_of(srv, s["id"]), 5)
        self.assertEqual(len(jobs), 1)
        self.assertEqual(srv.wait_for(jobs[0]["id"], FINAL, 10)["state"], "succeeded")
        cur = srv.expect(200, "GET", "/v1/schedules/%d" % s["id"])[0]
        self.assertEqual((cur["runs"], cur["skipped"]), (1, 0), cur)
        self.assertGreater(parse(cur["next_run_at"]), datetime.now(timezone.utc))

    def test_schedules_and_their_pause_survive_kill_9(self):
        srv = self.server("--workers", "1")
        a = srv.expect(201, "POST", "/v1/schedules", body={
            "cron": "0 4 * * 1-5", "timezone": "Europe/Berlin", "job": {"command": ["true"]}})[0]
        b = srv.expect(201, "POST", "/v1/schedules", body={
            "cron": "* * * * * *", "job": {"command": ["true"]}})[0]
        srv.expect(200, "POST", "/v1/schedules/%d/pause" % b["id"])
        srv.kill9()
        srv.restart()
        got = {s["id"]: s for s in srv.expect(200, "GET", "/v1/schedules")[0]["schedules"]}
        self.assertEqual(got[a["id"]]["next_run_at"], a["next_run_at"])
        self.assertTrue(got[b["id"]]["paused"])
        time.sleep(1.5)
        self.assertEqual(self.jobs_of(srv, b["id"]), [])
