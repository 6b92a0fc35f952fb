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

/// An aggregation that can also run down each series in turn instead of across each row: the
/// same additions and comparisons in the same (series) order, so the same bits, without
/// gathering a row of every series per point (sumSeries of a thousand day-long series is 8.6 M
/// gathers, most of its time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnAgg {
    Sum,
    Average,
    Min,
    Max,
    Count,
}

/// The column form of the aggregation `name` (aliases included), when it has one.
pub fn column_agg(name: &str) -> Option<ColumnAgg> {
    Some(match name {
        "average" | "avg" => ColumnAgg::Average,
        "sum" | "total" => ColumnAgg::Sum,
        "min" => ColumnAgg::Min,
        "max" => ColumnAgg::Max,
        "count" => ColumnAgg::Count,
        _ => return None,
    })
}

impl ColumnAgg {
    /// Row `i` is the aggregation of every column's value `i` (a column too short for it counts
    /// as None), or None when its known values are fewer than `xff` of the columns — exactly
    /// what `aggregate` computes row by row with `agg_func`.
    pub fn rows(self, columns: &[&[f64]], xff: f64) -> Vec<f64> {
        let rows = columns.iter().map(|c| c.len()).max().unwrap_or(0);
        let mut acc = vec![0.0; rows];
        let mut known = vec![0u32; rows];
        match self {
            // `acc` starts at +0.0 and a sum of floats is -0.0 only when both terms are, so
            // adding +0.0 for a None leaves it bit for bit unchanged; the branch-free form lets
            // the compiler vectorise the loop.
            ColumnAgg::Sum | ColumnAgg::Average | ColumnAgg::Count => {
                for column in columns {
                    for ((a, k), &v) in acc.iter_mut().zip(known.iter_mut()).zip(*column) {
                        let is_known = !v.is_nan();
                        *k += u32::from(is_known);
                        *a += if is_known { v } else { 0.0 };
                    }
                }
            }
            ColumnAgg::Min | ColumnAgg::Max => {
                acc.fill(f64::NAN);
                let min = self == ColumnAgg::Min;
                for column in columns {
                    for ((a, k), &v) in acc.iter_mut().zip(known.iter_mut()).zip(*column) {
                        if v.is_nan() {
                            continue;
                        }
                        *k += 1;
                        // The comparison `min` and `max` above make, in the same order.
                        if a.is_nan() || (min && v < *a) || (!min && v > *a) {
                            *a = v;
                        }
                    }
                }
            }
        }
        let width = columns.len() as f64;
        for (a, &k) in acc.iter_mut().zip(&known) {
            *a = if k == 0 || f64::from(k) / width < xff {
                f64::NAN
            } else {
                match self {
                    ColumnAgg::Sum | ColumnAgg::Min | ColumnAgg::Max => *a,
                    ColumnAgg::Average => *a / f64::from(k),
                    ColumnAgg::Count => f64::from(k),
                }
            };
        }
        acc
    }
}

fn known(values: &[f64]) -> impl Iterator<Item = f64> + '_ {
    values.iter().copied().filter(|v| !v.is_nan())
}

pub fn sum(values: &[f64]) -> f64 {
    let mut any = false;
    // Python's `sum` starts from the integer 0, so all `-0.0` sums to `0.0`; Rust's `Sum` for
    // floats starts from `-0.0`. The column form below relies on this start too.
    let total = known(values)
        .inspect(|_| any = true)
        .fold(0.0, |t, v| t + v);
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

    /// The row form as `aggregate` runs it: None below `xff`, else `agg_func` of the row.
    fn by_rows(name: &str, columns: &[Vec<f64>], xff: f64) -> Vec<f64> {
        let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
        (0..rows)
            .map(|i| {
                let row: Vec<f64> = columns
                    .iter()
                    .map(|c| c.get(i).copied().unwrap_or(N))
                    .collect();
                let known = row.iter().filter(|v| !v.is_nan()).count();
                if known == 0 || (known as f64) / (row.len() as f64) < xff {
                    N
                } else {
                    agg_func(name).unwrap()(&row)
                }
            })
            .collect()
    }

    #[test]
    fn column_form_keeps_signed_zero_and_ragged_rows() {
        let columns = [vec![-0.0, 1.0, N], vec![-0.0], vec![N, N, 2.0, 3.0]];
        let cols: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
        let got = ColumnAgg::Sum.rows(&cols, 0.0);
        assert_eq!(
            got[0].to_bits(),
            0.0f64.to_bits(),
            "Python's sum([-0.0, -0.0]) is 0.0"
        );
        assert_eq!(
            sum(&[-0.0, -0.0]).to_bits(),
            0.0f64.to_bits(),
            "graphite-web answers 0.0"
        );
        assert_eq!(&got[1..], &[1.0, 2.0, 3.0]);
        assert!(
            ColumnAgg::Count.rows(&cols, 0.5)[3].is_nan(),
            "1 of 3 known is below 0.5"
        );
    }

    proptest::proptest! {
        #[test]
        fn column_form_agrees_with_rows(
            columns in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::prop_oneof![
                        proptest::strategy::Just(N),
                        proptest::strategy::Just(-0.0),
                        -1e6f64..1e6,
                    ],
                    0..9,
                ),
                0..6,
            ),
            xff in 0.0f64..1.0,
        ) {
            for name in ["sum", "total", "average", "avg", "min", "max", "count"] {
                let cols: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
                let got = column_agg(name).unwrap().rows(&cols, xff);
                let want = by_rows(name, &columns, xff);
                let bits = |v: &[f64]| v.iter().map(|x| if x.is_nan() { 0 } else { x.to_bits() }).collect::<Vec<_>>();
                proptest::prop_assert_eq!(bits(&got), bits(&want), "{}", name);
            }
        }
    }
}
