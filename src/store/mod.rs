//! All series memory: one preallocated ring per archive per metric (8 bytes a point, NaN = no
//! data), rollups into coarser archives, the metric name index with glob matching, the bounded
//! event log (Graphite's annotations), and snapshots of all of it.
//! Must not grow past its announced capacity, read the clock, or know about functions or HTTP.

mod archive;
mod checksum;
mod events;
mod glob;
mod glob_match;
mod index;
mod load;
mod pathhash;
mod read;
mod ring;
mod snapshot;
mod snapshot_thread;

pub use events::{Event, EventError, EventLog, TagMatch};
pub use load::load;
pub use snapshot::{LoadReport, SnapshotWriter};
pub use snapshot_thread::{BackgroundSnapshot, Progress};

use crate::config::{AggMethod, StoreConfig};
use crate::series::Series;
use archive::{Agg, Layout};
use index::NameIndex;
use ring::RingHead;
use std::fmt;

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
    pub events: u64,
}

/// Most metrics a store tracks whatever its budget. Ids are u32, and the per-metric bookkeeping
/// (outside the ring budget) is reserved up front, so a schema of tiny rings must not reserve
/// gigabytes of it; 16 M metrics is far past what one appliance's HTTP API can list.
const MAX_METRICS: usize = 1 << 24;

/// Where one metric's rings are and how it rolls up. Copy, so a write can hold it while it
/// borrows the arena mutably.
#[derive(Debug, Clone, Copy)]
struct Metric {
    /// First slot of the metric's first ring in the arena.
    offset: usize,
    /// Index of its first archive's head in `Store::heads`.
    first_head: usize,
    layout: usize,
    agg: Agg,
}

/// The whole series memory of pencil. Single-threaded: `app` owns it and lends it out.
pub struct Store {
    schemas: Vec<regex_lite::Regex>,
    /// One per schema, in config order, then whisper's fallback.
    layouts: Vec<Layout>,
    /// The layouts a name can get (the fallback is not when the last schema catches all).
    reachable: Vec<usize>,
    aggregation: Vec<(regex_lite::Regex, Agg)>,
    future_tolerance: i64,
    strict_last_wins: bool,
    budget: u64,
    /// Every ring of every metric; allocated zeroed once and never reallocated.
    arena: Vec<f64>,
    /// Slots of the arena handed out so far (a bump allocator; metrics are never removed).
    used: usize,
    metrics: Vec<Metric>,
    heads: Vec<RingHead>,
    max_metrics: usize,
    index: NameIndex,
    events: EventLog,
    load_report: Option<LoadReport>,
}

impl Store {
    pub fn new(cfg: &StoreConfig) -> Result<Store, StoreError> {
        let mut layouts = Vec::with_capacity(cfg.schemas.len() + 1);
        for schema in &cfg.schemas {
            layouts.push(Layout::new(&schema.text, &schema.archives).map_err(StoreError)?);
        }
        layouts.push(
            Layout::new(archive::FALLBACK_TEXT, &[archive::FALLBACK_RETENTION])
                .map_err(StoreError)?,
        );
        let slots = usize::try_from(cfg.memory / 8).map_err(|_| {
            StoreError(format!(
                "memory budget {} bytes does not fit this machine's address space",
                cfg.memory
            ))
        })?;
        let fits = |l: &Layout| (cfg.memory / l.bytes()).min(MAX_METRICS as u64) as usize;
        let reachable = reachable_layouts(cfg, &layouts);
        if let Some(big) = reachable
            .iter()
            .map(|&i| &layouts[i])
            .max_by_key(|l| l.bytes())
        {
            if big.bytes() > cfg.memory {
                return Err(StoreError(format!(
                    "memory budget of {} cannot hold one metric of schema {} ({} bytes); raise the memory budget or shorten the retention",
                    human_bytes(cfg.memory),
                    big.text,
                    big.bytes()
                )));
            }
        }
        let usable = || reachable.iter().map(|&i| &layouts[i]);
        let max_metrics = usable().map(fits).max().unwrap_or(0);
        // Each metric's heads per byte of rings is at most the densest layout's ratio, so the
        // budget times that ratio bounds the heads of any mix of schemas.
        let densest = usable()
            .map(|l| u128::from(cfg.memory) * l.archives.len() as u128 / u128::from(l.bytes()))
            .max()
            .unwrap_or(0);
        let widest = usable().map(|l| l.archives.len()).max().unwrap_or(0);
        let max_heads = (densest as usize).min(max_metrics * widest);
        Ok(Store {
            schemas: cfg.schemas.iter().map(|s| s.pattern.clone()).collect(),
            layouts,
            reachable,
            aggregation: (cfg.aggregation.iter())
                .map(|r| {
                    (
                        r.pattern.clone(),
                        Agg {
                            method: r.method,
                            x_files_factor: r.x_files_factor,
                        },
                    )
                })
                .collect(),
            future_tolerance: cfg.future_tolerance,
            strict_last_wins: cfg.strict_last_wins,
            budget: cfg.memory,
            // vec! of zeros allocates with calloc: the kernel maps pages only when first written.
            arena: vec![0.0; slots],
            used: 0,
            metrics: Vec::with_capacity(max_metrics),
            heads: Vec::with_capacity(max_heads),
            max_metrics,
            index: NameIndex::with_capacity(max_metrics),
            events: EventLog::new(),
            load_report: None,
        })
    }

