#!/usr/bin/env python3
"""The render API benchmark against the real graphite-web, end to end over HTTP.

Feeds the same data to a release pencil and to the reference Graphite (../shared/reference):
1,000 series of one day at 10 s (8,640 points each) and 100,000 metrics with one point, then
times, on both, `sumSeries(bench.sum.*.requests)` over the day as json and a `/metrics/find`
glob over the 100,000 metrics. Prints the median of several runs for each and the ratio.
benches/render.rs measures pencil's side alone, without HTTP, with criterion.

Standard library only. Feeding the reference takes minutes (carbon writes whisper files).
"""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
SERIES, POINTS, HOSTS, METRICS = 1000, 8640, 100, 1000
RUNS = 7
# Two days kept for one day of data: feeding the reference takes minutes, and with exactly a
# day kept, the oldest points would age out of retention before the timing starts.
SCHEMAS = """[sum]
pattern = ^bench\\.sum\\.
retentions = 10s:2d

[find]
pattern = ^bench\\.find\\.
retentions = 60s:1h
"""
AGGREGATION = """[default]
pattern = .*
xFilesFactor = 0.5
aggregationMethod = average
"""


def lines(now):
    for s in range(SERIES):
        name = f"bench.sum.host{s:04d}.requests"
        for k in range(POINTS):
            yield f"{name} {(s * 7 + k) * 0.25} {now - (POINTS - k) * 10}\n"
    for h in range(HOSTS):
        for m in range(METRICS):
            yield f"bench.find.host{h:03d}.metric{m:04d} 1 {now - 30}\n"


def send(addr, now):
    with socket.create_connection(addr) as s:
        buf = []
        for line in lines(now):
            buf.append(line)
            if len(buf) >= 5000:
                s.sendall("".join(buf).encode())
                buf.clear()
        s.sendall("".join(buf).encode())
        s.shutdown(socket.SHUT_WR)
        s.recv(1)


def get(url, tries=3):
    """The body of `url`; an HTTP error (graphite-web's gunicorn answers 500 when a worker is
    killed for running past its timeout on a loaded machine) is retried, then raised."""
    for attempt in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=600) as r:
                return r.read()
        except urllib.error.HTTPError as e:
            if attempt + 1 == tries:
                raise
            print(f"HTTP {e.code} from {url.split('?')[0]}, retrying", flush=True)
            time.sleep(2)


def timed(url):
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        get(url)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def requests(base, now):
    render = base + "/render?" + urllib.parse.urlencode(
        {"target": "sumSeries(bench.sum.*.requests)", "from": now - 86400, "until": now,
         "format": "json"})
    find = base + "/metrics/find?" + urllib.parse.urlencode(
        {"query": "bench.find.host0*.metric*7"})
    return render, find


def expand_count(base, query):
    url = base + "/metrics/expand?" + urllib.parse.urlencode({"query": query, "leavesOnly": 1})
    return len(json.loads(get(url))["results"])


def ready(base, render_url):
    """Why `base` is not yet serving the whole data set, or None when it is."""
    for query, want in (("bench.sum.*.requests", SERIES),
                        ("bench.find.*.*", HOSTS * METRICS)):
        have = expand_count(base, query)
        if have != want:
            return f"{have} of {want} metrics match {query}"
    answer = json.loads(get(render_url))
    if not answer:
        return "the sum is empty"
    known = sum(1 for v, _ in answer[0]["datapoints"] if v is not None)
    if known < POINTS - 1:
        return f"the sum has {known} of {POINTS} points"
    return None


def wait_complete(base, render_url, label, agree_with=None):
    """Until every metric is findable and the sum has every one of the day's points (carbon
    creates whisper files and writes points in the background, in no particular order). With
    `agree_with` (the other side's render answer) also until the answers agree, since a series
    written late still changes the sum; after a deadline it goes on and says so."""
    deadline = time.time() + 3600
    last = None
    while time.time() < deadline:
        try:
            why = ready(base, render_url)
            if why is None and agree_with is not None and json.loads(get(render_url)) != agree_with:
                why = "the sum does not agree with pencil's yet"
        except (OSError, ValueError, KeyError) as e:
            why = f"not answering ({e})"
        if why is None:
            print(f"{label}: all data present", flush=True)
            return True
        if why != last:
            print(f"{label}: waiting: {why}", flush=True)
            last = why
        time.sleep(10)
    print(f"{label}: gave up waiting after an hour: {last}", flush=True)
    return False


def main():
    binary = os.path.join(ROOT, "target", "release", "pencil")
    if not os.access(binary, os.X_OK):
        sys.exit("build pencil first: cargo build --release")
    work = tempfile.mkdtemp(prefix="pencil-bench-")
    for name, text in (("storage-schemas.conf", SCHEMAS), ("storage-aggregation.conf", AGGREGATION)):
        with open(os.path.join(work, name), "w") as f:
            f.write(text)
    ref_dir = os.path.join(work, "ref")
    os.makedirs(os.path.join(ref_dir, "conf"))
    for name in ("storage-schemas.conf", "storage-aggregation.conf"):
        shutil.copy(os.path.join(work, name), os.path.join(ref_dir, "conf", name))
    env = dict(os.environ, GRAPHITE_REF_LINE_PORT="32003", GRAPHITE_REF_PICKLE_PORT="32004",
               GRAPHITE_REF_CACHE_PORT="37002", GRAPHITE_REF_HTTP_PORT="38080")
    started = subprocess.run([os.path.join(SHARED, "reference", "start"), ref_dir], env=env,
                             capture_output=True, text=True)
    if started.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        sys.exit(f"the reference graphite did not start:\n{started.stderr}")
    pencil = subprocess.Popen(
        [binary, "--data-dir", os.path.join(work, "pencil"), "--carbon", "127.0.0.1:33003",
         "--http", "127.0.0.1:38081", "--memory", "1GiB",
         "--schemas", os.path.join(work, "storage-schemas.conf"),
         "--aggregation", os.path.join(work, "storage-aggregation.conf")],
        stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        now = int(time.time()) // 10 * 10
        t = time.time()
        send(("127.0.0.1", 33003), now)
        print(f"pencil fed in {time.time() - t:.1f}s", flush=True)
        t = time.time()
        send(("127.0.0.1", 32003), now)
        print(f"reference fed in {time.time() - t:.1f}s", flush=True)
        p_render, p_find = requests("http://127.0.0.1:38081", now)
        r_render, r_find = requests("http://127.0.0.1:38080", now)
        wait_complete("http://127.0.0.1:38081", p_render, "pencil")
        wait_complete("http://127.0.0.1:38080", r_render, "graphite-web",
                      agree_with=json.loads(get(p_render)))
        results = {}
        for label, p, r in (("sumSeries 1000x8640 json", p_render, r_render),
                            ("find glob over 100k metrics", p_find, r_find)):
            if json.loads(get(p)) != json.loads(get(r)):
                print(f"{label}: answers differ between pencil and graphite-web")
            pt, rt = timed(p), timed(r)
            results[label] = (pt, rt)
            print(f"{label}: pencil {pt * 1000:.2f} ms, graphite-web {rt * 1000:.1f} ms, "
                  f"ratio {rt / pt:.1f}x (medians of {RUNS})", flush=True)
    finally:
        pencil.terminate()
        pencil.wait(60)
        subprocess.run([os.path.join(SHARED, "reference", "stop"), ref_dir, "--rm"],
                       capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
