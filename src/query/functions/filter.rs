//! graphite-web's "Filter Series" functions that rank or compare an aggregate of each series
//! (highest/lowest, the Above/Below filters, filterSeries, mostDeviant, the percentile bands,
//! limit). Each returns a subset of its list, unchanged and unrenamed, in the order noted
//! (graphite.md 5.5). Selection by name or presence lives in `filter_list.rs`.

use super::calculate::agg_arg;
use crate::query::aggfuncs::{self, AggFn};
use crate::query::registry::{
    group::FILTER_SERIES, FunctionBody, FunctionSpec, Invocation, Param, ParamType as T, Value,
};
use crate::query::QueryError;
use crate::series::Series;
use std::cmp::Ordering;

type Out = Result<Vec<Series>, QueryError>;

/// An integer count argument; a float the binder let through is truncated as Python's `int()`.
pub(crate) fn count_arg(inv: &Invocation<'_>, i: usize) -> i64 {
    match inv.value(i) {
        Value::Float(f) if f.is_finite() => *f as i64,
        _ => inv.int(i).unwrap_or(0),
    }
}

/// Python's `list[:n]`: a negative n drops that many from the end.
pub(crate) fn head(mut list: Vec<Series>, n: i64) -> Vec<Series> {
    let len = list.len() as i64;
    let keep = if n >= 0 { n.min(len) } else { (len + n).max(0) };
    list.truncate(keep as usize);
    list
}

/// graphite-web's sort key: None sorts below every number.
fn key(v: f64) -> f64 {
    if v.is_nan() {
        f64::NEG_INFINITY
    } else {
        v
    }
}

/// Stable sort by `agg` (descending for highest, as Python's `reverse=True`, which keeps ties
/// in their original order), then the first n.
fn ranked(inv: &mut Invocation<'_>, agg: AggFn, descending: bool) -> Out {
    let n = count_arg(inv, 1);
    let list = inv.take_series_with_ints(0);
    let mut keyed: Vec<(f64, Series)> =
        list.into_iter().map(|s| (key(agg(&s.values)), s)).collect();
    keyed.sort_by(|a, b| {
        let order = a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal);
        if descending {
            order.reverse()
        } else {
            order
        }
    });
    Ok(head(keyed.into_iter().map(|(_, s)| s).collect(), n))
}

fn highest(inv: &mut Invocation<'_>) -> Out {
    let agg = agg_arg(inv, 2, "average")?;
    ranked(inv, agg, true)
}

fn lowest(inv: &mut Invocation<'_>) -> Out {
    let agg = agg_arg(inv, 2, "average")?;
    ranked(inv, agg, false)
}

fn highest_current(inv: &mut Invocation<'_>) -> Out {
    ranked(inv, aggfuncs::last, true)
}

fn highest_max(inv: &mut Invocation<'_>) -> Out {
    ranked(inv, aggfuncs::max, true)
}

fn highest_average(inv: &mut Invocation<'_>) -> Out {
    ranked(inv, aggfuncs::average, true)
}

fn lowest_current(inv: &mut Invocation<'_>) -> Out {
    ranked(inv, aggfuncs::last, false)
}

fn lowest_average(inv: &mut Invocation<'_>) -> Out {
    ranked(inv, aggfuncs::average, false)
}

/// `filterSeries` operators; None (NaN) passes `!=`, `<` and `<=` as in graphite-web.
const OPERATORS: &[&str] = &["!=", "<", "<=", "=", ">", ">="];

fn passes(op: &str, v: f64, threshold: f64) -> bool {
    match op {
        "=" => v == threshold,
        "!=" => v.is_nan() || v != threshold,
        ">" => v > threshold,
        ">=" => v >= threshold,
        "<" => v.is_nan() || v < threshold,
        _ => v.is_nan() || v <= threshold,
    }
}

/// Keeps the series whose aggregate passes `op threshold`, in their order.
fn keep_where(inv: &mut Invocation<'_>, agg: AggFn, op: &str, threshold_at: usize) -> Out {
    if !OPERATORS.contains(&op) {
        return Err(inv.error(format!(
            "Unsupported operator: {op} (use one of {OPERATORS:?})"
        )));
    }
    let threshold = inv.float(threshold_at).unwrap_or(0.0);
    let mut list = inv.take_series_with_ints(0);
    list.retain(|s| passes(op, agg(&s.values), threshold));
    Ok(list)
}

