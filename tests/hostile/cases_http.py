# cases_http.py — the second half of the hostile table (see cases.py):
# wrong methods and routes, bad query parameters and headers, paths that try
# to leave the dashboard's directory, missing or wrong tokens, and requests
# that break HTTP itself.
from cases import TOKEN, case, raw

NO_ROUTE = (404, "not_found")


def methods():
    out = []
    for method, path, allow in (
            ("PUT", "/v1/jobs", "POST"), ("DELETE", "/v1/jobs", "GET"),
            ("PATCH", "/v1/jobs", "POST"), ("OPTIONS", "/v1/jobs", "GET"),
            ("TRACE", "/v1/jobs", "GET"), ("FOO", "/v1/jobs", "POST"),
            ("get", "/v1/jobs", "GET"), ("DELETE", "/v1/batches", "GET"),
            ("DELETE", "/v1/jobs/1", "GET"), ("POST", "/v1/jobs/1", "GET"),
            ("PUT", "/v1/jobs/1/cancel", "POST"), ("GET", "/v1/jobs/1/cancel", "POST"),
            ("POST", "/v1/workers", "GET"), ("POST", "/v1/stats", "GET"),
            ("POST", "/healthz", "GET"), ("POST", "/metrics", "GET"),
            ("DELETE", "/v1/events", "GET"), ("POST", "/v1/jobs/1/stdout", "GET"),
            ("PUT", "/v1/batches/1", "GET"), ("POST", "/", "GET"),
            ("DELETE", "/index.html", "GET")):
        out.append(case("%s %s" % (method, path), raw(method, path, ctype=None), 405,
                        "method_not_allowed", header=("allow", allow)))
    for method, path in (("POST", "/v1/nope"), ("GET", "/v1/nope"), ("GET", "/v1"),
                         ("GET", "/v1/"), ("GET", "/v1/jobs/0"), ("GET", "/v1/jobs/-1"),
                         ("GET", "/v1/jobs/abc"), ("GET", "/v1/jobs/99999999999999999999"),
                         ("GET", "/v1/jobs/1x"), ("GET", "/v1/jobs/01"),
                         ("GET", "/v1/jobs/123456789"), ("GET", "/v1/batches/987654321"),
                         ("POST", "/v1/jobs/987654321/cancel"), ("GET", "/v1/jobs//1"),
                         ("GET", "/v1/jobs/1/stdout/x"), ("GET", "/V1/jobs"),
                         ("GET", "/v1/jobs/9223372036854775807/stderr")):
        out.append(case("%s %s" % (method, path), raw(method, path, ctype=None), *NO_ROUTE))
    return out


def queries():
    out = []
    for q, field in (("limit=0", "limit"), ("limit=501", "limit"), ("limit=-1", "limit"),
                     ("limit=abc", "limit"), ("limit=", "limit"), ("limit=1e3", "limit"),
                     ("limit=%20", "limit"), ("state=bogus", "state"), ("state=", "state"),
                     ("state=queued,bogus", "state"), ("batch_id=0", "batch_id"),
                     ("batch_id=x", "batch_id"), ("before_id=-5", "before_id"),
                     ("before_id=99999999999999999999", "before_id"), ("foo=1", "foo"),
                     ("limit", "limit"), ("state=%ff%fe", "state")):
        out.append(case("GET /v1/jobs?" + q, raw("GET", "/v1/jobs?" + q, ctype=None), 400,
                        "invalid_request", field))
    return out


def headers():
    out = []
    body = b'{"command":["true"]}'
    for name, value in (("empty", ""), ("300 chars", "k" * 300), ("a space", "a b"),
                        ("non-ASCII", "cl\xc3\xa9"), ("a tab", "a\tb")):
        out.append(case("Idempotency-Key " + name, raw("POST", "/v1/jobs", body, headers=[
            "Idempotency-Key: " + value]), 400, "invalid_request", "Idempotency-Key"))
    for path in ("/v1/jobs", "/v1/batches"):
        for ctype in (None, "text/plain", "application/jsonx", "application/x-www-form-urlencoded",
                      "multipart/form-data; boundary=x", "json", "application/javascript"):
            out.append(case("%s Content-Type %s" % (path, ctype), raw("POST", path, body, ctype),
                            415, "unsupported_media_type"))
    return out


