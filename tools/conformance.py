#!/usr/bin/env python3
"""Differential conformance: pencil against the real graphite-web (`make conformance`).

Starts the reference Graphite from ../shared/reference (Debian's carbon + graphite-web on
loopback) and a release pencil, feeds both the same lines of the public data set with their
`now-N` timestamps anchored at one epoch second, asks both `/render?format=json` for every
target of targets.txt, and compares: same series names in the same order, same timestamps,
values equal to 1e-9 relative (null equal to null). Prints every mismatch with both answers and
a last line `N passed, N failed`.

With --update it freezes the reference's answers (and pencil's own answers for the rows of
the decisions file, where pencil deliberately differs) under tests/golden/conformance/, which
`make test` checks on machines without graphite-web (tests/conformance.rs).

Only the standard library: it runs on a fresh machine with the reference installed.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GOLDEN = os.path.join(ROOT, "tests", "golden", "conformance")
DEFAULT_SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared"))
# Every step of the data set's schemas (10 s, 1 min, 10 min) divides 600; the data set anchors
# its timestamps on such a multiple so both servers bucket them identically.
ANCHOR_MULTIPLE = 600
# Feeding at a second that is 5 mod 10 keeps every point's age (a multiple of 10 plus 5) clear
# of the archive boundaries (multiples of 10 s), so a second of skew between the two servers
# cannot send a point to a different archive in one than in the other.
FEED_PHASE = 5


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--update", action="store_true",
                   help="rewrite the golden files under tests/golden/conformance/")
    p.add_argument("--shared", default=DEFAULT_SHARED,
                   help="the shared folder with cases/ and reference/ (default ../shared)")
    p.add_argument("--pencil", default=os.path.join(ROOT, "target", "release", "pencil"),
                   help="the pencil binary (default target/release/pencil)")
    p.add_argument("--ref-dir", help="a running reference instance's directory to reuse "
                   "(default: start a fresh one and stop it afterwards)")
    p.add_argument("--only", help="compare only targets containing this text")
    return p.parse_args()


def read_cases(path):
    cases = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) < 3:
                sys.exit(f"{path}:{n}: expected TARGET<TAB>FROM<TAB>UNTIL[<TAB>params]")
            params = []
            for extra in fields[3:]:
                for pair in extra.split("&"):
                    if pair:
                        k, _, v = pair.partition("=")
                        params.append([k, v])
            cases.append({"target": fields[0], "from": int(fields[1]),
                          "until": int(fields[2]), "params": params})
    return cases


def read_decisions(path):
    """`TARGET<TAB>PARAMS<TAB>decision` rows (PARAMS as in targets.txt, `-` for none): cases
    where pencil differs from graphite-web on purpose."""
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if line.strip() and not line.startswith("#"):
                    fields = line.split("\t")
                    if len(fields) != 3:
                        sys.exit(f"{path}:{n}: expected TARGET<TAB>PARAMS<TAB>decision")
                    out[(fields[0], "" if fields[1] == "-" else fields[1])] = fields[2].strip()
    return out


def case_key(case):
    return (case["target"], "&".join(f"{k}={v}" for k, v in case["params"]))


def anchored_lines(path, anchor):
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, value, ts = line.split()
            if ts.startswith("now-"):
                ts = str(anchor - int(ts[4:]))
            out.append(f"{name} {value} {ts}\n")
    return "".join(out)


def http_get(url, timeout=120):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def start_reference(shared, cases_dir):
    ref = os.path.join(shared, "reference")
    d = tempfile.mkdtemp(prefix="pencil-ref-")
    os.makedirs(os.path.join(d, "conf"))
    for name in ("storage-schemas.conf", "storage-aggregation.conf"):
        shutil.copy(os.path.join(cases_dir, name), os.path.join(d, "conf", name))
    env = dict(os.environ)
    # A second instance beside a developer's own one must not fight over the default ports.
    env.setdefault("GRAPHITE_REF_LINE_PORT", "22003")
    env.setdefault("GRAPHITE_REF_PICKLE_PORT", "22004")
    env.setdefault("GRAPHITE_REF_CACHE_PORT", "27002")
    env.setdefault("GRAPHITE_REF_HTTP_PORT", "28080")
    out = subprocess.run([os.path.join(ref, "start"), d], env=env, check=True,
                         capture_output=True, text=True).stdout
    info = dict(l.split("=", 1) for l in out.splitlines() if "=" in l)
    return d, info["GRAPHITE_REF_URL"]


def stop_reference(shared, d):
    subprocess.run([os.path.join(shared, "reference", "stop"), d, "--rm"],
                   capture_output=True)


class Pencil:
    def __init__(self, binary, cases_dir):
        self.dir = tempfile.mkdtemp(prefix="pencil-conf-")
        self.proc = subprocess.Popen(
            [binary, "--data-dir", self.dir, "--carbon", "127.0.0.1:0",
             "--http", "127.0.0.1:0", "--memory", "256MiB",
             "--schemas", os.path.join(cases_dir, "storage-schemas.conf"),
             "--aggregation", os.path.join(cases_dir, "storage-aggregation.conf")],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.carbon = self.url = None
        deadline = time.time() + 20
        while (self.carbon is None or self.url is None) and time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith("listening for carbon plaintext on tcp "):
                host, port = line.split()[6].rsplit(":", 1)
                self.carbon = (host, int(port))
            elif line.startswith("serving HTTP on "):
                self.url = line.split()[3]
        if self.carbon is None or self.url is None:
            self.stop()
            sys.exit("pencil did not announce its listeners")
        # Keep draining stdout so pencil never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def feed(self, text):
        import socket
        with socket.create_connection(self.carbon) as s:
            s.sendall(text.encode())
            s.shutdown(socket.SHUT_WR)
            s.recv(1)

    def wait_points(self, n):
        deadline = time.time() + 30
        while time.time() < deadline:
            _, body = http_get(self.url + "/health")
            if json.loads(body)["counters"].get("points_received", 0) >= n:
                return
            time.sleep(0.05)
        sys.exit("pencil did not receive every point in time")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def render_url(base, case, anchor):
    params = [("target", case["target"]), ("from", str(anchor + case["from"])),
              ("until", str(anchor + case["until"])), ("format", "json")]
    params += [tuple(p) for p in case["params"]]
    return base + "/render?" + urllib.parse.urlencode(params)


def same_value(a, b):
    if a is None or b is None:
        return a is None and b is None
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def differences(ref, got):
    """Human-readable differences between two /render json answers; empty when they agree."""
    if not isinstance(ref, list) or not isinstance(got, list):
        return ["not both JSON arrays"]
    out = []
    names_r = [s.get("target") for s in ref]
    names_g = [s.get("target") for s in got]
    if names_r != names_g:
        return [f"series names differ: reference {names_r}, pencil {names_g}"]
    for r, g in zip(ref, got):
        pr, pg = r.get("datapoints", []), g.get("datapoints", [])
        if len(pr) != len(pg):
            out.append(f"{r['target']}: {len(pr)} points in the reference, {len(pg)} in pencil")
            continue
        for (vr, tr), (vg, tg) in zip(pr, pg):
            if tr != tg:
                out.append(f"{r['target']}: timestamp {tr} in the reference, {tg} in pencil")
                break
            if not same_value(vr, vg):
                out.append(f"{r['target']} at {tr}: reference {vr}, pencil {vg}")
                if len(out) > 8:
                    return out
    return out


def main():
    args = parse_args()
    cases_dir = os.path.join(args.shared, "cases")
    cases = read_cases(os.path.join(cases_dir, "targets.txt"))
    if args.only:
        cases = [c for c in cases if args.only in c["target"]]
    decisions = read_decisions(os.path.join(GOLDEN, "decisions.txt"))
    if not os.access(args.pencil, os.X_OK):
        sys.exit(f"{args.pencil} is missing: run `cargo build --release` first")

    own_ref = args.ref_dir is None
    if own_ref:
        ref_dir, ref_url = start_reference(args.shared, cases_dir)
    else:
        ref_dir = args.ref_dir
        with open(os.path.join(ref_dir, "ports.env")) as f:
            ports = dict(l.strip().split("=", 1) for l in f if "=" in l)
        ref_url = f"http://127.0.0.1:{ports['GRAPHITE_REF_HTTP_PORT']}"
    pencil = None
    try:
        pencil = Pencil(args.pencil, cases_dir)
        while int(time.time()) % 10 != FEED_PHASE:
            time.sleep(0.2)
        anchor = int(time.time()) // ANCHOR_MULTIPLE * ANCHOR_MULTIPLE
        lines = anchored_lines(os.path.join(cases_dir, "lines.txt"), anchor)
        feed_now = int(time.time())
        pencil.feed(lines)
        env = dict(os.environ, GRAPHITE_REF_DIR=ref_dir)
        subprocess.run([os.path.join(args.shared, "reference", "feed"), "--wait"],
                       input=lines, text=True, env=env, check=True, capture_output=True)
        pencil.wait_points(lines.count("\n"))

        passed, failed, answers = 0, 0, []
        query_now = int(time.time())
        for case in cases:
            rs, rb = http_get(render_url(ref_url, case, anchor))
            ps, pb = http_get(render_url(pencil.url, case, anchor))
            ref = json.loads(rb) if rs == 200 else None
            got = json.loads(pb) if ps == 200 else None
            if rs != ps:
                diffs = [f"status {rs} in the reference, {ps} in pencil"]
            else:
                diffs = differences(ref, got) if rs == 200 else []
            label = f"{case['target']}  [{case['from']}, {case['until']}] {case['params'] or ''}"
            decision = decisions.get(case_key(case))
            entry = dict(case, status=rs, reference=ref if ref is not None else rb)
            if diffs and decision:
                print(f"DECISION {label}: {decision}")
                for d in diffs[:3]:
                    print(f"    {d}")
                entry["decision"] = decision
                entry["pencil"] = got
                passed += 1
            elif diffs:
                failed += 1
                print(f"MISMATCH {label}")
                for d in diffs:
                    print(f"    {d}")
                print(f"  reference ({rs}): {rb[:4000]}")
                print(f"  pencil    ({ps}): {pb[:4000]}")
            else:
                if decision:
                    print(f"NOTE {label}: listed as decision {decision!r} but now agrees")
                passed += 1
            answers.append(entry)
        print(f"{passed} passed, {failed} failed")
        if args.update and not args.only:
            os.makedirs(GOLDEN, exist_ok=True)
            for name in ("lines.txt", "storage-schemas.conf", "storage-aggregation.conf",
                         "targets.txt"):
                shutil.copy(os.path.join(cases_dir, name), os.path.join(GOLDEN, name))
            with open(os.path.join(GOLDEN, "answers.json"), "w") as f:
                # One case a line: small diffs when an answer changes, and no indentation bloat.
                head = json.dumps({"anchor": anchor, "feed_now": feed_now,
                                   "query_now": query_now})
                f.write(head[:-1] + ', "cases": [\n')
                f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in answers))
                f.write("\n]}\n")
            print(f"golden files written to {GOLDEN}")
        return 1 if failed else 0
    finally:
        if pencil is not None:
            pencil.stop()
        if own_ref:
            stop_reference(args.shared, ref_dir)


if __name__ == "__main__":
    sys.exit(main())
