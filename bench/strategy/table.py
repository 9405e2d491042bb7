#!/usr/bin/env python3
"""The table of bench.py's raw log: per kernel and strategy, the median and the
quartiles (25%..75%) of the evaluations needed to come within 5% and within 1%
of the recorded optimum, over the seeds (a run that never got there counts as
beyond every other); how many runs got there; and, per kernel, whether the
best kiln strategy reached 5% within 10% of the space (median) and beat every
Kernel Tuner strategy (a lower median); and the same comparison within 1%.
usage: table.py RAW.jsonl"""
import collections, json, sys

INF = float("inf")


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def quartiles(v):
    v = sorted(v)
    at = lambda q: v[min(len(v) - 1, int(round(q * (len(v) - 1))))]
    return at(0.25), at(0.75)


def fmt(x):
    return "never" if x == INF else f"{x:.0f}" if x == int(x) else f"{x:.1f}"


def main():
    runs = collections.defaultdict(list)
    space = {}
    for line in open(sys.argv[1]):
        r = json.loads(line)
        runs[(r["kernel"], r["tuner"], r["strategy"])].append(r)
        space[r["kernel"]] = r["space"]
    kernels = list(dict.fromkeys(k for k, _, _ in runs))
    verdicts = []
    for kernel in kernels:
        n = space[kernel]
        print(f"\n### {kernel} ({n} configurations)\n")
        print("| tuner | strategy | runs | within 5%: median (25%..75%) | reached | within 1%: median (25%..75%) | reached |")
        print("|---|---|---|---|---|---|---|")
        rows = []
        for (k, tuner, strategy), rs in runs.items():
            if k != kernel:
                continue
            errors = [r for r in rs if "error" in r]
            if errors:
                print(f"| {tuner} | {strategy} | {len(rs)} | failed to run: {errors[0]['error'][:80]} | | | |")
                continue
            w5 = [r.get("within5", INF) for r in rs]
            w1 = [r.get("within1", INF) for r in rs]
            rows.append((tuner, strategy, median(w5), median(w1)))
            q5, q1 = quartiles(w5), quartiles(w1)
            print(f"| {tuner} | {strategy} | {len(rs)} | {fmt(median(w5))} ({fmt(q5[0])}..{fmt(q5[1])}) | "
                  f"{sum(x < INF for x in w5)}/{len(rs)} | {fmt(median(w1))} ({fmt(q1[0])}..{fmt(q1[1])}) | "
                  f"{sum(x < INF for x in w1)}/{len(rs)} |")
        searching = [r for r in rows if r[1] != "exhaustive"]
        best_kiln = min((r for r in searching if r[0] == "kiln"), key=lambda r: (r[2], r[3]))
        best_kt = min((r for r in searching if r[0] == "kernel_tuner"), key=lambda r: (r[2], r[3]))
        within_tenth = best_kiln[2] <= 0.1 * n
        beats = best_kiln[2] < best_kt[2]
        best_kiln1 = min((r for r in searching if r[0] == "kiln"), key=lambda r: (r[3], r[2]))
        best_kt1 = min((r for r in searching if r[0] == "kernel_tuner"), key=lambda r: (r[3], r[2]))
        verdicts.append((kernel, n, best_kiln, best_kt, within_tenth, beats, best_kiln1, best_kt1))
    print("\n### Against the targets (medians of evaluations to within 5% of the optimum)\n")
    print("| kernel | space | best kiln | best Kernel Tuner | kiln within 10% of the space | kiln lower than every Kernel Tuner strategy |")
    print("|---|---|---|---|---|---|")
    for kernel, n, bk, bt, tenth, beats, _, _ in verdicts:
        print(f"| {kernel} | {n} | {bk[1]} {fmt(bk[2])} | {bt[1]} {fmt(bt[2])} | {'yes' if tenth else 'no'} "
              f"({fmt(0.1 * n)}) | {'yes' if beats else 'no'} |")
    print("\n### Within 1% of the optimum (medians of evaluations)\n")
    print("| kernel | space | best kiln | best Kernel Tuner | kiln lower |")
    print("|---|---|---|---|---|")
    for kernel, n, _, _, _, _, bk, bt in verdicts:
        print(f"| {kernel} | {n} | {bk[1]} {fmt(bk[3])} | {bt[1]} {fmt(bt[3])} | {'yes' if bk[3] < bt[3] else 'no'} |")


if __name__ == "__main__":
    main()