fn filter_series(inv: &mut Invocation<'_>) -> Out {
    let agg = agg_arg(inv, 1, "average")?;
    let op = inv.str(2).unwrap_or_default().to_string();
    keep_where(inv, agg, &op, 3)
}

fn current_above(inv: &mut Invocation<'_>) -> Out {
    keep_where(inv, aggfuncs::last, ">", 1)
}

fn current_below(inv: &mut Invocation<'_>) -> Out {
    keep_where(inv, aggfuncs::last, "<=", 1)
}

fn average_above(inv: &mut Invocation<'_>) -> Out {
    keep_where(inv, aggfuncs::average, ">", 1)
}

fn average_below(inv: &mut Invocation<'_>) -> Out {
    keep_where(inv, aggfuncs::average, "<=", 1)
}

fn maximum_above(inv: &mut Invocation<'_>) -> Out {
    keep_where(inv, aggfuncs::max, ">", 1)
}

fn maximum_below(inv: &mut Invocation<'_>) -> Out {
    keep_where(inv, aggfuncs::max, "<=", 1)
}

fn minimum_above(inv: &mut Invocation<'_>) -> Out {
    keep_where(inv, aggfuncs::min, ">", 1)
}

fn minimum_below(inv: &mut Invocation<'_>) -> Out {
    keep_where(inv, aggfuncs::min, "<=", 1)
}

fn limit(inv: &mut Invocation<'_>) -> Out {
    let n = count_arg(inv, 1);
    Ok(head(inv.take_series_with_ints(0), n))
}

/// The n series of largest variance (squared deviations from the mean over the non-null
/// count), largest first; series without data are left out.
fn most_deviant(inv: &mut Invocation<'_>) -> Out {
    let n = count_arg(inv, 1);
    let list = inv.take_series_with_ints(0);
    let mut keyed: Vec<(f64, Series)> = list
        .into_iter()
        .filter_map(|s| {
            let mean = aggfuncs::average(&s.values);
            if mean.is_nan() {
                return None;
            }
            let square_sum: f64 = s
                .values
                .iter()
                .filter(|v| !v.is_nan())
                .map(|v| (v - mean) * (v - mean))
                .sum();
            Some((square_sum / aggfuncs::count(&s.values), s))
        })
        .collect();
    keyed.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(Ordering::Equal));
    Ok(head(keyed.into_iter().map(|(_, s)| s).collect(), n))
}

/// Strictly between the bounds; None (a value or a bound) is never inside, which is what
/// graphite-web does on Python 2 (on Python 3 it fails with a TypeError).
fn inside(v: f64, low: f64, high: f64) -> bool {
    low < v && v < high
}

/// The percent of the band functions: 0..=100 (0 and 100 both mean min..max); outside it
/// graphite-web's ranks index past either end.
fn band_percent(inv: &Invocation<'_>) -> Result<f64, QueryError> {
    let n = inv.float(1).unwrap_or(0.0);
    if (0.0..=100.0).contains(&n) {
        Ok(n)
    } else {
        Err(inv.error(format!(
            "n must be between 0 and 100, got {}",
            crate::query::pyfmt::g(n)
        )))
    }
}

/// The percentile bounds `(100 − n, n)` with n folded to at least 50.
fn bounds(values: &[f64], n: f64) -> (f64, f64) {
    let n = if n < 50.0 { 100.0 - n } else { n };
    (
        aggfuncs::percentile(values, 100.0 - n, false),
        aggfuncs::percentile(values, n, false),
    )
}

/// Removes the series whose average lies strictly inside the percentile band of all averages.
fn average_outside_percentile(inv: &mut Invocation<'_>) -> Out {
    let n = band_percent(inv)?;
    let mut list = inv.take_series_with_ints(0);
    let averages: Vec<f64> = list.iter().map(|s| aggfuncs::average(&s.values)).collect();
    let (low, high) = bounds(&averages, n);
    let mut averages = averages.into_iter();
    list.retain(|_| !averages.next().is_some_and(|a| inside(a, low, high)));
    Ok(list)
}

