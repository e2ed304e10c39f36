# The command line (`jobd run|batch|ls|show|logs|wait|cancel|rerun|stats|
# help`) against the real server: every command, every exit status of
# README's table, batches with and without {}, --tag, --json, and following
# a job's output while it is written.
import http.client
import json
import os
import signal
import subprocess
import tempfile

from base import JobdTestCase
from harness import BIN, free_port

CLI_TIMEOUT = 30
EXIT_USAGE, EXIT_REFUSED, EXIT_UNREACHABLE, EXIT_AUTH = 64, 65, 69, 77
EXIT_TIMED_OUT, EXIT_CANCELED, EXIT_CANNOT_RUN, EXIT_NOT_FOUND = 124, 125, 126, 127


class CliTestCase(JobdTestCase):
    SERVER_FLAGS = ["--workers", "2"]

    def env(self, srv=None, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("JOBD_")}
        env["JOBD_URL"] = "http://127.0.0.1:%d" % (srv or self.jobd).port
        env.update(extra)
        return env

    def cli(self, *args, stdin=None, env=None):
        """Runs `jobd ARGS…` to its end: the CompletedProcess (text)."""
        return subprocess.run([BIN] + list(args), input=stdin, capture_output=True, text=True,
                              env=env or self.env(), timeout=CLI_TIMEOUT)

    def popen(self, *args, env=None):
        p = subprocess.Popen([BIN] + list(args), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env or self.env())
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.wait(),
                                 p.stdout.close(), p.stderr.close()))
        return p

    def assertExit(self, r, status):
        self.assertEqual(r.returncode, status, "stdout %r stderr %r" % (r.stdout, r.stderr))

    def run_id(self, *args):
        r = self.cli("run", *args)
        self.assertExit(r, 0)
        return int(r.stdout)


class TestCliRun(CliTestCase):
    def test_run_prints_the_id_of_the_job_it_submitted(self):
        job_id = self.run_id("--", "echo", "hi there")
        job = self.jobd.wait_for(job_id)
        self.assertEqual(job["command"], ["echo", "hi there"])
        self.assertEqual(self.jobd.output(job_id), "hi there\n")

    def test_run_sh_submits_a_shell_string(self):
        job_id = self.run_id("--sh", "echo $((1+2))")
        self.assertEqual(self.jobd.wait_for(job_id)["command"], "echo $((1+2))")
        self.assertEqual(self.jobd.output(job_id), "3\n")

    def test_run_options_become_the_spec(self):
        first = self.run_id("--", "true")
        self.jobd.wait_for(first)
        with tempfile.TemporaryDirectory() as d:
            job_id = self.run_id("--name", "n1", "--timeout", "30", "--priority", "7",
                                 "--queue", "q1", "--delay", "0", "--attempts", "2",
                                 "--backoff", "0.5", "--after", str(first), "--env", "A=1",
                                 "--env=B=x=y", "--cwd", d, "--", "pwd")
            job = self.jobd.wait_for(job_id)
        self.assertEqual((job["name"], job["timeout_s"], job["priority"], job["queue"],
                          job["max_attempts"], job["retry_backoff_s"], job["after"],
                          job["env"], job["cwd"]),
                         ("n1", 30, 7, "q1", 2, 0.5, [first], {"A": "1", "B": "x=y"}, d))
        self.assertEqual(job["state"], "succeeded", job)

    def test_idempotency_key_submits_once(self):
        a = self.run_id("--idempotency-key", "cli-k1", "--", "true")
        b = self.run_id("--idempotency-key", "cli-k1", "--", "true")
        self.assertEqual(a, b)

    def test_unique_key_prints_the_holder_while_it_is_live(self):
        a = self.run_id("--unique-key", "cli-u1", "--", "sleep", "60")
        self.addCleanup(self.jobd.cancel, a)
        b = self.run_id("--unique-key", "cli-u1", "--", "true")
        self.assertEqual(a, b)
        c = self.run_id("--unique-key", "cli-u2", "--unique-while", "queued,running,succeeded",
                        "--", "true")
        job = self.jobd.wait_for(c, "succeeded")
        self.assertEqual((job["unique_key"], job["unique_while"]),
                         ("cli-u2", ["queued", "running", "succeeded"]))
        self.assertEqual(self.run_id("--unique-key", "cli-u2", "--", "true"), c)
        r = self.cli("run", "--unique-key", "cli-u3", "--unique-while", "running", "--", "true")
        self.assertExit(r, EXIT_REFUSED)
        self.assertIn("unique_while", r.stderr)

    def test_run_json_prints_the_job(self):
        r = self.cli("run", "--json", "--", "true")
        self.assertExit(r, 0)
        self.assertEqual(json.loads(r.stdout)["command"], ["true"])

    def test_wait_json_prints_the_final_job(self):
        r = self.cli("run", "-w", "--json", "--sh", "exit 4")
        self.assertExit(r, 4)
        job = json.loads(r.stdout)
        self.assertEqual((job["state"], job["exit_code"]), ("failed", 4))


