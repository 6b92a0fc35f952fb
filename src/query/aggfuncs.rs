//! graphite-web's aggregation functions (`functions/aggfuncs.py` over `safe.py`) on rows of
//! values where NaN is None: None values are ignored, an all-None row gives None, except
//! `count` (0) and `avg_zero` (None counts as 0).

/// A named aggregation over one row of values.
pub type AggFn = fn(&[f64]) -> f64;

/// The names `aggregate`, `groupByNode` and friends accept, aliases included.
pub const AGG_FUNC_NAMES: &[&str] = &[
    "average", "avg_zero", "median", "sum", "min", "max", "diff", "stddev", "count", "range",
    "multiply", "last", "rangeOf", "avg", "total", "current",
];

/// The aggregation called `name`, or `None` when graphite-web would say
/// "Unsupported aggregation function".
pub fn agg_func(name: &str) -> Option<AggFn> {
    Some(match name {
        "average" | "avg" => average,
        "avg_zero" => avg_zero,
        "median" => median,
        "sum" | "total" => sum,
        "min" => min,
        "max" => max,
        "diff" => diff,
        "stddev" => stddev,
        "count" => count,
        "range" | "rangeOf" => range,
        "multiply" => multiply,
        "last" | "current" => last,
        _ => return None,
    })
}

fn known(values: &[f64]) -> impl Iterator<Item = f64> + '_ {
    values.iter().copied().filter(|v| !v.is_nan())
}

pub fn sum(values: &[f64]) -> f64 {
    let mut any = false;
    let total = known(values).inspect(|_| any = true).sum();
    if any {
        total
    } else {
        f64::NAN
    }
}

pub fn average(values: &[f64]) -> f64 {
    let (n, total) = known(values).fold((0usize, 0.0), |(n, t), v| (n + 1, t + v));
    if n == 0 {
        f64::NAN
    } else {
        total / n as f64
    }
}

pub fn avg_zero(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values
        .iter()
        .map(|v| if v.is_nan() { 0.0 } else { *v })
        .sum::<f64>()
        / values.len() as f64
}

pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = known(values).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    }
}

pub fn min(values: &[f64]) -> f64 {
    known(values).fold(f64::NAN, |m, v| if m.is_nan() || v < m { v } else { m })
}

pub fn max(values: &[f64]) -> f64 {
    known(values).fold(f64::NAN, |m, v| if m.is_nan() || v > m { v } else { m })
}

/// The first known value minus all the other known values.
pub fn diff(values: &[f64]) -> f64 {
    let mut it = known(values);
    match it.next() {
        Some(first) => first - it.sum::<f64>(),
        None => f64::NAN,
    }
}

/// Population standard deviation of the known values.
pub fn stddev(values: &[f64]) -> f64 {
    let avg = average(values);
    if avg.is_nan() {
        return f64::NAN;
    }
    let n = known(values).count() as f64;
    (known(values).map(|v| (v - avg) * (v - avg)).sum::<f64>() / n).sqrt()
}

/// How many values are known (0 for an all-None row, as `safeLen`).
pub fn count(values: &[f64]) -> f64 {
    known(values).count() as f64
}

pub fn range(values: &[f64]) -> f64 {
    max(values) - min(values)
}

/// The product; any None makes it None (`safeMul`).
pub fn multiply(values: &[f64]) -> f64 {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    values.iter().product()
}

pub fn last(values: &[f64]) -> f64 {
    values
        .iter()
        .rev()
        .copied()
        .find(|v| !v.is_nan())
        .unwrap_or(f64::NAN)
}

/// The `n`-th percentile of the known values, graphite-web's method (used by
/// `percentileOfSeries`, `nPercentile` and the percentile filters): rank = n/100 × (count+1);
/// without interpolation the rank is rounded up and clamped to `[1, count]`; with it the result
/// moves linearly towards the next value by the rank's fraction. NaN when nothing is known.
pub fn percentile(values: &[f64], n: f64, interpolate: bool) -> f64 {
    let mut sorted: Vec<f64> = known(values).collect();
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted.sort_by(f64::total_cmp);
    let len = sorted.len();
    let fractional = n / 100.0 * (len as f64 + 1.0);
    let mut rank = fractional.floor();
    let fraction = fractional - rank;
    if !interpolate && fraction > 0.0 {
        rank += 1.0;
    }
    let rank = rank.clamp(0.0, len as f64) as usize;
    let mut value = sorted[rank.saturating_sub(1)];
    if interpolate && rank > 0 && rank < len {
        value += fraction * (sorted[rank] - value);
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    const N: f64 = f64::NAN;

    fn same(a: f64, b: f64) -> bool {
        (a.is_nan() && b.is_nan()) || a == b
    }

    macro_rules! case {
        ($name:expr, $row:expr, $want:expr) => {{
            let got = agg_func($name).unwrap()(&$row);
            assert!(
                same(got, $want),
                "{}({:?}) = {got}, want {}",
                $name,
                $row,
                $want
            );
        }};
    }

    #[test]
    fn rows() {
        case!("sum", [1.0, N, 2.0], 3.0);
        case!("sum", [N, N], N);
        case!("avg", [1.0, N, 2.0], 1.5);
        case!("avg_zero", [1.0, N, 2.0], 1.0);
        case!("median", [3.0, 1.0, N, 2.0], 2.0);
        case!("median", [4.0, 1.0, 3.0, 2.0], 2.5);
        case!("min", [N, 3.0, -1.0], -1.0);
        case!("max", [N, 3.0, -1.0], 3.0);
        case!("diff", [N, 10.0, 3.0, N, 2.0], 5.0);
        case!("stddev", [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], 2.0);
        case!("count", [N, N], 0.0);
        case!("count", [1.0, N, 0.0], 2.0);
        case!("rangeOf", [1.0, N, 5.0], 4.0);
        case!("multiply", [2.0, 3.0], 6.0);
        case!("multiply", [2.0, N], N);
        case!("current", [1.0, 2.0, N], 2.0);
        assert!(agg_func("mean").is_none());
        assert!(same(percentile(&[N, N], 50.0, false), N));
        // rank 0.5 × 5 = 2.5 → 3rd smallest; interpolated: 2 + 0.5 × (3 − 2).
        assert!(same(percentile(&[4.0, 1.0, N, 3.0, 2.0], 50.0, false), 3.0));
        assert!(same(percentile(&[4.0, 1.0, N, 3.0, 2.0], 50.0, true), 2.5));
        assert!(same(percentile(&[1.0, 2.0, 3.0], 99.0, false), 3.0));
        assert!(same(percentile(&[1.0, 2.0, 3.0], 99.0, true), 3.0));
        assert!(same(percentile(&[1.0, 2.0, 3.0], 1.0, false), 1.0));
        for name in AGG_FUNC_NAMES {
            assert!(agg_func(name).is_some(), "{name}");
        }
    }
}