    pub fn capacity(&self) -> Capacity {
        let per_schema = (self.reachable.iter().map(|&i| &self.layouts[i]))
            .map(|l| {
                (
                    l.text.clone(),
                    l.bytes(),
                    (self.budget / l.bytes()).min(MAX_METRICS as u64),
                )
            })
            .collect();
        Capacity {
            budget: self.budget,
            per_schema,
        }
    }

    /// Stores one point. `name` is already cleaned and canonical (ingest's job). No allocation
    /// unless the metric is new.
    pub fn insert(&mut self, name: &str, ts: i64, value: f64, now: i64) -> Result<(), InsertError> {
        if ts > now.saturating_add(self.future_tolerance) {
            return Err(InsertError::Future);
        }
        let age = now.saturating_sub(ts);
        let id = match self.index.get(name) {
            Some(id) => id,
            None => self.create(name, age)?,
        };
        self.write(id as usize, ts, age, value)
    }

    /// Every metric matching the glob, sorted by name, each fetched as whisper would for
    /// `[from, until)` (graphite.md 2.6). Metrics with no data in range are still returned as
    /// all-null series unless whisper would return None (range outside retention).
    pub fn fetch(
        &self,
        pattern: &str,
        from: i64,
        until: i64,
        now: i64,
    ) -> Result<Vec<Series>, GlobError> {
        let matches = self.index.matches(pattern)?;
        if from > until {
            return Ok(Vec::new());
        }
        Ok((matches.into_iter())
            .filter_map(|(name, id)| self.fetch_one(id as usize, name, from, until, now))
            .collect())
    }

    /// Branches and leaves matching the glob, sorted by path.
    pub fn find(&self, pattern: &str) -> Result<Vec<FindNode>, GlobError> {
        self.index.find(pattern)
    }

    pub fn stats(&self) -> StoreStats {
        StoreStats {
            metrics: self.metrics.len() as u64,
            bytes_used: self.used as u64 * 8,
            bytes_capacity: self.budget,
        }
    }

