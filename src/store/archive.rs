//! The shape of a metric's memory (its schema's archives laid out back to back) and whisper's
//! rollup: how the slots of a finer archive aggregate into one slot of a coarser one.
//! Owns no memory itself and never allocates once a layout is built.

use crate::config::{AggMethod, Retention};

/// Whisper's fallback when no schema matches: 60 s × 10080 points (7 days).
pub(crate) const FALLBACK_RETENTION: Retention = Retention {
    step: 60,
    points: 10080,
};
pub(crate) const FALLBACK_TEXT: &str = "60s:7d";

/// Whisper's defaults when no aggregation rule matches.
pub(crate) const DEFAULT_AGG: Agg = Agg {
    method: AggMethod::Average,
    x_files_factor: 0.5,
};

/// A metric's aggregation method and xFilesFactor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Agg {
    pub(crate) method: AggMethod,
    pub(crate) x_files_factor: f32,
}

/// One schema's archives and where each archive's ring starts inside a metric's slots.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) text: String,
    pub(crate) archives: Vec<Retention>,
    /// `ring_start[i]` = slots before archive `i`; the last entry is the metric's total.
    pub(crate) ring_start: Vec<usize>,
}

impl Layout {
    pub(crate) fn new(text: &str, archives: &[Retention]) -> Result<Layout, String> {
        if archives.is_empty() {
            return Err(format!("schema {text:?} has no archives"));
        }
        let mut ring_start = vec![0];
        for (i, a) in archives.iter().enumerate() {
            if a.step == 0 || a.points == 0 {
                return Err(format!(
                    "schema {text:?}: an archive needs a step and points above 0"
                ));
            }
            // Rollup reads step_j / step_i finer slots per coarser one (whisper's rule, 2.1).
            if i > 0 && (a.step <= archives[i - 1].step || a.step % archives[i - 1].step != 0) {
                return Err(format!(
                    "schema {text:?}: each archive's step must be a larger multiple of the previous one"
                ));
            }
            ring_start.push(ring_start[ring_start.len() - 1] + a.points as usize);
        }
        Ok(Layout {
            text: text.to_string(),
            archives: archives.to_vec(),
            ring_start,
        })
    }

    pub(crate) fn slots(&self) -> usize {
        self.ring_start[self.archives.len()]
    }

    pub(crate) fn bytes(&self) -> u64 {
        self.slots() as u64 * 8
    }

    pub(crate) fn step(&self, archive: usize) -> i64 {
        i64::from(self.archives[archive].step)
    }

    pub(crate) fn retention(&self, archive: usize) -> i64 {
        let a = self.archives[archive];
        i64::from(a.step) * i64::from(a.points)
    }

    /// whisper's maxRetention: the longest any archive covers.
    pub(crate) fn max_retention(&self) -> i64 {
        (0..self.archives.len())
            .map(|i| self.retention(i))
            .max()
            .unwrap_or(0)
    }

    /// The finest archive covering `age` seconds back (graphite.md 2.4 and 2.6).
    pub(crate) fn archive_for_age(&self, age: i64) -> Option<usize> {
        (0..self.archives.len()).find(|&i| self.retention(i) >= age)
    }
}

/// whisper's aggregate() over the slots of one coarser interval (NaN = unknown): `None` when no
/// value is known or fewer than `x_files_factor` of them are, which stops propagation.
pub(crate) fn aggregate(agg: Agg, values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut total = 0usize;
    let mut known = 0usize;
    let mut sum = 0.0;
    let (mut last, mut max, mut min, mut absmax, mut absmin) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for v in values {
        total += 1;
        if v.is_nan() {
            continue;
        }
        if known == 0 {
            (max, min, absmax, absmin) = (v, v, v, v);
        } else {
            max = if v > max { v } else { max };
            min = if v < min { v } else { min };
            // Python's max/min with key= keep the first of equal keys, so only strictly beat.
            absmax = if v.abs() > absmax.abs() { v } else { absmax };
            absmin = if v.abs() < absmin.abs() { v } else { absmin };
        }
        known += 1;
        sum += v;
        last = v;
    }
    // whisper compares len(known)/len(all) as Python floats against the header's f32.
    if known == 0 || (known as f64 / total as f64) < f64::from(agg.x_files_factor) {
        return None;
    }
    Some(match agg.method {
        AggMethod::Average => sum / known as f64,
        AggMethod::Sum => sum,
        AggMethod::Last => last,
        AggMethod::Max => max,
        AggMethod::Min => min,
        AggMethod::AvgZero => sum / total as f64,
        AggMethod::AbsMax => absmax,
        AggMethod::AbsMin => absmin,
    })
}

