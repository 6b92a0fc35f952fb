#!/usr/bin/env python3
"""make gallery: pencil's PNG beside graphite-web's for the same data and graph parameters.

Feeds a small fixed data set (prefix gr.g.) into the reference graphite-web of ../shared/reference
(the one named by GRAPHITE_REF_DIR, else a fresh one started and stopped here),
asks it for each case's PNG and JSON over one fixed time range, renders the JSON with pencil's
renderer (examples/render_graph.rs; Graph-function styles passed as --style because JSON does not carry
them) and writes target/gallery/index.html. Stdlib only.
"""

import html
import math
import os
import subprocess
import sys
import time

import conformance

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = os.path.normpath(os.path.join(ROOT, "..", "shared", "reference"))
OUT = os.path.join(ROOT, "target", "gallery")
RENDER = os.path.join(ROOT, "target", "debug", "examples", "render_graph")

T3 = "gr.g.{a,b,c}"

# (name, graphite target or targets, pencil styles, parameters)
CASES = [
    ("default", T3, [], []),
    ("wide, title, vtitle", T3, [], ["width=800", "height=400", "title=Requests per second", "vtitle=req/s"]),
    ("areaMode=stacked", T3, [], ["areaMode=stacked"]),
    ("stacked, areaAlpha=0.5", T3, [], ["areaMode=stacked", "areaAlpha=0.5"]),
    ("areaMode=first", T3, [], ["areaMode=first"]),
    ("areaMode=all, areaAlpha=0.3", T3, [], ["areaMode=all", "areaAlpha=0.3"]),
    ("lineMode=staircase", T3, [], ["lineMode=staircase"]),
    ("lineMode=connected", T3, [], ["lineMode=connected"]),
    ("drawNullAsZero", T3, [], ["drawNullAsZero=true"]),
    ("dark colours", T3, [], ["bgcolor=black", "fgcolor=white", "majorGridLineColor=444444", "minorGridLineColor=222222"]),
    ("colorList", T3, [], ["colorList=darkblue,ff8800,00aa0080"]),
    ("lineWidth=3", T3, [], ["lineWidth=3"]),
    ("hideLegend, hideAxes", T3, [], ["hideLegend=true", "hideAxes=true"]),
    ("graphOnly", T3, [], ["graphOnly=true", "width=250", "height=80"]),
    ("hideGrid, hideYAxis", T3, [], ["hideGrid=true", "hideYAxis=true"]),
    ("yMin, yMax, minorY=3", T3, [], ["yMin=-100", "yMax=1000", "minorY=3"]),
    ("yUnitSystem=binary", "gr.g.bytes", [], ["yUnitSystem=binary"]),
    ("logBase=10", "gr.g.{bytes,small}", [], ["logBase=10"]),
    ("secondYAxis, vtitleRight", ["gr.g.{a,b}", "secondYAxis(gr.g.c)"], ["2:secondYAxis"], ["vtitleRight=right side", "width=500"]),
    ("areaBetween", "areaBetween(gr.g.{a,b})", ["0:areaBetween", "1:areaBetween"], []),
    ("drawAsInfinite", ["gr.g.a", "drawAsInfinite(gr.g.ev)"], ["1:drawAsInfinite"], []),
    ("color, dashed, lineWidth functions", ["color(gr.g.a,'orange')", "dashed(gr.g.b)", "lineWidth(gr.g.c,3)"],
     ["0:color=orange", "1:dashed=5", "2:lineWidth=3"], []),
    ("negative values", "gr.g.neg", [], []),
    ("fontSize=14, fontBold", T3, [], ["fontSize=14", "fontBold=true", "title=Big"]),
    ("margin=30", T3, [], ["margin=30"]),
    ("12 series: legend hidden", "gr.g.m.*", [], []),
    ("12 series: hideLegend=false", "gr.g.m.*", [], ["hideLegend=false", "height=400"]),
    ("pie", T3, [], ["graphType=pie"]),
    ("pie, number labels", T3, [], ["graphType=pie", "valueLabels=number", "pieMode=maximum"]),
    ("yAxisSide=right", T3, [], ["yAxisSide=right"]),
    ("xFormat, hideXAxis=false, yLimit", T3, [], ["xFormat=%H:%M:%S", "yLimit=300"]),
    ("hideXAxis, minorY=0", T3, [], ["hideXAxis=true", "minorY=0"]),
    ("stacked() function", ["stacked(gr.g.{a,b})", "gr.g.c"], ["0:stacked", "1:stacked"], []),
    ("no data", "gr.g.nothing", [], []),
]


