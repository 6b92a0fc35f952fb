//! The core appliance against the real binary: ingest over UDP and TCP, /render, counters,
//! snapshots across restarts and crashes, a full store, start-up errors.

mod common;

use common::*;
use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const SMALL_SCHEMA: &str = "[all]\npattern = .*\nretentions = 10s:1h,1m:1d\n";

fn aligned_now() -> i64 {
    now() / 10 * 10
}

#[test]
fn udp_and_tcp_points_are_served_exactly() {
    let dir = TempDir::new("feeds");
    let schemas = dir.write("schemas.conf", SMALL_SCHEMA);
    let p = start(dir.path(), &["--schemas", schemas.to_str().unwrap()]);
    let t = aligned_now() - 100;
    p.send_udp(
        format!(
            "feed.udp.a 1.5 {}\nfeed.udp.a 2 {}\r\nfeed.udp.b -3e2 {}",
            t - 20,
            t - 10,
            t
        )
        .as_bytes(),
    );
    p.send_tcp(format!("feed.tcp.a 7 {}\nfeed.tcp.a\t\t8   {}\n", t - 20, t - 10).as_bytes());
    p.wait_counter("points_received", 5);

    let all = p.render("feed.*.*", t - 60, t + 5);
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["target"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["feed.tcp.a", "feed.udp.a", "feed.udp.b"]);
    assert_eq!(points(&all[1]), [(t - 20, 1.5), (t - 10, 2.0)]);
    assert_eq!(points(&all[2]), [(t, -300.0)]);
    assert_eq!(points(&all[0]), [(t - 20, 7.0), (t - 10, 8.0)]);
    // Whisper's window: the first timestamp is the step after `from`, nulls included.
    let dps = all[1]["datapoints"].as_array().unwrap();
    assert_eq!(dps[0][1].as_i64().unwrap(), t - 50);
    assert!(dps[0][0].is_null());
    assert_eq!(all[1]["tags"]["name"], "feed.udp.a");
}

#[test]
fn malformed_lines_are_counted_and_neighbours_kept() {
    let dir = TempDir::new("malformed");
    let p = start(dir.path(), &[]);
    let t = aligned_now() - 60;
    let datagram = format!(
        "good.a 1 {t}\nonly.two 5\ngood.b 2 {t}\nbad.value 0x10 {t}\nbad.ts 1 12abc\n\
         good.c 3 {t}\nnan.dropped nan {t}\nfour fields 1 {t}\nbad\u{1}name 1 {t}\ngood.d 4 {t}"
    );
    p.send_udp(datagram.as_bytes());
    let mut tcp = format!("good.e 5 {t}\n").into_bytes();
    tcp.extend(std::iter::repeat_n(b'x', 20_000));
    tcp.extend(format!(" 1 {t}\ngood.f 6 {t}\n").as_bytes());
    p.send_tcp(&tcp);
    p.wait_counter("points_received", 6);
    let h = p.health();
    let c = &h["counters"];
    assert_eq!(c["invalid_syntax"], 2, "{h}");
    assert_eq!(c["invalid_value"], 1, "{h}");
    assert!(
        c["invalid_timestamp"].as_u64().unwrap_or(0) + c["invalid_value"].as_u64().unwrap() >= 2,
        "{h}"
    );
    assert_eq!(c["invalid_name"], 1, "{h}");
    assert_eq!(c["nan_dropped"], 1, "{h}");
    assert_eq!(c["too_long"], 1, "{h}");
    let all = p.render("good.*", t - 60, t + 10);
    let got: Vec<(String, Vec<(i64, f64)>)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["target"].as_str().unwrap().to_string(), points(s)))
        .collect();
    let want: Vec<(String, Vec<(i64, f64)>)> = ["a", "b", "c", "d", "e", "f"]
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("good.{n}"), vec![(t, (i + 1) as f64)]))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn sigterm_then_restart_serves_the_same_data() {
    let dir = TempDir::new("restart");
    let p = start(dir.path(), &[]);
    let t = aligned_now() - 30;
    p.send_tcp(
        format!(
            "keep.a 1 {}\nkeep.a 2 {t}\nkeep.b.count 3 {t}\nkeep.b.count 4 {t}\n",
            t - 10
        )
        .as_bytes(),
    );
    p.wait_counter("points_received", 4);
    let before2 = p.render("keep.*", t - 100, t + 10);
    let before3 = p.render("keep.b.*", t - 100, t + 10);
    let status = p.stop();
    assert!(status.success(), "exit {status:?}");
    assert!(dir.path().join("store.snapshot").exists());

    let p = start(dir.path(), &[]);
    assert_eq!(p.render("keep.*", t - 100, t + 10), before2);
    let b = p.render("keep.b.*", t - 100, t + 10);
    assert_eq!(b, before3);
    // `.count` metrics sum points of one interval (decisions table).
    assert_eq!(points(&b[0]), [(t, 7.0)]);
}

