# kiln plot: one tuning run as SVG. Every correct variant of the run is a point
# at its own time (higher is slower, on a log axis), the best-so-far line ends
# at the fastest, failures are marked, each parameter panel holds each value's
# variants with their median; with --roofline (after kiln peaks) each variant
# sits at its intensity and GFLOP/s under a roof made of the highest peaks
# stored; the pictures render (rsvg-convert) to PNGs of the stated size.
. "$(dirname "$0")/lib.sh"
PLUGIN=$2
expect 0 "$KILN" --plugin "$PLUGIN" tune faulty --device host --size 256 --budget 3
expect 0 "$KILN" tune triad --device host --size 4096 --budget 3   # an earlier run, not drawn
expect 0 "$KILN" tune triad --device host --size 8192 --budget 8
RUN=$(sqlite3 "$KILN_DB" "SELECT max(run) FROM results WHERE kernel = 'triad'")
sqlite3 -separator ' ' "$KILN_DB" "SELECT id, median_ns, config_json FROM results WHERE run = $RUN AND verdict = 'ok'" \
  > "$WORK/ok.rows"
expect 0 "$KILN" plot triad --output "$WORK/triad.svg"

pyrun 'import json, sys, statistics, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
svg = ET.parse(sys.argv[1]).getroot()
rows = {}
for line in open(sys.argv[2]):
    i, t, cfg = line.split(" ", 2)
    rows[int(i)] = (float(t), json.loads(cfg))
trace = [g for g in svg.iter(ns + "g") if g.get("class") == "trace"][0]
points = [c for c in trace.iter(ns + "circle") if c.get("class") == "variant"]
assert sorted(int(c.get("data-id")) for c in points) == sorted(rows), "not every ok variant is drawn"
for c in points:
    assert abs(float(c.get("data-ns")) - rows[int(c.get("data-id"))][0]) < 0.1
ys = [(float(c.get("data-ns")), float(c.get("cy"))) for c in points]
for a in ys:
    for b in ys:
        if a[0] < b[0]:
            assert a[1] > b[1], ("a faster variant drawn higher", a, b)
xs = [float(c.get("cx")) for c in points]
assert xs == sorted(xs) and len(set(xs)) == len(xs), "not in evaluation order"
best = [tuple(map(float, p.split(","))) for p in trace.find(ns + "polyline").get("points").split()]
assert all(best[i][1] <= best[i + 1][1] for i in range(len(best) - 1)), "the best so far got worse"
assert abs(best[-1][1] - max(y for _, y in ys)) < 0.01, "the best-so-far line does not end at the fastest"
panels = {g.get("data-name"): g for g in svg.iter(ns + "g") if g.get("class") == "param"}
assert sorted(panels) == ["per_item", "vec", "wg"], sorted(panels)
for name, g in panels.items():
    values = {}
    for _, (t, cfg) in rows.items():
        values.setdefault(cfg[name], []).append(t)
    for v, times in values.items():
        dots = [c for c in g.iter(ns + "circle") if int(c.get("data-value")) == v]
        assert len(dots) == len(times), (name, v, len(dots), len(times))
        med = [l for l in g.iter(ns + "line") if l.get("class") == "median" and int(l.get("data-value")) == v][0]
        assert abs(float(med.get("data-ns")) - statistics.median(times)) < 0.1, (name, v)
' "$WORK/triad.svg" "$WORK/ok.rows"

# failures are marked in their place, with their verdict
expect 0 "$KILN" plot faulty --output "$WORK/faulty.svg"
pyrun 'import sys, xml.etree.ElementTree as ET
svg = ET.parse(sys.argv[1]).getroot()
failed = sorted(l.get("data-verdict") for l in svg.iter("{http://www.w3.org/2000/svg}line") if l.get("class") == "failed")
assert failed == ["build_error", "wrong"], failed' "$WORK/faulty.svg"

# it renders
expect 0 rsvg-convert "$WORK/triad.svg" -o "$WORK/triad.png"
pyrun 'import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
w, h = struct.unpack(">II", data[16:24])
assert w == 960 and h == 320 + 240 + 20, (w, h)
assert len(data) > 10000, len(data)' "$WORK/triad.png"
[ -n "${KILN_PLOT_KEEP:-}" ] && cp "$WORK/triad.png" "$KILN_PLOT_KEEP"