class TestCliExitStatus(CliTestCase):
    def test_success_exits_0(self):
        r = self.cli("run", "--wait", "--", "true")
        self.assertExit(r, 0)
        self.assertEqual(r.stderr, "")

    def test_the_jobs_exit_code_is_the_exit_status(self):
        for code in (1, 2, 3):
            r = self.cli("run", "-w", "--sh", "exit %d" % code)
            self.assertExit(r, code)
            self.assertIn("exit code %d" % code, r.stderr)

    def test_killed_by_signal_n_exits_128_plus_n(self):
        r = self.cli("run", "-w", "--sh", "kill -KILL $$")
        self.assertExit(r, 128 + signal.SIGKILL)

    def test_timed_out_exits_124(self):
        r = self.cli("run", "-w", "--timeout", "0.2", "--", "sleep", self.marker())
        self.assertExit(r, EXIT_TIMED_OUT)
        self.assertIn("timed_out", r.stderr)

    def test_canceled_exits_125(self):
        p = self.popen("run", "-w", "--", "sleep", self.marker())
        job_id = int(p.stdout.readline())
        self.jobd.wait_for(job_id, "running")
        self.jobd.cancel(job_id)
        self.assertEqual(p.wait(CLI_TIMEOUT), EXIT_CANCELED)
        self.assertIn("canceled", p.stderr.read())

    def test_command_not_found_exits_127(self):
        r = self.cli("run", "-w", "--", "jobd-no-such-command-xyz")
        self.assertExit(r, EXIT_NOT_FOUND)
        self.assertIn("No such file or directory", r.stderr)

    def test_not_executable_exits_126(self):
        with tempfile.NamedTemporaryFile("w", suffix=".sh") as f:
            f.write("#!/bin/sh\necho no\n")
            f.flush()
            os.chmod(f.name, 0o644)
            r = self.cli("run", "-w", "--", f.name)
        self.assertExit(r, EXIT_CANNOT_RUN)
        self.assertIn("Permission denied", r.stderr)

    def test_an_unreachable_server_is_one_line_and_exits_69(self):
        url = "http://127.0.0.1:%d" % free_port()
        for args in (["ls"], ["run", "--", "true"], ["stats", "--server", url]):
            r = self.cli(*args, env=self.env(JOBD_URL=url))
            self.assertExit(r, EXIT_UNREACHABLE)
            self.assertEqual(r.stderr, "jobd: cannot reach jobd at %s: Connection refused — "
                             "is it running?\n" % url)
            self.assertEqual(r.stdout, "")

    def test_a_4xx_exits_65_with_the_servers_message(self):
        r = self.cli("run", "--priority", "5000", "--", "true")
        self.assertExit(r, EXIT_REFUSED)
        self.assertIn("priority", r.stderr)
        r = self.cli("show", "999999")
        self.assertExit(r, EXIT_REFUSED)
        self.assertIn("no job 999999 (404)", r.stderr)

    def test_a_bad_command_line_exits_64(self):
        for args in (["run", "--bogus", "--", "true"], ["run"], ["show", "x"], ["logs"],
                     ["run", "--priority"], ["help", "nope"]):
            r = self.cli(*args)
            self.assertExit(r, EXIT_USAGE)
            self.assertTrue(r.stderr.startswith("jobd"), r.stderr)

    def test_a_missing_token_exits_77_and_jobd_token_is_sent(self):
        srv = self.server("--workers", "1", "--token", "cli-secret")
        r = self.cli("stats", env=self.env(srv))
        self.assertExit(r, EXIT_AUTH)
        r = self.cli("stats", "--json", env=self.env(srv, JOBD_TOKEN="cli-secret"))
        self.assertExit(r, 0)
        self.assertEqual(json.loads(r.stdout)["workers"], 1)