    /// Every metric name, in creation order (for /metrics/index.json).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        (0..self.index.len() as u32).map(|id| self.index.name(id))
    }

    /// Seconds of history the metric `name` keeps (whisper's maxRetention), for the intervals
    /// of `/metrics/find?format=json`; `None` for a name the store does not hold.
    pub fn max_retention(&self, name: &str) -> Option<i64> {
        let id = self.index.get(name)?;
        let metric = self.metrics.get(id as usize)?;
        Some(self.layouts[metric.layout].max_retention())
    }

    /// Graphite's events (annotations), oldest first.
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// Records an event (`POST /events/`); returns its id. `tags` is graphite-web's tag string
    /// (space separated). A full log drops its oldest events.
    pub fn add_event(
        &mut self,
        when: i64,
        what: String,
        data: String,
        tags: String,
    ) -> Result<u64, EventError> {
        self.events.add(when, what, data, tags)
    }

    /// What the snapshot this store was loaded from held and what of it was kept; `None` for a
    /// store that started empty.
    pub fn load_report(&self) -> Option<LoadReport> {
        self.load_report
    }

    /// First schema whose pattern matches, else the fallback (the last layout).
    fn layout_for(&self, name: &str) -> usize {
        self.schemas
            .iter()
            .position(|p| p.is_match(name))
            .unwrap_or(self.schemas.len())
    }

    fn agg_for(&self, name: &str) -> Agg {
        (self.aggregation.iter())
            .find(|(p, _)| p.is_match(name))
            .map_or(archive::DEFAULT_AGG, |&(_, agg)| agg)
    }

    /// Allocates the rings of a new metric, unless its point is too old to keep anyway.
    fn create(&mut self, name: &str, age: i64) -> Result<u32, InsertError> {
        let layout = self.layout_for(name);
        if age > self.layouts[layout].max_retention() {
            return Err(InsertError::TooOld);
        }
        let agg = self.agg_for(name);
        self.add_metric(name, layout, agg).ok_or(InsertError::Full)
    }

    /// Bump-allocates a metric's rings and empty heads; `None` when the budget is spent.
    fn add_metric(&mut self, name: &str, layout: usize, agg: Agg) -> Option<u32> {
        let l = &self.layouts[layout];
        if self.metrics.len() >= self.max_metrics || self.arena.len() - self.used < l.slots() {
            return None;
        }
        let id = self.metrics.len() as u32;
        self.metrics.push(Metric {
            offset: self.used,
            first_head: self.heads.len(),
            layout,
            agg,
        });
        self.heads
            .extend((0..l.archives.len()).map(|_| RingHead::EMPTY));
        self.used += l.slots();
        self.index.insert(name, id);
        Some(id)
    }

    fn write(&mut self, id: usize, ts: i64, age: i64, value: f64) -> Result<(), InsertError> {
        let m = self.metrics[id];
        let layout = &self.layouts[m.layout];
        let first = layout.archive_for_age(age).ok_or(InsertError::TooOld)?;
        let step = layout.step(first);
        let t = ts - ts.rem_euclid(step);
        let ring = ring_mut(&mut self.arena, &m, layout, first);
        let head = &mut self.heads[m.first_head + first];
        let slot = ring::claim(ring, head, step, t).ok_or(InsertError::TooOld)?;
        let adds = m.agg.method == AggMethod::Sum && !self.strict_last_wins;
        // A claimed slot may be NaN (no data yet): the first point of a sum starts from 0.
        ring[slot] = if adds && !ring[slot].is_nan() {
            ring[slot] + value
        } else {
            value
        };
        for coarse in first + 1..layout.archives.len() {
            let (fine_step, coarse_step) = (layout.step(coarse - 1), layout.step(coarse));
            let ct = ts - ts.rem_euclid(coarse_step);
            let fine = ring_of(&self.arena, &m, layout, coarse - 1);
            let fine_head = self.heads[m.first_head + coarse - 1];
            let per_coarse = (coarse_step / fine_step) as usize;
            let covered = ring::read_run(fine, &fine_head, fine_step, ct, per_coarse);
            let Some(v) = archive::aggregate(m.agg, covered) else {
                break;
            };
            let ring = ring_mut(&mut self.arena, &m, layout, coarse);
            let Some(slot) = ring::claim(
                ring,
                &mut self.heads[m.first_head + coarse],
                coarse_step,
                ct,
            ) else {
                break;
            };
            ring[slot] = v;
        }
        Ok(())
    }
}

fn ring_mut<'a>(
    arena: &'a mut [f64],
    m: &Metric,
    layout: &Layout,
    archive: usize,
) -> &'a mut [f64] {
    &mut arena[m.offset + layout.ring_start[archive]..m.offset + layout.ring_start[archive + 1]]
}

fn ring_of<'a>(arena: &'a [f64], m: &Metric, layout: &Layout, archive: usize) -> &'a [f64] {
    &arena[m.offset + layout.ring_start[archive]..m.offset + layout.ring_start[archive + 1]]
}

/// Whether the fallback can ever be used: not when the last schema is a catch-all like carbon's
/// shipped `[default] .*`. Only the obvious spellings are recognised; others keep the fallback
/// in the capacity report, which errs on the side of saying more.
fn matches_everything(p: &regex_lite::Regex) -> bool {
    matches!(p.as_str(), "" | ".*" | "^.*" | ".*$" | "^.*$" | "^")
}

fn reachable_layouts(cfg: &StoreConfig, layouts: &[Layout]) -> Vec<usize> {
    let mut all: Vec<usize> = (0..cfg.schemas.len()).collect();
    if !cfg
        .schemas
        .last()
        .is_some_and(|s| matches_everything(&s.pattern))
    {
        all.push(layouts.len() - 1);
    }
    all
}

/// `1.00 GiB`, `512.00 MiB`: budgets are round binary sizes.
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = "bytes";
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    if unit == "bytes" {
        format!("{n} bytes")
    } else {
        format!("{value:.2} {unit}")
    }
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "capacity ")?;
        for (i, (text, bytes, count)) in self.per_schema.iter().enumerate() {
            let sep = if i == 0 { "" } else { " or " };
            write!(f, "{sep}{count} metrics of {text} ({bytes} bytes each)")?;
        }
        write!(f, " in {}", human_bytes(self.budget))
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod tests;
