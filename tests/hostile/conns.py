# conns.py — issue 14 finding 5: connection exhaustion. An attacker on one
# address (127.0.0.2: Linux routes all of 127/8 to lo) opens 1,100 slow
# connections that never finish their request headers; meanwhile /healthz
# and an authorised POST /v1/jobs from 127.0.0.1 must each answer within
# 1 s, and the server must hold no more of the attacker's connections than
# the per-address limit (--max-connections-per-ip, default 128). Then, on a
# server with a short --header-timeout: a connection that trickles its
# headers one byte at a time, one that sends nothing, and one idle after an
# answer are closed by the server at the deadline (the 30 s idle timeout
# alone would never close the trickling one); beyond --max-event-streams,
# GET /v1/events answers 503 with a JSON error and Retry-After; and a stream
# open longer than the deadline still gets its events.
#
#   python3 conns.py    (~8 s)
import json
import os
import resource
import select
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "chaos"))
from jobdproc import Server, Tally  # noqa: E402

TOKEN = "c0nns-t0ken"
ATTACKER = "127.0.0.2"
FLOOD = 1100
PER_IP_DEFAULT = 128      # --max-connections-per-ip's default (docs/operations.md)
ANSWER_S = 1.0            # what a legitimate request may take during the flood
HEADER_TIMEOUT_S = 2      # --header-timeout of the second server
STREAMS = 2               # --max-event-streams of the second server
PARTIAL = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = FLOOD + 512
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want if hard == resource.RLIM_INFINITY
                                                    else min(want, hard), hard))


def flood(port, n):
    """n non-blocking connections from ATTACKER, each sent a partial request
    line once connected. Returns the sockets that connected."""
    pending = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((ATTACKER, 0))
        s.connect_ex(("127.0.0.1", port))
        pending.append(s)
    poller, by_fd, done = select.poll(), {s.fileno(): s for s in pending}, []
    for s in pending:
        poller.register(s, select.POLLOUT)
    deadline = time.monotonic() + 5
    while by_fd and time.monotonic() < deadline:
        for fd, _ in poller.poll(200):
            s = by_fd.pop(fd)
            poller.unregister(fd)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                try:
                    s.send(PARTIAL)
                except OSError:
                    pass
                done.append(s)
            else:
                s.close()
    for s in by_fd.values():
        s.close()
    return done


def closed(s):
    """True once the server has closed s (EOF, reset or an answer)."""
    try:
        data = s.recv(65536)
        return data == b"" or data.startswith(b"HTTP/")
    except BlockingIOError:
        return False
    except OSError:
        return True


def held_open(socks, most, timeout=5):
    """Polls until at most `most` of socks are still open (or timeout);
    returns how many are."""
    deadline = time.monotonic() + timeout
    open_ = list(socks)
    while True:
        open_ = [s for s in open_ if not closed(s)]
        if len(open_) <= most or time.monotonic() > deadline:
            return len(open_)
        time.sleep(0.05)


def timed(fn):
    t0 = time.monotonic()
    try:
        return fn(), time.monotonic() - t0
    except OSError as e:
        return ("error", {}, repr(e)), time.monotonic() - t0


def check_flood(t):
    srv = Server(["--workers", "1", "--log-level", "warn", "--token", TOKEN], token=TOKEN,
                 prefix="jobd-hostile-conns-")
    socks = []
    try:
        srv.start()
        socks = flood(srv.port, FLOOD)
        print("conns: %d connections from %s open" % (len(socks), ATTACKER), flush=True)
        t.check(len(socks) >= FLOOD - 10, "the attacker's connections were made",
                "%d of %d" % (len(socks), FLOOD))
        still = held_open(socks, PER_IP_DEFAULT)
        print("conns: the server holds %d of them" % still, flush=True)
        t.check(still <= PER_IP_DEFAULT,
                "the server holds at most %d connections from one address" % PER_IP_DEFAULT,
                "%d still open" % still)
        (st, _, body), took = timed(lambda: srv.request("GET", "/healthz", timeout=ANSWER_S))
        t.check(st == 200 and took < ANSWER_S, "/healthz answers within %g s during the flood"
                % ANSWER_S, "%s %s after %.2f s" % (st, body, took))
        (st, _, body), took = timed(lambda: srv.request(
            "POST", "/v1/jobs", body={"command": ["true"]}, timeout=ANSWER_S))
        t.check(st == 201 and took < ANSWER_S, "an authorised POST /v1/jobs answers within %g s"
                " during the flood" % ANSWER_S, "%s %s after %.2f s" % (st, body, took))
        (st, _, _), _ = timed(lambda: srv.request("POST", "/v1/jobs", body={"command": ["true"]},
                                                  headers={"Authorization": "Bearer wrong"},
                                                  timeout=ANSWER_S))
        t.check(st == 401, "the token is still required during the flood", str(st))
    except Exception as e:
        t.check(False, "the flood ran to the end", "%r\n%s" % (e, srv.log_tail()))
    finally:
        for s in socks:
            s.close()
        t.check(srv.stop() == 0, "the flooded server exits 0 on SIGTERM", srv.log_tail(20))
        t.check(not srv.log_has("Sanitizer"), "no sanitizer report in the log", srv.log_tail(30))
        srv.close(keep=t.failed > 0)