class TestCliFollow(CliTestCase):
    def test_follow_streams_output_while_the_job_runs_nothing_lost_or_repeated(self):
        with tempfile.TemporaryDirectory() as d:
            gate = os.path.join(d, "go")
            # 20 lines on each stream over about two seconds, then it waits
            # for the test to open the gate: the lines must all have come
            # while the job was still running.
            script = ("for i in $(seq 1 20); do echo out$i; echo err$i >&2; sleep 0.1; done; "
                      "while [ ! -e %s ]; do sleep 0.02; done; echo last" % gate)
            p = self.popen("run", "--follow", "--sh", script)
            got = [p.stdout.readline() for _ in range(20)]
            self.assertEqual(got, ["out%d\n" % i for i in range(1, 21)])
            running = self.jobd.request("GET", "/v1/jobs?state=running")[2]["jobs"]
            self.assertEqual(len(running), 1, running)
            open(gate, "w").close()
            rest, err = p.communicate(timeout=CLI_TIMEOUT)
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(rest, "last\n")
        self.assertEqual(err, "jobd: job %d\n" % running[0]["id"] +
                         "".join("err%d\n" % i for i in range(1, 21)))

    def test_follow_exits_with_the_jobs_status(self):
        r = self.cli("run", "-f", "--sh", "echo a; exit 3")
        self.assertExit(r, 3)
        self.assertEqual(r.stdout, "a\n")

    def test_logs_prints_a_stream_and_follows_one(self):
        job_id = self.run_id("--sh", "echo o; echo e >&2")
        self.jobd.wait_for(job_id)
        self.assertEqual(self.cli("logs", str(job_id)).stdout, "o\n")
        r = self.cli("logs", "--stderr", str(job_id))
        self.assertEqual((r.stdout, r.stderr), ("", "e\n"))
        with tempfile.TemporaryDirectory() as d:
            gate = os.path.join(d, "go")
            job_id = self.run_id("--sh", "echo one; while [ ! -e %s ]; do sleep 0.02; done; "
                                 "echo two" % gate)
            p = self.popen("logs", "-f", str(job_id))
            self.assertEqual(p.stdout.readline(), "one\n")
            self.assertEqual(self.jobd.job(job_id)["state"], "running")
            open(gate, "w").close()
            out, _ = p.communicate(timeout=CLI_TIMEOUT)
        self.assertEqual((p.returncode, out), (0, "two\n"))


class TestCliFollowStreamed(CliTestCase):
    # One follower place (--max-event-streams 1): the CLI's logs -f takes
    # it (a streamed ?follow=true, no polling), and polls when it is taken.
    SERVER_FLAGS = ["--workers", "2", "--max-event-streams", "1"]

    def gated(self, d):
        gate = os.path.join(d, "go")
        job_id = self.run_id("--sh", "echo one; while [ ! -e %s ]; do sleep 0.02; done; "
                             "echo two" % gate)
        return job_id, gate

    def test_logs_follow_streams_through_follow_true(self):
        with tempfile.TemporaryDirectory() as d:
            job_id, gate = self.gated(d)
            p = self.popen("logs", "-f", str(job_id))
            self.assertEqual(p.stdout.readline(), "one\n")
            path = "/v1/jobs/%d/stdout?follow=true" % job_id
            st, hd, _ = self.jobd.request("GET", path)
            self.assertEqual(st, 503, "the CLI holds the only follower place")
            open(gate, "w").close()
            out, _ = p.communicate(timeout=CLI_TIMEOUT)
        self.assertEqual((p.returncode, out), (0, "two\n"))

    def test_logs_follow_polls_when_the_server_declines_the_stream(self):
        with tempfile.TemporaryDirectory() as d:
            job_id, gate = self.gated(d)
            conn = http.client.HTTPConnection("127.0.0.1", self.jobd.port, timeout=20)
            conn.request("GET", "/v1/jobs/%d/stderr?follow=true" % job_id)
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            p = self.popen("logs", "-f", str(job_id))
            self.assertEqual(p.stdout.readline(), "one\n")
            open(gate, "w").close()
            out, _ = p.communicate(timeout=CLI_TIMEOUT)
            resp.read()
            conn.close()
        self.assertEqual((p.returncode, out), (0, "two\n"))


