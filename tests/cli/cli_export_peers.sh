# Exports that other tools read. t4 validates against the published T4 results
# schema (tests/cli/t4-results-schema.json) and says for each current result
# what the JSON export says; csv-params has one column per parameter holding
# each row's configuration; header compiles warning-free and its #defines are
# what `kiln best` answers for each kernel, device and size (and, picked with
# -DKILN_TARGET_<DEVICE>, under the short names); a header whose
# macros would collide is refused and nothing is written.
. "$(dirname "$0")/lib.sh"
PLUGIN=$2
SCHEMA="$(dirname "$0")/t4-results-schema.json"

# faulty: an ok, a wrong and a build_error row at two sizes; triad: three parameters
expect 0 "$KILN" --plugin "$PLUGIN" tune faulty --device host --size 256 --budget 3
expect 0 "$KILN" --plugin "$PLUGIN" tune faulty --device host --size 512 --budget 3
expect 0 "$KILN" tune triad --device host --size 4096 --budget 3
expect 0 "$KILN" --plugin "$PLUGIN" tune faulty --device host --size 256 --budget 3 --rerun ok  # a superseded row
"$KILN" export --format json > "$WORK/all.json"

# kiln best falls back to the nearest tuned size on this device (256 is nearer 300 than 512)
expect 0 "$KILN" --plugin "$PLUGIN" best faulty --device host --size 300; contains "size 256"
contains "(fallback: nearest size; this device"
expect 0 "$KILN" --plugin "$PLUGIN" best faulty --device host --size 450 --json
pyrun 'import json, sys; d = json.loads(sys.argv[1]); assert d["size"] == "512" and d["match"] == "nearest size", d' "$OUT"

# ---- t4 ----
expect 0 "$KILN" export --format t4 --output "$WORK/t4.json"
sqlite3 "$KILN_DB" "SELECT id FROM results WHERE superseded_by IS NULL AND verdict <> 'running' ORDER BY id" \
  > "$WORK/current.ids"
pyrun 'import json, sys, jsonschema
schema, doc, rows = (json.load(open(p)) for p in sys.argv[1:4])
jsonschema.Draft202012Validator(schema).validate(doc)
assert doc["schema_version"] == "1.0.0"
results = doc["results"]
current = open(sys.argv[4]).read().split()
assert len(results) == len(current) == 10, (len(results), len(current))   # 9 results + 1 rerun supersedes 1
invalidity = {"ok": "correct", "wrong": "correctness", "build_error": "compile"}
for t in results:
    k = t["kiln"]
    same = [r for r in rows if r["kernel"] == k["kernel"] and r["size"] == k["size"] and r["config"] == t["configuration"]]
    row = same[-1]                                    # the current row is the latest of its configuration
    assert t["invalidity"] == invalidity[row["verdict"]], (t, row)
    assert t["correctness"] == (1 if row["verdict"] == "ok" else 0)
    assert t["timestamp"] == row["created"] and t["objectives"] == ["time"]
    m = {x["name"]: x for x in t["measurements"]}
    if row["median_ns"] is None:
        assert m == {}, m
    else:
        assert m["time"]["unit"] == "ms" and abs(m["time"]["value"] - row["median_ns"] / 1e6) <= 1e-9 * row["median_ns"], (m, row)
        assert m["samples"]["value"] == row["samples"]
# the schema check can fail: a T4 reader would refuse these
for bad in ({"invalidity": "bogus"}, {"correctness": "yes"}, {"times": []}):
    broken = json.loads(json.dumps(doc)); broken["results"][0].update(bad)
    try:
        jsonschema.Draft202012Validator(schema).validate(broken)
        raise SystemExit("schema accepted %r" % bad)
    except jsonschema.ValidationError:
        pass
' "$SCHEMA" "$WORK/t4.json" "$WORK/all.json" "$WORK/current.ids"
expect 0 "$KILN" export faulty --ok --size 512 --format t4
pyrun 'import json, sys
r = json.loads(sys.argv[1])["results"]
assert len(r) == 1 and r[0]["invalidity"] == "correct" and r[0]["kiln"]["size"] == "512", r' "$OUT"

# ---- csv-params ----
"$KILN" export --format csv-params > "$WORK/params.csv"
pyrun 'import csv, json, sys
rows = json.load(open(sys.argv[2]))
table = list(csv.DictReader(open(sys.argv[1], newline="")))
header = next(csv.reader(open(sys.argv[1], newline="")))
assert header[4:8] == ["mode", "vec", "per_item", "wg"], header   # the parameters, first seen first
assert len(table) == len(rows), (len(table), len(rows))
for t, r in zip(table, rows):
    assert (t["kernel"], t["size"], t["verdict"]) == (r["kernel"], r["size"], r["verdict"]), (t, r)
    for name in ("mode", "vec", "per_item", "wg"):
        assert t[name] == (str(r["config"][name]) if name in r["config"] else ""), (name, t, r)
    assert t["median_ns"] == ("" if r["median_ns"] is None else "%.1f" % r["median_ns"]), (t, r)
assert sum(t["status"] == "superseded" for t in table) == 1
' "$WORK/params.csv" "$WORK/all.json"

# ---- header ----
expect 0 "$KILN" export --format header --output "$WORK/tuned.h"
for spec in "faulty 256" "faulty 512" "triad 4096"; do
  set -- $spec
  "$KILN" --plugin "$PLUGIN" best "$1" --device host --size "$2" --json >> "$WORK/best.jsonl"
