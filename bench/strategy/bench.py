#!/usr/bin/env python3
"""The strategy benchmark: every kiln strategy and every Kernel Tuner strategy
replayed over SEEDS seeds on the same recorded exhaustive runs (an NVIDIA H200,
bench/strategy/data/, collected by collect.sh), without a device. For each
run: the evaluations (distinct configurations) needed to come within 5% and
within 1% of the recorded optimum. kiln's side runs `kiln tune --simulate`;
Kernel Tuner's runs its own simulation mode on a cache file written from the
same database. Both searches end when the optimum is found or the strategy
stops by itself (Kernel Tuner's max_fevals is the size of the space).

usage (a venv with kernel_tuner): bench.py KILN OUT_DIR [SEEDS [TUNERS [KT_RAW]]]
TUNERS: both (default), kiln or kernel_tuner. With TUNERS kiln and a raw log
KT_RAW of an earlier run, Kernel Tuner's lines of KT_RAW are copied unchanged
into the new log (its figures depend only on the data), and Kernel Tuner is
neither imported nor run. Writes OUT_DIR/raw.jsonl (one line per run), the
working copies of the databases (OUT_DIR/db/) and the cache files; table.py
makes the table.

The databases of data/ are replayed through working copies: upgraded to this
kiln's schema, and where a kernel has gained a parameter since the recording,
every recorded configuration given that parameter's default (the variant as
it was built before the parameter existed) and the replay restricted to it."""
import json, os, random, re, shutil, sqlite3, statistics, subprocess, sys, time, warnings

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
# kernel, database, restriction (--set) to the part of the space recorded exhaustively
CASES = [
    ("matmul", "matmul", []),
    ("specfem.stiffness", "specfem.stiffness", []),
    ("laplace", "laplace", ["x_per_item=1"]),
    ("laplace_rgb", "laplace_rgb", ["x_component_number=1,2"]),
    ("bigdft.magicfilter", "bigdft.magicfilter", ["unroll=1,2"]),
    ("bigdft.analysis", "bigdft.analysis", ["unroll=1,2"]),
]
KILN_STRATEGIES = ["exhaustive", "random", "annealing", "genetic", "pso", "ils", "model"]
KT_STRATEGIES = ["random_sample", "simulated_annealing", "genetic_algorithm", "pso", "greedy_ils", "greedy_mls",
                 "mls", "diff_evo", "firefly_algorithm", "basinhopping", "dual_annealing", "bayes_opt"]


def kernel_params(kiln, kernel, defaults=None):
    """The kernel's parameters in order, each with its values (value names as their indices);
    each one's default value into defaults when given."""
    text = subprocess.run([kiln, "kernels"], capture_output=True, text=True, check=True).stdout
    block = text[text.index(kernel + " \u2014"):]
    block = block[block.index("parameters:"):block.index("constraints:") if "constraints:" in block else None]
    params = {}
    for line in block.splitlines()[1:]:
        m = re.match(r"\s+(\w+)\s+\{([^}]*)\}\s+default (\S+)", line)
        if not m:
            break
        names = [v.strip() for v in m.group(2).split(",")]
        params[m.group(1)] = [int(v) if re.fullmatch(r"-?\d+", v) else i for i, v in enumerate(names)]
        if defaults is not None:
            d = m.group(3)  # a named parameter's default is printed as its value's index
            defaults[m.group(1)] = params[m.group(1)][names.index(d)] if d in names else int(d)
    return params


