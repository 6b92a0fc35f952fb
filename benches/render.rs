//! The render API's two hot requests, through `http::handle` exactly as the event loop answers
//! them (no sockets, so the figure is pencil's work, not the kernel's):
//! - `sumSeries` over 1,000 series of one day at 10 s (8,640 points each), rendered as json;
//! - `/metrics/find` with a glob over 100,000 metrics.
//!
//! `tools/bench_graphite.py` sends the same requests over the same data to the reference
//! graphite-web, for the ratio the issue asks for.

use criterion::{criterion_group, criterion_main, Criterion};
use pencil::config::{AggMethod, AggregationRule, Retention, Schema, StoreConfig};
use pencil::http::{handle, Health, Request};
use pencil::store::Store;

const NOW: i64 = 1_700_000_000;
const SUM_SERIES: usize = 1_000;
const DAY_POINTS: i64 = 8_640;
/// 100 hosts × 1,000 metrics each.
const FIND_HOSTS: usize = 100;
const FIND_METRICS: usize = 1_000;

fn schema(name: &str, pattern: &str, step: u32, points: u32) -> Schema {
    Schema {
        name: name.into(),
        pattern: regex_lite::Regex::new(pattern).expect("literal pattern"),
        text: format!("{step}:{points}"),
        archives: vec![Retention { step, points }],
    }
}

fn store() -> Store {
    let cfg = StoreConfig {
        memory: 512 << 20,
        schemas: vec![
            schema("sum", "^bench\\.sum\\.", 10, DAY_POINTS as u32),
            // Find only reads names: the smallest ring keeps 100,000 metrics cheap.
            schema("find", "^bench\\.find\\.", 60, 60),
        ],
        aggregation: vec![AggregationRule {
            name: "default".into(),
            pattern: regex_lite::Regex::new(".*").expect("literal pattern"),
            x_files_factor: 0.5,
            method: AggMethod::Average,
        }],
        future_tolerance: 600,
        strict_last_wins: false,
    };
    let mut store = Store::new(&cfg).expect("512 MiB holds the bench data");
    for s in 0..SUM_SERIES {
        let name = format!("bench.sum.host{s:04}.requests");
        for k in 0..DAY_POINTS {
            let ts = NOW - (DAY_POINTS - k) * 10;
            store
                .insert(&name, ts, (s as i64 * 7 + k) as f64 * 0.25, NOW)
                .expect("fits");
        }
    }
    for h in 0..FIND_HOSTS {
        for m in 0..FIND_METRICS {
            let name = format!("bench.find.host{h:03}.metric{m:04}");
            store.insert(&name, NOW - 30, 1.0, NOW).expect("fits");
        }
    }
    store
}

fn get(path: &str, params: &[(&str, &str)]) -> Request {
    Request {
        method: "GET".into(),
        path: path.into(),
        params: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: Vec::new(),
        peer: None,
    }
}

fn bench(c: &mut Criterion) {
    let store = store();
    let health = Health::default();
    let from = (NOW - 86_400).to_string();
    let until = NOW.to_string();
    let sum = get(
        "/render",
        &[
            ("target", "sumSeries(bench.sum.*.requests)"),
            ("from", &from),
            ("until", &until),
            ("format", "json"),
        ],
    );
    let reply = handle(&store, &health, &sum, NOW);
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let find = get("/metrics/find", &[("query", "bench.find.host0*.metric*7")]);
    let reply = handle(&store, &health, &find, NOW);
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );

    let mut group = c.benchmark_group("render");
    group.sample_size(20);
    group.bench_function("sumSeries_1000x8640_json", |b| {
        b.iter(|| handle(&store, &health, &sum, NOW))
    });
    group.bench_function("find_glob_100k_metrics", |b| {
        b.iter(|| handle(&store, &health, &find, NOW))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
