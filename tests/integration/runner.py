# Runs the integration suite (all test_*.py here, or the test names given as
# arguments, e.g. test_cancel or test_cancel.TestCancel) and ends with one
# line "N passed, N failed[, N skipped]". Exit status 1 on any failure.
#
# JOBD_TEST_JOBS=N (with no names given) runs the test files N at a time,
# each in a process of its own: most of a test's time is spent waiting for
# the server, its jobs and their deadlines, not on a core. Every server a test
# starts has its own port, temp folder and PostgreSQL database, so files do
# not see each other. A file's output is printed whole when it ends.
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv):
    jobs = int(os.environ.get("JOBD_TEST_JOBS", "1") or "1")
    if not argv and jobs > 1:
        return run_files(jobs)
    sys.path.insert(0, HERE)
    loader = unittest.TestLoader()
    if argv:
        suite = loader.loadTestsFromNames(argv)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    ids = [t.id() for t in _flatten(suite)]
    t0 = time.monotonic()
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stderr).run(suite)
    bad = set()
    for test, _ in result.failures + result.errors:
        bad |= _failed_ids(test, ids)
    bad |= {t.id() for t in result.unexpectedSuccesses}
    skipped = len({t.id() for t, _ in result.skipped} - bad)
    failed = len(bad)
    passed = len(ids) - failed - skipped
    sys.stderr.flush()
    print("integration suite took %.1fs" % (time.monotonic() - t0))
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 1 if failed or not ids else 0


SUMMARY = re.compile(rb"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$", re.M)


def run_files(jobs):
    """Every test_*.py, `jobs` at a time, biggest first (a rough guess at
    the longest, so that no long file starts last); one summary line."""
    files = sorted((f[:-3] for f in os.listdir(HERE)
                    if f.startswith("test_") and f.endswith(".py")),
                   key=lambda m: -os.path.getsize(os.path.join(HERE, m + ".py")))
    running, totals, bad = {}, [0, 0, 0], []
    t0 = time.monotonic()
    while files or running:
        while files and len(running) < jobs:
            mod = files.pop(0)
            out = tempfile.TemporaryFile()
            proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), mod],
                                    stdout=out, stderr=subprocess.STDOUT)
            running[proc.pid] = (proc, mod, out, time.monotonic())
        pid, status = os.wait()
        if pid not in running:
            continue
        proc, mod, out, start = running.pop(pid)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
        out.close()
        sys.stdout.flush()
        sys.stdout.buffer.write(b"=== %s (%.0f s)\n" % (mod.encode(), time.monotonic() - start))
        sys.stdout.buffer.write(text)
        sys.stdout.flush()
        found = SUMMARY.findall(text)
        if not found:  # died before its summary: the whole file failed
            totals[1] += 1
            bad.append(mod)
            continue
        p, f, sk = found[-1]
        totals[0] += int(p)
        totals[1] += int(f)
        totals[2] += int(sk or 0)
        if int(f) or proc.returncode != 0:
            bad.append(mod)
            if not int(f):
                totals[1] += 1
    print("integration suite took %.1fs (%d at a time)" % (time.monotonic() - t0, jobs))
    if bad:
        print("failing files: " + " ".join(sorted(bad)))
    line = "%d passed, %d failed" % (totals[0], totals[1])
    if totals[2]:
        line += ", %d skipped" % totals[2]
    print(line)
    return 1 if totals[1] or not totals[0] else 0


def _flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _flatten(t)
        else:
            yield t


def _failed_ids(test, ids):
    """The test ids a failure stands for: a setUpClass/setUpModule error
    (an _ErrorHolder "setUpClass (mod.Class)") fails every test it covers."""
    test = getattr(test, "test_case", test)  # a failed subTest stands for its test
    if isinstance(test, unittest.TestCase):
        return {test.id()}
    desc = test.id()
    scope = desc[desc.find("(") + 1:desc.rfind(")")] if "(" in desc else desc
    covered = {i for i in ids if i.startswith(scope + ".")}
    return covered or {desc}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