# ---- the roofline: the device's peaks come from kiln peaks ----
expect 1 "$KILN" plot triad --roofline --output "$WORK/roof.svg"; contains "run 'kiln peaks --device"
expect 0 "$KILN" peaks --device host --budget 2 --size 65536 --fma-items 65536
contains "peak_fma on "; contains " GFLOP/s"; contains "peak_stream on "; contains " GB/s"
expect 0 "$KILN" plot triad --roofline --output "$WORK/roof.svg"
peak() { sqlite3 "$KILN_DB" "SELECT max($2) FROM results WHERE kernel = '$1' AND verdict = 'ok' AND superseded_by IS NULL"; }
sqlite3 -separator ' ' "$KILN_DB" "SELECT id, gflops, gbytes_per_s FROM results WHERE run = $RUN AND verdict = 'ok'" \
  > "$WORK/roof.rows"
pyrun 'import math, sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
svg = ET.parse(sys.argv[1]).getroot()
g = [g for g in svg.iter(ns + "g") if g.get("class") == "roofline"][0]
a = {k[5:]: float(v) for k, v in g.attrib.items() if k.startswith("data-")}
peak_gf, peak_bw = float(sys.argv[3]), float(sys.argv[4])
assert abs(a["peak-gflops"] - peak_gf) <= 1e-5 * peak_gf and abs(a["peak-gbytes-per-s"] - peak_bw) <= 1e-5 * peak_bw, a
X = lambda i: a["left"] + a["width"] * (math.log10(i) - a["xlo"]) / (a["xhi"] - a["xlo"])
Y = lambda f: a["top"] + a["height"] * (1 - (math.log10(f) - a["ylo"]) / (a["yhi"] - a["ylo"]))
rows = {int(i): (float(f), float(b)) for i, f, b in (l.split() for l in open(sys.argv[2]))}
dots = [c for c in g.iter(ns + "circle") if c.get("class") == "roof-variant"]
assert sorted(int(c.get("data-id")) for c in dots) == sorted(rows), "not every ok variant is on the roofline"
for c in dots:
    gf, bw = rows[int(c.get("data-id"))]
    assert abs(float(c.get("cx")) - X(gf / bw)) < 0.02 and abs(float(c.get("cy")) - Y(gf)) < 0.02, (c.attrib, gf, bw)
pts = [tuple(map(float, p.split(","))) for p in g.find(ns + "polyline").get("points").split()]
ridge = peak_gf / peak_bw
assert abs(pts[1][0] - X(ridge)) < 0.1 and abs(pts[1][1] - Y(peak_gf)) < 0.1 and abs(pts[2][1] - Y(peak_gf)) < 0.1, pts
i0 = 10 ** (a["xlo"] + (pts[0][0] - a["left"]) / a["width"] * (a["xhi"] - a["xlo"]))
assert abs(pts[0][1] - Y(i0 * peak_bw)) < 0.1, "the slanted roof is not intensity * peak bandwidth"
' "$WORK/roof.svg" "$WORK/roof.rows" "$(peak peak_fma gflops)" "$(peak peak_stream gbytes_per_s)"
expect 0 rsvg-convert "$WORK/roof.svg" -o "$WORK/roof.png"
pyrun 'import struct, sys
data = open(sys.argv[1], "rb").read()
assert struct.unpack(">II", data[16:24]) == (960, 320 + 240 + 20 + 320), struct.unpack(">II", data[16:24])' "$WORK/roof.png"
[ -n "${KILN_PLOT_KEEP:-}" ] && cp "$WORK/roof.png" "$KILN_PLOT_KEEP.roof.png"

expect 1 "$KILN" plot nosuchkernel; contains "no tuning run of 'nosuchkernel'"
expect 2 "$KILN" plot triad --run 0x3; contains "--run: expected a run id"
expect 1 "$KILN" plot triad --run 999; contains "run 999 holds no result of 'triad'"
finish