/// whisper's on-disk aggregationType numbers, reused in snapshots.
pub(crate) fn method_code(m: AggMethod) -> u8 {
    match m {
        AggMethod::Average => 1,
        AggMethod::Sum => 2,
        AggMethod::Last => 3,
        AggMethod::Max => 4,
        AggMethod::Min => 5,
        AggMethod::AvgZero => 6,
        AggMethod::AbsMax => 7,
        AggMethod::AbsMin => 8,
    }
}

pub(crate) fn method_from_code(code: u8) -> Option<AggMethod> {
    const ALL: [AggMethod; 8] = [
        AggMethod::Average,
        AggMethod::Sum,
        AggMethod::Last,
        AggMethod::Max,
        AggMethod::Min,
        AggMethod::AvgZero,
        AggMethod::AbsMax,
        AggMethod::AbsMin,
    ];
    ALL.into_iter().find(|&m| method_code(m) == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AggMethod::*;

    const N: f64 = f64::NAN;

    fn agg(method: AggMethod, xff: f32, values: &[f64]) -> Option<f64> {
        aggregate(
            Agg {
                method,
                x_files_factor: xff,
            },
            values.iter().copied(),
        )
    }

    macro_rules! case {
        ($method:expr, $xff:expr, $values:expr => $want:expr) => {
            assert_eq!(
                agg($method, $xff, &$values),
                $want,
                "{:?} xff {} {:?}",
                $method,
                $xff,
                $values
            );
        };
    }

    #[test]
    fn every_method_as_whisper_defines_it() {
        case!(Average, 0.0, [1.0, N, 2.0, 6.0] => Some(3.0));
        case!(Sum, 0.0, [1.0, N, 2.0, 6.0] => Some(9.0));
        case!(Last, 0.0, [1.0, 2.0, 6.0, N] => Some(6.0));
        case!(Max, 0.0, [1.0, N, -2.0, 6.0] => Some(6.0));
        case!(Min, 0.0, [1.0, N, -2.0, 6.0] => Some(-2.0));
        case!(AvgZero, 0.0, [1.0, N, 2.0, 5.0] => Some(2.0));
        case!(AbsMax, 0.0, [1.0, N, -7.0, 6.0] => Some(-7.0));
        case!(AbsMin, 0.0, [3.0, N, -1.0, 2.0] => Some(-1.0));
        case!(AbsMax, 0.0, [-3.0, 3.0] => Some(-3.0));
        case!(AbsMin, 0.0, [2.0, -2.0] => Some(2.0));
    }

    #[test]
    fn x_files_factor_gates_propagation() {
        case!(Average, 0.5, [1.0, N, N, N] => None);
        case!(Average, 0.5, [1.0, 3.0, N, N] => Some(2.0));
        case!(Sum, 0.0, [N, N] => None);
        case!(Max, 1.0, [1.0, 2.0, N] => None);
        case!(Max, 1.0, [1.0, 2.0, 3.0] => Some(3.0));
        // 1/3 as f64 is below 0.33333334 (the f32 nearest 1/3), exactly as in whisper.
        case!(Last, 1.0 / 3.0, [1.0, N, N] => None);
        case!(Last, 0.3, [1.0, N, N] => Some(1.0));
    }

    #[test]
    fn method_codes_round_trip() {
        for code in 1..=8 {
            let m = method_from_code(code).expect("codes 1..=8 are whisper's eight methods");
            assert_eq!(method_code(m), code);
        }
        assert_eq!(method_from_code(0), None);
        assert_eq!(method_from_code(9), None);
    }

    #[test]
    fn layout_places_rings_back_to_back() {
        let l = Layout::new(
            "10s:1m,1m:5m",
            &[
                Retention {
                    step: 10,
                    points: 6,
                },
                Retention {
                    step: 60,
                    points: 5,
                },
            ],
        )
        .expect("valid");
        assert_eq!(l.ring_start, vec![0, 6, 11]);
        assert_eq!(l.bytes(), 88);
        assert_eq!(l.max_retention(), 300);
        assert_eq!(l.archive_for_age(60), Some(0));
        assert_eq!(l.archive_for_age(61), Some(1));
        assert_eq!(l.archive_for_age(301), None);
        assert!(Layout::new("x", &[]).is_err());
        assert!(Layout::new("x", &[Retention { step: 0, points: 1 }]).is_err());
        let uneven = [
            Retention {
                step: 10,
                points: 6,
            },
            Retention {
                step: 15,
                points: 6,
            },
        ];
        assert!(Layout::new("x", &uneven).is_err());
    }
}
