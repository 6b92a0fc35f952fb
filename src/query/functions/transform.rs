//! graphite-web's "Transform" functions that change each value on its own or fill gaps from
//! its neighbours: scale, offset, add, powers and logarithms, rounding, normalisation, and the
//! null fillers (keepLastValue, interpolate, transformNull). Also the helpers the other
//! Transform files share (`given`, `interval_seconds`). Rates and running sums live in
//! `rates.rs`, time displacement in `transform_time.rs`, bucketing in `summarize.rs`.
//!
//! Every body renames each series after its *name* (not its glob) and sets the path expression
//! to the new name, as graphite-web does; tag values are what Python's `str()` prints.

use crate::query::pyfmt;
use crate::query::registry::{
    group::{SPECIAL, TRANSFORM},
    FunctionBody, FunctionSpec, Invocation, Literal, Param, ParamType as T,
};
use crate::query::time::{parse_offset, TimeError};
use crate::query::QueryError;
use crate::series::Series;

pub(super) type Out = Result<Vec<Series>, QueryError>;

pub(super) const SERIES: Param = Param::req("seriesList", T::SeriesList);

/// Whether parameter `i` was written in the call rather than filled from its default: several
/// names differ (`round(x)` vs `round(x,0)`), as graphite-web's Python defaults are `None`.
pub(super) fn given(inv: &Invocation<'_>, i: usize) -> bool {
    inv.raw.get(i).copied().flatten().is_some()
}

/// Seconds of the interval string of parameter `i` (graphite's `parseTimeOffset`), signed.
pub(super) fn interval_seconds(inv: &Invocation<'_>, i: usize) -> Result<i64, QueryError> {
    offset_seconds(inv, inv.str(i).unwrap_or_default())
}

/// Seconds of the interval string `text` (graphite's `parseTimeOffset`), signed; the error
/// names the function and quotes the text.
pub(super) fn offset_seconds(inv: &Invocation<'_>, text: &str) -> Result<i64, QueryError> {
    parse_offset(text).map_err(|kind| {
        inv.error(TimeError {
            spec: text.to_string(),
            kind,
        })
    })
}

/// Renames every series of the first argument with `rename(old name)`, sets the path
/// expression to the new name, adds `tag` and maps each known value (None stays None; `f`
/// answering NaN makes the point None).
fn map_known(
    inv: &mut Invocation<'_>,
    tag: Option<(&str, String)>,
    rename: impl Fn(&str) -> String,
    f: impl Fn(f64) -> f64,
) -> Out {
    map_values(inv.take_series(0), tag, rename, f)
}

/// The body of `map_known` over a list already taken.
fn map_values(
    mut list: Vec<Series>,
    tag: Option<(&str, String)>,
    rename: impl Fn(&str) -> String,
    f: impl Fn(f64) -> f64,
) -> Out {
    for s in &mut list {
        if let Some((k, v)) = &tag {
            s.tags.insert(k.to_string(), v.clone());
        }
        s.name = rename(&s.name);
        s.path_expression = s.name.clone();
        for v in s.values.iter_mut().filter(|v| !v.is_nan()) {
            *v = f(*v);
        }
    }
    Ok(list)
}

/// `str(float(x))` as graphite-web stores a float parameter in a tag.
fn float_tag(x: f64) -> String {
    pyfmt::repr(x)
}

/// Python's `round(x, ndigits)`: the correctly rounded decimal, ties to even on the exact
/// binary value (Rust's formatter rounds the same way).
pub(super) fn py_round(x: f64, ndigits: i64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    if ndigits >= 0 {
        let digits = ndigits.min(400) as usize;
        format!("{x:.digits$}").parse().unwrap_or(x)
    } else {
        // Rounding to tens, hundreds...: scaling is exact enough for the few users of it.
        let scale = 10f64.powi((-ndigits).min(400) as i32);
        let scaled: f64 = format!("{:.0}", x / scale).parse().unwrap_or(x);
        scaled * scale
    }
}

