#!/usr/bin/env python3
"""Kernel Tuner on kiln's matmul space: the same configurations, the same
OpenCL sources (generated beforehand by `kiln generate`, read from a JSON
file), the same launch geometry, verification against a float64 reference
with an error bound scaled by the magnitude of each sum.

usage: kt_matmul.py SOURCES.json N ITERATIONS OUT.json
SOURCES.json: {"params": {"tile": [...], ...}, "restrictions": [...],
               "sources": {"tile=16,wpt=2,...": "<source>", ...}}
Prints one line: configurations, best time, best configuration, wall time.
"""
import json
import sys
import os
import time

t_start = time.perf_counter()
import numpy as np
from kernel_tuner import tune_kernel

spec_path, n, iterations, out_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
spec = json.load(open(spec_path))
names = list(spec["params"])

def key(params):
    return ",".join("%s=%d" % (p, params["p_" + p]) for p in names)

def source(params):
    # Kernel Tuner calls this with the configuration: kiln's source of it
    return spec["sources"][key(params)]

tune_params = {"p_" + p: v for p, v in spec["params"].items()}
tiles = spec["params"]["tile"]
sides = sorted({t // d for t in tiles for d in (1, 2, 4, 8) if t % d == 0})
tune_params["block_size_x"] = sides  # tile / vec
tune_params["block_size_y"] = sides  # tile / wpt
restrictions = spec["restrictions"] + ["block_size_x == p_tile // p_vec", "block_size_y == p_tile // p_wpt"]

rng = np.random.default_rng(1)
a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
c = np.zeros((n, n), dtype=np.float32)
want = a.astype(np.float64) @ b.astype(np.float64)
magnitude = np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64)
bound = 2 * n * np.finfo(np.float32).eps * magnitude + np.finfo(np.float32).tiny

def verify(answer, result, atol=None):
    got = result[3].reshape(n, n).astype(np.float64)
    return bool(np.all(np.isfinite(got)) and np.all(np.abs(got - want) <= bound))

args = [np.int32(n), a, b, c]
# The OpenCL platform and device: KT_CTX "platform:device" (the script's), default 0:0.
platform, device = (int(x) for x in (os.environ.get("KT_CTX", "0:0") + ":0").split(":")[:2])
results, env = tune_kernel(
    "matmul", source, (n, n), args, tune_params,
    grid_div_x=["p_tile"], grid_div_y=["p_tile"],
    restrictions=restrictions, lang="OpenCL",
    answer=[None, None, None, want.astype(np.float32)], verify=verify,
    iterations=iterations, strategy="brute_force", quiet=True, platform=platform, device=device)
wall = time.perf_counter() - t_start
ok = [r for r in results if isinstance(r.get("time"), (int, float))]
best = min(ok, key=lambda r: r["time"]) if ok else None
summary = {
    "configurations": len(results), "correct": len(ok),
    "best_ms": best["time"] if best else None,
    "best": {p: best["p_" + p] for p in names} if best else None,
    "compile_s": sum(r.get("compile_time", 0) for r in results) / 1000.0,
    "benchmark_s": sum(r.get("benchmark_time", 0) for r in results) / 1000.0,
    "verification_s": sum(r.get("verification_time", 0) for r in results) / 1000.0,
    "wall_s": wall,
    "kernel_tuner": env.get("kernel_tuner_version") if isinstance(env, dict) else None,
    "device": env.get("device_name") if isinstance(env, dict) else None,
}
json.dump(summary, open(out_path, "w"), indent=1)
print("kernel_tuner configurations %d correct %d best %.4f ms %s wall %.2f s" %
      (len(results), len(ok), best["time"] if best else -1, json.dumps(summary["best"]), wall))