def slow_conn(port, first):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    if first:
        s.sendall(first)
    s.setblocking(False)
    return s


def answered_keepalive(port):
    """A connection that got one answer and stays open, idle."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    got = b""
    while b"\r\n\r\n" not in got or not got.rstrip().endswith(b"}"):
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    s.setblocking(False)
    return s, got.startswith(b"HTTP/1.1 200")


def check_header_deadline(srv, t):
    """A trickling and a silent connection, and one idle after an answer,
    are all cut at the deadline."""
    conns = {"trickling": slow_conn(srv.port, PARTIAL), "silent": slow_conn(srv.port, b"")}
    conns["kept-alive"], ok = answered_keepalive(srv.port)
    t.check(ok, "a keep-alive request is answered")
    t0 = time.monotonic()
    cut = {}
    while len(cut) < len(conns) and time.monotonic() - t0 < HEADER_TIMEOUT_S + 8:
        for name, s in conns.items():
            if name in cut:
                continue
            if closed(s):
                cut[name] = time.monotonic() - t0
            elif name == "trickling":
                try:
                    s.send(b"a")  # activity: resets an idle timeout, not the deadline
                except OSError:
                    cut[name] = time.monotonic() - t0
        time.sleep(0.25)
    for s in conns.values():
        s.close()
    print("conns: closed by the server after %s" % ", ".join(
        "%s %.1f s" % kv for kv in sorted(cut.items())), flush=True)
    for name in conns:
        got = cut.get(name)
        t.check(got is not None and HEADER_TIMEOUT_S - 0.5 <= got <= HEADER_TIMEOUT_S + 2.5,
                "a %s connection is closed at the %d s header deadline" % (name, HEADER_TIMEOUT_S),
                "closed after %s s" % ("%.1f" % got if got is not None else "never (8 s)"))
    st, _, _ = srv.request("GET", "/healthz", timeout=5)
    t.check(st == 200, "a prompt request still gets its answer", str(st))


def open_stream(port):
    """GET /v1/events on a raw socket: (status, headers, body so far, socket)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n"
              % TOKEN.encode())
    got = b""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        head, sep, body = got.partition(b"\r\n\r\n")
        if sep and (b"jobd events" in body or b"}" in body):
            break
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/") else None
    hdrs = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return status, hdrs, body, s


def read_until(s, marker, timeout):
    s.settimeout(0.2)
    got, deadline = b"", time.monotonic() + timeout
    while marker not in got and time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        got += chunk
    return got


def check_stream_cap(srv, t):
    streams = []
    try:
        opened = time.monotonic()
        for i in range(STREAMS):
            st, _, body, s = open_stream(srv.port)
            streams.append(s)
            t.check(st == 200 and b"jobd events" in body, "event stream %d of %d opens"
                    % (i + 1, STREAMS), "%s %r" % (st, body[:200]))
        st, hdrs, body, s = open_stream(srv.port)
        s.close()
        try:
            start = body.index(b"{")
            err = json.loads(body[start:body.rindex(b"}") + 1])["error"]
        except (ValueError, KeyError, TypeError):
            err = {}
        t.check(st == 503 and err.get("code") == "unavailable" and "event" in err.get("message", ""),
                "one stream more gets 503 unavailable", "%s %r" % (st, body[:300]))
        t.check(hdrs.get("retry-after", "").isdigit(), "... with Retry-After", str(hdrs))
        st, _, _ = srv.request("GET", "/v1/stats", timeout=5)
        t.check(st == 200, "other requests still get answers at the stream cap", str(st))
        # A stream is not a request waiting for its headers: the deadline
        # must not cut it.
        while time.monotonic() - opened < HEADER_TIMEOUT_S + 1:
            read_until(streams[0], b"event: job", 0.2)
        srv.submit({"command": ["true"]})
        got = read_until(streams[0], b"event: job", 5)
        t.check(b"event: job" in got, "a stream open past the header deadline still gets events",
                repr(got[:200]))
    finally:
        for s in streams:
            s.close()


def check_deadline_and_streams(t):
    srv = Server(["--workers", "1", "--log-level", "warn", "--token", TOKEN,
                  "--header-timeout", str(HEADER_TIMEOUT_S),
                  "--max-event-streams", str(STREAMS)], token=TOKEN,
                 prefix="jobd-hostile-conns-")
    try:
        srv.start()
        check_header_deadline(srv, t)
        check_stream_cap(srv, t)
        t.check(srv.stop() == 0, "the server exits 0 on SIGTERM", srv.log_tail(20))
        t.check(not srv.log_has("Sanitizer"), "no sanitizer report in the log", srv.log_tail(30))
    except Exception as e:
        t.check(False, "the header-deadline and stream-cap checks ran to the end",
                "%r\n%s" % (e, srv.log_tail()))
    finally:
        srv.close(keep=t.failed > 0)


def main():
    t = Tally("conns")
    raise_nofile()
    check_flood(t)
    check_deadline_and_streams(t)
    t.finish()


if __name__ == "__main__":
    main()
