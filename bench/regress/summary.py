#!/usr/bin/env python3
"""Median, min, max and MAD per mode of a capture_overhead.sh log; overhead against native."""
import statistics
import sys

times = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 5 and parts[0] == "round":
        times.setdefault(parts[2], []).append(int(parts[3]) / 1000.0)
base = statistics.median(times["native"])
print("| mode | runs | median ms | min | max | MAD | vs native |")
print("|---|---|---|---|---|---|---|")
for mode in ("native", "remoted", "capture"):
    v = times[mode]
    med = statistics.median(v)
    mad = statistics.median(abs(x - med) for x in v)
    print(f"| {mode} | {len(v)} | {med:.1f} | {min(v):.1f} | {max(v):.1f} | {mad:.1f} | {med / base:.2f}x |")
