# cases.py — the table of malformed requests for hostile.py: each is raw
# bytes for a socket plus the status, error code and field API.md promises.
# Case.target says which server answers it: "plain" (no token, --web-dir a
# temporary copy of web/ holding symlinks that point out of it) or "token".
#
# status: an int or a tuple of acceptable ints (None = connection closed);
# code: the error code (or a tuple), None when the body is not ours (a
# libmicrohttpd protocol error); field: the error's field, "x*" = prefix.
import json
from collections import namedtuple

Case = namedtuple("Case", "name target request status code field header")
TOKEN = "s3cr3t-t0ken"
MB = 1 << 20
VALID = {"command": ["sh", "-c", "echo hi"], "name": "n", "env": {"A": "b"},
         "timeout_s": 5, "priority": 1, "max_attempts": 2}
VALID_BYTES = json.dumps(VALID, separators=(",", ":")).encode()


def raw(method, path, body=b"", ctype="application/json", headers=(), token=None,
        version="HTTP/1.1", length=None):
    lines = ["%s %s %s" % (method, path, version), "Host: 127.0.0.1", "Connection: close"]
    if ctype:
        lines.append("Content-Type: " + ctype)
    if token is not None:
        lines.append("Authorization: " + token)
    lines += list(headers)
    if body or length is not None or method == "POST":
        lines.append("Content-Length: %s" % (len(body) if length is None else length))
    head = "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n"
    return head + body


def case(name, request, status, code, field=None, target="plain", header=None):
    return Case(name, target, request, status, code, field, header)


def bad_json(name, body, path="/v1/jobs", code="invalid_json"):
    return case(name, raw("POST", path, body), 400, code)


def bad_field(name, doc, field, path="/v1/jobs"):
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return case(name, raw("POST", path, body), 400, "invalid_request", field)


def with_field(key, value):
    doc = {"command": ["true"]}
    doc[key] = value
    return doc


def truncated():
    out = [bad_json("truncated job at %d" % k, VALID_BYTES[:k])
           for k in range(0, len(VALID_BYTES), 3)]
    batch = json.dumps({"name": "b", "jobs": [VALID, VALID]}).encode()
    out += [bad_json("truncated batch at %d" % k, batch[:k], "/v1/batches")
            for k in range(1, len(batch), 23)]
    return out


SYNTAX = [b"{", b"}", b"{]", b"[}", b"nul", b"tru", b"{'command':['true']}",
          b'{"command":["true"],}', b'{"command":["true"]}}', b'{"command":["true"]} {}',
          b'{"command":["true"]} x', b'{"command" ["true"]}', b'{command:["true"]}',
          b'{"command":[true,]}', b'{"a":NaN}', b'{"a":Infinity}', b'{"a":-Infinity}',
          b'{"a":"\\x"}', b'{"a":"\\u12"}', b'{"a":"unterminated}', b'/* c */{}',
          b'{"a":1}//', b'{"a" : [1, 2', b'"', b"  ", b"\r\n", b'{"a":tru}', b'{"a":-}',
          b'{"a":0x10}', b'{"a":+1}', b'{"command":["true"]},']


def syntax():
    return [bad_json("syntax %r" % b[:30], b) for b in SYNTAX]


def nesting():
    deep_env = b'{"command":["true"],"env":' + b"[" * 500 + b"]" * 500 + b"}"
    return [
        bad_json("1000 open brackets", b"[" * 1000),
        bad_json("100000 open brackets", b"[" * 100000),
        bad_json("100000 open braces", b'{"a":' * 100000),
        bad_json("balanced arrays 5000 deep", b"[" * 5000 + b"]" * 5000),
        bad_json("balanced objects 5000 deep", b'{"a":' * 5000 + b"1" + b"}" * 5000),
        bad_json("deep arrays in a batch", b'{"jobs":' + b"[" * 3000 + b"]" * 3000 + b"}",
                 "/v1/batches"),
        bad_field("500-deep array as env", deep_env, "env"),
        bad_field("500-deep array as command", b'{"command":' + b"[" * 500 + b"]" * 500 + b"}",
                  "command*"),
    ]


