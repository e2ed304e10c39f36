#!/usr/bin/env python3
# check_tools.py — every external program that a test suite or the bench runs
# must be one that .ci/install-deps.sh installs, so that `make test` and
# `make bench` pass on a bare Debian/Ubuntu machine, not only on one that
# happens to have the program already.
#
# It reads the programs the suites call out of their sources (shell commands,
# Python subprocess/shutil.which calls, Node child_process calls, Makefile
# recipes), then checks each against the `program:package` list in
# install-deps.sh (its `tools` variable). Programs of the base system (a
# package of priority "required", such as coreutils), shell builtins, functions
# and files of this repository need no entry. A program that is called but not
# installed here and not listed fails too: that is exactly what a bare machine
# would hit. It also checks the reverse: every listed program is installed
# after install-deps.sh ran (so the list names the right packages).
#
#   python3 tests/install/check_tools.py    prints "N passed, N failed"
import os
import re
import shutil
import subprocess
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPS = os.path.join(REPO, ".ci", "install-deps.sh")
# Where suites and the bench live; node_modules holds other people's code.
SCANNED = ["tests", "bench", "mk", "Makefile", ".ci"]
SKIP_DIRS = {"node_modules", "corpus", "__pycache__"}

# Words that start a shell command but are not programs to install.
SHELL_WORDS = set("""
if then else elif fi for while until do done case esac in function return
local export readonly declare typeset set unset shift exit break continue
trap wait eval exec command builtin type hash cd pwd echo printf read test
true false source alias unalias umask ulimit kill let getopts times jobs
fg bg disown shopt mapfile readarray select time coproc [ [[ ]] ] ]] ! . :
""".split())

# Makefile recipe words that name variables or make itself.
MAKE_WORDS = {"make", "ar", "cc"}


def listed_tools():
    """{program: package} from install-deps.sh's tools="prog:pkg …" list."""
    text = open(DEPS, encoding="utf-8").read()
    m = re.search(r'^tools="([^"]*)"', text, re.M)
    if not m:
        sys.exit("check_tools: no tools=\"…\" list in .ci/install-deps.sh")
    out = {}
    for item in m.group(1).split():
        prog, _, pkg = item.partition(":")
        out[prog] = pkg
    return out


def source_files():
    for top in SCANNED:
        path = os.path.join(REPO, top)
        if os.path.isfile(path):
            yield path
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
            for f in files:
                yield os.path.join(root, f)


def shell_functions(text):
    return set(re.findall(r"^\s*(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\)", text, re.M))


# A segment boundary in a shell line: pipes, lists, command substitution,
# subshells and the keywords after which a command starts.
SEGMENT = re.compile(r"\|\||&&|[|;`({]|\$\(|\bthen\b|\bdo\b|\belse\b|\bexec\b|\btimeout\s+\S+|"
                     r"\bsudo\b|\bnohup\b|\bsetsid\b|\benv\b(?:\s+\w+=\S*)*|\bcommand\s+-v\b|\bxargs(?:\s+-\S+)*")


def shell_calls(text):
    """First words of the commands in shell text. Comments, here-documents and
    quoted text are data, except command substitutions inside double quotes."""
    words = set()
    in_case = False
    heredoc = None
    kept = []
    for line in text.splitlines():
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        m = re.search(r"<<-?\s*[\"']?(\w+)", line)
        if m:
            heredoc = m.group(1)
        kept.append(re.sub(r"(^|\s)#.*", "", line))
    text = re.sub(r"'[^']*'", "''", "\n".join(kept), flags=re.S)  # across lines too
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if re.match(r"case\b", s):
            in_case = True
        if s.startswith("esac"):
            in_case = False
        if in_case and re.match(r"[^()]*\)", s) and not s.startswith("$("):
            s = s.split(")", 1)[1]  # a case pattern: only what follows is a command
        s = re.sub(r"\$?\(\(.*?\)\)", "0", s)  # arithmetic: $((…)) and ((…))
        s = re.sub(r'"(?:[^"$\\]|\\.|\$(?!\())*"', '""', s)  # plain double-quoted text
        for seg in SEGMENT.split(s):
            seg = seg.strip()
            while True:  # leading VAR=value assignments and negation
                m = re.match(r"(!\s+|[A-Za-z_]\w*=(\"[^\"]*\"|\S*)\s*)", seg)
                if not m:
                    break
                seg = seg[m.end():]
            m = re.match(r"([a-z][a-z0-9_.+-]*)(\s|$|;)", seg)
            if m:
                words.add(m.group(1))
    return words


