# The command line's tags and bulk forms: `run --tag K=V`, `batch
# --tag=K=V` (a bare --tag still prefixes output lines), `ls --tag K:V
# --name-prefix P`, `cancel FILTER` (counts only without --yes) and
# `rerun --failed --batch ID`.
from test_cli import EXIT_USAGE, CliTestCase


class TestCliTags(CliTestCase):
    def held(self, queue):
        self.jobd.expect(200, "PUT", "/v1/queues/" + queue, body={"paused": True})
        return queue

    def test_run_and_batch_tag_jobs_and_ls_filters_by_tag_and_prefix(self):
        q = self.held("cli-tags")
        one = self.run_id("--queue", q, "--name", "clt-one", "--tag", "env=prod", "--tag",
                          "team:ml", "--", "true")
        self.assertEqual(self.jobd.job(one)["tags"], {"env": "prod", "team": "ml"})
        r = self.cli("batch", "--queue", q, "--tag=env=prod", "--", "echo", stdin="a\nb\n")
        self.assertExit(r, 0)
        batch = self.jobd.expect(200, "GET", "/v1/jobs?batch_id=%d" % int(r.stdout))[0]["jobs"]
        self.assertEqual([j["tags"] for j in batch], [{"env": "prod"}] * 2)
        r = self.cli("ls", "--tag", "env:prod", "--tag", "team=ml")
        self.assertExit(r, 0)
        self.assertEqual([line.split()[0] for line in r.stdout.splitlines()[1:]], [str(one)])
        r = self.cli("ls", "--name-prefix", "clt-", "--queue", q)
        self.assertEqual([line.split()[0] for line in r.stdout.splitlines()[1:]], [str(one)])
        self.assertExit(self.cli("run", "--tag", "novalue", "--", "true"), EXIT_USAGE)

    def test_cancel_by_filter_counts_without_yes_and_cancels_with_it(self):
        q = self.held("cli-bulk")
        ids = [self.run_id("--queue", q, "--tag", "cb=1", "--", "true") for _ in range(3)]
        r = self.cli("cancel", "--tag", "cb:1")
        self.assertExit(r, 0)
        self.assertIn("3 would be canceled", r.stdout)
        self.assertEqual({self.jobd.job(i)["state"] for i in ids}, {"queued"})
        r = self.cli("cancel", "--tag", "cb:1", "--yes")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, "canceled 3 of 3 matching jobs\n")
        self.assertEqual({self.jobd.job(i)["state"] for i in ids}, {"canceled"})
        self.assertExit(self.cli("cancel", str(ids[0]), "--tag", "cb:1"), EXIT_USAGE)

    def test_rerun_failed_of_a_batch(self):
        r = self.cli("batch", "--sh", "exit {}", stdin="0\n3\n")
        self.assertExit(r, 0)
        b = int(r.stdout)
        self.jobd.wait_batch(b)
        r = self.cli("rerun", "--failed", "--batch", str(b))
        self.assertExit(r, 0)
        self.assertRegex(r.stdout, r"^rerun 1 of 1 matching jobs as batch \d+\n$")