#[test]
fn kill_9_after_a_snapshot_loses_nothing_before_it() {
    let dir = TempDir::new("kill9");
    let p = start(dir.path(), &["--snapshot-every", "1"]);
    let t = aligned_now() - 30;
    p.send_udp(format!("crash.a 42 {t}\ncrash.b 43 {t}").as_bytes());
    p.wait_counter("points_received", 2);
    let sent_at = now();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let h = p.health();
        if h["last_snapshot_time"].as_i64().unwrap_or(0) > sent_at {
            // The loop reports how long a slice of the timer snapshot kept it from the sockets
            // (microseconds; a store this small copies in less than one).
            assert!(
                h["counters"]["snapshot_longest_step_us"].as_u64().is_some(),
                "{h}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no snapshot after the points: {h}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    p.signal("KILL");
    drop(p);
    let p = start(dir.path(), &[]);
    let all = p.render("crash.*", t - 60, t + 10);
    assert_eq!(points(&all[0]), [(t, 42.0)]);
    assert_eq!(points(&all[1]), [(t, 43.0)]);
}

#[test]
fn a_timer_snapshot_is_recorded_as_soon_as_it_is_durable() {
    // Nothing wakes the loop here but the snapshot's own writer thread: if its last wake were
    // missed, the loop would sleep to its next timer and report the snapshot that much later.
    let dir = TempDir::new("timer-snapshot");
    let p = start(dir.path(), &["--snapshot-every", "2"]);
    p.send_tcp(format!("timer.a 1 {}\n", aligned_now() - 10).as_bytes());
    std::thread::sleep(Duration::from_millis(3500));
    let h = p.health();
    let seconds = h["last_snapshot_seconds"]
        .as_f64()
        .expect("a snapshot was taken");
    assert!(seconds < 1.0, "{h}");
    assert!(dir.path().join("store.snapshot").exists());
}

/// Starts pencil on `dir` expecting it to refuse its snapshot: exit code 1, the file named,
/// the file unchanged.
fn assert_snapshot_refused(dir: &Path, bytes: &[u8]) {
    let path = dir.join("store.snapshot");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new(BIN)
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "--carbon",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("store.snapshot"),
        "message must name the file: {err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "file must be left untouched"
    );
}

#[test]
fn a_corrupt_snapshot_is_refused_and_left_untouched() {
    let dir = TempDir::new("corrupt");
    let p = start(dir.path(), &[]);
    p.send_tcp(format!("c.a 1 {}\n", aligned_now() - 10).as_bytes());
    assert!(p.stop().success());
    let mut bytes = std::fs::read(dir.path().join("store.snapshot")).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    assert_snapshot_refused(dir.path(), &bytes);
    bytes[0..8].copy_from_slice(b"NOTPENCL");
    assert_snapshot_refused(dir.path(), &bytes);
}

#[test]
fn a_full_store_refuses_new_metrics_and_keeps_serving_old_ones() {
    let dir = TempDir::new("full");
    // 10s:1h = 360 points = 2880 bytes a metric: 64 KiB holds 22 metrics.
    let schemas = dir.write("schemas.conf", "[all]\npattern = .*\nretentions = 10s:1h\n");
    let p = start(
        dir.path(),
        &["--schemas", schemas.to_str().unwrap(), "--memory", "64KiB"],
    );
    let t = aligned_now() - 10;
    let mut lines = String::new();
    for i in 0..40 {
        lines.push_str(&format!("full.m{i:02} {i} {t}\n"));
    }
    p.send_tcp(lines.as_bytes());
    p.wait_counter("capacity_full", 1);
    let h = p.health();
    let stored = h["metrics"].as_u64().unwrap();
    assert!((10..40).contains(&stored), "{h}");
    assert_eq!(
        h["counters"]["capacity_full"].as_u64().unwrap(),
        40 - stored
    );
    // Old metrics still take points and are served.
    p.send_tcp(format!("full.m00 100 {}\n", t - 10).as_bytes());
    p.wait_counter("points_received", stored + 1);
    let all = p.render("full.*", t - 60, t + 10);
    assert_eq!(all.as_array().unwrap().len() as u64, stored);
    assert_eq!(points(&all[0]), [(t - 10, 100.0), (t, 0.0)]);
}

#[test]
fn eight_keep_alive_connections_are_all_answered_within_a_second() {
    let dir = TempDir::new("keepalive");
    let p = start(dir.path(), &[]);
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let addr = p.http;
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut s = TcpStream::connect(addr).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                for _ in 0..2 {
                    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                        .unwrap();
                    read_one_response(&mut s);
                }
                let answered = started.elapsed();
                // Hold the connection open like a browser tab does, while the others are served.
                std::thread::sleep(Duration::from_millis(300));
                (s, answered)
            })
        })
        .collect();
    let done: Vec<(TcpStream, Duration)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let slowest = done.iter().map(|(_, d)| *d).max().unwrap();
    assert!(
        slowest < Duration::from_secs(1),
        "a connection waited {slowest:?} for its answers"
    );
}

fn read_one_response(s: &mut TcpStream) {
    use std::io::Read;
    let mut buf = Vec::new();
    let mut byte = [0u8; 4096];
    loop {
        let n = s.read(&mut byte).expect("response in time");
        assert!(n > 0, "connection closed");
        buf.extend_from_slice(&byte[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            });
            if let Some(len) = len {
                if body.len() >= len {
                    return;
                }
            } else if body.ends_with("0\r\n\r\n") {
                return;
            }
        }
    }
}

