//! `maxDataPoints` consolidation for the json format (graphite.md 3.5), with pencil's fix for
//! graphite-web's off-by-one (graphite.md section 10, graphite-web #1849). Pure: series in,
//! consolidated series out; it must not drop a raw value.
//!
//! What stays as graphite-web does it: the time range is taken over all output series;
//! `valuesPerPoint = ceil(range / step / maxDataPoints)` when the series has more points than
//! asked for; buckets are `valuesPerPoint × step` seconds wide and aligned to multiples of that
//! width since the epoch (plus the series' own offset from its step grid), so a refreshing
//! dashboard does not see values jitter; each bucket is reduced with the series'
//! consolidationFunc and its xFilesFactor (`known / valuesPerPoint >= xFilesFactor`, at least one
//! known value); `maxDataPoints=1` reduces a whole series to one point at its start.
//!
//! What differs: graphite-web labels bucket `T` but fills it with the raw values at
//! `T − step … T + width − 2·step`, and throws away the values before the first label. Here
//! bucket `T` holds exactly the raw values in `[T, T + width)`, and the first bucket is the one
//! holding the series' first value, so its label can be up to `width − step` seconds before the
//! series' start and it can be partial. Labels stay on graphite-web's grid, every raw value is
//! counted once, and totals (`consolidateBy('sum')`) no longer shrink as maxDataPoints drops.
//! The price: when the start is not on the grid a series can get one point more than
//! graphite-web gives, i.e. up to `maxDataPoints + 1`.

use crate::series::{Consolidation, Series};

/// Consolidates every series to at most about `max_points` points (see the module doc).
/// `max_points` is at least 1; the HTTP layer refuses 0.
pub fn max_data_points(series: &mut [Series], max_points: usize) {
    let max_points = max_points.max(1);
    // graphite-web skips consolidation when no series has a value (`any(data)`).
    if series.iter().all(|s| s.values.is_empty()) {
        return;
    }
    let start = series.iter().map(|s| s.start).min().unwrap_or(0);
    let end = series.iter().map(Series::end).max().unwrap_or(0);
    let range = (end - start) as f64;
    for s in series.iter_mut() {
        if s.step <= 0 || s.values.is_empty() {
            continue;
        }
        if max_points == 1 {
            let per_point = s.values.len();
            let value = reduce(&s.values, per_point, s.consolidation, s.x_files_factor);
            s.step *= per_point as i64;
            s.values = vec![value];
            s.values_per_point *= per_point;
            // A reduced bucket is a new value; see `bucket` on Python ints.
            s.ints.clear();
            continue;
        }
        let points = range / s.step as f64;
        if (max_points as f64) < points {
            let per_point = (points / max_points as f64).ceil() as usize;
            bucket(s, per_point);
        }
    }
}

/// Regroups `s` into epoch-aligned buckets of `per_point` raw values.
fn bucket(s: &mut Series, per_point: usize) {
    let width = s.step * per_point as i64;
    let grid_offset = s.start.rem_euclid(s.step);
    let first_label = (s.start - grid_offset).div_euclid(width) * width + grid_offset;
    // Raw values of the first bucket that lie before the series' start (absent, not null).
    let lead = ((s.start - first_label) / s.step) as usize;
    let mut out = Vec::with_capacity((lead + s.values.len()).div_ceil(per_point));
    let first_len = (per_point - lead).min(s.values.len());
    let (head, rest) = s.values.split_at(first_len);
    out.push(reduce(head, per_point, s.consolidation, s.x_files_factor));
    for group in rest.chunks(per_point) {
        out.push(reduce(group, per_point, s.consolidation, s.x_files_factor));
    }
    s.start = first_label;
    s.step = width;
    s.values = out;
    s.values_per_point *= per_point;
    // Buckets are new values and print as floats. That differs from graphite-web only where
    // Python's sum/max/min of int values (countSeries...) would have kept an int.
    s.ints.clear();
}

