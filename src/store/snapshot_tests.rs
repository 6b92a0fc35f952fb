//! Snapshots round-trip exactly, survive ingest between steps, and refuse damaged files without
//! touching them.

use super::tests::{config, rule, schema, TempDir, NOW};
use super::*;
use crate::config::AggMethod;
use std::fs;
use std::path::Path;

fn two_schema_config() -> StoreConfig {
    let mut cfg = config(1 << 20);
    cfg.schemas
        .insert(0, schema(r"^carbon\.", "60:1h", &[(60, 60)]));
    cfg
}

/// Adds a schema whose ring (675 KiB) is most of the writer's 1 MiB buffer, so a slice holding
/// it runs far past `max_bytes`.
fn big_config() -> StoreConfig {
    let mut cfg = two_schema_config();
    cfg.memory = 4 << 20;
    cfg.schemas
        .insert(0, schema(r"^big\.", "1s:1d", &[(1, 86400)]));
    cfg
}

fn filled() -> Store {
    let mut s = fill(Store::new(&two_schema_config()).expect("fits"));
    add_events(&mut s);
    s
}

fn add_events(s: &mut Store) {
    let events = [
        (NOW - 50, "deploy", "v1.2 \u{20ac}", "web deploy"),
        (NOW - 500, "backfilled", "", ""),
        (-7, "before 1970", "x", "old, \"a b\""),
    ];
    for (when, what, data, tags) in events {
        s.add_event(when, what.into(), data.repeat(100), tags.into())
            .expect("fits");
    }
}

fn events_of(s: &Store) -> Vec<Event> {
    s.events().iter().cloned().collect()
}

fn fill(mut s: Store) -> Store {
    for i in 0..20 {
        let name = format!("app.m{i:02}.count");
        for k in 0..40 {
            let _ = s.insert(&name, NOW - k * 13, (i * k) as f64, NOW);
        }
    }
    s.insert("carbon.agent.points", NOW - 120, 42.0, NOW)
        .expect("fits");
    s.insert("neg", NOW, -0.5, NOW).expect("fits");
    for k in 0..2000 {
        // A large ring under big_config; elsewhere most of these are too old to keep.
        let _ = s.insert("big.one", NOW - k * 37, k as f64, NOW);
    }
    s
}

fn write(store: &mut Store, path: &Path) -> SnapshotInfo {
    let mut w = SnapshotWriter::begin(path, NOW).expect("begin");
    let mut steps = 0;
    while !w.step(store, 1).expect("step") {
        steps += 1;
        // Ingest goes on between steps; new metrics are picked up too.
        if steps <= 3 {
            store
                .insert(&format!("late.m{steps}"), NOW, steps as f64, NOW)
                .expect("fits");
        }
    }
    assert!(steps > 20, "a 1-byte slice writes one metric per step");
    w.finish().expect("finish")
}

fn everything(s: &Store, from: i64) -> Vec<Series> {
    let mut all = s.fetch("*", from, NOW, NOW).expect("valid");
    for depth in ["*.*", "*.*.*", "*.*.*.*"] {
        all.extend(s.fetch(depth, from, NOW, NOW).expect("valid"));
    }
    all
}

fn same(a: &[Series], b: &[Series]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            (x.name == y.name
                && x.start == y.start
                && x.step == y.step
                && x.values.len() == y.values.len())
                && x.values
                    .iter()
                    .zip(&y.values)
                    .all(|(p, q)| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()))
        })
}

#[test]
fn round_trip_through_a_sliced_write() {
    let dir = TempDir::new("round-trip");
    let mut s = fill(Store::new(&big_config()).expect("fits"));
    add_events(&mut s);
    let info = write(&mut s, &dir.file());
    assert_eq!(info.events, 3);
    assert_eq!(info.metrics, s.stats().metrics);
    assert_eq!(info.bytes, fs::metadata(dir.file()).expect("written").len());
    assert!(
        !dir.0.join("store.snapshot.tmp").exists(),
        "renamed over the target"
    );
    let loaded = load(&dir.file(), &big_config())
        .expect("loads")
        .expect("exists");
    for from in [NOW - 60, NOW - 600, NOW - 3600, NOW - 80000] {
        assert!(
            same(&everything(&s, from), &everything(&loaded, from)),
            "from {from}"
        );
    }
    assert_eq!(loaded.stats(), s.stats());
    assert!(loaded.names().eq(s.names()));
    assert_eq!(events_of(&loaded), events_of(&s));
    let report = loaded.load_report().expect("loaded from a file");
    assert_eq!(
        (
            report.created_at,
            report.loaded,
            report.metrics_in_file,
            report.events
        ),
        (NOW, info.metrics, info.metrics, 3)
    );
    // The id counter came back: the next event does not reuse an id.
    let mut loaded = loaded;
    assert_eq!(
        loaded.add_event(NOW, "after".into(), String::new(), String::new()),
        Ok(4)
    );
    // Heads came back too: the sum keeps adding onto the restored slot.
    loaded.insert("app.m03.count", NOW, 1.0, NOW).expect("fits");
    let v = loaded
        .fetch("app.m03.count", NOW - 60, NOW, NOW)
        .expect("valid");
    assert_eq!(v[0].values[5], 1.0, "point 0 of m03 was 3 * 0");
}

