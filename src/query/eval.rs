//! The evaluator (graphite.md 3.6): parses the targets of one request, resolves templates,
//! fetches every path expression once, then evaluates each tree bottom-up through the binder
//! and the function bodies. Owns the per-request fetch cache and the limits on how much one
//! request may produce. Must not know any function except `seriesByTag`, which graphite-web
//! itself treats as a fetch.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use super::ast::{self, Call, Expr};
use super::registry::{Evaluator, FunctionSpec, Invocation};
use super::{bind, functions, parser, Context, QueryError, Source};
use crate::series::Series;

/// Series one request may produce, summed over every node of every tree (a series that passes
/// through three functions counts three times). It bounds the work of a `*.*.*` typo wrapped in
/// functions; the render layer bounds what is finally returned.
pub(crate) const MAX_SERIES_PRODUCED: usize = 200_000;

/// How deep re-evaluations may nest (`applyByNode` inside `applyByNode`, `timeShift` of a
/// `movingAverage`): each level fetches again, so the cost multiplies. Real dashboards use two
/// or three; eight leaves room without letting a generated target recurse without end.
pub(crate) const MAX_REEVAL_DEPTH: usize = 8;

/// Calls being evaluated inside each other at once, re-evaluations included. The parser bounds
/// one target to `MAX_DEPTH` levels, but a body that evaluates a new target (applyByNode) starts
/// another stack of them on top; twice the parser's bound lets one such target sit inside a
/// deepest one. Each level costs about 12 KiB of stack in a debug build (measured), so this
/// stays under 2 MiB, a quarter of the event loop's main-thread stack.
pub(crate) const MAX_EVAL_NESTING: usize = 2 * parser::MAX_DEPTH;

/// What one request may do; tests shrink them.
#[derive(Debug, Clone, Copy)]
struct Limits {
    series: usize,
    depth: usize,
    nesting: usize,
}

const LIMITS: Limits = Limits {
    series: MAX_SERIES_PRODUCED,
    depth: MAX_REEVAL_DEPTH,
    nesting: MAX_EVAL_NESTING,
};

/// Finds a function by name: the registry, or a test table.
type Lookup = fn(&str) -> Option<&'static FunctionSpec>;

/// graphite-web fetches `seriesByTag(...)` like a path, keyed by its call text, so the same tag
/// query in several targets is answered once.
const TAG_QUERY: &str = "seriesByTag";

/// Evaluates every target in order; each target's series keep their own order.
pub(crate) fn evaluate(
    targets: &[&str],
    ctx: &Context,
    source: &dyn Source,
) -> Result<Vec<Series>, QueryError> {
    run(targets, ctx, source, functions::lookup, LIMITS)
}

fn run(
    targets: &[&str],
    ctx: &Context,
    source: &dyn Source,
    lookup: Lookup,
    limits: Limits,
) -> Result<Vec<Series>, QueryError> {
    let trees = targets
        .iter()
        .map(|t| parse_target(t, ctx))
        .collect::<Result<Vec<_>, _>>()?;
    let request = Request {
        source,
        lookup,
        limits,
        cache: RefCell::new(HashMap::new()),
        produced: Cell::new(0),
        nesting: Cell::new(0),
    };
    for tree in &trees {
        count_uses(tree, &mut request.cache.borrow_mut());
    }
    for tree in &trees {
        for path in ast::path_expressions(tree) {
            request.prefetch(&Key::Path(path.to_string()), ctx)?;
        }
    }
    let scope = Scope {
        request: &request,
        ctx: ctx.clone(),
        prefetched: true,
        depth: 0,
    };
    let mut out = Vec::new();
    for tree in &trees {
        out.extend(scope.eval(tree)?);
    }
    Ok(out)
}