/// One bucket as graphite-web's consolidating iterator reduces it: null unless it has a known
/// value and `known / per_point >= xff`; `avg_zero` counts nulls as zeros; first/last are the
/// first/last known values. Sums run in order so the floats match Python's `sum`.
fn reduce(group: &[f64], per_point: usize, func: Consolidation, xff: f64) -> f64 {
    let known = group.iter().filter(|v| !v.is_nan()).count();
    if known == 0 || (known as f64) / (per_point as f64) < xff {
        return f64::NAN;
    }
    let mut values = group.iter().copied().filter(|v| !v.is_nan());
    match func {
        Consolidation::Sum => values.fold(0.0, |a, v| a + v),
        Consolidation::Average => values.fold(0.0, |a, v| a + v) / known as f64,
        Consolidation::AvgZero => values.fold(0.0, |a, v| a + v) / group.len() as f64,
        // Python's max/min keep the first of equal values; with no NaN left that only shows on
        // ±0.0, which compare equal, so the first one seen is kept here too.
        Consolidation::Max => values.fold(f64::NEG_INFINITY, |a, v| if v > a { v } else { a }),
        Consolidation::Min => values.fold(f64::INFINITY, |a, v| if v < a { v } else { a }),
        Consolidation::First => values.next().unwrap_or(f64::NAN),
        Consolidation::Last => values.next_back().unwrap_or(f64::NAN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: f64 = f64::NAN;

    fn s(start: i64, step: i64, values: &[f64]) -> Series {
        Series::new("s", start, step, values.to_vec())
    }

    fn with(func: Consolidation, xff: f64, mut series: Series) -> Series {
        series.consolidation = func;
        series.x_files_factor = xff;
        series
    }

    /// `(start, step, values)` after consolidating `series` alone to `max_points`.
    fn run(series: Series, max_points: usize) -> (i64, i64, Vec<f64>, usize) {
        let mut list = vec![series];
        max_data_points(&mut list, max_points);
        let s = list.remove(0);
        (s.start, s.step, s.values, s.values_per_point)
    }

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
    }

    macro_rules! case {
        ($series:expr, $max:expr => $start:expr, $step:expr, $values:expr) => {{
            let (start, step, values, _) = run($series, $max);
            assert_eq!((start, step), ($start, $step), "start/step");
            assert!(same(&values, &$values), "{values:?} != {:?}", $values);
        }};
    }

    #[test]
    fn hand_computed_buckets() {
        // Fewer points than asked for: untouched.
        case!(s(60, 10, &[1.0, 2.0, 3.0]), 3 => 60, 10, [1.0, 2.0, 3.0]);
        case!(s(60, 10, &[1.0, 2.0, 3.0]), 100 => 60, 10, [1.0, 2.0, 3.0]);
        // 6 points into 3: pairs, aligned to multiples of 20.
        case!(s(60, 10, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), 3 => 60, 20, [1.5, 3.5, 5.5]);
        // Start off the 20 s grid: the first bucket (40) holds only the value at 50.
        case!(s(50, 10, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), 3 => 40, 20, [1.0, 2.5, 4.5, 6.0]);
        // 7 points into 2: 4 a bucket, grid of 40 s.
        case!(s(40, 10, &[1.0; 7]), 2 => 40, 40, [1.0, 1.0]);
        // A series off its own step grid keeps its offset.
        case!(s(65, 10, &[1.0, 2.0, 3.0, 4.0]), 2 => 65, 20, [1.5, 3.5]);
        case!(s(75, 10, &[1.0, 2.0, 3.0, 4.0]), 2 => 65, 20, [1.0, 2.5, 4.0]);
        // Empty series stay empty.
        case!(s(60, 10, &[]), 1 => 60, 10, [0.0; 0]);
    }

    #[test]
    fn consolidation_functions_and_nulls() {
        let v = [1.0, N, 3.0, 4.0];
        let c = |f| with(f, 0.0, s(0, 10, &v));
        case!(c(Consolidation::Sum), 2 => 0, 20, [1.0, 7.0]);
        case!(c(Consolidation::Average), 2 => 0, 20, [1.0, 3.5]);
        case!(c(Consolidation::AvgZero), 2 => 0, 20, [0.5, 3.5]);
        case!(c(Consolidation::Max), 2 => 0, 20, [1.0, 4.0]);
        case!(c(Consolidation::Min), 2 => 0, 20, [1.0, 3.0]);
        case!(c(Consolidation::First), 2 => 0, 20, [1.0, 3.0]);
        case!(c(Consolidation::Last), 2 => 0, 20, [1.0, 4.0]);
        case!(s(0, 10, &[N, N, 3.0, N]), 2 => 0, 20, [N, 3.0]);
        // xFilesFactor counts against the full bucket width, as graphite-web does.
        case!(with(Consolidation::Sum, 0.6, s(0, 10, &[1.0, N, 3.0, 4.0])), 2 => 0, 20, [N, 7.0]);
        case!(with(Consolidation::Sum, 0.5, s(0, 10, &[1.0, N, 3.0, 4.0])), 2 => 0, 20, [1.0, 7.0]);
        case!(with(Consolidation::Sum, 0.5, s(10, 10, &[1.0, 2.0, 3.0])), 2 => 0, 20, [1.0, 5.0]);
        case!(with(Consolidation::Sum, 0.6, s(10, 10, &[1.0, 2.0, 3.0])), 2 => 0, 20, [N, 5.0]);
    }

    #[test]
    fn one_point_is_the_whole_series() {
        let (start, step, values, per_point) = run(
            with(Consolidation::Sum, 0.0, s(100, 10, &[1.0, 2.0, N, 4.0])),
            1,
        );
        assert_eq!((start, step, per_point), (100, 40, 4));
        assert!(same(&values, &[7.0]));
    }

    #[test]
    fn range_is_shared_by_all_series() {
        // A 2-point series in a request spanning 8 steps still gets valuesPerPoint 4.
        let mut list = vec![s(0, 10, &[1.0; 8]), s(0, 10, &[2.0, 4.0])];
        max_data_points(&mut list, 2);
        assert_eq!(list[0].values, vec![1.0, 1.0]);
        assert_eq!((list[1].step, list[1].values.clone()), (40, vec![3.0]));
        // No values anywhere: nothing is touched, as graphite-web's `any(data)` check.
        let mut empty = vec![s(0, 10, &[]), s(50, 10, &[])];
        max_data_points(&mut empty, 1);
        assert_eq!((empty[1].start, empty[1].step), (50, 10));
    }

    /// graphite.md 5.12: a 100-point step-10 series from 1000, maxDataPoints=30.
    ///
    /// graphite-web: valuesPerPoint 4, labels 1040 … 2000 (25 points); the point at 1040
    /// averages the values at 1030–1060, the values at 1000–1020 are dropped and the last point
    /// (2000) holds only 1990. pencil: same valuesPerPoint and 40 s grid (1000 is on it), labels
    /// 1000 … 1960 (25 points), the point at T averages exactly T … T+30, nothing dropped.
    #[test]
    fn worked_example_5_12() {
        let values: Vec<f64> = (0..100).map(f64::from).collect();
        let (start, step, got, per_point) =
            run(with(Consolidation::Sum, 0.0, s(1000, 10, &values)), 30);
        assert_eq!((start, step, per_point, got.len()), (1000, 40, 4, 25));
        let want: Vec<f64> = (0..25).map(|k| f64::from(16 * k + 6)).collect();
        assert_eq!(got, want);
        assert_eq!(got.iter().sum::<f64>(), values.iter().sum::<f64>());
    }
}
