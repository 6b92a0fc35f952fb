//! Snapshot write and load throughput on a store with ~256 MiB of filled rings.
//! Write is measured to the page cache (no fsync); the fsync, rename and directory fsync of
//! `finish` are timed once and printed, since their cost is the disk's, not pencil's.
//! Files go to `$PENCIL_BENCH_DIR` if set, else the system temp directory.

mod default_schema;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pencil::store::{load, SnapshotWriter, Store};
use std::path::PathBuf;
use std::time::Instant;

const NOW: i64 = 1_700_000_000;
/// One metric of 10s:6h,1m:7d,1h:1y is 168000 bytes; 1597 of them fill 256 MiB.
const BUDGET: u64 = 256 << 20;
/// What the event loop would hand a step between socket drains.
const STEP_BYTES: usize = 4 << 20;

/// Every slot of every archive holds a value: points at each archive's step across its whole
/// retention, oldest first.
fn filled() -> Store {
    let cfg = default_schema::config(BUDGET, 0.0);
    let mut store = Store::new(&cfg).expect("256 MiB holds this schema");
    let archives: Vec<(i64, i64)> = (cfg.schemas[0].archives.iter())
        .map(|a| (i64::from(a.step), i64::from(a.points)))
        .collect();
    let mut metric = 0;
    loop {
        let name = format!("bench.host{:04}.cpu", metric);
        let mut inserted = 0;
        for &(step, points) in archives.iter().rev() {
            for k in (0..points - 1).rev() {
                if store
                    .insert(&name, NOW - k * step, (metric * 31 + k) as f64 * 0.5, NOW)
                    .is_ok()
                {
                    inserted += 1;
                }
            }
        }
        if inserted == 0 {
            return store;
        }
        metric += 1;
    }
}

fn dir() -> PathBuf {
    let base = std::env::var_os("PENCIL_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = base.join(format!("pencil-bench-snapshot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench directory is writable");
    dir
}

fn write_all(store: &Store, path: &std::path::Path) -> SnapshotWriter {
    let mut w = SnapshotWriter::begin(path, NOW).expect("begin");
    while !w.step(store, STEP_BYTES).expect("step") {}
    w
}

fn bench(c: &mut Criterion) {
    let started = Instant::now();
    let store = filled();
    let stats = store.stats();
    eprintln!(
        "filled {} metrics, {} MiB of rings in {:.1?}",
        stats.metrics,
        stats.bytes_used >> 20,
        started.elapsed()
    );
    let dir = dir();
    let path = dir.join("store.snapshot");

    let started = Instant::now();
    let w = write_all(&store, &path);
    let written = started.elapsed();
    let started = Instant::now();
    let info = w.finish().expect("finish");
    eprintln!(
        "one snapshot: {} bytes, write {:.1?}, finish (fsync + rename + dir fsync) {:.1?}",
        info.bytes,
        written,
        started.elapsed()
    );

    let mut group = c.benchmark_group("snapshot");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(info.bytes));
    group.bench_function("write_to_page_cache", |b| {
        b.iter(|| write_all(&store, &dir.join("bench.snapshot")));
    });
    let cfg = default_schema::config(BUDGET, 0.0);
    group.bench_function("load", |b| {
        b.iter(|| load(&path, &cfg).expect("loads").expect("exists"));
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
