//! The query side: the target language (parser, AST), `from`/`until` parsing, and evaluation
//! of targets against the store: `parser` → `ast::substitute` (templates) → `eval` (one fetch
//! per path per request) → `bind` (arguments checked against each function's spec) → the
//! family bodies in `functions`. `metadata` answers `/functions` from the same spec tables.
//! Reads the store through [`Source`], never mutates it, does no I/O.

pub mod aggfuncs;
pub mod ast;
mod bind;
mod eval;
pub mod functions;
pub mod metadata;
pub mod normalize;
pub mod parser;
pub mod pyfmt;
pub mod registry;
mod source;
pub mod time;

use crate::series::Series;
use crate::store::GlobError;

/// What evaluation reads: series by glob and events by time. `Store` implements it
/// (`source.rs`); tests use fakes.
pub trait Source {
    /// Every metric matching the glob, sorted by name, fetched as whisper would.
    fn fetch(
        &self,
        pattern: &str,
        from: i64,
        until: i64,
        now: i64,
    ) -> Result<Vec<Series>, GlobError>;
    /// `(when, tags)` of every event with `from <= when <= until`, oldest first.
    fn events(&self, from: i64, until: i64) -> Vec<(i64, Vec<String>)>;
    /// Every metric name (tagged names in their canonical form), for `seriesByTag`.
    fn names(&self) -> Vec<String>;
}

/// The request-wide inputs of an evaluation (graphite-web's `requestContext`).
#[derive(Debug, Clone)]
pub struct Context {
    pub from: i64,
    pub until: i64,
    pub now: i64,
    pub tz: crate::time::Tz,
    /// Default xFilesFactor for consolidation and aggregation (request `xFilesFactor`, else 0).
    pub x_files_factor: f64,
    /// `template[name]=value` request parameters, for `template()` targets.
    pub template: Vec<(String, String)>,
}

/// A target that cannot be evaluated; the HTTP layer answers 400 with the message.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryError {
    pub message: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Evaluates every target in order; each target's series keep their own order. Every path
/// expression is fetched once per request (graphite.md 3.6); see `eval.rs`.
pub fn evaluate(
    targets: &[&str],
    ctx: &Context,
    source: &dyn Source,
) -> Result<Vec<Series>, QueryError> {
    eval::evaluate(targets, ctx, source)
}