#[test]
fn bad_flags_exit_2_and_a_busy_port_exits_1() {
    let out = Command::new(BIN)
        .args(["--memory", "lots"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--memory"));

    let dir = TempDir::new("badconf");
    let bad = dir.write("schemas.conf", "[x]\npattern = .*\nretentions = 10sec:1h\n");
    let out = Command::new(BIN)
        .args(["--schemas", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("schemas.conf:3"), "{err}");

    let p = start(dir.path(), &[]);
    let out = Command::new(BIN)
        .args([
            "--data-dir",
            dir.path().join("other").to_str().unwrap(),
            "--carbon",
            &p.carbon.to_string(),
            "--http",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already in use"));
}

/// The acceptance run: 10,000 metrics × 30 points over UDP and 10,000 others over TCP,
/// every point served, and again after SIGTERM and a restart.
#[test]
fn twenty_thousand_metrics_survive_a_restart() {
    let dir = TempDir::new("bulk");
    let schemas = dir.write("schemas.conf", SMALL_SCHEMA);
    let flags = ["--schemas", schemas.to_str().unwrap()];
    let p = start(dir.path(), &flags);
    let t0 = aligned_now() - 400;
    let value = |m: usize, i: usize| (m * 31 + i) as f64 / 4.0;

    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut datagram = String::new();
    let mut sent = 0u64;
    for m in 0..10_000 {
        for i in 0..30 {
            let line = format!("bulk.udp.m{m:05} {} {}\n", value(m, i), t0 + 10 * i as i64);
            if datagram.len() + line.len() > 1400 {
                udp.send_to(datagram.as_bytes(), p.carbon).unwrap();
                datagram.clear();
                sent += 1;
                // Stay below what the loopback socket buffer holds while pencil drains it.
                if sent.is_multiple_of(200) {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
            datagram.push_str(&line);
        }
    }
    udp.send_to(datagram.as_bytes(), p.carbon).unwrap();
    let mut tcp = String::new();
    for m in 0..10_000 {
        for i in 0..30 {
            tcp.push_str(&format!(
                "bulk.tcp.m{m:05} {} {}\n",
                value(m, i),
                t0 + 10 * i as i64
            ));
        }
    }
    p.send_tcp(tcp.as_bytes());
    p.wait_counter("points_received", 600_000);

    let check = |p: &Pencil| {
        for kind in ["udp", "tcp"] {
            let all = p.render(&format!("bulk.{kind}.*"), t0 - 10, t0 + 300);
            let all = all.as_array().unwrap();
            assert_eq!(all.len(), 10_000);
            for (m, s) in all.iter().enumerate() {
                assert_eq!(s["target"], format!("bulk.{kind}.m{m:05}"));
                let want: Vec<(i64, f64)> =
                    (0..30).map(|i| (t0 + 10 * i as i64, value(m, i))).collect();
                assert_eq!(points(s), want, "bulk.{kind}.m{m:05}");
            }
        }
    };
    check(&p);
    assert!(p.stop().success());
    let p = start(dir.path(), &flags);
    check(&p);
}

#[test]
fn self_metrics_are_written_under_pencil_host() {
    let dir = TempDir::new("selfmetrics");
    // One slot per write: with a coarser step a later write would replace an earlier count.
    let schemas = dir.write(
        "schemas.conf",
        "[self]\npattern = ^pencil\\.\nretentions = 1s:10m\n[all]\npattern = .*\nretentions = 10s:1h\n",
    );
    let p = start(
        dir.path(),
        &[
            "--self-metrics-every",
            "1",
            "--schemas",
            schemas.to_str().unwrap(),
        ],
    );
    p.send_tcp(format!("app.x 1 {}\nbad line\n", aligned_now() - 10).as_bytes());
    p.wait_counter("points_received", 1);
    let deadline = Instant::now() + Duration::from_secs(20);
    let found = loop {
        let (status, body) = p.get("/metrics/find?query=pencil.*.*");
        assert_eq!(status, 200, "{body}");
        let nodes: serde_json::Value = serde_json::from_str(&body).unwrap();
        let names: Vec<String> = nodes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["text"].as_str().unwrap().to_string())
            .collect();
        if names.iter().any(|n| n == "invalid_syntax") && names.iter().any(|n| n == "metrics") {
            break names;
        }
        assert!(Instant::now() < deadline, "self-metrics missing: {names:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    for counter in [
        "points_received",
        "http_requests",
        "store_bytes_used",
        "invalid_value",
    ] {
        assert!(
            found.iter().any(|n| n == counter),
            "{counter} missing from {found:?}"
        );
    }
    // Counts are per interval: the bad line shows up as 1 in exactly one interval.
    let all = p.render("pencil.*.invalid_syntax", now() - 120, now() + 5);
    let total: f64 = points(&all[0]).iter().map(|(_, v)| v).sum();
    assert_eq!(total, 1.0);
}
