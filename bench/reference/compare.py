#!/usr/bin/env python3
"""Side-by-side comparison of bench JSON files (PrecondFlow.Bench --json or bench_reference.py --json).

    python3 bench/reference/compare.py precondflow.json pytorch.json
    python3 bench/reference/compare.py a1.json,a2.json,a3.json b1.json,b2.json,b3.json

Each side is one file or a comma-separated list of rounds (compare.sh --rounds runs the two programs in turn, so
round i of each side ran next to the other's round i). A file may hold any of the workloads: for each workload, the
i-th file of one side that holds it is paired with the i-th of the other (compare.sh --interleave workload writes a
file per workload and round). Prints, per workload found on both sides, the median over rounds of each side's median
time per repetition and throughput, the ratio first / second of those throughputs (above 1: the first is faster)
and, with several rounds on both sides, the median, lowest and highest ratio of a round pair.
Standard library only.
"""

import json
import statistics
import sys


def load(path):
    with open(path) as f:
        report = json.load(f)
    return report, {r["name"]: r for r in report.get("results", [])}


def load_side(argument):
    rounds = [load(path) for path in argument.split(",") if path]
    if not rounds:
        raise SystemExit(f"compare.py: no file in '{argument}'")
    return rounds


def describe(rounds):
    report = rounds[0][0]
    runtime = report.get("runtime", {})
    text = (f"{report.get('implementation', '?')}: {runtime.get('device', '?')}, {runtime.get('threads', '?')} threads, "
            f"OMP_WAIT_POLICY {report.get('omp_wait_policy', '?')}, native heap {report.get('native_heap', 'system')}, "
            f"{report.get('date_utc', '?')}"
            + (", quick" if report.get("quick") else ""))
    count = max(len(per_round(rounds, name, "name")) for name in names_in_order(rounds))
    return text + (f", {count} rounds" if count > 1 else "")


def names_in_order(rounds):
    names = []
    for _, results in rounds:
        names += [name for name in results if name not in names]
    return names


def first_result(rounds, name):
    return next(results[name] for _, results in rounds if name in results)


def per_round(rounds, name, key):
    return [results[name][key] for _, results in rounds if name in results]


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    first, second = load_side(argv[1]), load_side(argv[2])
    print("A = " + describe(first))
    print("B = " + describe(second))
    a_names = names_in_order(first)
    b_names = set(names_in_order(second))
    common = [name for name in a_names if name in b_names]
    if not common:
        print("The two sides have no workload in common.", file=sys.stderr)
        return 1
    several = any(len(per_round(first, name, "name")) > 1 for name in common)
    header = (f"{'workload':<22} {'A median':>10} {'B median':>10} {'A throughput':>22} {'B throughput':>22} {'A/B':>6}"
              + (f" {'round pairs: median, range':>27}" if several else ""))
    print(header)
    print("-" * len(header))
    for name in common:
        ra, rb = first_result(first, name), first_result(second, name)
        note = ("  (different items per repetition: compare throughputs only)"
                if ra["items_per_repetition"] != rb["items_per_repetition"] else "")
        a_rate = statistics.median(per_round(first, name, "items_per_second"))
        b_rate = statistics.median(per_round(second, name, "items_per_second"))
        a_time = statistics.median(per_round(first, name, "median_seconds"))
        b_time = statistics.median(per_round(second, name, "median_seconds"))
        unit = ra["unit"] + "/s"
        line = (f"{name:<22} {a_time:>9.3f}s {b_time:>9.3f}s {a_rate:>14.2f} {unit:<7} {b_rate:>14.2f} {unit:<7} "
                f"{a_rate / b_rate:>6.2f}")
        a_rounds, b_rounds = per_round(first, name, "items_per_second"), per_round(second, name, "items_per_second")
        if several and len(a_rounds) == len(b_rounds) > 1:
            ratios = [x / y for x, y in zip(a_rounds, b_rounds)]
            line += f" {statistics.median(ratios):>10.2f}, {min(ratios):>5.2f}–{max(ratios):<5.2f}"
        elif several:
            note += f"  ({len(a_rounds)} rounds against {len(b_rounds)}: not paired)"
        print(line + note)
    for name in sorted(set(a_names) ^ b_names):
        print(f"{name:<22} only in {'A' if name in a_names else 'B'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
