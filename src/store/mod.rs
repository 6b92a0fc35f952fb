//! All series memory: one preallocated ring per archive per metric (8 bytes a point, NaN = no
//! data), rollups into coarser archives, the metric name index with glob matching, and snapshots.
//! Must not grow past its announced capacity, read the clock, or know about functions or HTTP.
//!
//! CONTRACT (skeleton written before the implementation; the signatures below are what `app`,
//! `ingest`, `http` and the benches call — extend them, do not rename them).

// Only while the store core that uses the index is written on another branch.
#[allow(dead_code)]
mod glob;
#[allow(dead_code)]
mod index;

use crate::config::StoreConfig;
use crate::series::Series;
use std::fmt;
use std::path::Path;

/// Why a point was not stored. Counted by ingest under these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertError {
    /// Older than the metric's longest retention.
    TooOld,
    /// More than `future_tolerance` seconds past now.
    Future,
    /// A new metric and no room is left in the budget.
    Full,
}

/// One answer of a find: `a.b` may be both a branch (it has children) and a leaf (it has data),
/// in which case it is returned twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindNode {
    pub path: String,
    pub leaf: bool,
}

/// A glob the index cannot use, e.g. an unclosed `[` or `{`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobError {
    pub pattern: String,
    pub message: String,
}

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad pattern {:?}: {}", self.pattern, self.message)
    }
}

/// Numbers for /health and the self-metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    pub metrics: u64,
    /// Ring bytes handed out to metrics so far.
    pub bytes_used: u64,
    /// The budget.
    pub bytes_capacity: u64,
}

/// What fits in the budget, one line per schema; printed at start-up.
#[derive(Debug, Clone)]
pub struct Capacity {
    pub budget: u64,
    /// (schema retention text, bytes per metric, metrics that fit if all used this schema)
    pub per_schema: Vec<(String, u64, u64)>,
}

/// Something wrong with sizing the store, e.g. a budget too small for one metric.
#[derive(Debug)]
pub struct StoreError(pub String);

/// Why a snapshot could not be written or read. Messages name the file.
#[derive(Debug)]
pub enum SnapshotError {
    Io {
        path: String,
        error: std::io::Error,
    },
    /// Unknown magic or version: pencil refuses to start and leaves the file untouched.
    Version {
        path: String,
        found: String,
    },
    Checksum {
        path: String,
    },
    Corrupt {
        path: String,
        message: String,
    },
}

/// The outcome of a finished snapshot, for /health.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SnapshotInfo {
    pub bytes: u64,
    pub metrics: u64,
}

pub struct Store {}

impl Store {
    pub fn new(_cfg: &StoreConfig) -> Result<Store, StoreError> {
        todo!()
    }
    pub fn capacity(&self) -> Capacity {
        todo!()
    }
    /// Stores one point. `name` is already cleaned and canonical (ingest's job). No allocation
    /// unless the metric is new.
    pub fn insert(
        &mut self,
        _name: &str,
        _ts: i64,
        _value: f64,
        _now: i64,
    ) -> Result<(), InsertError> {
        todo!()
    }
    /// Every metric matching the glob, sorted by name, each fetched as whisper would for
    /// `[from, until)` (graphite.md 2.6). Metrics with no data in range are still returned as
    /// all-null series unless whisper would return None (range outside retention).
    pub fn fetch(
        &self,
        _pattern: &str,
        _from: i64,
        _until: i64,
        _now: i64,
    ) -> Result<Vec<Series>, GlobError> {
        todo!()
    }
    /// Branches and leaves matching the glob, sorted by path.
    pub fn find(&self, _pattern: &str) -> Result<Vec<FindNode>, GlobError> {
        todo!()
    }
    pub fn stats(&self) -> StoreStats {
        todo!()
    }
}

/// Writes a snapshot a slice at a time so the event loop keeps draining sockets in between.
pub struct SnapshotWriter {}

impl SnapshotWriter {
    /// Opens `<path>.tmp` and writes the header.
    pub fn begin(_store: &Store, _path: &Path, _now: i64) -> Result<SnapshotWriter, SnapshotError> {
        todo!()
    }
    /// Writes about `max_bytes` more; `Ok(true)` once everything is written (not yet durable).
    pub fn step(&mut self, _store: &Store, _max_bytes: usize) -> Result<bool, SnapshotError> {
        todo!()
    }
    /// fsync, rename over `path`, fsync the directory. Blocking; `app` runs it off the loop, so
    /// the writer must be `Send`.
    pub fn finish(self) -> Result<SnapshotInfo, SnapshotError> {
        todo!()
    }
}

/// Loads the snapshot at `path` into a new store sized by `cfg`; `Ok(None)` when there is none.
pub fn load(_path: &Path, _cfg: &StoreConfig) -> Result<Option<Store>, SnapshotError> {
    todo!()
}