def working_copy(kiln, kernel, db, out_dir):
    """db copied into OUT_DIR/db/, upgraded to this kiln's schema (a writing command that matches
    nothing: no recorded result timed out), each parameter the kernel gained since the recording
    given its default in every configuration; the copy's path and the --set restrictions to those
    defaults."""
    os.makedirs(os.path.join(out_dir, "db"), exist_ok=True)
    copy = os.path.join(out_dir, "db", os.path.basename(db))
    shutil.copyfile(db, copy)
    forgot = subprocess.run([kiln, "forget", kernel, "--verdict", "timeout", "--db", copy], capture_output=True,
                            text=True, check=True).stdout
    assert forgot.startswith("forgot 0 "), forgot
    defaults = {}
    params = kernel_params(kiln, kernel, defaults)
    con = sqlite3.connect(copy)
    recorded_names = set(json.loads(con.execute("SELECT config_json FROM results WHERE kernel = ? LIMIT 1",
                                                (kernel,)).fetchone()[0]))
    gained = [p for p in params if p not in recorded_names]
    for p in gained:
        con.execute("UPDATE results SET config_json = json_set(config_json, ?, ?) WHERE kernel = ?",
                    ("$." + p, defaults[p], kernel))
    con.commit()
    con.close()
    return copy, [f"{p}={defaults[p]}" for p in gained]


def restricted(config, sets):
    for s in sets:
        name, values = s.split("=")
        if config[name] not in [int(v) for v in values.split(",")]:
            return False
    return True


def recorded(kiln, kernel, db, sets):
    rows = json.loads(subprocess.run([kiln, "export", kernel, "--format", "json", "--db", db], capture_output=True,
                                     text=True, check=True).stdout)
    return [r for r in rows if r["verdict"] != "running" and restricted(r["config"], sets)]


def reached(trace, optimum):
    """Evaluations after which the best of trace (objectives, None = failed) is within 5%, 1%, 0% of optimum."""
    out, best = {}, None
    for i, t in enumerate(trace, 1):
        if t is not None and (best is None or t < best):
            best = t
            for name, tol in (("within5", 1.05), ("within1", 1.01), ("optimum", 1.0)):
                if name not in out and best <= optimum * tol:
                    out[name] = i
    return out


def run_kiln(kiln, kernel, db, sets, strategy, seed):
    cmd = [kiln, "tune", kernel, "--simulate", "--strategy", strategy, "--seed", str(seed), "--db", db]
    for s in sets:
        cmd += ["--set", s]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    fields = dict(re.findall(r"(\w+)=(\S+)", out.strip().splitlines()[-1]))
    res = {k: int(fields[k]) for k in ("within5", "within1", "optimum") if int(fields[k]) > 0}
    res["evaluations"] = int(fields["evaluations"])
    res["unmeasured"] = int(fields["unmeasured"])
    return res


def write_cache(path, kernel, params, rows):
    cache = {}
    for r in rows:
        c = r["config"]
        key = ",".join(str(c[p]) for p in params)
        entry = dict(c)
        ok = r["verdict"] == "ok"
        entry["time"] = r["median_ns"] * 1e-6 if ok else "RuntimeFailedConfig"
        entry["times"] = [entry["time"]] if ok else []
        entry.update(compile_time=0.0, verification_time=0.0, benchmark_time=0.0, strategy_time=0.0, framework_time=0.0)
        cache[key] = entry
    with open(path, "w") as f:
        json.dump({"device_name": rows[0]["device"], "kernel_name": kernel.replace(".", "_"), "problem_size": [1],
                   "tune_params_keys": list(params), "tune_params": params, "objective": "time", "cache": cache}, f)
    return cache


def run_kt(kt, cachefile, kernel, params, cache, strategy, seed):
    random.seed(seed)
    import numpy
    numpy.random.seed(seed)
    keys = set(cache)
    def restriction(*values):  # Kernel Tuner passes the values in parameter order
        if len(values) == 1 and isinstance(values[0], dict):
            values = [values[0][k] for k in params]
        return ",".join(str(v) for v in values) in keys
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results, _ = kt.tune_kernel(kernel.replace(".", "_"), "__kernel void k() {}", (1,), [], params,
                                    lang="OpenCL", strategy=strategy, cache=cachefile, simulation_mode=True,
                                    restrictions=restriction, strategy_options={"max_fevals": len(cache)},
                                    verbose=False, quiet=True)
    trace, seen = [], set()
    for r in results:
        if r is None:
            continue
        key = ",".join(str(r[k]) for k in params)
        if key in seen:
            continue
        seen.add(key)
        t = r.get("time")
        trace.append(t if isinstance(t, float) and "__error__" not in r else None)
    return trace


