#!/usr/bin/env python3
"""table.py — renders the bench's one table and the issue-5 target check.

Input: the rows file bench/run.sh appends to, one tab-separated row each:
    key  workload  tool  value  unit  [cmp]
cmp names the row to compare with and says which side jobd is on:
    peer:KEY   this row is a peer or limit; ratio = value(KEY) / value
    vs:KEY     this row is jobd;            ratio = value / value(KEY)
so the last column always reads "jobd ÷ the other figure" (for times and
latencies lower is better, for rates higher is better). Targets below are
those of issue 5 (row 5's "dispatch stays O(log n) or better as the queue
grows" included) as the performance issue (16) raised them; a missing row prints "n/a" rather than failing.

    table.py ROWS_FILE
"""
import sys

# (description, jobd key, other key or None for an absolute bound, op, bound);
# op "<=+" means value(jobd key) <= value(other key) + bound.
TARGETS = [
    ("2 × sleep 1: jobd wall ≤ 1.02 × ideal", "demo2_jobd", "demo2_ideal", "<=", 1.02),
    ("2 × sleep 1: jobd makespan_ms ≤ 1.02 × ideal", "demo2_api", "demo2_ideal", "<=", 1.02),
    ("10 × sleep 1: jobd wall ≤ 1.02 × ideal", "demo10_jobd", "demo10_ideal", "<=", 1.02),
    ("10 × sleep 1: jobd makespan_ms ≤ 1.02 × ideal", "demo10_api", "demo10_ideal", "<=", 1.02),
    ("trivial (batch) ≥ 0.8 × C fork/exec", "triv_batch", "triv_forkexec", ">=", 0.8),
    ("trivial (batch) ≥ 3 × GNU parallel", "triv_batch", "triv_parallel", ">=", 3),
    ("trivial (batch) ≥ 1.5 × ProcessPoolExecutor", "triv_batch", "triv_ppe", ">=", 1.5),
    ("trivial (POSTs) ≥ 0.8 × C fork/exec", "triv_posts", "triv_forkexec", ">=", 0.8),
    ("trivial (POSTs) ≥ 3 × GNU parallel", "triv_posts", "triv_parallel", ">=", 3),
    ("trivial (POSTs) ≥ 1.5 × ProcessPoolExecutor", "triv_posts", "triv_ppe", ">=", 1.5),
    ("single POSTs (best conns) ≥ 0.5 × SQLite commits", "sub_best", "sub_sqlite", ">=", 0.5),
    ("single POSTs of delayed jobs ≥ 0.5 × SQLite commits", "sub_delayed", "sub_sqlite", ">=", 0.5),
    ("batch ingest ≥ 150,000 jobs/s", "ingest_batch", None, ">=", 150000),
    ("batch ingest, after_index chain ≥ 100,000 jobs/s", "ingest_chain", None, ">=", 100000),
    ("GET by id ≥ 0.6 × /healthz", "read_id", "read_health", ">=", 0.6),
    ("a 50-job page ≥ 5,000 req/s", "read_list", None, ">=", 5000),
    ("growth POST 1M ≤ 1.5 × 1k", "grow_post_1M", "grow_post_1k", "<=", 1.5),
    ("growth GET id 1M ≤ 1.5 × 1k", "grow_id_1M", "grow_id_1k", "<=", 1.5),
    ("growth list 1M ≤ 1.5 × 1k", "grow_list_1M", "grow_list_1k", "<=", 1.5),
    ("growth state list 1M ≤ 1.5 × 1k", "grow_state_1M", "grow_state_1k", "<=", 1.5),
    ("RSS idle ≤ 8 MB", "mem_idle", None, "<=", 8),
    ("RSS after jobs ≤ idle + 2 MB", "mem_after", "mem_idle", "<=+", 2),
    ("worker private ≤ 1 MB", "mem_worker", None, "<=", 1),
    ("dispatch median ≤ 1 ms", "disp_median", None, "<=", 1),
    ("single POSTs on PostgreSQL ≥ 0.5 × its 1-row commits", "sub_pg", "sub_pg_commit", ">=", 0.5),
    # issue 16 goal 9 (bench/watch.sh)
    ("one /v1/events listener ≥ 0.95 × nobody watching", "watch_curl", "watch_none", ">=", 0.95),
    ("dashboard open ≥ 0.85 × nobody watching", "watch_page", "watch_none", ">=", 0.85),
    ("dashboard counts updated at least every 250 ms", "watch_gap", None, "<=", 250),
]
# Row 5 continued (growth_waiting.sh): runnable work beside waiting jobs.
WAITING = {"delayed": "delayed", "chains": "dependency chains",
           "held": "a paused queue", "unique": "unique-keyed",
           "rated": "a rate-limited queue", "tagged": "tagged", "multi": "multi-core",
           "all": "all three"}
TARGETS += [(f"waiting, {what}: queue_ms ≤ 1.5 × empty queue",
             f"wait_queue_{key}", "wait_queue_base", "<=", 1.5)
            for key, what in WAITING.items()]
TARGETS += [(f"waiting, {what}: batch rate ≥ 0.67 × empty queue",
             f"wait_rate_{key}", "wait_rate_base", ">=", 0.67)
            for key, what in WAITING.items()]


def fmt(value, unit):
    if unit in ("jobs/s", "req/s", "commits/s"):
        return f"{value:,.0f} {unit}"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "ms":
        return f"{value:.3f} ms" if value < 10 else f"{value:,.1f} ms"
    if unit == "MB":
        return f"{value:.2f} MB"
    return f"{value:g} {unit}"


def load(path):
    rows, values = [], {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 5:
                continue
            key, workload, tool, value, unit = parts[:5]
            cmp = parts[5] if len(parts) > 5 else ""
            values[key] = float(value)
            if workload != "-":  # "-": a figure for the targets only
                rows.append((key, workload, tool, float(value), unit, cmp))
    return rows, values


def ratio(value, cmp, values):
    side, _, other = cmp.partition(":")
    if other not in values or values[other] == 0 or value == 0:
        return ""
    r = values[other] / value if side == "peer" else value / values[other]
    return f"{r:.2f}"


def render_table(rows, values):
    head = ("workload", "tool", "figure", "jobd ÷ other")
    body = [(w, t, fmt(v, u), ratio(v, c, values) if c else "")
            for _, w, t, v, u, c in rows]
    widths = [max(len(r[i]) for r in [head] + body) for i in range(4)]
    out = []
    last = None
    for r in [head] + body:
        shown = r if r[0] != last or r is head else ("",) + r[1:]
        last = r[0]
        out.append("  ".join(shown[i].ljust(widths[i]) if i < 2
                             else shown[i].rjust(widths[i]) for i in range(4)))
        if r is head:
            out.append("  ".join("-" * w for w in widths))
    return out


def render_targets(values):
    out = ["", "targets (this run):"]
    for desc, num, den, op, bound in TARGETS:
        if num not in values or (den and den not in values):
            out.append(f"  n/a   {desc}")
            continue
        a = values[num]
        if op == "<=+":
            got, ok = f"{a:.2f} vs {values[den] + bound:.2f}", a <= values[den] + bound
        else:
            r = a / values[den] if den else a
            ok = r <= bound if op == "<=" else r >= bound
            got = f"{r:.3f}"
        out.append(f"  {'MEETS' if ok else 'MISS '} {desc}   ({got})")
    return out


def main():
    rows, values = load(sys.argv[1])
    print("\n".join(render_table(rows, values) + render_targets(values)))


if __name__ == "__main__":
    main()