def numbers():
    out = []
    per_field = {
        "priority": [b"1e400", b"-1e400", b"1e308", b"-1e308", b"1e19", b"-2147483649",
                     b"2147483648", b"1001", b"0.5"],
        "max_attempts": [b"1e400", b"-1e400", b"1e-400", b"4294967297", b"99999999999",
                         b"0", b"1.0000001"],
        "timeout_s": [b"1e400", b"-1e400", b"1e-400", b"1e308", b"-0", b"86401"],
    }
    for f, values in per_field.items():
        for v in values:
            out.append(bad_field("%s = %s" % (f, v.decode()),
                                 b'{"command":["true"],"%s":%s}' % (f.encode(), v), f))
    # 64+ digits: cJSON reads at most 63 characters of a number.
    for digits in (70, 400, 10000):
        out.append(case("priority with %d digits" % digits,
                        raw("POST", "/v1/jobs", b'{"command":["true"],"priority":1' +
                            b"0" * digits + b"}"), 400, ("invalid_json", "invalid_request")))
    return out


def nul_bytes():
    out = []
    for at in (0, 5, len(VALID_BYTES) - 1, len(VALID_BYTES)):
        out.append(bad_json("raw NUL at %d" % at, VALID_BYTES[:at] + b"\0" + VALID_BYTES[at:]))
    for f, doc in (("command", b'{"command":["tr\\u0000ue"]}'),
                   ("name", b'{"command":["true"],"name":"a\\u0000b"}'),
                   ("env", b'{"command":["true"],"env":{"A":"\\u0000"}}'),
                   ("cwd", b'{"command":["true"],"cwd":"/tmp\\u0000/x"}'),
                   ("string command", b'{"command":"echo \\u0000"}')):
        out.append(case("\\u0000 in " + f, raw("POST", "/v1/jobs", doc), 400, "invalid_request"))
    return out


BAD_UTF8 = [b"\xff", b"\xfe", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
            b"\xc3", b"\x80", b"\xf8\x88\x80\x80\x80", b"\xe2\x82"]


def utf8():
    out = []
    for seq in BAD_UTF8:
        for where, body in (("value", b'{"command":["true"],"name":"a%sb"}' % seq),
                            ("key", b'{"command":["true"],"n%s":"x"}' % seq),
                            ("end", b'{"command":["true"]}' + seq)):
            out.append(bad_json("invalid UTF-8 %r in %s" % (seq, where), body))
    out.append(case("lone surrogate escape", raw("POST", "/v1/jobs",
                    b'{"command":["true"],"name":"\\ud800"}'), 400,
                    ("invalid_json", "invalid_request")))
    return out


WRONG = {
    "command": [1, 1.5, True, False, {}, {"a": "b"}, [], [1], [None], [""], "", [["x"]],
                ["true", 1], None],
    "name": [1, True, [], {}, "x" * 201],
    "env": [[], "x", 1, True, {"A": 1}, {"A": None}, {"A": []}, {"": "x"}, {"A=B": "x"},
            {"A": {}}],
    "cwd": [1, [], "relative/dir", "", True],
    "stdin": [1, [], {}, True],
    "timeout_s": ["1", True, [], 0, -1, 1e9],
    "priority": ["1", 1.5, 1001, -1001, True, []],
    "max_attempts": [0, 11, 1.5, "2", -1, True],
}


def wrong_types():
    out = []
    for f, values in WRONG.items():
        for v in values:
            doc = {"name": "x"} if f == "command" else {"command": ["true"]}
            doc[f] = v
            out.append(bad_field("%s = %s" % (f, json.dumps(v)[:40]), doc, f + "*"))
    for top in (b"[]", b'[{"command":["true"]}]', b'"x"', b"1", b"null", b"true"):
        out.append(case("top-level " + top.decode(), raw("POST", "/v1/jobs", top), 400,
                        "invalid_request"))
    return out


