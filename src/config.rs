//! Every default and limit of pencil, the command line, and carbon's `storage-schemas.conf` and
//! `storage-aggregation.conf` syntax. Must not read the environment after start-up.
//!
//! [`parse_args`] is the only way to a [`Config`]: it fills in the defaults, reads the files the
//! flags name and validates everything, so the rest of pencil trusts the values.

mod carbon;
mod cli;
mod ini;

pub use carbon::{parse_aggregation, parse_schemas};
pub use cli::{parse_args, usage};

use std::net::SocketAddr;
use std::path::PathBuf;

/// One archive of a retention schema: `step` seconds per point, `points` slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub step: u32,
    pub points: u32,
}

/// A `[section]` of storage-schemas.conf. `archives` are sorted finest first and pass whisper's
/// validity rules (graphite.md 2.1).
#[derive(Debug, Clone)]
pub struct Schema {
    pub name: String,
    pub pattern: regex_lite::Regex,
    /// The retention text as written, e.g. `10s:6h,1m:7d,1h:1y`, for messages.
    pub text: String,
    pub archives: Vec<Retention>,
}

/// Whisper's eight aggregation methods (graphite.md 2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggMethod {
    Average,
    Sum,
    Last,
    Max,
    Min,
    AvgZero,
    AbsMax,
    AbsMin,
}

/// A `[section]` of storage-aggregation.conf.
#[derive(Debug, Clone)]
pub struct AggregationRule {
    pub name: String,
    pub pattern: regex_lite::Regex,
    pub x_files_factor: f32,
    pub method: AggMethod,
}

/// What the store needs to size and run itself.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// Bytes of ring memory; the store never uses more.
    pub memory: u64,
    /// First match wins, in file order. Nothing is appended to the user's file: a name no rule
    /// matches gets carbon's fallback `60s:7d` from the store. The built-in default is one `.*` rule.
    pub schemas: Vec<Schema>,
    /// First match wins; no match means average with xFilesFactor 0.5.
    pub aggregation: Vec<AggregationRule>,
    /// Points more than this many seconds past `now` are refused (decisions table).
    pub future_tolerance: i64,
    /// When true, a second point in one interval replaces the first even for `sum` metrics.
    pub strict_last_wins: bool,
}

/// The whole run-time configuration, built once by [`parse_args`].
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub carbon: SocketAddr,
    pub http: SocketAddr,
    pub store: StoreConfig,
    /// Seconds between timer snapshots.
    pub snapshot_every: u64,
    /// Seconds between writes of pencil's own counters, as carbon's `CARBON_METRIC_INTERVAL`.
    pub self_metrics_every: u64,
    /// Concurrent TCP ingest connections; more are accepted and closed at once, and counted.
    pub max_connections: usize,
    /// Token that lets non-loopback clients use write endpoints.
    pub write_token: Option<String>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Run(Box<Config>),
    Help,
    Version,
}

/// A bad flag or config file. `main` prints it and exits with code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// `file:line: ` or `--flag: ` context, already formatted.
    pub context: String,
    pub message: String,
}

impl std::error::Error for ConfigError {}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.context, self.message)
    }
}
