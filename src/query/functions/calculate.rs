//! graphite-web's "Calculate" functions that work on one request range: `stdev`,
//! `nPercentile`, `aggregateLine`, `linearRegression`, `identity`. The moving-window family
//! lives in `moving.rs`, Holt-Winters in `holt_winters.rs`.

use crate::query::aggfuncs;
use crate::query::registry::{
    group::CALCULATE, FunctionSpec, Invocation, Literal, Param, ParamType as T, Value,
};
use crate::query::{pyfmt, QueryError};
use crate::series::Series;

type Out = Result<Vec<Series>, QueryError>;

/// The `options` graphite-web lists for every `aggFunc` parameter: its aggregation names and
/// aliases, sorted.
pub(crate) const AGG_FUNC_OPTIONS: &[&str] = &[
    "average", "avg", "avg_zero", "count", "current", "diff", "last", "max", "median", "min",
    "multiply", "range", "rangeOf", "stddev", "sum", "total",
];

/// The aggregation named by the string argument `i` (`default` when absent).
pub(crate) fn agg_arg(
    inv: &Invocation<'_>,
    i: usize,
    default: &str,
) -> Result<aggfuncs::AggFn, QueryError> {
    let name = inv.str(i).unwrap_or(default);
    aggfuncs::agg_func(name)
        .ok_or_else(|| inv.error(format!("Unsupported aggregation function: {name}")))
}