/// Keeps the series with at least one point outside the percentile band of its timestamp
/// across all series (columns up to the shortest series, as Python's `zip`).
fn remove_between_percentile(inv: &mut Invocation<'_>) -> Out {
    let n = band_percent(inv)?;
    let mut list = inv.take_series_with_ints(0);
    let columns = list.iter().map(|s| s.values.len()).min().unwrap_or(0);
    let mut column = Vec::with_capacity(list.len());
    let bands: Vec<(f64, f64)> = (0..columns)
        .map(|i| {
            column.clear();
            column.extend(list.iter().map(|s| s.values[i]));
            bounds(&column, n)
        })
        .collect();
    list.retain(|s| {
        s.values
            .iter()
            .zip(&bands)
            .any(|(&v, &(low, high))| !inside(v, low, high))
    });
    Ok(list)
}

pub(crate) const SERIES: Param = Param::req("seriesList", T::SeriesList);
const COUNT_PARAMS: &[Param] = &[SERIES, Param::req("n", T::Integer)];
const THRESHOLD_PARAMS: &[Param] = &[SERIES, Param::req("n", T::Float)];
const RANK_PARAMS: &[Param] = &[
    SERIES,
    Param::req("n", T::Integer),
    Param::opt("func", T::AggFunc).default(crate::query::registry::Literal::Str("average")),
];

pub(crate) const fn spec(
    name: &'static str,
    params: &'static [Param],
    description: &'static str,
    run: FunctionBody,
) -> FunctionSpec {
    FunctionSpec::new(name, FILTER_SERIES, description, params, run)
}

pub(crate) const SPECS: &[FunctionSpec] = &[
    spec(
        "highest",
        RANK_PARAMS,
        "The n series with the highest aggregate (average by default), highest first.",
        highest,
    ),
    spec(
        "lowest",
        RANK_PARAMS,
        "The n series with the lowest aggregate (average by default), lowest first.",
        lowest,
    ),
    spec(
        "highestCurrent",
        COUNT_PARAMS,
        "The n series with the highest last non-null value.",
        highest_current,
    ),
    spec(
        "highestMax",
        COUNT_PARAMS,
        "The n series with the highest maximum.",
        highest_max,
    ),
    spec(
        "highestAverage",
        COUNT_PARAMS,
        "The n series with the highest average.",
        highest_average,
    ),
    spec(
        "lowestCurrent",
        COUNT_PARAMS,
        "The n series with the lowest last non-null value.",
        lowest_current,
    ),
    spec(
        "lowestAverage",
        COUNT_PARAMS,
        "The n series with the lowest average.",
        lowest_average,
    ),
    FunctionSpec {
        name: "filterSeries",
        group: FILTER_SERIES,
        description: "Keeps the series whose aggregate compares true with the threshold \
                      (operators = != > >= < <=; a null aggregate passes != < <=).",
        params: &[
            SERIES,
            Param::req("func", T::AggFunc),
            Param::req("operator", T::String).options(OPERATORS),
            Param::req("threshold", T::Float),
        ],
        run: filter_series,
        aggregator: false,
    },
    spec(
        "currentAbove",
        THRESHOLD_PARAMS,
        "Keeps the series whose last non-null value is above n.",
        current_above,
    ),
    spec(
        "currentBelow",
        THRESHOLD_PARAMS,
        "Keeps the series whose last non-null value is at most n (or null).",
        current_below,
    ),
    spec(
        "averageAbove",
        THRESHOLD_PARAMS,
        "Keeps the series whose average is above n.",
        average_above,
    ),
    spec(
        "averageBelow",
        THRESHOLD_PARAMS,
        "Keeps the series whose average is at most n (or null).",
        average_below,
    ),
    spec(
        "maximumAbove",
        THRESHOLD_PARAMS,
        "Keeps the series whose maximum is above n.",
        maximum_above,
    ),
    spec(
        "maximumBelow",
        THRESHOLD_PARAMS,
        "Keeps the series whose maximum is at most n (or null).",
        maximum_below,
    ),
    spec(
        "minimumAbove",
        THRESHOLD_PARAMS,
        "Keeps the series whose minimum is above n.",
        minimum_above,
    ),
    spec(
        "minimumBelow",
        THRESHOLD_PARAMS,
        "Keeps the series whose minimum is at most n (or null).",
        minimum_below,
    ),
    spec("limit", COUNT_PARAMS, "The first n series.", limit),
    spec(
        "mostDeviant",
        COUNT_PARAMS,
        "The n series with the largest variance, largest first.",
        most_deviant,
    ),
    spec(
        "averageOutsidePercentile",
        THRESHOLD_PARAMS,
        "Drops the series whose average lies strictly between the (100−n)-th and n-th \
         percentiles of all averages.",
        average_outside_percentile,
    ),
    spec(
        "removeBetweenPercentile",
        THRESHOLD_PARAMS,
        "Keeps the series with a point outside the (100−n)-th..n-th percentile band of all \
         series at that time.",
        remove_between_percentile,
    ),
];