/// Parses a target and resolves its templates; a target must be a series expression.
fn parse_target(target: &str, ctx: &Context) -> Result<Expr, QueryError> {
    let expr = parser::parse(target).map_err(|e| QueryError {
        message: format!("bad target {target:?}: {e}"),
    })?;
    let expr = ast::substitute(&expr, &ctx.template);
    match expr {
        Expr::Path(_) | Expr::Call(_) => Ok(expr),
        _ => Err(QueryError {
            message: format!(
                "target {target:?} is a literal, not a series expression (a path or a function call)"
            ),
        }),
    }
}

/// What the request-wide cache holds: a glob's series, or a tag query's by its call text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Path(String),
    TagQuery(String),
}

/// A cached answer and how many nodes still need it: the last one takes the series instead of
/// a copy, so a request holds each fetched series once.
#[derive(Default)]
struct Entry {
    uses_left: usize,
    series: Option<Vec<Series>>,
}

/// State shared by every evaluation of one request.
struct Request<'s> {
    source: &'s dyn Source,
    lookup: Lookup,
    limits: Limits,
    cache: RefCell<HashMap<Key, Entry>>,
    produced: Cell<usize>,
    /// Calls currently being evaluated, outermost first (see `MAX_EVAL_NESTING`).
    nesting: Cell<usize>,
}

fn count_uses(expr: &Expr, cache: &mut HashMap<Key, Entry>) {
    match expr {
        Expr::Path(p) => cache.entry(Key::Path(p.clone())).or_default().uses_left += 1,
        Expr::Call(call) if call.name == TAG_QUERY => {
            cache
                .entry(Key::TagQuery(expr.to_string()))
                .or_default()
                .uses_left += 1
        }
        Expr::Call(call) => {
            for arg in call.args.iter().chain(call.kwargs.iter().map(|(_, v)| v)) {
                count_uses(arg, cache);
            }
        }
        _ => {}
    }
}

impl Request<'_> {
    fn fetch(&self, pattern: &str, ctx: &Context) -> Result<Vec<Series>, QueryError> {
        let mut list = self
            .source
            .fetch(pattern, ctx.from, ctx.until, ctx.now)
            .map_err(|e| QueryError {
                message: e.to_string(),
            })?;
        list.sort_by(|a, b| a.name.cmp(&b.name));
        for s in &mut list {
            s.path_expression = pattern.to_string();
            // graphite-web builds every fetched series with the request's xFilesFactor; it
            // governs their maxDataPoints and common-step consolidation.
            s.x_files_factor = ctx.x_files_factor;
        }
        Ok(list)
    }

    fn prefetch(&self, key: &Key, ctx: &Context) -> Result<(), QueryError> {
        let Key::Path(pattern) = key else {
            return Ok(());
        };
        // Paths nobody evaluates (inside a tag query's arguments) or already fetched are skipped.
        let wanted = self
            .cache
            .borrow()
            .get(key)
            .is_some_and(|e| e.uses_left > 0 && e.series.is_none());
        if !wanted {
            return Ok(());
        }
        let list = self.fetch(pattern, ctx)?;
        self.cache
            .borrow_mut()
            .entry(key.clone())
            .or_default()
            .series = Some(list);
        Ok(())
    }

    /// The cached answer for `key`, computing it on first use. A key nobody counted (a node
    /// reached some other way) is computed afresh.
    fn cached(
        &self,
        key: Key,
        compute: impl FnOnce() -> Result<Vec<Series>, QueryError>,
    ) -> Result<Vec<Series>, QueryError> {
        let hit = {
            let mut cache = self.cache.borrow_mut();
            match cache.get_mut(&key) {
                Some(entry) if entry.uses_left > 0 && entry.series.is_some() => {
                    entry.uses_left -= 1;
                    if entry.uses_left == 0 {
                        entry.series.take()
                    } else {
                        entry.series.clone()
                    }
                }
                _ => None,
            }
        };
        if let Some(list) = hit {
            return Ok(list);
        }
        let list = compute()?;
        let mut cache = self.cache.borrow_mut();
        if let Some(entry) = cache.get_mut(&key) {
            if entry.uses_left > 1 {
                entry.uses_left -= 1;
                entry.series = Some(list.clone());
            } else {
                entry.uses_left = 0;
            }
        }
        Ok(list)
    }

    fn produced(&self, n: usize) -> Result<(), QueryError> {
        let total = self.produced.get().saturating_add(n);
        self.produced.set(total);
        if total > self.limits.series {
            return Err(QueryError {
                message: format!(
                    "this request would produce more than {} series across its functions; \
                     narrow the globs or split the targets",
                    self.limits.series
                ),
            });
        }
        Ok(())
    }
}