/// `math.pow` as graphite-web's `safePow` uses it: a domain error or an overflow is None.
fn safe_pow(x: f64, y: f64) -> f64 {
    let r = x.powf(y);
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        f64::NAN
    } else {
        r
    }
}

fn scale(inv: &mut Invocation<'_>) -> Out {
    let k = inv.float(1).unwrap_or(1.0);
    map_known(
        inv,
        Some(("scale", float_tag(k))),
        |n| format!("scale({n},{})", pyfmt::g(k)),
        |v| v * k,
    )
}

fn offset(inv: &mut Invocation<'_>) -> Out {
    let k = inv.float(1).unwrap_or(0.0);
    map_known(
        inv,
        Some(("offset", float_tag(k))),
        |n| format!("offset({n},{})", pyfmt::g(k)),
        |v| v + k,
    )
}

fn add(inv: &mut Invocation<'_>) -> Out {
    let k = inv.float(1).unwrap_or(0.0);
    map_known(
        inv,
        Some(("add", float_tag(k))),
        |n| format!("add({n},{})", pyfmt::d(k)),
        |v| v + k,
    )
}

fn scale_to_seconds(inv: &mut Invocation<'_>) -> Out {
    let seconds = inv.float(1).unwrap_or(1.0);
    let mut list = inv.take_series(0);
    for s in &mut list {
        s.tags.insert("scaleToSeconds".into(), float_tag(seconds));
        s.name = format!("scaleToSeconds({},{})", s.name, pyfmt::d(seconds));
        s.path_expression = s.name.clone();
        let step = s.step as f64;
        let factor = seconds / step;
        for v in s.values.iter_mut().filter(|v| !v.is_nan()) {
            let scaled = *v * factor;
            // graphite-web's fallback when rounding overflows.
            *v = if scaled.is_finite() {
                py_round(scaled, 6)
            } else {
                (*v / step).floor() * seconds
            };
        }
    }
    Ok(list)
}

fn absolute(inv: &mut Invocation<'_>) -> Out {
    // Python's abs() of an int is an int.
    map_values(
        inv.take_series_with_ints(0),
        Some(("absolute", "1".into())),
        |n| format!("absolute({n})"),
        f64::abs,
    )
}

fn invert(inv: &mut Invocation<'_>) -> Out {
    map_known(
        inv,
        Some(("invert", "1".into())),
        |n| format!("invert({n})"),
        |v| safe_pow(v, -1.0),
    )
}

fn square_root(inv: &mut Invocation<'_>) -> Out {
    map_known(
        inv,
        Some(("squareRoot", "1".into())),
        |n| format!("squareRoot({n})"),
        |v| safe_pow(v, 0.5),
    )
}

fn pow(inv: &mut Invocation<'_>) -> Out {
    let k = inv.float(1).unwrap_or(1.0);
    map_known(
        inv,
        Some(("pow", float_tag(k))),
        |n| format!("pow({n},{})", pyfmt::g(k)),
        |v| safe_pow(v, k),
    )
}

/// An overflow is None (graphite-web fails the whole request with a 500 there).
fn exp(inv: &mut Invocation<'_>) -> Out {
    map_known(
        inv,
        Some(("exp", "e".into())),
        |n| format!("exp({n})"),
        |v| {
            let r = v.exp();
            if r.is_infinite() {
                f64::NAN
            } else {
                r
            }
        },
    )
}

fn log(inv: &mut Invocation<'_>) -> Out {
    let base = inv.int(1).unwrap_or(10);
    if base <= 0 || base == 1 {
        // graphite-web answers a 500 (ZeroDivisionError / ValueError) here.
        return Err(inv.error(format!(
            "base must be a positive integer other than 1, got {base}"
        )));
    }
    let ln_base = (base as f64).ln();
    map_known(
        inv,
        Some(("log", base.to_string())),
        |n| format!("log({n}, {base})"),
        // Python's math.log(x, base) divides the natural logarithms, so log(0.1, 10) is
        // -0.9999999999999998, not -1.
        |v| if v <= 0.0 { f64::NAN } else { v.ln() / ln_base },
    )
}

