//! End-to-end ingest throughput against the real release binary on loopback: bytes leave a
//! client socket, pencil's event loop parses and stores them, and the clock stops only once
//! pencil has accounted for every line. Client and server share the machine's cores, as they
//! would on a host that runs its own collectors.
//!
//! - `tcp_e2e/1conn`, `tcp_e2e/4conn`: one or four connections each write their share of the
//!   lines and close; pencil closes its side only after it has read (and stored) everything,
//!   so the client's end of stream is the finish line.
//! - `udp_e2e/windowed_1400B`: 1400-byte datagrams sent as fast as pencil takes them with no
//!   loss: at most two bursts are outstanding, measured through /health's `udp_datagrams`, and
//!   both fit in the socket's receive buffer. This is pencil's sustainable no-loss rate.
//! - afterwards, open-loop senders paced at fixed rates (what real senders do) report the loss
//!   at each rate, from the lines pencil counted and the kernel's drop counter.
//!
//! `cargo bench --bench e2e`; each iteration checks that every line was stored. Under
//! `cargo test` each bench runs once and the paced runs are skipped.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{now, start, Pencil, TempDir};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};

/// Distinct metrics in the traffic; with the schema below they all fit in 1 GiB.
const METRICS: usize = 10_000;
/// Points per metric in one iteration's traffic, 10 s apart.
const POINTS: usize = 100;
const LINES: usize = METRICS * POINTS;
/// What carbon clients and relays typically pack into one datagram (below a 1500-byte MTU).
const DATAGRAM_BYTES: usize = 1400;
/// Datagrams per burst in the windowed UDP bench; two bursts (about 2.8 MB of kernel memory
/// at ~2.8 KB per 1400-byte datagram) fit the 8 MiB the default 4 MiB `SO_RCVBUF` allows.
const BURST: usize = 500;
/// Offered rates of the open-loop UDP check, in lines per second.
const PACED_RATES: [f64; 3] = [500_000.0, 1_000_000.0, 2_000_000.0];
/// How long each paced run offers traffic.
const PACED_SECONDS: f64 = 2.0;

/// A retention that keeps every bench point and lets 10 000 metrics fit the default budget.
const SCHEMA: &str = "[all]\npattern = .*\nretentions = 10s:6h,1m:7d\n";

/// The carbon lines of one iteration: every metric's `POINTS` points, interleaved by time as
/// collectors send them. `.5` fractions and varied values exercise the float parser.
fn lines(t0: i64, metrics: std::ops::Range<usize>) -> Vec<String> {
    let mut out = Vec::with_capacity(metrics.len() * POINTS);
    for p in 0..POINTS {
        let ts = t0 + 10 * p as i64;
        for m in metrics.clone() {
            out.push(format!(
                "app.node-{:05}.service.requests.latency {}.5 {ts}\n",
                m,
                (m * 31 + p) % 997
            ));
        }
    }
    out
}

fn stream(lines: &[String]) -> Vec<u8> {
    lines.concat().into_bytes()
}

/// Whole lines packed into datagrams of at most `DATAGRAM_BYTES`.
fn datagrams(lines: &[String]) -> Vec<(Vec<u8>, u64)> {
    let mut out = Vec::new();
    let mut cur = Vec::with_capacity(DATAGRAM_BYTES);
    let mut n = 0;
    for line in lines {
        if cur.len() + line.len() > DATAGRAM_BYTES {
            out.push((std::mem::take(&mut cur), n));
            n = 0;
        }
        cur.extend_from_slice(line.as_bytes());
        n += 1;
    }
    if !cur.is_empty() {
        out.push((cur, n));
    }
    out
}

fn start_pencil(dir: &TempDir) -> Pencil {
    let schemas = dir.write("schemas.conf", SCHEMA);
    start(
        dir.path(),
        &[
            "--schemas",
            schemas.to_str().expect("temp paths are UTF-8"),
            // No timer work during the measurement.
            "--snapshot-every",
            "3600",
            "--self-metrics-every",
            "3600",
        ],
    )
}

/// The traffic starts this far back so every point is inside the 6 h archive and none is in
/// the future however long the bench runs.
fn first_timestamp() -> i64 {
    now() / 10 * 10 - 10 * POINTS as i64 - 60
}

fn send_tcp(addr: std::net::SocketAddr, bytes: &[u8]) {
    let mut s = TcpStream::connect(addr).expect("connect to pencil");
    s.write_all(bytes).expect("pencil reads everything");
    s.shutdown(std::net::Shutdown::Write).expect("half-close");
    let mut rest = Vec::new();
    // pencil closes once it has read and stored every byte.
    let _ = s.read_to_end(&mut rest);
}

fn assert_all_stored(p: &Pencil, want: u64) {
    let h = p.health();
    let c = &h["counters"];
    assert_eq!(c["points_received"].as_u64(), Some(want), "{h}");
    assert_eq!(c["lines"].as_u64(), Some(want), "every line stored: {h}");
}

/// pencil's CPU seconds so far (user + system), from /proc: on a shared machine, lines per
/// CPU-second says what pencil would do with a core to itself.
fn cpu_seconds(p: &Pencil) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", p.child.id()))
        .expect("pencil's /proc stat");
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: f64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse::<f64>().ok())
        .sum();
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    ticks / hz
}

fn report_cpu(group: &str, p: &Pencil, cpu_before: f64, lines_before: u64) {
    let cpu = cpu_seconds(p) - cpu_before;
    let lines = p.counter("lines") - lines_before;
    eprintln!(
        "{group}: pencil used {cpu:.2} CPU-s for {lines} lines: {:.2} M lines per pencil CPU-second",
        lines as f64 / cpu / 1e6
    );
}