done
python3 -c 'import json, re, sys
print("#include <stdio.h>\n#include \"tuned.h\"\nint main(void)\n{")
for line in open(sys.argv[1]):
    b = json.loads(line)
    part = lambda s: re.sub("[^A-Za-z0-9]+", "_", s).strip("_").upper()
    for name in b["config"]:
        macro = "KILN_%s_%s_%s_%s" % (part(b["kernel"]), part(b["device"]), part(b["size"]), part(name))
        print("    printf(\"%%s %%s %%s %%lld\\n\", \"%s\", \"%s\", \"%s\", (long long)%s);" % (b["kernel"], b["size"], name, macro))
print("    return 0;\n}")' "$WORK/best.jsonl" > "$WORK/use_header.c"
expect 0 cc -std=c11 -Wall -Wextra -Werror -pedantic -I"$WORK" -o "$WORK/use_header" "$WORK/use_header.c"
expect 0 "$WORK/use_header"
pyrun 'import json, sys
want = sorted("%s %s %s %d" % (b["kernel"], b["size"], k, v) for b in map(json.loads, open(sys.argv[2])) for k, v in b["config"].items())
got = sorted(sys.argv[1].splitlines())
assert got == want, (got, want)
assert len(want) == 5, want' "$OUT" "$WORK/best.jsonl"
expect 0 grep -cE '^#define KILN_[A-Z0-9_]+ \(?-?[0-9]' "$WORK/tuned.h"   # the values (not the short names)
checks=$((checks + 1)); [ "$OUT" = 5 ] || { failures=$((failures + 1)); echo "FAIL: $OUT parameter #defines, expected 5"; }

# with -DKILN_TARGET_<DEVICE> the short names hold that device's values; without, none is defined
python3 -c 'import json, re, sys
part = lambda s: re.sub("[^A-Za-z0-9]+", "_", s).strip("_").upper()
print("#include <stdio.h>\n#include \"tuned.h\"\nint main(void)\n{")
for line in open(sys.argv[1]):
    b = json.loads(line)
    for name in b["config"]:
        macro = "KILN_%s_%s_%s" % (part(b["kernel"]), part(b["size"]), part(name))
        print("#ifdef %s\n    printf(\"%%s %%s %%s %%lld\\n\", \"%s\", \"%s\", \"%s\", (long long)%s);\n#else\n    puts(\"undefined\");\n#endif" % (macro, b["kernel"], b["size"], name, macro))
print("    return 0;\n}")' "$WORK/best.jsonl" > "$WORK/use_target.c"
TARGET=$(python3 -c 'import json, re, sys; print("KILN_TARGET_" + re.sub("[^A-Za-z0-9]+", "_", json.loads(open(sys.argv[1]).readline())["device"]).strip("_").upper())' "$WORK/best.jsonl")
expect 0 cc -std=c11 -Wall -Wextra -Werror -pedantic -D"$TARGET" -I"$WORK" -o "$WORK/use_target" "$WORK/use_target.c"
expect 0 "$WORK/use_target"
pyrun 'import json, sys
want = sorted("%s %s %s %d" % (b["kernel"], b["size"], k, v) for b in map(json.loads, open(sys.argv[2])) for k, v in b["config"].items())
assert sorted(sys.argv[1].splitlines()) == want, (sys.argv[1], want)' "$OUT" "$WORK/best.jsonl"
expect 0 cc -std=c11 -Wall -Wextra -Werror -pedantic -DKILN_TARGET_NO_SUCH_DEVICE -I"$WORK" -o "$WORK/use_target" "$WORK/use_target.c"
expect 0 "$WORK/use_target"
checks=$((checks + 1)); [ "$(sort -u <<<"$OUT")" = undefined ] || { failures=$((failures + 1)); echo "FAIL: short names without their target: $OUT"; }

# two devices of one name would define one macro twice: refused, nothing written
cp "$KILN_DB" "$WORK/twins.db"
sqlite3 "$WORK/twins.db" "INSERT INTO devices (fingerprint, backend, name) SELECT 'ffffffffffffffff', backend, name FROM devices LIMIT 1;
  INSERT INTO results (run, kernel, device, lang, size, config_json, source_hash, data_hash, verdict, median_ns, samples)
  SELECT run, kernel, (SELECT id FROM devices WHERE fingerprint = 'ffffffffffffffff'), lang, size, config_json,
         source_hash, data_hash, verdict, median_ns, samples FROM results WHERE verdict = 'ok' AND superseded_by IS NULL LIMIT 1"
expect 1 "$KILN" export --db "$WORK/twins.db" --format header --output "$WORK/twins.h"
contains "would redefine those of device"
checks=$((checks + 1)); [ ! -e "$WORK/twins.h" ] || { failures=$((failures + 1)); echo "FAIL: twins.h was written"; }
# a configuration that is not kiln's: named, and the export fails whole
cp "$KILN_DB" "$WORK/odd.db"
sqlite3 "$WORK/odd.db" "UPDATE results SET config_json = '{\"wg\":\"x\"}' WHERE id = (SELECT max(id) FROM results)"
expect 1 "$KILN" export --db "$WORK/odd.db" --format csv-params --output "$WORK/odd.csv"
contains "its configuration is not {\"name\":integer,...}"
checks=$((checks + 1)); [ ! -e "$WORK/odd.csv" ] || { failures=$((failures + 1)); echo "FAIL: odd.csv was written"; }
expect 2 "$KILN" show --format t4; contains "unknown format 't4'"
finish