#[cfg(test)]
pub(crate) mod tests {
    use crate::query::functions::moving::tests::reference;
    use crate::query::functions::testing::{ctx, run};
    use crate::query::registry::Value;
    use crate::query::Source;

    /// Runs `func` over the reference `cf.m.<x>` series named by the letters of `pick`
    /// (fetched over 1796180200..1796180400) and returns the letters of the result.
    pub(crate) fn pick(func: &str, pick: &str, args: Vec<Value>) -> Result<String, String> {
        let (from, until) = (1796180200, 1796180400);
        let src = reference();
        let all = src.fetch("*", from, until, until).unwrap();
        let list = pick
            .chars()
            .filter_map(|c| all.iter().find(|s| s.name == format!("cf.m.{c}")).cloned())
            .collect();
        let mut bound = vec![Value::Series(list)];
        bound.extend(args);
        let out = run(func, bound, None, &ctx(from, until), &src).map_err(|e| e.message)?;
        Ok(out
            .iter()
            .map(|s| s.name.strip_prefix("cf.m.").unwrap_or(&s.name).to_string())
            .collect())
    }

    pub(crate) fn i(n: i64) -> Value {
        Value::Int(n)
    }
    pub(crate) fn f(x: f64) -> Value {
        Value::Float(x)
    }
    pub(crate) fn s(text: &str) -> Value {
        Value::Str(text.into())
    }

    /// Each case is graphite-web 1.1.8's answer for `func(cf.m.*, args)` on the same data.
    macro_rules! case {
        ($func:expr, $pick:expr, [$($arg:expr),*] => $want:expr) => {
            assert_eq!(pick($func, $pick, vec![$($arg),*]), Ok($want.to_string()),
                "{}({}, {:?})", $func, $pick, vec![$($arg),*])
        };
    }

    #[test]
    fn rankings_as_graphite_web() {
        case!("highest", "abcde", [i(2), s("average")] => "ba");
        // Ties (d and e are both None) keep their order even when sorting descending.
        case!("highest", "abcde", [i(10), s("min")] => "bcade");
        case!("highest", "abcde", [i(3), s("count")] => "bac");
        case!("highest", "abcde", [f(2.5), s("average")] => "ba");
        // Python slicing: a negative n drops that many from the end.
        case!("highest", "abcde", [i(-1), s("average")] => "bacd");
        case!("lowest", "abcde", [i(1), s("average")] => "d");
        case!("lowest", "abcde", [i(3), s("current")] => "dec");
        case!("highestCurrent", "abcde", [i(2)] => "ba");
        case!("highestMax", "abcde", [i(1)] => "b");
        case!("highestAverage", "abcde", [i(3)] => "bac");
        case!("lowestCurrent", "abcde", [i(4)] => "deca");
        case!("lowestAverage", "abcde", [i(2)] => "de");
        case!("mostDeviant", "abcde", [i(5)] => "bac");
        case!("mostDeviant", "abcde", [i(2)] => "ba");
        case!("limit", "abcde", [i(2)] => "ab");
        case!("limit", "abcde", [i(-1)] => "abcd");
        case!("limit", "abcde", [i(0)] => "");
        let err = pick("highest", "ab", vec![i(1), s("foo")]).unwrap_err();
        assert!(
            err.contains("Unsupported aggregation function: foo"),
            "{err}"
        );
    }

