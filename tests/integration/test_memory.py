# Memory after large requests: a server that has parsed several 10,000-job
# batches gives the heap back once requests stop (server/http/http_trim.c),
# so an idle server's RSS is near what it was before the burst — the
# trim threshold jobd raises (to spare a busy server the page faults) must
# not keep a burst's memory for good.
import os
import time
import unittest

from base import JobdTestCase
from harness import BIN

SLACK_KB = 4096  # SQLite's page caches fill and fragments stay; a few MB


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


@unittest.skipIf("asan" in os.path.basename(os.path.dirname(BIN)),
                 "AddressSanitizer's allocator keeps its own memory")
class TestMemoryAfterBurst(JobdTestCase):
    SERVER_FLAGS = ["--workers", "1"]

    def test_idle_rss_returns_near_its_level_after_large_batches(self):
        jobs = [{"command": ["true"], "delay_s": 86400}] * 10000
        self.jobd.submit_batch(jobs[:100])  # warm: caches, first connections
        time.sleep(1)
        before = rss_kb(self.jobd.proc.pid)
        peak = before
        for _ in range(3):
            self.jobd.submit_batch(jobs)
            peak = max(peak, rss_kb(self.jobd.proc.pid))
        deadline = time.monotonic() + 10
        after = rss_kb(self.jobd.proc.pid)
        while after > before + SLACK_KB and time.monotonic() < deadline:
            time.sleep(0.1)
            after = rss_kb(self.jobd.proc.pid)
        self.assertLessEqual(after, before + SLACK_KB,
                             "RSS %d kB before, %d kB peak, %d kB 10 s after" % (before, peak, after))
