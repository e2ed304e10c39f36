# sum.py — runs several suite commands (separated by "--") one after the
# other, echoing their output, and prints the sum of their closing
# "[name: ]N passed, N failed" lines as the last line. A command that exits
# non-zero or prints no such line counts as one more failure. Shared by the
# run.sh of chaos, hostile and load.
import re
import subprocess
import sys

LINE = re.compile(rb"^(?:[\w-]+: )?(\d+) passed, (\d+) failed", re.M)


def main(argv):
    cmds, cur = [], []
    for a in argv:
        if a == "--":
            cmds.append(cur)
            cur = []
        else:
            cur.append(a)
    cmds.append(cur)
    passed = failed = 0
    for cmd in filter(None, cmds):
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = b""
        for chunk in iter(lambda: proc.stdout.readline(), b""):
            sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
            out += chunk
        rc = proc.wait()
        found = LINE.findall(out)
        p, f = (int(found[-1][0]), int(found[-1][1])) if found else (0, 0)
        if (rc != 0 or not found) and f == 0:
            print("%s: exited %d without a passing result line" % (" ".join(cmd), rc))
            f = 1
        passed, failed = passed + p, failed + f
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