fn tcp(c: &mut Criterion) {
    let dir = TempDir::new("bench-tcp");
    let p = start_pencil(&dir);
    let (cpu_before, lines_before) = (cpu_seconds(&p), p.counter("lines"));
    let t0 = first_timestamp();
    let mut group = c.benchmark_group("tcp_e2e");
    group.throughput(Throughput::Elements(LINES as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    let mut stored = 0u64;
    for conns in [1usize, 4] {
        let per = METRICS / conns;
        let buffers: Vec<Vec<u8>> = (0..conns)
            .map(|i| stream(&lines(t0, i * per..(i + 1) * per)))
            .collect();
        group.bench_function(format!("{conns}conn"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    std::thread::scope(|s| {
                        for buf in &buffers {
                            s.spawn(|| send_tcp(p.carbon, buf));
                        }
                    });
                    total += started.elapsed();
                    stored += LINES as u64;
                    assert_all_stored(&p, stored);
                }
                total
            })
        });
    }
    group.finish();
    report_cpu("tcp_e2e", &p, cpu_before, lines_before);
}

/// pencil's count of datagrams read so far.
fn datagrams_read(p: &Pencil) -> u64 {
    p.counter("udp_datagrams")
}

/// Sends `dgrams` keeping at most two bursts in flight; returns when pencil has read them all.
fn send_windowed(p: &Pencil, sock: &UdpSocket, dgrams: &[(Vec<u8>, u64)], read_before: u64) {
    let mut sent = 0u64;
    for burst in dgrams.chunks(BURST) {
        // Wait until pencil has read everything but the last burst sent.
        while datagrams_read(p) - read_before + (BURST as u64) < sent {
            std::thread::sleep(Duration::from_micros(200));
        }
        for (d, _) in burst {
            sock.send_to(d, p.carbon).expect("loopback send");
        }
        sent += burst.len() as u64;
    }
    while datagrams_read(p) - read_before < sent {
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn udp(c: &mut Criterion) {
    let dir = TempDir::new("bench-udp");
    let p = start_pencil(&dir);
    let (cpu_before, lines_before) = (cpu_seconds(&p), p.counter("lines"));
    let sock = UdpSocket::bind("127.0.0.1:0").expect("client socket");
    let all = lines(first_timestamp(), 0..METRICS);
    let dgrams = datagrams(&all);
    let mut group = c.benchmark_group("udp_e2e");
    group.throughput(Throughput::Elements(LINES as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    let mut stored = 0u64;
    group.bench_function("windowed_1400B", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let before = datagrams_read(&p);
                let started = Instant::now();
                send_windowed(&p, &sock, &dgrams, before);
                total += started.elapsed();
                stored += LINES as u64;
                assert_all_stored(&p, stored);
            }
            total
        })
    });
    group.finish();
    report_cpu("udp_e2e/windowed_1400B", &p, cpu_before, lines_before);
    let drops = p.counter("udp_kernel_drops");
    assert_eq!(drops, 0, "the window must keep the socket from overflowing");
    eprintln!(
        "udp_e2e/windowed_1400B: {} datagrams of about {} lines each, kernel drops {drops}",
        dgrams.len(),
        LINES / dgrams.len()
    );
    // Under `cargo test` criterion runs each bench once; the paced runs are measurement only.
    if std::env::args().any(|a| a == "--bench") {
        for rate in PACED_RATES {
            paced(&p, &sock, &dgrams, rate);
        }
    }
}

/// Offers `rate` lines/s for `PACED_SECONDS` without looking at pencil, then reports what it
/// counted and what the kernel dropped.
fn paced(p: &Pencil, sock: &UdpSocket, dgrams: &[(Vec<u8>, u64)], rate: f64) {
    let lines_before = p.counter("lines");
    let drops_before = p.counter("udp_kernel_drops");
    let started = Instant::now();
    let mut sent_lines = 0u64;
    let mut sent = 0usize;
    let stop_at = Duration::from_secs_f64(PACED_SECONDS);
    while started.elapsed() < stop_at {
        let due = (started.elapsed().as_secs_f64() * rate) as u64;
        while sent_lines < due {
            let (d, n) = &dgrams[sent % dgrams.len()];
            sock.send_to(d, p.carbon).expect("loopback send");
            sent_lines += n;
            sent += 1;
        }
        // Sleeping, not spinning, leaves the second core to pencil.
        std::thread::sleep(Duration::from_micros(250));
    }
    let offered = started.elapsed().as_secs_f64();
    // Let pencil drain what the kernel still holds.
    let mut last = u64::MAX;
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let got = p.counter("lines");
        if got == last || got - lines_before >= sent_lines {
            break;
        }
        last = got;
    }
    let counted = p.counter("lines") - lines_before;
    let drops = p.counter("udp_kernel_drops") - drops_before;
    eprintln!(
        "udp_e2e/paced {:.1} M lines/s for {offered:.1} s: sent {sent_lines} lines in {sent} datagrams \
         ({:.2} M lines/s offered), pencil counted {counted}, lost {} ({:.3}%), kernel drops {drops}",
        rate / 1e6,
        sent_lines as f64 / offered / 1e6,
        sent_lines - counted.min(sent_lines),
        (sent_lines - counted.min(sent_lines)) as f64 * 100.0 / sent_lines as f64
    );
}

criterion_group!(benches, tcp, udp);
criterion_main!(benches);
