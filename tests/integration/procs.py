# Process inspection for the integration suite: find processes by a unique
# command-line marker or by session id via /proc, wait for them to vanish,
# and kill leftovers. Used to prove that no job process outlives its job or
# its server. Linux only; no other module reads /proc.
import itertools
import os
import signal
import time

_counter = itertools.count(1)


def marker():
    """A unique `sleep` duration such as "86401.012345": long enough never to
    end on its own, unique per call and per test process, so a scan of /proc
    for it finds exactly the processes this test started."""
    return "%d.%06d" % (86400 + os.getpid() % 10000, next(_counter))


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def argv0(pid):
    """The program pid runs, as its argv[0] says ("" once it is gone)."""
    argv = _cmdline(pid)
    return argv[0].decode("utf-8", "replace") if argv else ""


def _session(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # Field 2 (comm) may contain spaces and parentheses: split after the last ')'.
    fields = stat[stat.rindex(b")") + 2:].split()
    state, sid = fields[0], int(fields[3])
    return None if state == b"Z" else sid


def _all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def pids_with_arg(arg):
    """Live (non-zombie) pids whose argv contains `arg` as a whole argument."""
    want = arg.encode()
    me = os.getpid()
    return [p for p in _all_pids()
            if p != me and want in _cmdline(p) and _session(p) is not None]


def pids_in_session(sid):
    """Live pids whose session id is `sid` (the server runs as a session leader,
    so this is every worker and job process it left behind)."""
    return [p for p in _all_pids() if _session(p) == sid]


def wait_gone(arg, timeout):
    """Wait until no process carries `arg`; return the pids still alive then."""
    deadline = time.monotonic() + timeout
    while True:
        left = pids_with_arg(arg)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)


def wait_present(arg, timeout):
    """Wait until some process carries `arg`; return their pids (maybe [])."""
    deadline = time.monotonic() + timeout
    while True:
        found = pids_with_arg(arg)
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.02)


def kill_all(pids):
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


def describe(pid):
    """One line for a failure report: pid, ppid, pgid, state and argv."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            stat = f.read()
        rest = stat[stat.rindex(b")") + 2:].split()
        state, ppid, pgid = rest[0].decode(), rest[1].decode(), rest[2].decode()
    except (OSError, ValueError):
        return "%d (gone)" % pid
    argv = b" ".join(_cmdline(pid)).decode("utf-8", "replace").strip()
    return "pid %d ppid %s pgid %s %s: %s" % (pid, ppid, pgid, state, argv)


def pid_alive(pid):
    return _session(pid) is not None
