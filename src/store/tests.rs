//! The store's contract as whisper and graphite.md section 10 define it: where points land, how
//! they roll up, what a fetch returns, and when the store says no.

use super::*;
use crate::config::{AggMethod, AggregationRule, Retention, Schema};
use regex_lite::Regex;
use std::path::PathBuf;

pub(super) const NOW: i64 = 6000;

pub(super) fn schema(pattern: &str, text: &str, archives: &[(u32, u32)]) -> Schema {
    Schema {
        name: pattern.to_string(),
        pattern: Regex::new(pattern).expect("test pattern"),
        text: text.to_string(),
        archives: archives
            .iter()
            .map(|&(step, points)| Retention { step, points })
            .collect(),
    }
}

pub(super) fn rule(pattern: &str, method: AggMethod, xff: f32) -> AggregationRule {
    AggregationRule {
        name: pattern.to_string(),
        pattern: Regex::new(pattern).expect("test pattern"),
        x_files_factor: xff,
        method,
    }
}

/// A fresh directory per test, removed when dropped.
pub(super) struct TempDir(pub(super) PathBuf);

impl TempDir {
    pub(super) fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("pencil-store-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir is writable");
        TempDir(dir)
    }
    pub(super) fn file(&self) -> PathBuf {
        self.0.join("store.snapshot")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// 10 s for a minute, 60 s for ten minutes: 16 slots, 128 bytes a metric.
pub(super) fn config(memory: u64) -> StoreConfig {
    StoreConfig {
        memory,
        schemas: vec![schema(".*", "10s:1m,1m:10m", &[(10, 6), (60, 10)])],
        aggregation: vec![
            rule(r"\.count$", AggMethod::Sum, 0.0),
            rule(r"\.max$", AggMethod::Max, 0.1),
        ],
        future_tolerance: 600,
        strict_last_wins: false,
    }
}

fn store() -> Store {
    Store::new(&config(1 << 20)).expect("1 MiB holds 128-byte metrics")
}

fn values(store: &Store, name: &str, from: i64) -> (i64, i64, Vec<f64>) {
    let mut got = store.fetch(name, from, NOW, NOW).expect("valid pattern");
    assert_eq!(got.len(), 1, "{name} fetched from {from}");
    let s = got.remove(0);
    (s.start, s.step, s.values)
}

fn at(store: &Store, name: &str, from: i64, t: i64) -> f64 {
    let (start, step, values) = values(store, name, from);
    values[((t - start) / step) as usize]
}

#[test]
fn last_point_of_an_interval_wins() {
    let mut s = store();
    s.insert("a.b", 5951, 1.0, NOW).expect("fits");
    s.insert("a.b", 5955, 2.0, NOW).expect("fits");
    assert_eq!(at(&s, "a.b", NOW - 60, 5950), 2.0);
}

#[test]
fn sum_metrics_add_up_unless_strict() {
    let mut s = store();
    for _ in 0..3 {
        s.insert("buy.count", 5951, 1.0, NOW).expect("fits");
    }
    assert_eq!(at(&s, "buy.count", NOW - 60, 5950), 3.0);
    assert_eq!(
        at(&s, "buy.count", NOW - 600, 5940),
        3.0,
        "the rollup sums too"
    );

    let mut strict = Store::new(&StoreConfig {
        strict_last_wins: true,
        ..config(1 << 20)
    })
    .expect("fits");
    for _ in 0..3 {
        strict.insert("buy.count", 5951, 1.0, NOW).expect("fits");
    }
    assert_eq!(at(&strict, "buy.count", NOW - 60, 5950), 1.0);
}

#[test]
fn refusals() {
    let mut s = store();
    assert_eq!(s.insert("a", NOW + 601, 1.0, NOW), Err(InsertError::Future));
    assert_eq!(s.insert("a", NOW + 600, 1.0, NOW), Ok(()));
    assert_eq!(s.insert("b", NOW - 601, 1.0, NOW), Err(InsertError::TooOld));
    assert_eq!(
        s.stats().metrics,
        1,
        "a point too old to keep creates no metric"
    );
    assert_eq!(s.insert("a", NOW - 601, 1.0, NOW), Err(InsertError::TooOld));
    assert_eq!(s.insert("a", NOW - 600, 1.0, NOW), Ok(()));
}

#[test]
fn full_refuses_new_metrics_and_keeps_old_ones() {
    let mut s = Store::new(&config(2 * 128 + 100)).expect("two metrics fit");
    s.insert("a", NOW, 1.0, NOW).expect("first");
    s.insert("b", NOW, 1.0, NOW).expect("second");
    assert_eq!(s.insert("c", NOW, 1.0, NOW), Err(InsertError::Full));
    s.insert("a", NOW - 10, 2.0, NOW)
        .expect("existing metrics keep working");
    assert_eq!(
        s.stats(),
        StoreStats {
            metrics: 2,
            bytes_used: 256,
            bytes_capacity: 356
        }
    );
    assert_eq!(s.names().collect::<Vec<_>>(), ["a", "b"]);
}

#[test]
fn budget_below_one_metric_is_an_error() {
    let err = Store::new(&config(127))
        .err()
        .expect("127 bytes cannot hold 128");
    assert!(err.to_string().contains("10s:1m,1m:10m"), "{err}");
}

#[test]
fn rollup_honours_x_files_factor() {
    let mut s = store();
    // Average, xff 0.5: two of six 10 s slots are not enough, three are.
    s.insert("cpu", 5950, 1.0, NOW).expect("fits");
    s.insert("cpu", 5960, 2.0, NOW).expect("fits");
    assert!(at(&s, "cpu", NOW - 600, 5940).is_nan());
    s.insert("cpu", 5970, 6.0, NOW).expect("fits");
    assert_eq!(at(&s, "cpu", NOW - 600, 5940), 3.0);
    // Max, xff 0.1: one slot is enough.
    s.insert("t.max", 5990, -4.0, NOW).expect("fits");
    s.insert("t.max", 5980, -5.0, NOW).expect("fits");
    assert_eq!(at(&s, "t.max", NOW - 600, 5940), -4.0);
}

#[test]
fn old_points_go_to_the_archive_covering_them() {
    let mut s = store();
    s.insert("a", NOW - 300, 7.0, NOW)
        .expect("within 10 minutes");
    assert_eq!(at(&s, "a", NOW - 600, NOW - 300), 7.0);
    assert!(
        values(&s, "a", NOW - 60).2.iter().all(|v| v.is_nan()),
        "the fine archive is untouched"
    );
}

#[test]
fn fetch_window_and_archive_choice_as_whisper() {
    let mut s = store();
    s.insert("a", NOW, 1.0, NOW).expect("fits");
    let (start, step, v) = values(&s, "a", NOW - 60);
    assert_eq!((start, step, v.len()), (NOW - 50, 10, 6));
    assert_eq!(v[5], 1.0, "the slot at until is included");
    let (start, step, v) = values(&s, "a", NOW - 61);
    assert_eq!(
        (start, step, v.len()),
        (NOW - 60, 60, 2),
        "one second past archive 0 goes coarser"
    );
    // from past the longest retention is clamped; until before it, or from after now, omit the metric.
    assert_eq!(values(&s, "a", NOW - 5000).0, NOW - 540);
    assert!(s
        .fetch("a", NOW - 2000, NOW - 601, NOW)
        .expect("valid")
        .is_empty());
    assert!(s
        .fetch("a", NOW + 1, NOW + 100, NOW)
        .expect("valid")
        .is_empty());
    assert!(s.fetch("a", NOW, NOW - 10, NOW).expect("valid").is_empty());
}

#[test]
fn fetch_from_ten_minutes_on_a_ten_second_archive() {
    let cfg = StoreConfig {
        schemas: vec![schema(".*", "10s:1h", &[(10, 360)])],
        ..config(1 << 20)
    };
    let mut s = Store::new(&cfg).expect("fits");
    s.insert("x", NOW - 600, 1.0, NOW).expect("fits");
    let (start, step, v) = values(&s, "x", NOW - 600);
    assert_eq!((start, step, v.len()), (NOW - 590, 10, 60));
    assert!(
        v.iter().all(|v| v.is_nan()),
        "a point exactly at an aligned from is excluded"
    );
}

#[test]
fn fetch_is_sorted_and_globbed() {
    let mut s = store();
    for name in ["b.x", "a.x", "a.y.z"] {
        s.insert(name, NOW, 1.0, NOW).expect("fits");
    }
    let names: Vec<String> = (s
        .fetch("*.x", NOW - 60, NOW, NOW)
        .expect("valid")
        .into_iter())
    .map(|s| s.name)
    .collect();
    assert_eq!(names, ["a.x", "b.x"]);
    let found = s.find("a.*").expect("valid");
    assert_eq!(found.len(), 2);
    assert!(s.fetch("{a", 0, 1, NOW).is_err());
}

#[test]
fn capacity_names_every_reachable_schema() {
    let cfg = StoreConfig {
        schemas: vec![
            schema("^carbon\\.", "60:90d", &[(60, 129600)]),
            schema(
                ".*",
                "10s:6h,1m:7d,1h:1y",
                &[(10, 2160), (60, 10080), (3600, 8760)],
            ),
        ],
        ..config(1 << 30)
    };
    let s = Store::new(&cfg).expect("1 GiB");
    assert_eq!(
        s.capacity().to_string(),
        "capacity 1035 metrics of 60:90d (1036800 bytes each) or 6391 metrics of 10s:6h,1m:7d,1h:1y \
         (168000 bytes each) in 1.00 GiB"
    );
    let no_catch_all = StoreConfig {
        schemas: vec![schema("^carbon\\.", "60:90d", &[(60, 129600)])],
        ..config(1 << 30)
    };
    let c = Store::new(&no_catch_all).expect("1 GiB").capacity();
    assert_eq!(c.per_schema[1], ("60s:7d".to_string(), 80640, 13315));
}

#[test]
fn metadata_never_reallocates() {
    // 40 bytes: one 3-archive metric (24 bytes) and one 1-archive metric (16 bytes) hold four
    // heads, more than either schema alone (3 and 2).
    let cfg = StoreConfig {
        schemas: vec![
            schema("^a", "1:1,2:1,4:1", &[(1, 1), (2, 1), (4, 1)]),
            schema(".*", "1:2", &[(1, 2)]),
        ],
        ..config(40)
    };
    let mut s = Store::new(&cfg).expect("fits");
    let before = (s.metrics.capacity(), s.heads.capacity(), s.arena.as_ptr());
    for name in ["a1", "b1", "c1", "a2"] {
        let _ = s.insert(name, NOW, 1.0, NOW);
    }
    assert_eq!((s.stats().metrics, s.heads.len()), (2, 4));
    assert_eq!(
        (s.metrics.capacity(), s.heads.capacity(), s.arena.as_ptr()),
        before
    );

    let mut s = Store::new(&config(128 * 50)).expect("fits");
    let before = (s.metrics.capacity(), s.heads.capacity(), s.arena.as_ptr());
    for i in 0..60 {
        let _ = s.insert(&format!("m{i}"), NOW, 1.0, NOW);
    }
    assert_eq!(s.stats().metrics, 50);
    assert_eq!(
        (s.metrics.capacity(), s.heads.capacity(), s.arena.as_ptr()),
        before
    );
}

mod rollup_property {
    use super::*;
    use proptest::prelude::*;

    /// The fine values covering coarse interval `ct`, and the coarse value, read from the rings.
    fn rings(s: &Store, name: &str, ct: i64) -> (Vec<f64>, f64) {
        let m = s.metrics[s.index.get(name).expect("inserted") as usize];
        let layout = &s.layouts[m.layout];
        let fine = ring_of(&s.arena, &m, layout, 0);
        let fine_head = s.heads[m.first_head];
        let values = (0..6)
            .map(|i| ring::read(fine, &fine_head, 10, ct + i * 10))
            .collect();
        let coarse = ring::read(
            ring_of(&s.arena, &m, layout, 1),
            &s.heads[m.first_head + 1],
            60,
            ct,
        );
        (values, coarse)
    }

    proptest! {
        #[test]
        fn coarse_slot_is_the_aggregate_of_the_fine_ones(
            name in prop_oneof![Just("x.count"), Just("x.max"), Just("x")],
            points in proptest::collection::vec((1i64..=60, -100i32..100), 1..40),
        ) {
            let mut s = store();
            let agg = s.agg_for(name);
            for (age, v) in points {
                let ts = NOW - age;
                let ct = ts - ts.rem_euclid(60);
                if s.index.get(name).is_none() {
                    s.insert(name, ts, f64::from(v), NOW).expect("fits");
                    continue;
                }
                let coarse_before = rings(&s, name, ct).1;
                s.insert(name, ts, f64::from(v), NOW).expect("one coarse interval fits the fine ring");
                let (fine, coarse) = rings(&s, name, ct);
                match archive::aggregate(agg, fine.iter().copied()) {
                    Some(want) => prop_assert_eq!(coarse, want, "fine {:?}", fine),
                    None => prop_assert!(coarse.to_bits() == coarse_before.to_bits() || (coarse.is_nan() && coarse_before.is_nan())),
                }
            }
        }
    }
}
