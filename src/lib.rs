//! pencil: a Graphite-compatible metrics appliance in one binary.
//!
//! The tour follows a point's path (see `../shared/docs/architecture.md`):
//!
//! - [`ingest`] reads carbon plaintext lines from UDP and TCP on :2003, parses and cleans them,
//!   and inserts points into the store; it counts every line it drops, by reason.
//! - [`store`] owns all series memory: one preallocated ring per archive per metric, rollups into
//!   coarser archives, the metric name index with glob matching, and crash-safe snapshots.
//! - [`query`] turns `from`/`until` and target expressions into fetches against the store.
//! - [`render`] writes series as json, csv and raw (png and svg later), consolidating for
//!   maxDataPoints first.
//! - [`http`] is the Graphite HTTP API: tiny_http in one file, routing, form decoding.
//! - [`app`] is the single-threaded mio event loop that owns all of the above, the timers and signals.
//!
//! [`config`] holds every default and limit; [`time`] and [`series`] are the shared value types.

pub mod app;
pub mod config;
pub mod http;
pub mod ingest;
pub mod query;
pub mod render;
pub mod series;
pub mod store;
pub mod time;
