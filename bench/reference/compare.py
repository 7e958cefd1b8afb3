#!/usr/bin/env python3
"""Side-by-side comparison of two bench JSON files (PrecondFlow.Bench --json or bench_reference.py --json).

    python3 bench/reference/compare.py precondflow.json pytorch.json

Prints, per workload found in both, the median time per repetition, the throughput of each, and the ratio
first / second of the throughputs (above 1: the first is faster). Standard library only.
"""

import json
import sys


def load(path):
    with open(path) as f:
        report = json.load(f)
    return report, {r["name"]: r for r in report.get("results", [])}


def describe(report):
    runtime = report.get("runtime", {})
    return (f"{report.get('implementation', '?')}: {runtime.get('device', '?')}, {runtime.get('threads', '?')} threads, "
            f"OMP_WAIT_POLICY {report.get('omp_wait_policy', '?')}, {report.get('date_utc', '?')}"
            + (", quick" if report.get("quick") else ""))


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    (first, a), (second, b) = load(argv[1]), load(argv[2])
    print("A = " + describe(first))
    print("B = " + describe(second))
    common = [name for name in a if name in b]
    if not common:
        print("The two files have no workload in common.", file=sys.stderr)
        return 1
    header = f"{'workload':<20} {'A median':>10} {'B median':>10} {'A throughput':>22} {'B throughput':>22} {'A/B':>6}"
    print(header)
    print("-" * len(header))
    for name in common:
        ra, rb = a[name], b[name]
        if ra["items_per_repetition"] != rb["items_per_repetition"]:
            note = "  (different items per repetition: compare throughputs only)"
        else:
            note = ""
        unit = ra["unit"] + "/s"
        print(f"{name:<20} {ra['median_seconds']:>9.3f}s {rb['median_seconds']:>9.3f}s "
              f"{ra['items_per_second']:>14.2f} {unit:<7} {rb['items_per_second']:>14.2f} {unit:<7} "
              f"{ra['items_per_second'] / rb['items_per_second']:>6.2f}{note}")
    for name in sorted(set(a) ^ set(b)):
        print(f"{name:<20} only in {'A' if name in a else 'B'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