# The reference instance the cases are asked of: GRAPHITE_REF_DIR's, or one main() starts.
REF_DIR = os.environ.get("GRAPHITE_REF_DIR")


def run(args, **kw):
    env = dict(os.environ, GRAPHITE_REF_DIR=REF_DIR)
    return subprocess.run(args, cwd=REF, env=env, check=True, **kw)


def feed(until):
    lines = []
    for i in range(360):
        t = until - 3600 + i * 10
        lines.append("gr.g.a %f %d" % (50 + 40 * math.sin(i / 20.0), t))
        lines.append("gr.g.b %f %d" % (30 + 20 * math.cos(i / 13.0), t))
        if i % 7:
            lines.append("gr.g.c %f %d" % (i * 1.5, t))
        lines.append("gr.g.bytes %f %d" % (3e9 + 1e9 * math.sin(i / 40.0), t))
        lines.append("gr.g.small %f %d" % (5 + 3 * math.sin(i / 30.0), t))
        lines.append("gr.g.ev %d %d" % (1 if i % 90 == 45 else 0, t))
        lines.append("gr.g.neg %f %d" % (-20 + 35 * math.sin(i / 25.0), t))
        for k in range(12):
            lines.append("gr.g.m.host%02d %f %d" % (k, (k + 1) * 5 + 4 * math.sin(i / (10.0 + k)), t))
    run(["./feed", "--wait"], input="\n".join(lines) + "\n", text=True, stdout=subprocess.DEVNULL)


def main():
    global REF_DIR
    shared = os.path.dirname(REF)
    own = REF_DIR is None
    if own:
        REF_DIR, _ = conformance.start_reference(shared, os.path.join(shared, "cases"))
    try:
        draw()
    finally:
        if own:
            conformance.stop_reference(shared, REF_DIR)


def draw():
    os.makedirs(OUT, exist_ok=True)
    subprocess.run(["cargo", "build", "--quiet", "--example", "render_graph"], cwd=ROOT, check=True)
    # Whole minutes, so both sides see the same points whatever the clock does meanwhile.
    until = int(time.time()) // 60 * 60 - 60
    since = until - 3600
    feed(until)
    rows = []
    for n, (name, target, styles, params) in enumerate(CASES):
        targets = target if isinstance(target, list) else [target]
        target = " & ".join(targets)
        base = ["./query", "render"] + targets + ["--from", str(since), "--until", str(until)]
        extra = sum((["-p", p] for p in params), [])
        ref_png = os.path.join(OUT, "%02d-graphite.png" % n)
        ours = os.path.join(OUT, "%02d-pencil.png" % n)
        data = os.path.join(OUT, "%02d.json" % n)
        run(base + ["-f", "png", "-o", ref_png] + extra)
        run(base + ["-f", "json", "-o", data])
        cmd = [RENDER, data, ours] + sum((["--style", s] for s in styles), []) + params
        result = subprocess.run(cmd, capture_output=True, text=True)
        note = html.escape(result.stderr.strip())
        rows.append(
            "<tr><td><b>%s</b><br><code>%s</code><br><code>%s</code><br>%s</td>"
            "<td><img src='%s'></td><td><img src='%s'></td></tr>"
            % (html.escape(name), html.escape(target), html.escape("&".join(params)), note,
               os.path.basename(ours), os.path.basename(ref_png)))
        print("%-40s %s" % (name, "ok" if result.returncode == 0 else note), file=sys.stderr)
    page = ("<!doctype html><meta charset='utf-8'><title>pencil vs graphite-web</title>"
            "<style>body{font:14px sans-serif}td{vertical-align:top;padding:6px;border-bottom:1px solid #ddd}"
            "code{font-size:12px}</style><h1>pencil (left) vs graphite-web 1.1.8 (right)</h1>"
            "<p>Same points, same parameters, time range %d..%d.</p><table>%s</table>"
            % (since, until, "".join(rows)))
    with open(os.path.join(OUT, "index.html"), "w") as f:
        f.write(page)
    print(os.path.join(OUT, "index.html"))


if __name__ == "__main__":
    main()