#[test]
fn missing_file_is_no_snapshot() {
    let dir = TempDir::new("missing");
    assert!(load(&dir.file(), &config(1 << 20))
        .expect("not an error")
        .is_none());
}

fn refusal(path: &Path) -> SnapshotError {
    thread_local! {
        // Compiling the config's regexes dominates a debug-build load of a tiny file.
        static CFG: StoreConfig = two_schema_config();
    }
    let before = fs::read(path).expect("exists");
    let err = CFG.with(|cfg| load(path, cfg)).err().expect("refused");
    assert_eq!(
        fs::read(path).expect("still there"),
        before,
        "the file is left untouched"
    );
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    err
}

#[test]
fn damaged_files_are_refused_and_kept() {
    let dir = TempDir::new("damaged");
    let mut s = filled();
    write(&mut s, &dir.file());
    let good = fs::read(dir.file()).expect("written");
    // Flipped bytes anywhere after the header: ring data, record headers, tags, the trailer.
    // A flip in a length prefix can make the parser run off the end first; that reads as
    // "ends early" (Corrupt), never as a successful load.
    for at in (24..good.len()).step_by(23) {
        let mut bad = good.clone();
        bad[at] ^= 0x04;
        fs::write(dir.file(), &bad).expect("writable");
        let err = refusal(&dir.file());
        let early = matches!(&err, SnapshotError::Corrupt { message, .. } if message.contains("ends early"));
        assert!(
            matches!(err, SnapshotError::Checksum { .. }) || early,
            "byte {at}: {err}"
        );
    }
    // The last ring value, the metric count, the event count, the next event id, the checksum.
    for at in [34, 25, 17, 9, 1].map(|back| good.len() - back) {
        let mut bad = good.clone();
        bad[at] ^= 0x04;
        fs::write(dir.file(), &bad).expect("writable");
        let err = refusal(&dir.file());
        assert!(
            matches!(err, SnapshotError::Checksum { .. }),
            "byte {at}: {err}"
        );
    }
    let mut bad = good.clone();
    bad[..8].copy_from_slice(b"WHISPER!");
    fs::write(dir.file(), &bad).expect("writable");
    let err = refusal(&dir.file());
    assert!(matches!(err, SnapshotError::Version { .. }), "{err}");
    assert!(err.to_string().contains("move it away"), "{err}");
    let mut bad = good.clone();
    bad[8] = 3;
    fs::write(dir.file(), &bad).expect("writable");
    assert!(matches!(
        refusal(&dir.file()),
        SnapshotError::Version { .. }
    ));
    for len in (0..good.len())
        .step_by(17)
        .chain([good.len() - 1, good.len() - 8])
    {
        fs::write(dir.file(), &good[..len]).expect("writable");
        let err = refusal(&dir.file());
        assert!(
            matches!(err, SnapshotError::Corrupt { .. }),
            "truncated to {len}: {err}"
        );
    }
    let mut long = good.clone();
    long.push(0);
    fs::write(dir.file(), &long).expect("writable");
    assert!(matches!(
        refusal(&dir.file()),
        SnapshotError::Corrupt { .. }
    ));
}

