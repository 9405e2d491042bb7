#!/usr/bin/env python3
"""Joins the databases of collect.sh's jobs into one database per kernel under
bench/strategy/data/ (the parts of a kernel split on a 0/1 parameter become one
run), without the variants' source texts (kept small enough to commit; the
results and their identities stay).
usage: merge.py COLLECTED_DIR OUT_DIR"""
import os, shutil, sqlite3, sys

PARTS = {
    "matmul": ["matmul"], "laplace": ["laplace0", "laplace1"], "laplace_rgb": ["rgb0", "rgb1"],
    "bigdft.magicfilter": ["magicfilter"], "bigdft.analysis": ["analysis"], "specfem.stiffness": ["stiffness"],
}

def merge(src, out, kernel, parts):
    target = os.path.join(out, kernel + ".db")
    if os.path.exists(target):
        os.remove(target)
    shutil.copy(os.path.join(src, parts[0] + ".db"), target)
    db = sqlite3.connect(target)
    run = db.execute("SELECT min(id) FROM runs").fetchone()[0]
    for part in parts[1:]:
        db.execute("ATTACH ? AS part", (os.path.join(src, part + ".db"),))
        db.execute("INSERT OR IGNORE INTO devices (fingerprint, backend, platform, name, vendor, driver, version,"
                   " compute_units, global_mem) SELECT fingerprint, backend, platform, name, vendor, driver, version,"
                   " compute_units, global_mem FROM part.devices")
        db.execute("INSERT OR IGNORE INTO kernels (name, lang, source_hash) SELECT name, lang, source_hash FROM part.kernels")
        cols = [r[1] for r in db.execute("PRAGMA table_info(results)") if r[1] not in ("id", "run", "device")]
        names = ", ".join(cols)
        db.execute(f"INSERT INTO results (run, device, {names}) SELECT ?, (SELECT d.id FROM devices d JOIN part.devices p"
                   f" ON d.fingerprint = p.fingerprint WHERE p.id = r.device), {names} FROM part.results r", (run,))
        db.commit()
        db.execute("DETACH part")
    db.execute("UPDATE kernels SET source = NULL")
    db.commit()
    db.execute("VACUUM")
    n = db.execute("SELECT count(*) FROM results WHERE verdict <> 'running'").fetchone()[0]
    db.close()
    print(f"{kernel}: {n} results -> {target}")

if __name__ == "__main__":
    for kernel, parts in PARTS.items():
        merge(sys.argv[1], sys.argv[2], kernel, parts)