def summary(values, cap):
    """Median and quartiles of evaluations, a run that never reached counting as beyond cap."""
    v = sorted(x if x is not None else float("inf") for x in values)
    q = statistics.quantiles(v, n=4, method="inclusive") if len(v) > 1 else v * 3
    fmt = lambda x: f">{cap}" if x == float("inf") else f"{x:.0f}"
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2, fmt, q


def main():
    kiln, out_dir = sys.argv[1], sys.argv[2]
    seeds = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    tuners = sys.argv[4] if len(sys.argv) > 4 else "both"
    kt_raw = sys.argv[5] if len(sys.argv) > 5 else None
    assert kt_raw is None or tuners == "kiln", "KT_RAW goes with TUNERS kiln"
    os.makedirs(out_dir, exist_ok=True)
    # read whole before raw.jsonl is opened: KT_RAW may be the log about to be written over
    kt_lines = [line for line in open(kt_raw) if json.loads(line)["tuner"] == "kernel_tuner"] if kt_raw else []
    raw = open(os.path.join(out_dir, "raw.jsonl"), "w")
    if tuners != "kiln":
        import kernel_tuner as kt
        from importlib.metadata import version
        print(f"kernel_tuner {version('kernel_tuner')}, numpy {version('numpy')}, scipy {version('scipy')}, "
              f"scikit-learn {version('scikit-learn')}; python {sys.version.split()[0]}; seeds {seeds}", flush=True)
    else:
        print(f"kiln only; python {sys.version.split()[0]}; seeds {seeds}" +
              (f"; Kernel Tuner's {len(kt_lines)} lines copied from {kt_raw}" if kt_raw else ""), flush=True)
    for kernel, dbname, sets in CASES:
        db, gained = working_copy(kiln, kernel, os.path.join(DATA, dbname + ".db"), out_dir)
        sets = sets + gained
        params = kernel_params(kiln, kernel)
        rows = recorded(kiln, kernel, db, sets)
        cachefile = os.path.join(out_dir, kernel + ".cache.json")
        cache = write_cache(cachefile, kernel, params, rows) if tuners != "kiln" else None
        ok = [r["median_ns"] for r in rows if r["verdict"] == "ok"]
        optimum = min(ok)
        print(f"== {kernel} {' '.join('--set ' + s for s in sets)}: {len(rows)} configurations, "
              f"{len(ok)} correct, optimum {optimum:.0f} ns", flush=True)
        for seed in range(1, seeds + 1):
            # the two tuners alternate, seed by seed
            for strategy in KILN_STRATEGIES if tuners != "kernel_tuner" else []:
                if strategy == "exhaustive" and seed > 1:
                    continue
                t0 = time.time()
                res = run_kiln(kiln, kernel, db, sets, strategy, seed)
                raw.write(json.dumps(dict(kernel=kernel, tuner="kiln", strategy=strategy, seed=seed, space=len(rows),
                                          wall_s=round(time.time() - t0, 3), **res)) + "\n")
            for strategy in KT_STRATEGIES if tuners != "kiln" else []:
                t0 = time.time()
                try:
                    trace = run_kt(kt, cachefile, kernel, params, cache, strategy, seed)
                    res = reached(trace, optimum * 1e-6)
                    res["evaluations"] = len(trace)
                except Exception as e:  # a strategy that cannot run here is recorded as such
                    res = {"error": f"{type(e).__name__}: {e}"[:300]}
                raw.write(json.dumps(dict(kernel=kernel, tuner="kernel_tuner", strategy=strategy, seed=seed,
                                          space=len(rows), wall_s=round(time.time() - t0, 3), **res)) + "\n")
            raw.flush()
        for line in kt_lines:
            if json.loads(line)["kernel"] == kernel:
                raw.write(line)
        print(f"   {seeds} seeds done", flush=True)
    raw.close()


if __name__ == "__main__":
    main()
