#!/usr/bin/env python3
"""compare.py — the table of `make bench-compare` (bench/compare.sh).

Reads build/compare/{base,head}.N.tsv (bench/run.sh's rows files, one per
round) and prints, for every row both sides have, the median of the rounds for
BASE and HEAD, every round's ratio, and the median ratio oriented so that > 1
means HEAD is better: rates (…/s) HEAD ÷ BASE, times and memory BASE ÷ HEAD.

    compare.py BASE_LABEL HEAD_LABEL DIR
"""
import glob
import os
import statistics
import sys

HIGHER_IS_BETTER = ("jobs/s", "req/s", "commits/s")


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 5 and parts[1] != "-":
                rows[parts[0]] = (parts[1], parts[2], float(parts[3]), parts[4])
    return rows


def rounds(directory, side):
    paths = sorted(glob.glob(os.path.join(directory, f"{side}.*.tsv")))
    return [load(p) for p in paths]


def better_ratio(base, head, unit):
    if unit in HIGHER_IS_BETTER:
        return head / base if base else float("nan")
    return base / head if head else float("nan")


def main():
    base_label, head_label, directory = sys.argv[1:4]
    base, head = rounds(directory, "base"), rounds(directory, "head")
    if not base or not head:
        sys.exit("compare.py: no rounds in " + directory)
    # Every row both sides measured; the ideal rows are constants, not jobd's.
    keys = [k for k in base[0] if all(k in r for r in base + head) and not k.endswith("_ideal")]
    print(f"bench-compare: BASE {base_label} vs HEAD {head_label}, {len(base)} rounds each, "
          "quick mode, jobd rows only; ratio > 1 = HEAD better")
    print(f"{'row':<58} {'BASE':>12} {'HEAD':>12} {'ratio':>6}  rounds")
    for k in keys:
        workload, tool, _, unit = base[0][k]
        b = statistics.median(r[k][2] for r in base)
        h = statistics.median(r[k][2] for r in head)
        per = [better_ratio(rb[k][2], rh[k][2], unit) for rb, rh in zip(base, head)]
        ratio = statistics.median(per)
        name = f"{workload}: {tool}"[:58]
        flag = "" if 0.97 <= ratio <= 1.03 else ("  better" if ratio > 1 else "  WORSE")
        print(f"{name:<58} {b:>12.4g} {h:>12.4g} {ratio:>6.3f}  "
              + " ".join(f"{x:.2f}" for x in per) + f" {unit}{flag}")


if __name__ == "__main__":
    main()
