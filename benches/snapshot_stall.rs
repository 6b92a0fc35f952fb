//! How long a timer snapshot of a full 1 GiB store keeps pencil's event loop from its sockets,
//! and whether UDP datagrams are lost meanwhile at 200k lines/s.
//!
//! The store is built here through the library (6391 metrics of the default schema fill the
//! 1 GiB budget), saved as a snapshot, and loaded by the real release binary, which writes every
//! ring into its arena, so all 1 GiB is resident as in a long-running pencil. A paced UDP
//! sender then offers 200k lines/s to existing metrics while pencil's timer writes
//! three snapshots. Ring contents do not change the cost (the file holds every slot
//! whatever it contains), so one point per metric is enough to make the rings exist.
//!
//! The stall is pencil's own measurement, `/health` counter `snapshot_longest_step_us`: the
//! longest single slice a snapshot wrote between two looks at the sockets. Loss is what the
//! sender sent minus the lines pencil counted, and the kernel's drop counter for the socket.
//! Not a criterion bench: one run of a few snapshots is the measurement; `cargo bench --bench
//! snapshot_stall` prints it. Under `cargo test` (no `--bench` argument) it runs a small store
//! at a tenth of the rate instead and fails on any loss, so `make test` keeps the path honest.

#[path = "../tests/common/mod.rs"]
mod common;
mod default_schema;

use common::{now, start, Pencil, TempDir};
use pencil::store::Store;
use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const DATAGRAM_BYTES: usize = 1400;
const SNAPSHOT_EVERY: &str = "4";

/// What one run measures.
struct Plan {
    /// `--memory`, filled completely.
    budget: u64,
    memory_flag: &'static str,
    /// Lines per second offered during the snapshots.
    rate: f64,
    /// Snapshots to observe; each takes one timer period plus its own duration.
    snapshots: usize,
}

/// The measurement: the default 1 GiB budget, full, at the 200k lines/s.
const BENCH: Plan = Plan {
    budget: 1 << 30,
    memory_flag: "1GiB",
    rate: 200_000.0,
    snapshots: 3,
};

/// Under `cargo test`: seconds, not a minute, and a rate the socket buffer absorbs for
/// seconds, so any loss is a bug rather than a busy machine.
const SMOKE: Plan = Plan {
    budget: 64 << 20,
    memory_flag: "64MiB",
    rate: 20_000.0,
    snapshots: 1,
};

fn name(i: usize) -> String {
    format!("stall.host{i:04}.cpu")
}

/// Creates metrics until the budget is spent and writes the snapshot pencil will load.
fn full_snapshot(dir: &TempDir, budget: u64) -> usize {
    // pencil's embedded default schema, so the binary runs without `--schemas`.
    let config = default_schema::config(budget, 0.5);
    let mut store = Store::new(&config).expect("the budget holds the default schema");
    let t = now();
    let mut metrics = 0;
    while store.insert(&name(metrics), t, 1.0, t).is_ok() {
        metrics += 1;
    }
    let path = dir.path().join("store.snapshot");
    pencil::app::write_snapshot(&store, &path, t).expect("snapshot written");
    metrics
}

fn resident_bytes(p: &Pencil) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", p.child.id()))
        .expect("pencil's /proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Datagrams of whole lines for existing metrics, `now` as their timestamp.
fn datagrams(metrics: usize) -> Vec<(Vec<u8>, u64)> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut n = 0;
    for i in 0..metrics {
        let line = format!("{} {}.25 -1\n", name(i), i % 100);
        if cur.len() + line.len() > DATAGRAM_BYTES {
            out.push((std::mem::take(&mut cur), n));
            n = 0;
        }
        cur.extend_from_slice(line.as_bytes());
        n += 1;
    }
    out.push((cur, n));
    out
}

/// Offers `rate` lines/s until `stop`, keeping `sent` up to date.
fn send_paced(
    carbon: std::net::SocketAddr,
    rate: f64,
    dgrams: &[(Vec<u8>, u64)],
    stop: &AtomicBool,
    sent: &AtomicU64,
) {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("client socket");
    let started = Instant::now();
    let mut lines = 0u64;
    let mut k = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let due = (started.elapsed().as_secs_f64() * rate) as u64;
        while lines < due {
            let (d, n) = &dgrams[k % dgrams.len()];
            sock.send_to(d, carbon).expect("loopback send");
            lines += n;
            k += 1;
        }
        sent.store(lines, Ordering::Relaxed);
        std::thread::sleep(Duration::from_micros(500));
    }
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let plan = if bench { BENCH } else { SMOKE };
    let dir = TempDir::new("bench-stall");
    let started = Instant::now();
    let metrics = full_snapshot(&dir, plan.budget);
    let file = std::fs::metadata(dir.path().join("store.snapshot"))
        .expect("snapshot exists")
        .len();
    eprintln!(
        "built a {metrics}-metric snapshot of {:.2} GiB in {:.1?}",
        file as f64 / (1u64 << 30) as f64,
        started.elapsed()
    );
    let p = start(
        dir.path(),
        &[
            "--memory",
            plan.memory_flag,
            "--snapshot-every",
            SNAPSHOT_EVERY,
            "--self-metrics-every",
            "3600",
        ],
    );
    eprintln!(
        "pencil resident after loading: {:.2} GiB",
        resident_bytes(&p) as f64 / (1u64 << 30) as f64
    );
    let dgrams = datagrams(metrics);
    let stop = AtomicBool::new(false);
    let sent = AtomicU64::new(0);
    let lines_before = p.counter("lines");
    let drops_before = p.counter("udp_kernel_drops");
    let carbon = p.carbon;
    std::thread::scope(|s| {
        s.spawn(|| send_paced(carbon, plan.rate, &dgrams, &stop, &sent));
        let mut seen = p.health()["last_snapshot_time"].as_i64();
        let mut done = 0;
        let deadline = Instant::now() + Duration::from_secs(120);
        while done < plan.snapshots && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            let h = p.health();
            let at = h["last_snapshot_time"].as_i64();
            if at.is_some() && at != seen {
                seen = at;
                done += 1;
                eprintln!(
                    "snapshot {done}: {:.3} s from start to durable (fsync off the loop), \
                     longest loop stall {} us, kernel drops so far {}",
                    h["last_snapshot_seconds"].as_f64().unwrap_or(f64::NAN),
                    h["counters"]["snapshot_longest_step_us"],
                    h["counters"]["udp_kernel_drops"].as_u64().unwrap_or(0) - drops_before
                );
            }
        }
        stop.store(true, Ordering::Relaxed);
        assert_eq!(
            done, plan.snapshots,
            "pencil did not finish its snapshots in time"
        );
    });
    std::thread::sleep(Duration::from_millis(300));
    let sent = sent.load(Ordering::Relaxed);
    let counted = p.counter("lines") - lines_before;
    let drops = p.counter("udp_kernel_drops") - drops_before;
    let lost = sent.saturating_sub(counted);
    eprintln!(
        "during {} snapshots at {:.0}k lines/s: sent {sent} lines, pencil counted {counted}, \
         lost {lost}, kernel drops {drops}",
        plan.snapshots,
        plan.rate / 1e3,
    );
    if !bench {
        assert_eq!((lost, drops), (0, 0), "datagrams lost during a snapshot");
    }
}