/// One evaluation: the request, the time range in force, and whether nodes may be answered
/// from the request's prefetch (only at the request's own range and outside re-evaluations).
struct Scope<'r, 's> {
    request: &'r Request<'s>,
    ctx: Context,
    prefetched: bool,
    depth: usize,
}

impl Scope<'_, '_> {
    fn eval(&self, expr: &Expr) -> Result<Vec<Series>, QueryError> {
        let out = match expr {
            Expr::Path(pattern) if self.prefetched => {
                self.request.cached(Key::Path(pattern.clone()), || {
                    self.request.fetch(pattern, &self.ctx)
                })?
            }
            Expr::Path(pattern) => self.request.fetch(pattern, &self.ctx)?,
            Expr::Call(call) if self.prefetched && call.name == TAG_QUERY => self
                .request
                .cached(Key::TagQuery(expr.to_string()), || self.nested_call(call))?,
            Expr::Call(call) => self.nested_call(call)?,
            other => {
                return Err(QueryError {
                    message: format!("{other} is a literal, not a series expression"),
                })
            }
        };
        self.request.produced(out.len())?;
        Ok(out)
    }

    fn nested_call(&self, call: &Call) -> Result<Vec<Series>, QueryError> {
        let nesting = self.request.nesting.get();
        let max = self.request.limits.nesting;
        if nesting >= max {
            return Err(QueryError {
                message: format!(
                    "{}: calls nest more than {max} deep, counting the targets functions \
                     evaluate for themselves",
                    call.name
                ),
            });
        }
        self.request.nesting.set(nesting + 1);
        let out = self.call(call);
        self.request.nesting.set(nesting);
        out
    }

    fn call(&self, call: &Call) -> Result<Vec<Series>, QueryError> {
        let spec = (self.request.lookup)(&call.name).ok_or_else(|| QueryError {
            message: format!(
                "unknown function {:?}; /functions lists the ones pencil has",
                call.name
            ),
        })?;
        let bound = bind::bind(call, spec, &mut |arg| self.eval(arg))?;
        let mut inv = Invocation {
            name: &call.name,
            spec,
            args: bound.args,
            raw: bound.raw,
            ctx: &self.ctx,
            eval: self,
        };
        (spec.run)(&mut inv)
    }

    /// A scope for a re-evaluation: its own fetches, one level deeper.
    fn nested(&self, ctx: Context) -> Result<Scope<'_, '_>, QueryError> {
        let max = self.request.limits.depth;
        if self.depth >= max {
            return Err(QueryError {
                message: format!(
                    "re-evaluations nest more than {max} deep (applyByNode, timeShift, moving \
                     windows inside each other)"
                ),
            });
        }
        Ok(Scope {
            request: self.request,
            ctx,
            prefetched: false,
            depth: self.depth + 1,
        })
    }
}

impl Evaluator for Scope<'_, '_> {
    fn eval_with_range(
        &self,
        expr: &Expr,
        from: i64,
        until: i64,
    ) -> Result<Vec<Series>, QueryError> {
        let ctx = Context {
            from,
            until,
            ..self.ctx.clone()
        };
        self.nested(ctx)?.eval(expr)
    }

    fn eval_target(&self, target: &str) -> Result<Vec<Series>, QueryError> {
        let expr = parse_target(target, &self.ctx)?;
        self.nested(self.ctx.clone())?.eval(&expr)
    }

    fn source(&self) -> &dyn Source {
        self.request.source
    }
}

#[cfg(test)]
#[path = "eval_tests.rs"]
mod tests;