fn round(inv: &mut Invocation<'_>) -> Out {
    let precision = inv.int(1).unwrap_or(0);
    let written = given(inv, 1);
    map_known(
        inv,
        Some(("round", precision.to_string())),
        |n| {
            if written {
                format!("round({n},{precision})")
            } else {
                format!("round({n})")
            }
        },
        |v| py_round(v, precision),
    )
}

/// Large negative values give 0 (graphite-web's exp overflows into a 500 there).
fn sigmoid(inv: &mut Invocation<'_>) -> Out {
    map_known(
        inv,
        Some(("sigmoid", "sigmoid".into())),
        |n| format!("sigmoid({n})"),
        |v| 1.0 / (1.0 + (-v).exp()),
    )
}

fn logit(inv: &mut Invocation<'_>) -> Out {
    map_known(
        inv,
        Some(("logit", "logit".into())),
        |n| format!("logit({n})"),
        |v| {
            // Python raises (ZeroDivisionError, ValueError) where graphite-web writes None.
            let ratio = v / (1.0 - v);
            if v == 1.0 || ratio <= 0.0 || !ratio.is_finite() {
                f64::NAN
            } else {
                ratio.ln()
            }
        },
    )
}

fn known_min_max(values: &[f64]) -> Option<(f64, f64)> {
    values
        .iter()
        .copied()
        .filter(|v| !v.is_nan())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// `(v - min) / (max - min)`; a constant series becomes 0. No tag, as graphite-web.
fn min_max(inv: &mut Invocation<'_>) -> Out {
    let mut list = inv.take_series(0);
    for s in &mut list {
        s.name = format!("minMax({})", s.name);
        s.path_expression = s.name.clone();
        let (lo, hi) = known_min_max(&s.values).unwrap_or((0.0, 0.0));
        for v in s.values.iter_mut().filter(|v| !v.is_nan()) {
            *v = if hi == lo { 0.0 } else { (*v - lo) / (hi - lo) };
        }
    }
    Ok(list)
}

fn offset_to_zero(inv: &mut Invocation<'_>) -> Out {
    let mut list = inv.take_series(0);
    for s in &mut list {
        let lo = known_min_max(&s.values).map(|(lo, _)| lo);
        let tag = lo.map_or_else(|| "None".to_string(), pyfmt::repr);
        s.tags.insert("offsetToZero".into(), tag);
        s.name = format!("offsetToZero({})", s.name);
        s.path_expression = s.name.clone();
        if let Some(lo) = lo {
            for v in s.values.iter_mut().filter(|v| !v.is_nan()) {
                *v -= lo;
            }
        }
    }
    Ok(list)
}

/// Renames each series `func(name)` (no tag) and rewrites its values with `fill`.
fn rewrite(inv: &mut Invocation<'_>, func: &str, fill: impl Fn(&mut [f64])) -> Out {
    rewrite_series(inv.take_series(0), func, |s| fill(&mut s.values))
}

/// `rewrite` over a list already taken, `fill` seeing the whole series (its int flags too).
fn rewrite_series(mut list: Vec<Series>, func: &str, fill: impl Fn(&mut Series)) -> Out {
    for s in &mut list {
        s.name = format!("{func}({})", s.name);
        s.path_expression = s.name.clone();
        fill(s);
    }
    Ok(list)
}

/// Runs of None no longer than `limit` take the value before them, a trailing run too;
/// longer runs stay None entirely. The name never shows the limit (graphite-web 1.1.8).
fn keep_last_value(inv: &mut Invocation<'_>) -> Out {
    let limit = inv.float(1).unwrap_or(f64::INFINITY);
    // The copies are the same Python objects, so a repeated int stays an int.
    let list = inv.take_series_with_ints(0);
    rewrite_series(list, "keepLastValue", |s| {
        let mut last = f64::NAN;
        let mut last_is_int = false;
        let mut run_start = None;
        for i in 0..=s.values.len() {
            let at_end = i == s.values.len();
            if !at_end && s.values[i].is_nan() {
                run_start.get_or_insert(i);
                continue;
            }
            if let Some(start) = run_start.take() {
                if !last.is_nan() && (i - start) as f64 <= limit {
                    s.values[start..i].fill(last);
                    if let Some(flags) = s.ints.get_mut(start..i) {
                        flags.fill(last_is_int);
                    }
                }
            }
            if !at_end {
                last = s.values[i];
                last_is_int = s.is_int(i);
            }
        }
    })
}

/// Interior runs of None no longer than `limit` become the straight line between their
/// neighbours; leading and trailing runs stay None.
fn interpolate(inv: &mut Invocation<'_>) -> Out {
    let limit = inv.float(1).unwrap_or(f64::INFINITY);
    rewrite(inv, "interpolate", |values| {
        let mut before: Option<usize> = None;
        for i in 0..values.len() {
            if values[i].is_nan() {
                continue;
            }
            if let Some(b) = before {
                let gap = i - b - 1;
                if gap > 0 && gap as f64 <= limit {
                    let (from, to) = (values[b], values[i]);
                    for (k, v) in values[b + 1..i].iter_mut().enumerate() {
                        // graphite-web's formula, kept in its order of operations.
                        *v = from + (k + 1) as f64 * (to - from) / (gap + 1) as f64;
                    }
                }
            }
            before = Some(i);
        }
    })
}

/// None becomes `default`; with referenceSeries only at positions where some reference
/// series has a value (positions past the references' length stay None).
fn transform_null(inv: &mut Invocation<'_>) -> Out {
    let default = inv.float(1).unwrap_or(0.0);
    // An unwritten default is Python's int 0: the tag reads "0", a written 0 reads "0.0".
    let tag = if given(inv, 1) {
        float_tag(default)
    } else {
        pyfmt::d(default)
    };
    let reference = inv.take_series(2);
    let mut mask: Vec<bool> = Vec::new();
    for r in &reference {
        if mask.len() < r.values.len() {
            mask.resize(r.values.len(), false);
        }
        for (m, v) in mask.iter_mut().zip(&r.values) {
            *m |= !v.is_nan();
        }
    }
    // The known values are kept as they are, Python ints included; an unwritten default is
    // the int 0 (`transformNull(x)` prints `0`, `transformNull(x,0)` prints `0.0`).
    let default_is_int = !given(inv, 1);
    let mut list = inv.take_series_with_ints(0);
    for s in &mut list {
        if default_is_int || !s.ints.is_empty() {
            s.ints.resize(s.values.len(), false);
        }
        s.tags.insert("transformNull".into(), tag.clone());
        if reference.is_empty() {
            s.name = format!("transformNull({},{})", s.name, pyfmt::g(default));
        } else {
            s.tags.insert("referenceSeries".into(), "1".into());
            s.name = format!(
                "transformNull({},{},referenceSeries)",
                s.name,
                pyfmt::g(default)
            );
        }
        s.path_expression = s.name.clone();
        for (i, v) in s.values.iter_mut().enumerate() {
            if v.is_nan() && (reference.is_empty() || mask.get(i).copied().unwrap_or(false)) {
                *v = default;
                if let Some(int) = s.ints.get_mut(i) {
                    *int = default_is_int;
                }
            }
        }
    }
    Ok(list)
}

fn is_non_null(inv: &mut Invocation<'_>) -> Out {
    let mut list = inv.take_series(0);
    for s in &mut list {
        s.tags.insert("isNonNull".into(), "1".into());
        s.name = format!("isNonNull({})", s.name);
        s.path_expression = s.name.clone();
        for v in &mut s.values {
            *v = if v.is_nan() { 0.0 } else { 1.0 };
        }
        // graphite-web appends the ints 0 and 1.
        s.ints = vec![true; s.values.len()];
    }
    Ok(list)
}

/// 1 where a value differs from the previous known value, else 0 (None included); Python
/// ints, as graphite-web appends them.
fn changed(inv: &mut Invocation<'_>) -> Out {
    let list = rewrite(inv, "changed", |values| {
        let mut previous = f64::NAN;
        for v in values.iter_mut() {
            let now = *v;
            *v = if previous.is_nan() {
                previous = now;
                0.0
            } else if !now.is_nan() && now != previous {
                previous = now;
                1.0
            } else {
                0.0
            };
        }
    })?;
    Ok(list.into_iter().map(Series::all_ints).collect())
}

const ONE_SERIES: &[Param] = &[SERIES];
const FACTOR: &[Param] = &[SERIES, Param::req("factor", T::Float)];
const LIMIT: &[Param] = &[
    SERIES,
    Param::opt("limit", T::IntOrInf).default(Literal::Inf),
];

/// A spec of the Transform group.
pub(super) const fn spec(
    name: &'static str,
    description: &'static str,
    params: &'static [Param],
    run: FunctionBody,
) -> FunctionSpec {
    FunctionSpec::new(name, TRANSFORM, description, params, run)
}

pub(crate) const SPECS: &[FunctionSpec] = &[
    spec(
        "scale",
        "Multiplies each value by the factor.",
        FACTOR,
        scale,
    ),
    spec("offset", "Adds the factor to each value.", FACTOR, offset),
    spec(
        "add",
        "Adds the constant to each value (the name shows it truncated to an integer).",
        &[SERIES, Param::req("constant", T::Float)],
        add,
    ),
    spec(
        "scaleToSeconds",
        "Each value times seconds/step, rounded to 6 decimals: a per-step count as a count \
         per the given number of seconds.",
        &[SERIES, Param::req("seconds", T::Float)],
        scale_to_seconds,
    ),
    spec(
        "absolute",
        "The absolute value of each value.",
        ONE_SERIES,
        absolute,
    ),
    spec(
        "invert",
        "1/x for each value (0 gives None).",
        ONE_SERIES,
        invert,
    ),
    spec(
        "squareRoot",
        "The square root of each value (negative values give None).",
        ONE_SERIES,
        square_root,
    ),
    spec(
        "pow",
        "Each value raised to the power of the factor.",
        FACTOR,
        pow,
    ),
    spec(
        "exp",
        "e raised to the power of each value.",
        ONE_SERIES,
        exp,
    ),
    spec(
        "log",
        "The logarithm of each value in the given base (values <= 0 give None).",
        &[
            SERIES,
            Param::opt("base", T::Integer).default(Literal::Int(10)),
        ],
        log,
    ),
    spec(
        "round",
        "Each value rounded to the given number of decimals (Python's round).",
        &[
            SERIES,
            Param::opt("precision", T::Integer).default(Literal::Int(0)),
        ],
        round,
    ),
    spec(
        "sigmoid",
        "1 / (1 + exp(-x)) of each value.",
        ONE_SERIES,
        sigmoid,
    ),
    spec(
        "logit",
        "log(x / (1 - x)) of each value (outside (0, 1) gives None).",
        ONE_SERIES,
        logit,
    ),
    spec(
        "minMax",
        "Normalises each series to [0, 1]: (x - min) / (max - min); a constant series gives 0.",
        ONE_SERIES,
        min_max,
    ),
    spec(
        "offsetToZero",
        "Subtracts the series' minimum from each value.",
        ONE_SERIES,
        offset_to_zero,
    ),
    spec(
        "keepLastValue",
        "Fills runs of None no longer than limit with the value before them.",
        LIMIT,
        keep_last_value,
    ),
    spec(
        "interpolate",
        "Fills interior runs of None no longer than limit with a straight line.",
        LIMIT,
        interpolate,
    ),
    spec(
        "transformNull",
        "Replaces None with default; with referenceSeries only where one of those series has \
         a value.",
        &[
            SERIES,
            Param::opt("default", T::Float).default(Literal::Int(0)),
            Param::opt("referenceSeries", T::SeriesList),
        ],
        transform_null,
    ),
    spec(
        "isNonNull",
        "1 where a series has a value, 0 where it is None.",
        ONE_SERIES,
        is_non_null,
    ),
    FunctionSpec {
        name: "changed",
        group: SPECIAL,
        description: "1 where the value differs from the previous known value, else 0.",
        params: ONE_SERIES,
        run: changed,
        aggregator: false,
    },
];

#[cfg(test)]
#[path = "transform_tests.rs"]
pub(super) mod tests;