/// Python's `str()` of a number argument, as graphite-web's tags store it (`5`, `0.5`).
pub(crate) fn py_str(value: &Value) -> String {
    match value {
        Value::Int(n) => n.to_string(),
        Value::Float(f) => pyfmt::repr(*f),
        Value::Str(s) => s.clone(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        _ => "None".to_string(),
    }
}

/// Rolling population standard deviation over the last `points` points, kept as running sums
/// in graphite-web's order of operations so the rounding matches it digit for digit. A point is
/// None unless `non-null / points >= windowTolerance`; no extra history is fetched, so the
/// first points use a partial window.
fn stdev(inv: &mut Invocation<'_>) -> Out {
    let points = match inv.value(1) {
        Value::Float(f) => *f as i64,
        _ => inv.int(1).unwrap_or(0),
    };
    if points <= 0 {
        return Err(inv.error(format!("points must be a positive integer, got {points}")));
    }
    let tolerance = inv.float(2).unwrap_or(0.1);
    let tag = py_str(inv.value(1));
    let window = points as usize;
    let mut list = inv.take_series(0);
    for s in &mut list {
        let mut valid: i64 = 0;
        let mut sum = 0.0;
        let mut sum_sq = 0.0;
        let values = (0..s.values.len())
            .map(|i| {
                let new = s.values[i];
                let dropped = if i >= window {
                    s.values[i - window]
                } else {
                    f64::NAN
                };
                if !dropped.is_nan() {
                    valid -= 1;
                    sum -= dropped;
                    sum_sq -= dropped * dropped;
                }
                if !new.is_nan() {
                    valid += 1;
                    sum += new;
                    sum_sq += new * new;
                }
                if valid > 0 && valid as f64 / points as f64 >= tolerance {
                    // A tiny negative from cancellation is Python's ValueError: None.
                    ((valid as f64) * sum_sq - sum * sum).sqrt() / valid as f64
                } else {
                    f64::NAN
                }
            })
            .collect();
        s.values = values;
        s.tags.insert("stdev".into(), tag.clone());
        s.name = format!("stdev({},{points})", s.name);
        s.path_expression = s.name.clone();
    }
    Ok(list)
}

/// A constant series at the n-th percentile of each series (aggfuncs::percentile, no
/// interpolation); series without data are dropped.
fn n_percentile(inv: &mut Invocation<'_>) -> Out {
    let n = inv.float(1).unwrap_or(0.0);
    if n == 0.0 {
        return Err(inv.error("The requested percent is required to be greater than 0"));
    }
    let list = inv.take_series(0);
    Ok(list
        .into_iter()
        .filter_map(|mut s| {
            let p = aggfuncs::percentile(&s.values, n, false);
            if p.is_nan() {
                return None;
            }
            s.values = vec![p; s.values.len()];
            s.tags.insert("nPercentile".into(), pyfmt::repr(n));
            s.name = format!("nPercentile({}, {})", s.name, pyfmt::g(n));
            s.path_expression = s.name.clone();
            Some(s)
        })
        .collect())
}

/// A horizontal line at `func(series)`: a 3-point constantLine over the request, or the
/// series' own points with `keepStep`. Named `aggregateLine(x, 12.5)` (`None` without data).
fn aggregate_line(inv: &mut Invocation<'_>) -> Out {
    let agg = agg_arg(inv, 1, "average")?;
    let keep_step = inv.bool(2);
    let list = inv.take_series(0);
    Ok(list
        .into_iter()
        .map(|mut s| {
            let value = agg(&s.values);
            let shown = if value.is_nan() {
                "None".to_string()
            } else {
                pyfmt::g(value)
            };
            let name = format!("aggregateLine({}, {shown})", s.name);
            let mut line = if keep_step {
                s.values = vec![value; s.values.len()];
                s
            } else {
                let mut line = super::special::constant_line_series(value, inv.ctx);
                // constantLine names itself str(value); graphite-web's tags keep that name.
                let text = if value.is_nan() {
                    "None".to_string()
                } else {
                    pyfmt::repr(value)
                };
                line.tags.insert("name".into(), text);
                line
            };
            line.name = name.clone();
            line.path_expression = name;
            line
        })
        .collect())
}

/// A `date` argument as a timestamp: epoch seconds, or a time spec like `-1d` (graphite.md 3.2).
fn date_arg(inv: &Invocation<'_>, i: usize) -> Result<Option<i64>, QueryError> {
    match inv.value(i) {
        Value::None => Ok(None),
        Value::Int(n) => Ok(Some(*n)),
        Value::Float(f) => Ok(Some(*f as i64)),
        Value::Str(s) => crate::query::time::parse_time(s, inv.ctx.now)
            .map(Some)
            .map_err(|e| inv.error(e)),
        other => Err(inv.error(format!("expected a date, got {other:?}"))),
    }
}

/// Least-squares `(factor, offset)` of value against timestamp over the non-null points, in
/// graphite-web's arithmetic (integer index sums, then floats); None when all x are equal.
fn regression(s: &Series) -> Option<(f64, f64)> {
    let mut n: i64 = 0;
    let (mut sum_i, mut sum_ii): (i64, i64) = (0, 0);
    let (mut sum_v, mut sum_iv) = (0.0, 0.0);
    for (i, &v) in s.values.iter().enumerate() {
        if v.is_nan() {
            continue;
        }
        let i = i as i64;
        n += 1;
        sum_i += i;
        sum_ii += i * i;
        sum_v += v;
        sum_iv += i as f64 * v;
    }
    let denominator = (n * sum_ii - sum_i * sum_i) as f64;
    if denominator == 0.0 {
        return None;
    }
    let factor = (n as f64 * sum_iv - sum_i as f64 * sum_v) / denominator / s.step as f64;
    let offset =
        (sum_ii as f64 * sum_v - sum_iv * sum_i as f64) / denominator - factor * s.start as f64;
    Some((factor, offset))
}

/// The least-squares line of each series, fitted on its source range (`startSourceAt` ..
/// `endSourceAt`, default the request) and drawn over the request. Source and request series
/// are paired by position, as graphite-web does.
fn linear_regression(inv: &mut Invocation<'_>) -> Out {
    let from = date_arg(inv, 1)?.unwrap_or(inv.ctx.from);
    let until = date_arg(inv, 2)?.unwrap_or(inv.ctx.until);
    let list = inv.take_series(0);
    let sources = inv.refetch(0, from, until)?;
    Ok(sources
        .iter()
        .zip(list)
        .filter_map(|(source, mut s)| {
            let (factor, offset) = regression(source)?;
            s.values = (0..s.values.len() as i64)
                .map(|i| offset + (s.start + i * s.step) as f64 * factor)
                .collect();
            s.tags
                .insert("linearRegressions".into(), format!("{from}, {until}"));
            s.name = format!("linearRegression({}, {from}, {until})", s.name);
            s.path_expression = s.name.clone();
            Some(s)
        })
        .collect())
}

/// A series whose value is its own timestamp, one point a minute from `from`.
fn identity(inv: &mut Invocation<'_>) -> Out {
    let name = inv.str(0).unwrap_or_default().to_string();
    let (from, until) = (inv.ctx.from, inv.ctx.until);
    const STEP: i64 = 60;
    let values = (from..until)
        .step_by(STEP as usize)
        .map(|t| t as f64)
        .collect();
    let mut s = Series::new(name.clone(), from, STEP, values);
    s.path_expression = format!("identity(\"{name}\")");
    s.x_files_factor = inv.ctx.x_files_factor;
    Ok(vec![s])
}

const SERIES: Param = Param::req("seriesList", T::SeriesList);

pub(crate) const SPECS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "stdev",
        group: CALCULATE,
        description: "The rolling standard deviation over the last N points; a point is null \
                      when fewer than windowTolerance × N of them are non-null.",
        params: &[
            SERIES,
            Param::req("points", T::Integer),
            Param::opt("windowTolerance", T::Float).default(Literal::Float(0.1)),
        ],
        run: stdev,
        aggregator: false,
    },
    FunctionSpec {
        name: "nPercentile",
        group: CALCULATE,
        description: "A constant line at the n-th percentile of each series.",
        params: &[SERIES, Param::req("n", T::Float)],
        run: n_percentile,
        aggregator: false,
    },
    FunctionSpec {
        name: "aggregateLine",
        group: CALCULATE,
        description: "A horizontal line at the aggregate (average by default) of each series; \
                      with keepStep the line keeps the series' own points.",
        params: &[
            SERIES,
            Param::opt("func", T::AggFunc)
                .default(Literal::Str("average"))
                .options(AGG_FUNC_OPTIONS),
            Param::opt("keepStep", T::Boolean).default(Literal::Bool(false)),
        ],
        run: aggregate_line,
        aggregator: false,
    },
    FunctionSpec {
        name: "linearRegression",
        group: CALCULATE,
        description: "The least-squares line of each series, fitted on the points between \
                      startSourceAt and endSourceAt (default: the request's range).",
        params: &[
            SERIES,
            Param::opt("startSourceAt", T::Date),
            Param::opt("endSourceAt", T::Date),
        ],
        run: linear_regression,
        aggregator: false,
    },
    FunctionSpec {
        name: "identity",
        group: CALCULATE,
        description: "A series named as given whose value at each minute is its timestamp.",
        params: &[Param::req("name", T::String)],
        run: identity,
        aggregator: false,
    },
];