#[test]
fn changed_config_keeps_what_still_fits() {
    let dir = TempDir::new("changed");
    let mut s = filled();
    let info = write(&mut s, &dir.file());
    // carbon.* now falls to the catch-all (different archives: skipped); the catch-all moved
    // to another index with identical archives (kept); sums became maxes (config wins).
    let mut cfg = config(1 << 20);
    cfg.schemas
        .insert(0, schema("^nothing$", "1h:1d", &[(3600, 24)]));
    cfg.aggregation = vec![rule(".", AggMethod::Max, 0.0)];
    let mut loaded = load(&dir.file(), &cfg).expect("loads").expect("exists");
    let report = loaded.load_report().expect("loaded");
    assert_eq!(
        (report.skipped_schema_changed, report.loaded),
        (1, info.metrics - 1)
    );
    assert!(loaded
        .fetch("carbon.*.*", NOW - 600, NOW, NOW)
        .expect("valid")
        .is_empty());
    loaded.insert("app.m03.count", NOW, 1.0, NOW).expect("fits");
    let v = loaded
        .fetch("app.m03.count", NOW - 60, NOW, NOW)
        .expect("valid");
    assert_eq!(v[0].values[5], 1.0, "max no longer adds");
    // A smaller budget keeps the first metrics and counts the rest.
    let small = load(
        &dir.file(),
        &StoreConfig {
            memory: 128 * 5,
            ..two_schema_config()
        },
    );
    let report = small
        .expect("loads")
        .expect("exists")
        .load_report()
        .expect("loaded");
    assert!(
        report.skipped_full > 0 && report.loaded + report.skipped_full == info.metrics,
        "{report:?}"
    );
}

#[test]
fn writer_contract() {
    fn send<T: Send>(_: &T) {}
    let dir = TempDir::new("writer");
    let w = SnapshotWriter::begin(&dir.file(), NOW).expect("begin");
    send(&w);
    assert!(
        matches!(w.finish(), Err(SnapshotError::Io { .. })),
        "finish before the last step is refused"
    );
    assert!(!dir.file().exists());
    let missing = dir.0.join("no-such-dir").join("snap");
    let err = SnapshotWriter::begin(&missing, NOW)
        .err()
        .expect("no directory");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
}

/// A version 1 file (before events) is the same layout without event records and with a
/// trailer of metric count and checksum only; it still loads, with no events.
#[test]
fn version_1_files_still_load() {
    let dir = TempDir::new("v1");
    let mut s = fill(Store::new(&two_schema_config()).expect("fits"));
    write(&mut s, &dir.file());
    let v2 = fs::read(dir.file()).expect("written");
    // No events: the trailer is tag, metric count, event count 0, next id 1, checksum.
    let tail = v2.len() - 33;
    assert_eq!(v2[tail], 0, "trailer tag");
    assert_eq!(
        &v2[tail + 9..tail + 25],
        &[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    );
    let mut v1 = v2[..tail + 9].to_vec();
    v1[8] = 1;
    let mut sum = super::checksum::Checksum::new();
    sum.update(&v1);
    v1.extend_from_slice(&sum.finish().to_le_bytes());
    fs::write(dir.file(), &v1).expect("writable");
    let loaded = load(&dir.file(), &two_schema_config())
        .expect("loads")
        .expect("exists");
    assert_eq!(loaded.stats(), s.stats());
    assert!(same(
        &everything(&s, NOW - 600),
        &everything(&loaded, NOW - 600)
    ));
    assert!(loaded.events().is_empty());
    // An event record in a version 1 file is damage, not data.
    let mut bad = v1[..tail].to_vec();
    bad.push(2);
    bad.extend_from_slice(&v1[tail..tail + 9]);
    let mut sum = super::checksum::Checksum::new();
    sum.update(&bad);
    bad.extend_from_slice(&sum.finish().to_le_bytes());
    fs::write(dir.file(), &bad).expect("writable");
    assert!(matches!(
        refusal(&dir.file()),
        SnapshotError::Corrupt { .. }
    ));
}

#[test]
fn inconsistent_event_logs_are_refused() {
    let dir = TempDir::new("events-bad");
    let mut s = fill(Store::new(&two_schema_config()).expect("fits"));
    add_events(&mut s);
    write(&mut s, &dir.file());
    let good = fs::read(dir.file()).expect("written");
    // Rewrite the next id (below the ids present) and the event count, with a valid checksum.
    let rewrite = |back: usize, value: u64| {
        let mut bad = good[..good.len() - 8].to_vec();
        let at = bad.len() - back;
        bad[at..at + 8].copy_from_slice(&value.to_le_bytes());
        let mut sum = super::checksum::Checksum::new();
        sum.update(&bad);
        bad.extend_from_slice(&sum.finish().to_le_bytes());
        fs::write(dir.file(), &bad).expect("writable");
        refusal(&dir.file()).to_string()
    };
    let err = rewrite(8, 2);
    assert!(
        err.contains("event log") && err.contains("next id"),
        "{err}"
    );
    let err = rewrite(16, 5);
    assert!(err.contains("counts 5 events but 3 were read"), "{err}");
}