class TestCliBatch(CliTestCase):
    def batch_jobs(self, batch_id):
        jobs = self.jobd.request("GET", "/v1/jobs?batch_id=%d" % batch_id)[2]["jobs"]
        return sorted(jobs, key=lambda j: j["id"])

    def test_placeholder_is_replaced_by_each_line(self):
        r = self.cli("batch", "--", "echo", "<{}>", "{}{}", stdin="a b\n\nc\n")
        self.assertExit(r, 0)
        jobs = self.batch_jobs(int(r.stdout))
        self.assertEqual([j["command"] for j in jobs],
                         [["echo", "<a b>", "a ba b"], ["echo", "<c>", "cc"]])

    def test_without_placeholder_the_line_is_the_last_argument(self):
        r = self.cli("batch", "--name", "b1", "--", "echo", "x", stdin="1\n2 3\n")
        self.assertExit(r, 0)
        jobs = self.batch_jobs(int(r.stdout))
        self.assertEqual([j["command"] for j in jobs], [["echo", "x", "1"], ["echo", "x", "2 3"]])
        self.assertEqual([j["name"] for j in jobs], ["b1", "b1"])

    def test_sh_lines_are_quoted(self):
        r = self.cli("batch", "-w", "--sh", "echo [{}]", stdin="it's $HOME\n")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, "[it's $HOME]\n")

    def test_wait_prints_outputs_in_input_order_and_the_summary(self):
        r = self.cli("batch", "--wait", "--", "sh", "-c", "sleep 0.$1; echo $1", "-",
                     stdin="3\n1\n2\n")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, "3\n1\n2\n")
        self.assertRegex(r.stderr, r"^batch \d+: 3 jobs, 3 succeeded\n"
                         r"makespan [\d.]+ (ms|s), total run time [\d.]+ (ms|s), "
                         r"speedup [\d.]+\n$")

    def test_wait_exits_with_the_first_failure_in_input_order(self):
        r = self.cli("batch", "-w", "--sh", "exit {}", stdin="0\n5\n0\n3\n")
        self.assertExit(r, 5)
        self.assertIn("2 succeeded, 2 failed", r.stderr)

    def test_tag_prefixes_each_output_line_with_its_input(self):
        r = self.cli("batch", "-w", "--tag", "--sh", "echo x{}; echo y{}", stdin="a\nb\n")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, "a\txa\na\tya\nb\txb\nb\tyb\n")

    def test_json_prints_the_batch(self):
        r = self.cli("batch", "--json", "--", "true", stdin="1\n2\n")
        self.assertExit(r, 0)
        self.assertEqual(len(json.loads(r.stdout)["job_ids"]), 2)
        r = self.cli("batch", "-w", "--json", "--", "true", stdin="1\n2\n")
        self.assertExit(r, 0)
        b = json.loads(r.stdout)
        self.assertEqual((b["total"], b["counts"]["succeeded"]), (2, 2))
        self.assertIsInstance(b["speedup"], (int, float))

    def test_no_input_submits_nothing(self):
        r = self.cli("batch", "--", "true", stdin="")
        self.assertExit(r, 0)
        self.assertIn("nothing submitted", r.stderr)