TRAVERSAL = ["/../etc/passwd", "/..%2fetc%2fpasswd", "/%2e%2e/etc/passwd",
             "/%2e%2e%2fetc%2fpasswd", "/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
             "/index.html/../../etc/passwd", "/./index.html", "/.%2e/etc/passwd",
             "/%2e/index.html", "/..\\..\\etc\\passwd", "/....//etc/passwd", "//etc/passwd",
             "/%2f%2fetc/passwd", "/.git/config", "/.hidden", "/escape/passwd",
             "/passwd.txt", "/escape", "/etc/passwd", "/proc/self/environ",
             "/%252e%252e/etc/passwd", "/a/b/c/../../../../etc/passwd", "/" + "a/" * 2000,
             "/index.html%2f..%2f..%2fetc%2fpasswd", "/%c0%ae%c0%ae/etc/passwd",
             "/dir-link/../../etc/passwd", "/dir-link"]


def static():
    out = [case("GET " + p[:60], raw("GET", p, ctype=None), (404, 400, 414),
                ("not_found", None)) for p in TRAVERSAL]
    # libmicrohttpd decodes %00 and the path ends there: "/" is the dashboard.
    out += [case("GET with NUL " + p, raw("GET", p, ctype=None), (200, 400, 404), None)
            for p in ("/%00", "/index.html%00.txt", "/%00/../etc/passwd", "/%00/passwd.txt")]
    return out


def auth():
    out = []
    for name, value in (("missing", None), ("wrong", "Bearer wrong"),
                        ("a prefix", "Bearer " + TOKEN[:-1]), ("longer", "Bearer " + TOKEN + "x"),
                        ("empty", "Bearer "), ("Basic scheme", "Basic " + TOKEN),
                        ("no scheme", TOKEN), ("two spaces", "Bearer  " + TOKEN),
                        ("case differs", "Bearer " + TOKEN.upper()),
                        ("NUL-padded", "Bearer " + TOKEN + "%00")):
        for method, path in (("GET", "/v1/jobs"), ("POST", "/v1/jobs"), ("GET", "/metrics")):
            body = b"{not json" if method == "POST" else b""
            out.append(case("token %s: %s %s" % (name, method, path),
                            raw(method, path, body, token=value), 401, "unauthorized",
                            target="token", header=("www-authenticate", "Bearer")))
    for path in ("/v1/jobs?access_token=" + TOKEN, "/v1/stats", "/v1/jobs/1/stdout",
                 "/v1/events?access_token=wrong", "/v1/batches/1", "/v1/workers"):
        out.append(case("token missing: GET " + path, raw("GET", path, ctype=None), 401,
                        "unauthorized", target="token"))
    return out


def protocol():
    """Broken HTTP: libmicrohttpd answers these itself (not our JSON) or
    drops the connection; what matters is an error and a live server."""
    err = (None, 400, 404, 405, 413, 414, 431, 501, 505)
    reqs = [
        ("garbage request line", b"HELLO\r\n\r\n"),
        ("unknown HTTP version", b"GET /healthz HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n"),
        ("header without colon", b"GET /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nNoColon\r\n\r\n"),
        ("100 KB header", b"GET /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 100000 +
         b"\r\n\r\n"),
        ("10000 headers", b"GET /v1/nope HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         b"".join(b"X-%d: y\r\n" % i for i in range(10000)) + b"\r\n"),
        ("negative Content-Length", raw("POST", "/v1/jobs", b"{}", length="-1")),
        ("non-numeric Content-Length", raw("POST", "/v1/jobs", b"{}", length="abc")),
        ("bad chunk size", raw("POST", "/v1/jobs", b"zz\r\n{}\r\n0\r\n\r\n",
                               headers=["Transfer-Encoding: chunked"]).replace(
                                   b"Content-Length: 16\r\n", b"")),
        ("NUL in a header", b"GET /v1/nope HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\0b\r\n\r\n"),
        ("NUL in the request line", b"GET /v1/jo\0bs HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
        ("HTTP/1.1 without Host", b"GET /v1/nope HTTP/1.1\r\n\r\n"),
        ("absolute URI to a bad route", b"GET http://127.0.0.1/v1/nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
        ("only CRLFs", b"\r\n" * 1000),
        ("binary junk", bytes(range(256)) * 8),
    ]
    return [case(name, r, err, None) for name, r in reqs] + [
        # Request smuggling's tool: refused by us, not left waiting for a body.
        case("two Content-Lengths", raw("POST", "/v1/jobs", b"{}", headers=["Content-Length: 5"]),
             400, "invalid_request", field="Content-Length")]


def all_cases():
    import cases
    out = []
    for gen in (cases.truncated, cases.syntax, cases.nesting, cases.numbers, cases.nul_bytes,
                cases.utf8, cases.wrong_types, cases.unknown_fields, cases.duplicates,
                cases.batches, cases.huge, methods, queries, headers, static, auth, protocol):
        out += gen()
    return out
