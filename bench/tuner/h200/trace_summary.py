#!/usr/bin/env python3
"""Where a `kiln tune --trace` went: when the first variant was measured, the
time of each span summed over the tuning's (measuring) thread and over the
others, the span of the binary loads taken together (their union), and the
start-up spans. usage: trace_summary.py TRACE.json[.gz]..."""
import collections, gzip, json, sys


def union(intervals):
    total, start, end = 0.0, None, None
    for s, e in sorted(intervals):
        if start is None or s > end:
            total += 0 if start is None else end - start
            start, end = s, e
        else:
            end = max(end, e)
    return total + (0 if start is None else end - start)


for path in sys.argv[1:]:
    ev = json.load(gzip.open(path) if path.endswith(".gz") else open(path))
    t0 = min(e["ts"] for e in ev)
    t1 = max(e["ts"] + e["dur"] for e in ev)
    measure = [e for e in ev if e["name"] == "measure"]
    main = measure[0]["tid"]
    print("== %s: %.2f s traced, %d variants measured, the first at %.2f s, the last done at %.2f s"
          % (path, (t1 - t0) / 1e6, len(measure), (measure[0]["ts"] - t0) / 1e6,
             (measure[-1]["ts"] + measure[-1]["dur"] - t0) / 1e6))
    sums = collections.defaultdict(lambda: [0, 0.0])
    for e in ev:
        key = ("measuring" if e["tid"] == main else "others", e["name"])
        sums[key][0] += 1
        sums[key][1] += e["dur"]
    print("  %-9s %-32s %6s %10s %10s" % ("thread", "span", "count", "total ms", "ms each"))
    for (who, name), (n, us) in sorted(sums.items(), key=lambda kv: -kv[1][1]):
        print("  %-9s %-32s %6d %10.1f %10.2f" % (who, name, n, us / 1e3, us / 1e3 / n))
    loads = [(e["ts"], e["ts"] + e["dur"]) for e in ev if e["name"] == "load the binary"]
    print("  binary loads: %.2f s summed, %.2f s taken together" % (sum(b - a for a, b in loads) / 1e6,
                                                                   union(loads) / 1e6))
    for name in ("open the device", "inputs and reference", "wait for a kiln-build to start", "start a kiln-build"):
        for e in ev:
            if e["name"] == name:
                print("  %s: at %.2f s for %.2f s" % (name, (e["ts"] - t0) / 1e6, e["dur"] / 1e6))