def shell_strings_calls(text):
    """Commands inside strings that are run later: `sh -c "…"` and a command
    kept in a variable (runner="valgrind -q …")."""
    words = set()
    for cmd in re.findall(r"\b(?:ba)?sh\s+-c\s+\"([^\"]*)\"", text):
        words |= shell_calls(cmd)
    words |= set(re.findall(r"^\s*(?:local\s+)?[a-z_]+=\"([a-z][\w.+-]*) -", text, re.M))
    return words


PY_CALL = re.compile(r"(?:subprocess\.\w+|shutil\.which|Popen|check_output|run)\(\s*\[?\s*[\"']([a-z][\w.+-]*)[\"']")
JS_CALL = re.compile(r"(?:spawn|spawnSync|execFile|execFileSync|execSync)\(\s*[\"']([a-z][\w.+-]*)")


def program_calls():
    """{program: first file that calls it}, less the shell functions defined
    anywhere in the scanned files (scripts source each other's libraries)."""
    calls = {}
    functions = set()
    for path in source_files():
        name = os.path.basename(path)
        try:
            text = open(path, encoding="utf-8").read()
        except (UnicodeDecodeError, OSError):
            continue
        found = set()
        # Programs named by absolute path (/usr/bin/chromium) in any file.
        found = set(re.findall(r"[\"' =](?:/usr)?/s?bin/([a-z][\w.+-]*)", text))
        if name.endswith(".sh") or text.startswith("#!/bin/sh") or text.startswith("#!/usr/bin/env bash") \
                or text.startswith("#!/bin/bash"):
            functions |= shell_functions(text)
            found |= shell_calls(text) | shell_strings_calls(text)
        elif name.endswith(".mk") or name == "Makefile":
            recipes = "\n".join(l[1:] for l in text.splitlines() if l.startswith("\t"))
            recipes = re.sub(r"\$\([^)]*\)", "", recipes)  # make variables
            found |= shell_calls(recipes) - MAKE_WORDS
            found |= set(re.findall(r"^\w*CC\s*[?:]?=\s*([a-z][\w.+-]*)", text, re.M))
        elif name.endswith(".py"):
            found |= set(PY_CALL.findall(text))
            # Shell strings handed to sh -c inside Python.
            for cmd in re.findall(r"[\"']sh[\"'],\s*[\"']-c[\"'],\s*[\"']([^\"']*)", text):
                found |= shell_calls(cmd)
        elif name.endswith(".mjs") or name.endswith(".js"):
            found |= set(JS_CALL.findall(text))
        for w in found:
            calls.setdefault(w, os.path.relpath(path, REPO))
    return {w: f for w, f in calls.items() if w not in functions}


def is_repo_file(word):
    for path in source_files():
        if os.path.basename(path) == word:
            return True
    return False


def package_of(path):
    """The Debian package that owns path (merged /usr: /bin/x is /usr/bin/x)."""
    real = os.path.realpath(path)
    name = os.path.basename(path)
    for p in (path, real, "/usr/bin/" + name, "/bin/" + name, "/usr/sbin/" + name, "/sbin/" + name):
        r = subprocess.run(["dpkg-query", "-S", p], capture_output=True, text=True)
        owners = [l for l in r.stdout.splitlines() if not l.startswith("diversion ")]
        if r.returncode == 0 and owners:
            return owners[0].split(":", 1)[0].split(",")[0].strip()
    return None


def is_debian_package(word):
    r = subprocess.run(["apt-cache", "show", "--no-all-versions", word],
                       capture_output=True, text=True)
    return r.returncode == 0 and "Package:" in r.stdout


def priority_of(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Priority} ${Essential}", pkg],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else ""


def main():
    tools = listed_tools()
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL " + what)

    for prog, where in sorted(program_calls().items()):
        if prog in SHELL_WORDS or prog in tools or is_repo_file(prog):
            continue
        path = shutil.which(prog)
        if path is None and not is_debian_package(prog):
            continue  # a word of text, not a program: nothing on PATH or in Debian is called that
        if path is None:
            check(False, "%s (called in %s) is not installed and not in install-deps.sh's tools list"
                  % (prog, where))
            continue
        pkg = package_of(path)
        prio = priority_of(pkg) if pkg else ""
        check(pkg is not None and (prio.split()[0] in ("required", "important") or prio.endswith("yes")),
              "%s (called in %s, from package %s, priority %s) is not base system: add \"%s:%s\" "
              "to tools in .ci/install-deps.sh" % (prog, where, pkg, prio or "?", prog, pkg))
    for prog, pkg in sorted(tools.items()):
        check(shutil.which(prog) is not None,
              "%s (package %s, listed in install-deps.sh) is not installed: is the package right?"
              % (prog, pkg))
    print("tools: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