    #[test]
    fn thresholds_as_graphite_web() {
        case!("currentAbove", "abcde", [f(3.5)] => "ab");
        // A None aggregate passes the "Below" filters (<=).
        case!("currentBelow", "abcde", [f(3.5)] => "cde");
        case!("averageAbove", "abcde", [f(5.6)] => "ab");
        case!("averageBelow", "abcde", [f(5.6)] => "cde");
        case!("maximumAbove", "abcde", [f(9.4)] => "b");
        case!("maximumBelow", "abcde", [f(9.4)] => "acde");
        case!("minimumAbove", "abcde", [f(2.1)] => "bc");
        case!("minimumBelow", "abcde", [f(2.1)] => "ade");
        case!("filterSeries", "abcde", [s("sum"), s("="), f(70.0)] => "");
        case!("filterSeries", "abcde", [s("last"), s(">="), f(60.0)] => "b");
        case!("filterSeries", "abcde", [s("min"), s("<"), f(3.5)] => "ade");
        case!("filterSeries", "abcde", [s("avg_zero"), s("<="), f(0.7)] => "de");
        case!("filterSeries", "abcde", [s("count"), s(">"), f(5.0)] => "ab");
        case!("filterSeries", "abcde", [s("max"), s("!="), f(9.4)] => "bcde");
        let err = pick("filterSeries", "ab", vec![s("max"), s("~"), f(3.0)]).unwrap_err();
        assert!(err.contains("Unsupported operator: ~"), "{err}");
    }

    #[test]
    fn percentile_bands() {
        // Averages a 5.62…, b 69.5, c 3.5: the 20th..80th band is (3.5, 69.5), a lies inside.
        case!("averageOutsidePercentile", "abc", [f(80.0)] => "bc");
        case!("averageOutsidePercentile", "abc", [f(20.0)] => "bc");
        // Empty series have no average, so never lie inside (graphite-web on Python 2).
        case!("averageOutsidePercentile", "abcd", [f(80.0)] => "bcd");
        // b is the highest at every timestamp and c the lowest wherever it has data; a's
        // None points count as outside (graphite-web on Python 3 fails with a TypeError).
        case!("removeBetweenPercentile", "abc", [f(80.0)] => "abc");
        case!("removeBetweenPercentile", "ab", [f(80.0)] => "ab");
        let err = pick("removeBetweenPercentile", "ab", vec![f(120.0)]).unwrap_err();
        assert!(err.contains("between 0 and 100, got 120"), "{err}");
    }

    #[test]
    fn percentile_bands_remove_as_graphite_web() {
        // cf.q.* fed to graphite-web 1.1.8: two points each, a [1,5] b [2,2] c [3,3] d [4,4]
        // e [5,1].
        let q = |func: &str, n: f64| -> Vec<String> {
            let rows: [(&str, [f64; 2]); 5] = [
                ("a", [1.0, 5.0]),
                ("b", [2.0, 2.0]),
                ("c", [3.0, 3.0]),
                ("d", [4.0, 4.0]),
                ("e", [5.0, 1.0]),
            ];
            let list = rows
                .iter()
                .map(|(name, v)| crate::query::functions::testing::series(name, 1796180350, 10, v))
                .collect();
            let src = crate::query::functions::testing::FakeSource::default();
            let c = ctx(1796180340, 1796180360);
            run(func, vec![Value::Series(list), f(n)], None, &c, &src)
                .unwrap()
                .into_iter()
                .map(|s| s.name)
                .collect()
        };
        // The per-timestamp band is (2, 5): c and d lie inside at both points.
        assert_eq!(q("removeBetweenPercentile", 70.0), ["a", "b", "e"]);
        assert_eq!(q("removeBetweenPercentile", 30.0), ["a", "b", "e"]);
        // Averages 3 2 3 4 3: the 30..70 band (3, 4) holds none; the 10..90 one (2, 4) holds 3s.
        assert_eq!(
            q("averageOutsidePercentile", 70.0),
            ["a", "b", "c", "d", "e"]
        );
        assert_eq!(q("averageOutsidePercentile", 90.0), ["b", "d"]);
        // 0 and 100 both make the band min..max (graphite-web 1.1.8 agrees).
        assert_eq!(q("averageOutsidePercentile", 0.0), ["b", "d"]);
        assert_eq!(q("averageOutsidePercentile", 100.0), ["b", "d"]);
    }
}
