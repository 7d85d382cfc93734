#!/usr/bin/env python3
"""Summarise a `cargo build --timings` report (cargo-timing*.html): the longest units, the
critical path (each unit back to the one whose end let it start) and where only one unit ran.

    python3 scripts/timings-summary.py $CARGO_TARGET_DIR/cargo-timings/cargo-timing.html
"""
import json
import re
import sys


def load(path):
    html = open(path, encoding="utf-8").read()

    def const(name):
        m = re.search(r"const %s = (\[.*?\]);\n" % name, html, re.S)
        return json.loads(m.group(1)) if m else []

    return const("UNIT_DATA"), const("CONCURRENCY_DATA"), const("CPU_USAGE")


def label(u):
    target = u.get("target", "").strip()
    return f"{u['name']} {u['version']}{target}"


def main(path, top=25):
    units, concurrency, cpu = load(path)
    if not units:
        sys.exit(f"{path}: no UNIT_DATA found")
    by_index = {u["i"]: u for u in units}
    end = lambda u: u["start"] + u["duration"]
    total = max(end(u) for u in units)
    print(f"units: {len(units)}, wall: {total / 60:.1f} min, "
          f"sum of unit times: {sum(u['duration'] for u in units) / 60:.1f} min")

    print(f"\nlongest {top} units (min):")
    for u in sorted(units, key=lambda u: -u["duration"])[:top]:
        print(f"  {u['duration'] / 60:6.2f}  start {u['start'] / 60:5.1f}  {label(u)}")

    # A unit can start once every dependency has finished (its metadata, for pipelined
    # builds); cargo records which units each one's end unblocked.
    unlocked_by = {}
    for u in units:
        for key in ("unblocked_units", "unblocked_rmeta_units"):
            for j in u.get(key, []):
                unlocked_by.setdefault(j, []).append(u["i"])
    last = max(units, key=end)
    path_units = [last]
    while True:
        parents = [by_index[p] for p in unlocked_by.get(path_units[-1]["i"], [])]
        if not parents:
            break
        path_units.append(max(parents, key=end))
    print("\ncritical path, last unit first (start..end, min):")
    for u in path_units:
        print(f"  {u['start'] / 60:5.1f}..{end(u) / 60:5.1f}  {label(u)}")

    if concurrency:
        single = 0.0
        for a, b in zip(concurrency, concurrency[1:]):
            if a.get("active", 0) <= 1:
                single += b["t"] - a["t"]
        print(f"\ntime with at most one unit compiling: {single / 60:.1f} min of {total / 60:.1f}")
        lonely = {}
        for u in units:
            # Units that ran while nothing else did, weighted by that time.
            overlap = 0.0
            for a, b in zip(concurrency, concurrency[1:]):
                if a.get("active", 0) <= 1 and a["t"] >= u["start"] and b["t"] <= end(u):
                    overlap += b["t"] - a["t"]
            if overlap > 5:
                lonely[label(u)] = overlap
        for name, secs in sorted(lonely.items(), key=lambda kv: -kv[1])[:top]:
            print(f"  {secs / 60:5.2f}  {name}")


    if cpu:
        # [seconds, percent busy] samples of the whole machine.
        busy = sum((b[0] - a[0]) * a[1] / 100 for a, b in zip(cpu, cpu[1:]))
        print(f"\nmachine CPU busy: {busy / total:.0%} of the wall time (all cores together)")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1])
