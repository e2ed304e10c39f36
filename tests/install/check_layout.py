#!/usr/bin/env python3
# check_layout.py — the source folders depend on each other one way only.
#
# Reads every #include "…" of the C sources under common/, worker/ and
# server/ (server/<subsystem>/ is a folder of its own; files directly in
# server/ are its top, "server"), turns each into an edge between the folder
# of the including file and the folder of the included one, and fails on any
# cycle in that graph (printing it), and on an include that does not resolve
# to a file of the tree. Prints the folder graph, then "layout: N passed, N failed".
#
#   python3 tests/install/check_layout.py
import os
import re
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROOTS = ["common", "worker", "server"]
# The compiler's include path, in order (the Makefile's -I flags), after the
# including file's own folder.
INCLUDE_DIRS = [REPO, os.path.join(REPO, "server")]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def folder_of(path):
    rel = os.path.relpath(path, REPO).split(os.sep)
    if rel[0] == "server" and len(rel) > 2:
        return "server/" + rel[1]
    return rel[0]


def sources():
    for root in ROOTS:
        for d, _, files in os.walk(os.path.join(REPO, root)):
            for f in files:
                if f.endswith((".c", ".h")):
                    yield os.path.join(d, f)


def resolve(including, name):
    for d in [os.path.dirname(including)] + INCLUDE_DIRS:
        p = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(p):
            return p
    return None


def find_cycle(graph):
    """A list of folders forming a cycle, or None (depth-first search)."""
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                c = visit(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


def main():
    graph, why = {}, {}
    passed = failed = 0
    for src in sorted(sources()):
        text = open(src, encoding="utf-8").read()
        for name in INCLUDE.findall(text):
            target = resolve(src, name)
            if target is None or not target.startswith(REPO + os.sep):
                if name.startswith("build/") or name.startswith("../build/"):
                    continue  # generated at build time
                failed += 1
                print("FAIL %s: #include \"%s\" is not a file of the tree"
                      % (os.path.relpath(src, REPO), name))
                continue
            a, b = folder_of(src), folder_of(target)
            if a != b:
                graph.setdefault(a, set()).add(b)
                why.setdefault((a, b), os.path.relpath(src, REPO) + " → " + name)
    for a in sorted(graph):
        print("%-18s → %s" % (a, ", ".join(sorted(graph[a]))))
    cycle = find_cycle(graph)
    if cycle:
        failed += 1
        print("FAIL include cycle between folders: " + " → ".join(cycle))
        for a, b in zip(cycle, cycle[1:]):
            print("     %s → %s: %s" % (a, b, why[(a, b)]))
    else:
        passed += 1
    print("layout: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
