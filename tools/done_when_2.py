#!/usr/bin/env python3
"""Issue #2's acceptance run against a running pencil, by hand (stdlib only).

Start pencil first, with a schema file giving every metric 10s:1h,1m:1d, e.g.

    printf '[all]\\npattern = .*\\nretentions = 10s:1h,1m:1d\\n' > /tmp/schemas.conf
    cargo run --release -- --data-dir /tmp/d --carbon 127.0.0.1:42003 \\
        --http 127.0.0.1:48080 --schemas /tmp/schemas.conf

then `tools/done_when_2.py send` feeds 10,000 metrics x 30 points over UDP and 10,000 others
over TCP and checks that /render serves every point exactly; it records the timestamps in
`--state` so that, after SIGTERM and a restart, `tools/done_when_2.py check` checks them again.
Exit code 0 when every point is served, 1 with the first differences otherwise.
"""

import argparse
import json
import socket
import sys
import time
import urllib.parse
import urllib.request

METRICS = 10_000
POINTS = 30
DATAGRAM_BYTES = 1400


def value(m, i):
    # Quarter steps are exact in binary and in JSON, so equality is exact.
    return (m * 31 + i) / 4.0


def lines(kind, t0):
    for m in range(METRICS):
        for i in range(POINTS):
            yield f"dw2.{kind}.m{m:05d} {value(m, i)} {t0 + 10 * i}\n"


def http_json(http, path):
    with urllib.request.urlopen(f"http://{http}{path}", timeout=120) as r:
        return json.loads(r.read())


def send_udp(carbon, t0):
    host, port = carbon.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    buf, sent = "", 0
    for line in lines("udp", t0):
        if len(buf) + len(line) > DATAGRAM_BYTES:
            s.sendto(buf.encode(), (host, int(port)))
            sent += 1
            buf = ""
            # A sender without flow control; keep below what the socket buffer absorbs.
            if sent % 200 == 0:
                time.sleep(0.002)
        buf += line
    s.sendto(buf.encode(), (host, int(port)))


def send_tcp(carbon, t0):
    host, port = carbon.rsplit(":", 1)
    with socket.create_connection((host, int(port))) as s:
        s.sendall("".join(lines("tcp", t0)).encode())
        s.shutdown(socket.SHUT_WR)
        # pencil closes its side once it has read every byte.
        while s.recv(65536):
            pass


def wait_points(http, want):
    deadline = time.time() + 60
    while time.time() < deadline:
        got = http_json(http, "/health")["counters"]["points_received"]
        if got >= want:
            return got
        time.sleep(0.1)
    sys.exit(f"points_received stuck at {got}, wanted {want}")


def check(http, t0):
    bad = 0
    for kind in ("udp", "tcp"):
        q = urllib.parse.urlencode(
            {"target": f"dw2.{kind}.*", "from": t0 - 10, "until": t0 + 300, "format": "json"}
        )
        series = http_json(http, f"/render?{q}")
        if len(series) != METRICS:
            print(f"{kind}: {len(series)} series, wanted {METRICS}")
            bad += 1
        for m, s in enumerate(series):
            want_name = f"dw2.{kind}.m{m:05d}"
            got = [(ts, v) for v, ts in s["datapoints"] if v is not None]
            want = [(t0 + 10 * i, value(m, i)) for i in range(POINTS)]
            if s["target"] != want_name or got != want:
                bad += 1
                if bad <= 5:
                    print(f"{want_name}: got {s['target']} {got[:3]}..., wanted {want[:3]}...")
        print(f"{kind}: {len(series)} series checked")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("action", choices=["send", "check"])
    ap.add_argument("--carbon", default="127.0.0.1:42003")
    ap.add_argument("--http", default="127.0.0.1:48080")
    ap.add_argument("--state", default="/tmp/done_when_2.json", help="where `send` records t0")
    a = ap.parse_args()
    if a.action == "send":
        # Aligned to the 10 s step and old enough that all 30 points are in the past.
        t0 = int(time.time()) // 10 * 10 - 400
        before = http_json(a.http, "/health")["counters"]["points_received"]
        started = time.time()
        send_udp(a.carbon, t0)
        send_tcp(a.carbon, t0)
        got = wait_points(a.http, before + 2 * METRICS * POINTS)
        print(f"sent {2 * METRICS * POINTS} points in {time.time() - started:.1f}s; "
              f"points_received {got - before}")
        with open(a.state, "w") as f:
            json.dump({"t0": t0}, f)
    else:
        with open(a.state) as f:
            t0 = json.load(f)["t0"]
    bad = check(a.http, t0)
    print("every point served exactly" if bad == 0 else f"{bad} series differ")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