def unknown_fields():
    names = ["comand", "Command", "COMMAND", "", "__proto__", "id", "state", "attempts",
             "command ", "x" * 1000, "timeout", "args"]
    return [bad_field("unknown field %r" % n[:20], with_field(n, 1), (n[:100] or "") + "*")
            for n in names]


def duplicates():
    docs = [(b'{"command":["true"],"command":["false"]}', "command"),
            (b'{"command":["true"],"name":"a","name":"b"}', "name"),
            (b'{"command":["true"],"env":{},"env":{}}', "env"),
            (b'{"command":["true"],"env":{"A":"1","A":"2"}}', "env.A"),
            (b'{"command":["true"],"priority":1,"priority":1}', "priority")]
    out = [bad_field("duplicate " + f, d, f) for d, f in docs]
    out.append(bad_field("duplicate jobs in a batch",
                         b'{"jobs":[{"command":"true"}],"jobs":[{"command":"true"}]}', "jobs",
                         "/v1/batches"))
    out.append(bad_field("duplicate field in jobs[1]",
                         b'{"jobs":[{"command":"true"},{"command":"a","command":"b"}]}',
                         "jobs[1].command", "/v1/batches"))
    return out


def batches():
    b = "/v1/batches"
    ok = {"command": "true"}
    return [
        bad_field("batch without jobs", {"name": "x"}, "jobs", b),
        bad_field("batch jobs null", {"jobs": None}, "jobs", b),
        bad_field("batch jobs object", {"jobs": {}}, "jobs", b),
        bad_field("batch jobs string", {"jobs": "x"}, "jobs", b),
        bad_field("batch jobs empty", {"jobs": []}, "jobs", b),
        bad_field("batch of 10001", {"jobs": [ok] * 10001}, "jobs", b),
        bad_field("batch of a million ints", b'{"jobs":[' + b"0," * 999999 + b"0]}", "jobs", b),
        bad_field("batch spec not an object", {"jobs": [1]}, "jobs[0]", b),
        bad_field("batch bad command", {"jobs": [{"command": 1}]}, "jobs[0].command", b),
        bad_field("batch 5th spec bad", {"jobs": [ok] * 4 + [{"command": []}]},
                  "jobs[4].command", b),
        bad_field("batch 9999th spec bad", {"jobs": [ok] * 9999 + [{"cmd": "x"}]},
                  "jobs[9999].cmd", b),
        bad_field("batch unknown field", {"jobs": [ok], "priority": 1}, "priority", b),
        bad_field("batch name too long", {"jobs": [ok], "name": "n" * 201}, "name", b),
        bad_field("batch name number", {"jobs": [ok], "name": 1}, "name", b),
        bad_field("batch top-level array", [ok], "*", b),
    ]


def huge():
    ten = 10 * MB
    return [
        bad_field("10 MB name", {"command": ["true"], "name": "a" * ten}, "name"),
        bad_field("10 MB unknown field value", {"command": ["true"], "zz": "a" * ten}, "zz"),
        bad_field("10 MB key", {"command": ["true"], "k" * ten: 1}, "k*"),
        bad_json("10 MB of [", b"[" * ten),
        bad_json("10 MB string then invalid UTF-8",
                 b'{"command":["true"],"name":"' + b"a" * ten + b'\xff"}'),
        bad_json("10 MB of spaces", b" " * ten),
        case("17 MB body", raw("POST", "/v1/jobs", b"[" * (17 * MB)), 413, "too_large"),
        case("Content-Length 99999999999, no body",
             raw("POST", "/v1/jobs", b"", length=99999999999), 413, "too_large"),
        case("Content-Length just over the limit",
             raw("POST", "/v1/jobs", b"", length=16 * MB + 1), 413, "too_large"),
        case("17 MB chunked body", chunked(b"[" * (17 * MB)), 413, "too_large"),
    ]


def chunked(body, piece=MB):
    head = raw("POST", "/v1/jobs", b"", headers=["Transfer-Encoding: chunked"])
    head = head.replace(b"Content-Length: 0\r\n", b"")
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + piece]), body[i:i + piece])
             for i in range(0, len(body), piece)]
    return head + b"".join(parts) + b"0\r\n\r\n"
