//! Test support for function bodies: run a spec with already-bound values against an
//! in-memory source, without the parser or the binder.
// Used by the family tests as they land; some helpers have no caller in a given family.
#![allow(dead_code)]

use crate::query::ast::Expr;
use crate::query::registry::{Evaluator, Invocation, Value};
use crate::query::{Context, QueryError, Source};
use crate::series::Series;
use crate::store::GlobError;

/// Series served by exact name or `*` for everything; enough for re-fetch tests.
#[derive(Default)]
pub(crate) struct FakeSource {
    pub series: Vec<Series>,
    pub events: Vec<(i64, Vec<String>)>,
}

impl Source for FakeSource {
    fn fetch(
        &self,
        pattern: &str,
        from: i64,
        until: i64,
        _now: i64,
    ) -> Result<Vec<Series>, GlobError> {
        Ok(self
            .series
            .iter()
            .filter(|s| pattern == "*" || s.name == pattern)
            .map(|s| {
                // Cut the stored series to the window, keeping whisper's alignment.
                let step = s.step;
                let start = (from / step) * step + step;
                let end = (until / step) * step + step;
                let values = (0..(end - start) / step)
                    .map(|i| {
                        let t = start + i * step;
                        if t < s.start || t >= s.end() {
                            f64::NAN
                        } else {
                            s.values[((t - s.start) / step) as usize]
                        }
                    })
                    .collect();
                let mut out = s.clone();
                out.start = start;
                out.values = values;
                out
            })
            .collect())
    }

    fn events(&self, from: i64, until: i64) -> Vec<(i64, Vec<String>)> {
        self.events
            .iter()
            .filter(|(t, _)| *t >= from && *t <= until)
            .cloned()
            .collect()
    }

    fn names(&self) -> Vec<String> {
        self.series.iter().map(|s| s.name.clone()).collect()
    }
}

impl Evaluator for FakeSource {
    fn eval_with_range(
        &self,
        expr: &Expr,
        from: i64,
        until: i64,
    ) -> Result<Vec<Series>, QueryError> {
        match expr {
            Expr::Path(p) => self.fetch(p, from, until, until).map_err(|e| QueryError {
                message: e.to_string(),
            }),
            other => Err(QueryError {
                message: format!("FakeSource evaluates paths only, not {other}"),
            }),
        }
    }

    fn eval_target(&self, target: &str) -> Result<Vec<Series>, QueryError> {
        self.eval_with_range(&Expr::Path(target.to_string()), 0, i64::MAX / 2)
    }

    fn source(&self) -> &dyn Source {
        self
    }
}

pub(crate) fn ctx(from: i64, until: i64) -> Context {
    Context {
        from,
        until,
        now: until,
        tz: crate::time::Tz::utc(),
        x_files_factor: 0.0,
        template: Vec::new(),
    }
}

/// Runs function `name` with `args` given one per spec parameter (already bound, defaults
/// included) and `raw` the unevaluated first argument if the body re-fetches it.
pub(crate) fn run(
    name: &str,
    args: Vec<Value>,
    raw: Option<&Expr>,
    ctx: &Context,
    source: &FakeSource,
) -> Result<Vec<Series>, QueryError> {
    let spec = super::lookup(name).unwrap_or_else(|| panic!("no function {name}"));
    let mut raws = vec![None; spec.params.len()];
    if let Some(first) = raws.first_mut() {
        *first = raw;
    }
    let mut inv = Invocation {
        name,
        spec,
        args,
        raw: raws,
        ctx,
        eval: source,
    };
    (spec.run)(&mut inv)
}

/// A series with `values` from `start` at `step`, named `name`.
pub(crate) fn series(name: &str, start: i64, step: i64, values: &[f64]) -> Series {
    Series::new(name, start, step, values.to_vec())
}
