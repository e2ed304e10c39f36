# Runs the integration suite (all test_*.py here, or the test names given as
# arguments, e.g. test_cancel or test_cancel.TestCancel) and ends with one
# line "N passed, N failed[, N skipped]". Exit status 1 on any failure.
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv):
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
