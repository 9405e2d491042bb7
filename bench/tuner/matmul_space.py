#!/usr/bin/env python3
"""The valid configurations of kiln's matmul at size N, with each one's
OpenCL source from `kiln generate`, as kt_matmul.py reads them.

usage: matmul_space.py KILN N OUT.json [NAME=VALUE ...]
NAME=VALUE fixes a parameter, as `kiln tune --set` does. The parameters and
constraints are read from `kiln kernels matmul`, so both tuners search the
same space; prints the number of configurations.
"""
import itertools
import json
import re
import subprocess
import sys

kiln, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fixed = dict(s.split("=") for s in sys.argv[4:])
text = subprocess.run([kiln, "kernels", "matmul"], check=True, capture_output=True, text=True).stdout
params, constraints, section = {}, [], None
for line in text.splitlines():
    if line.strip() == "parameters:":
        section = "p"
    elif line.strip() == "constraints:":
        section = "c"
    elif section == "p" and (m := re.match(r"\s+(\w+)\s+\{([^}]*)\}", line)):
        params[m.group(1)] = [int(v) for v in m.group(2).split(",")]
    elif section == "c" and line.startswith("    ") and line.strip():
        constraints.append(line.strip())
    elif section == "c" and not line.startswith("    "):
        section = None
for name, value in fixed.items():
    params[name] = [int(value)]

def python_of(expr):
    # C integer expressions as Python: / is integer division, || && are or and
    return expr.replace("||", " or ").replace("&&", " and ").replace("/", "//")

def valid(cfg):
    env = dict(cfg, n=n)
    return all(eval(python_of(c), {}, env) for c in constraints)

names = list(params)
configs = [dict(zip(names, v)) for v in itertools.product(*params.values())]
configs = [c for c in configs if valid(c)]
sources = {}
for cfg in configs:
    args = [kiln, "generate", "matmul", "--lang", "cl", "--size", str(n)]
    for p in names:
        args += ["--set", "%s=%d" % (p, cfg[p])]
    key = ",".join("%s=%d" % (p, cfg[p]) for p in names)
    sources[key] = subprocess.run(args, check=True, capture_output=True, text=True).stdout
# Kernel Tuner's restrictions: the same constraints over its p_ parameters
restrictions = [re.sub(r"\b(%s)\b" % "|".join(names), r"p_\1", python_of(c)).replace(" n ", " %d " % n)
                for c in constraints]
restrictions = [re.sub(r"\bn\b", str(n), r) for r in restrictions]
json.dump({"params": params, "restrictions": restrictions, "sources": sources}, open(out, "w"))
print(len(configs))
