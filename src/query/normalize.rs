//! The common-step rule every multi-series combiner uses (graphite.md 5.1) and per-series
//! consolidation by a whole factor: graphite-web's `normalize` and `TimeSeries.consolidate`.

use crate::series::{Consolidation, Series};

/// Consolidates `values` in groups of `factor` (the last group may be partial) with `func`; a
/// group is None unless it has a known value and known/factor ≥ `xff` — a partial last group
/// is still measured against the whole factor, as graphite-web's consolidating generator does.
pub fn consolidate(values: &[f64], factor: usize, func: Consolidation, xff: f64) -> Vec<f64> {
    if factor <= 1 {
        return values.to_vec();
    }
    values
        .chunks(factor)
        .map(|group| reduce_group(group, factor, func, xff))
        .collect()
}

/// One group of values reduced by `func` with graphite-web's xFilesFactor rule.
pub fn consolidate_group(group: &[f64], func: Consolidation, xff: f64) -> f64 {
    reduce_group(group, group.len(), func, xff)
}

/// `group` reduced by `func` when its known values are at least `xff` of `slots`.
fn reduce_group(group: &[f64], slots: usize, func: Consolidation, xff: f64) -> f64 {
    let known = group.iter().filter(|v| !v.is_nan()).count();
    if known == 0 || (known as f64) / (slots as f64) < xff {
        return f64::NAN;
    }
    let mut it = group.iter().copied().filter(|v| !v.is_nan());
    match func {
        Consolidation::Sum => it.sum(),
        Consolidation::Average => it.sum::<f64>() / known as f64,
        Consolidation::AvgZero => it.sum::<f64>() / group.len() as f64,
        Consolidation::Min => it.fold(f64::INFINITY, f64::min),
        Consolidation::Max => it.fold(f64::NEG_INFINITY, f64::max),
        Consolidation::First => it.next().unwrap_or(f64::NAN),
        Consolidation::Last => it.next_back().unwrap_or(f64::NAN),
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

/// Least common multiple of two positive steps.
pub fn lcm(a: i64, b: i64) -> i64 {
    if a == 0 || b == 0 {
        return a.max(b);
    }
    a / gcd(a, b) * b
}

/// The result of [`normalize`]: every series consolidated to the common `step` (their
/// `values` replaced, `step` set), and the common `[start, end)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    pub series: Vec<Series>,
    pub start: i64,
    pub end: i64,
    pub step: i64,
}

impl Normalized {
    /// Length of the longest consolidated value list: rows are combined index by index
    /// (zip-longest), not by timestamp — graphite-web's positional quirk.
    pub fn rows(&self) -> usize {
        self.series
            .iter()
            .map(|s| s.values.len())
            .max()
            .unwrap_or(0)
    }

    /// Row `i` across all series into `buf` (NaN where a series is shorter).
    pub fn row(&self, i: usize, buf: &mut Vec<f64>) {
        buf.clear();
        buf.extend(
            self.series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(f64::NAN)),
        );
    }
}

/// graphite-web's `normalize`: step = LCM of all steps, each series consolidated by
/// step/its step with its own consolidation function and xFilesFactor, start = min start,
/// end = max end trimmed to a whole number of steps. `None` when there are no series.
pub fn normalize(series: Vec<Series>) -> Option<Normalized> {
    let step = series.iter().map(|s| s.step).reduce(lcm)?;
    let start = series.iter().map(|s| s.start).min()?;
    let mut end = series.iter().map(|s| s.end()).max()?;
    end -= (end - start) % step;
    let series = series
        .into_iter()
        .map(|mut s| {
            let factor = (step / s.step.max(1)) as usize;
            if factor > 1 {
                s.values = consolidate(&s.values, factor, s.consolidation, s.x_files_factor);
                s.step = step;
            }
            s
        })
        .collect();
    Some(Normalized {
        series,
        start,
        end,
        step,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    const N: f64 = f64::NAN;

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x.is_nan() && y.is_nan()) || x == y)
    }

    #[test]
    fn consolidation_groups_and_xff() {
        let v = [1.0, N, 3.0, 4.0, N, N, 7.0];
        assert!(same(
            &consolidate(&v, 3, Consolidation::Average, 0.0),
            &[2.0, 4.0, 7.0]
        ));
        // The last group [7.0] holds 1 known value of 3 slots: below 0.5.
        assert!(same(
            &consolidate(&v, 3, Consolidation::Sum, 0.5),
            &[4.0, N, N]
        ));
        assert!(same(
            &consolidate(&v, 3, Consolidation::Sum, 0.3),
            &[4.0, 4.0, 7.0]
        ));
        assert!(same(
            &consolidate(&v, 3, Consolidation::AvgZero, 0.0),
            &[4.0 / 3.0, 4.0 / 3.0, 7.0]
        ));
        assert!(same(
            &consolidate(&v, 2, Consolidation::First, 0.0),
            &[1.0, 3.0, N, 7.0]
        ));
        assert!(same(
            &consolidate(&v, 2, Consolidation::Last, 0.0),
            &[1.0, 4.0, N, 7.0]
        ));
        assert!(same(&consolidate(&v, 7, Consolidation::Max, 0.0), &[7.0]));
        assert!(same(&consolidate(&v, 1, Consolidation::Min, 0.0), &v));
    }

    #[test]
    fn normalize_uses_lcm_and_positional_rows() {
        // divideSeries(A (step 10), B (step 60)) => both at step 60 (graphite.md 5.12).
        let a = Series::new("a", 0, 10, (0..12).map(|i| i as f64).collect());
        let b = Series::new("b", 0, 60, vec![1.0, 2.0]);
        let n = normalize(vec![a, b]).unwrap();
        assert_eq!((n.start, n.end, n.step), (0, 120, 60));
        assert!(same(&n.series[0].values, &[2.5, 8.5]));
        let mut row = Vec::new();
        n.row(1, &mut row);
        assert!(same(&row, &[8.5, 2.0]));
        assert_eq!(n.rows(), 2);
        assert!(normalize(Vec::new()).is_none());
        assert_eq!(lcm(10, 60), 60);
        assert_eq!(lcm(40, 60), 120);
    }
}