class TestCliCommands(CliTestCase):
    def test_ls_lists_filters_and_follows_next_links(self):
        rare = self.run_id("--queue", "cli-rare", "--", "true")
        self.jobd.submit_batch([{"command": ["true"]}] * 510)
        r = self.cli("ls", "--queue", "cli-rare")
        self.assertExit(r, 0)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "STATE", "EXIT", "RUN", "QUEUE", "COMMAND"])
        self.assertEqual([int(l.split()[0]) for l in lines[1:]], [rare])
        r = self.cli("ls", "--limit", "505", "--json")
        jobs = json.loads(r.stdout)["jobs"]
        self.assertEqual(len(jobs), 505)
        self.assertEqual(len({j["id"] for j in jobs}), 505)

    def test_ls_state_and_batch_filters(self):
        r = self.cli("batch", "-w", "--sh", "exit {}", stdin="0\n1\n")
        batch_id = int(self.jobd.request("GET", "/v1/batches?limit=1")[2]["batches"][0]["id"])
        r = self.cli("ls", "--batch", str(batch_id), "--state", "failed", "--json")
        self.assertExit(r, 0)
        jobs = json.loads(r.stdout)["jobs"]
        self.assertEqual([(j["batch_id"], j["exit_code"]) for j in jobs], [(batch_id, 1)])

    def test_show_prints_every_field_or_the_json(self):
        job_id = self.run_id("--name", "shown", "--", "true")
        r = self.cli("show", str(job_id))
        self.assertExit(r, 0)
        self.assertRegex(r.stdout, r"(?m)^name +shown$")
        self.assertRegex(r.stdout, r"(?m)^limits\.memory_mb +null$")
        r = self.cli("show", "--json", str(job_id))
        self.assertEqual(json.loads(r.stdout)["name"], "shown")

    def test_wait_waits_for_all_and_exits_with_the_first_failure(self):
        a = self.run_id("--sh", "sleep 0.2; exit 0")
        b = self.run_id("--sh", "exit 6")
        c = self.run_id("--sh", "exit 7")
        r = self.cli("wait", str(a), str(b), str(c))
        self.assertExit(r, 6)
        self.assertIn("job %d failed" % c, r.stderr)
        self.assertEqual(self.cli("wait", str(a)).returncode, 0)

    def test_cancel_cancels_each_job(self):
        a = self.run_id("--delay", "600", "--", "true")
        b = self.run_id("--delay", "600", "--", "true")
        r = self.cli("cancel", str(a), str(b))
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, "%d canceled\n%d canceled\n" % (a, b))
        r = self.cli("cancel", str(a))
        self.assertExit(r, EXIT_REFUSED)

    def test_rerun_prints_the_new_id(self):
        a = self.run_id("--", "echo", "again")
        self.jobd.wait_for(a)
        r = self.cli("rerun", str(a))
        self.assertExit(r, 0)
        job = self.jobd.wait_for(int(r.stdout))
        self.assertEqual((job["rerun_of"], job["command"]), (a, ["echo", "again"]))

    def test_stats_prints_counts(self):
        r = self.cli("stats")
        self.assertExit(r, 0)
        self.assertRegex(r.stdout, r"(?m)^workers +2$")
        self.assertRegex(r.stdout, r"(?m)^counts\.succeeded +\d+$")
        self.assertEqual(json.loads(self.cli("stats", "--json").stdout)["workers"], 2)

    def test_help_lists_commands_and_exit_statuses(self):
        r = self.cli("help")
        self.assertExit(r, 0)
        for word in ("run", "batch", "ls", "show", "logs", "wait", "cancel", "rerun", "stats"):
            self.assertRegex(r.stdout, r"(?m)^  %s " % word)
        for status in (64, 65, 69, 70, 77, 124, 125, 126, 127):
            self.assertRegex(r.stdout, r"(?m)^  %d " % status)
        a, b = self.cli("help", "batch"), self.cli("batch", "--help")
        self.assertExit(b, 0)
        self.assertEqual(a.stdout, b.stdout)
        self.assertIn("--tag", a.stdout)
