//! Ingest throughput: "parse" measures framing, parsing and name cleaning into a sink that
//! only counts; "parse_insert" adds the real store. Run one with
//! `cargo bench --bench ingest -- 'ingest/parse$'` (a bare `parse` also matches parse_insert).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pencil::config::{Retention, Schema, StoreConfig};
use pencil::ingest::{feed, Counters, PointSink};
use pencil::store::{InsertError, Store};

const LINES: usize = 1_000_000;
const NOW: i64 = 1_700_000_000;

/// Realistic carbon traffic: 10 000 distinct dotted names, values with a fraction, one point
/// per name every 10 s.
fn lines() -> Vec<u8> {
    let mut buf = Vec::with_capacity(LINES * 56);
    for i in 0..LINES {
        let ts = NOW - 600 + (i / 10_000) as i64 * 10;
        let line = format!(
            "app.node-{}.service.requests.count {}.5 {ts}\n",
            i % 10_000,
            i % 997
        );
        buf.extend_from_slice(line.as_bytes());
    }
    buf
}

/// Counts points so the work cannot be optimised away.
struct CountingSink(u64);

impl PointSink for CountingSink {
    fn insert(&mut self, name: &str, ts: i64, value: f64, _now: i64) -> Result<(), InsertError> {
        self.0 = self
            .0
            .wrapping_add(name.len() as u64 ^ ts as u64 ^ value.to_bits());
        Ok(())
    }
}

fn parse(c: &mut Criterion) {
    let buf = lines();
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(LINES as u64));
    group.sample_size(20);
    group.bench_function("parse", |b| {
        b.iter(|| {
            let mut sink = CountingSink(0);
            let mut counters = Counters::default();
            feed(&buf, &mut sink, NOW, &mut counters);
            assert_eq!(counters.points_received, LINES as u64);
            sink.0
        })
    });
    group.finish();
    report_cpu("ingest/parse", || {
        let mut counters = Counters::default();
        feed(&buf, &mut CountingSink(0), NOW, &mut counters);
    });
}

/// This thread's CPU seconds (user + system).
fn thread_cpu_seconds() -> f64 {
    // SAFETY: all-zero is a valid rusage, and getrusage only writes into it.
    let mut r: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_THREAD with a valid pointer; it cannot fail with these arguments.
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut r) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    secs(r.ru_utime) + secs(r.ru_stime)
}

/// Wall-clock medians suffer when the machine is shared; the median CPU time of a few more
/// runs says what one core does on its own.
fn report_cpu(name: &str, mut run: impl FnMut()) {
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let before = thread_cpu_seconds();
            run();
            thread_cpu_seconds() - before
        })
        .collect();
    times.sort_by(f64::total_cmp);
    eprintln!(
        "{name}: median {:.1} ms CPU per {LINES} lines: {:.2} M lines per CPU-second",
        times[2] * 1e3,
        LINES as f64 / times[2] / 1e6
    );
}

fn store_config() -> StoreConfig {
    let everything = regex_lite::Regex::new(".*").expect("a constant, valid pattern");
    StoreConfig {
        memory: 1 << 30,
        schemas: vec![Schema {
            name: "default".into(),
            pattern: everything,
            text: "10s:6h,1m:7d".into(),
            archives: vec![
                Retention {
                    step: 10,
                    points: 2160,
                },
                Retention {
                    step: 60,
                    points: 10080,
                },
            ],
        }],
        aggregation: Vec::new(),
        future_tolerance: 600,
        strict_last_wins: false,
    }
}

fn parse_insert(c: &mut Criterion) {
    let buf = lines();
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(LINES as u64));
    group.sample_size(10);
    group.bench_function("parse_insert", |b| {
        // Built here, not above, so a filter that skips this bench never builds a store.
        let mut store =
            Store::new(&store_config()).expect("1 GiB fits 10 000 metrics of this schema");
        b.iter(|| {
            let mut counters = Counters::default();
            feed(&buf, &mut store, NOW, &mut counters);
            assert_eq!(counters.points_received, LINES as u64);
        })
    });
    group.finish();
    let mut store = Store::new(&store_config()).expect("1 GiB fits 10 000 metrics of this schema");
    report_cpu("ingest/parse_insert", || {
        feed(&buf, &mut store, NOW, &mut Counters::default());
    });
}

criterion_group!(benches, parse, parse_insert);
criterion_main!(benches);
