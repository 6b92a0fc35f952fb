//! The y axis as graphite-web 1.1 computes it (`_LinearAxisTics`, `_LogAxisTics`, `format_units`):
//! the data range widened by the user's yMin/yMax/yLimit, a "nice" step chosen from 1-2-5 (or powers
//! of two for binary units) over the allowed divisor counts with the least slop, the label values and
//! their text in Python's number formatting with si/binary/sec/msec prefixes.
//!
//! Owns axis arithmetic and label text; must not measure or draw.

use super::options::{AxisMax, AxisSettings, UnitSystem};
use super::pyfmt;

/// graphite-web's tolerance for values "fractionally outside" a limit.
const EPSILON: f64 = 0.0001;

/// Label values past this many steps mean the step makes no sense for the span; graphite-web then
/// chooses its own step, and so do we.
const MAX_STEPS: f64 = 1000.0;

/// A finished axis: where it starts and ends and what its labels say.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axis {
    pub step: Option<f64>,
    pub bottom: f64,
    pub top: f64,
    pub log_base: Option<f64>,
    pub values: Vec<f64>,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Data,
    Min,
    Max,
    Limit,
    Extremum,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Data | Source::Extremum => "data",
            Source::Min => "min",
            Source::Max => "max",
            Source::Limit => "limit",
        }
    }
}

struct Range {
    min: f64,
    min_source: Source,
    max: f64,
    max_source: Source,
    limit: Option<f64>,
}

fn choose_delta(x: f64) -> f64 {
    if x.abs() < 1.0e-9 {
        1.0
    } else {
        0.1 * x.abs()
    }
}

/// `applySettings` and `reconcileLimits`.
fn apply(min: f64, max: f64, s: &AxisSettings) -> Result<Range, String> {
    let mut r = Range {
        min,
        min_source: Source::Data,
        max,
        max_source: Source::Data,
        limit: None,
    };
    if let Some(m) = s.min {
        r.min = m;
        r.min_source = Source::Min;
    }
    match s.max {
        AxisMax::Auto => {}
        AxisMax::Extremum => r.max_source = Source::Extremum,
        AxisMax::Value(m) => {
            r.max = m;
            r.max_source = Source::Max;
        }
    }
    match s.limit {
        Some(l) if l < r.max => {
            r.max = l;
            r.max_source = Source::Limit;
        }
        Some(l) if l.is_finite() => r.limit = Some(l),
        _ => {}
    }
    if r.min < r.max {
        return Ok(r);
    }
    let min_fixed = r.min_source == Source::Min;
    let max_fixed = matches!(r.max_source, Source::Max | Source::Limit);
    if min_fixed && max_fixed {
        return Err(format!(
            "the {} must be less than the {}",
            r.min_source.name(),
            r.max_source.name()
        ));
    } else if min_fixed {
        r.max = r.min + choose_delta(r.min);
    } else if max_fixed {
        r.min = r.max - choose_delta(r.max);
    } else {
        let delta = choose_delta(r.min.abs().max(r.max.abs()));
        let average = (r.min + r.max) / 2.0;
        r.min = average - delta;
        r.max = average + delta;
    }
    Ok(r)
}

/// Steps of at least `min_step` in increasing order: 1, 2, 5 times powers of ten, or powers of two.
fn steps(min_step: f64, binary: bool) -> impl Iterator<Item = f64> {
    let (base, mantissas): (f64, &[f64]) = if binary {
        (2.0, &[1.0])
    } else {
        (10.0, &[1.0, 2.0, 5.0])
    };
    // Exponents outside f64's range mean a degenerate span; clamping keeps the walk finite.
    let first = (min_step.log(base) - EPSILON)
        .floor()
        .clamp(-1100.0, 1100.0) as i32;
    (first..).flat_map(move |e| {
        let multiplier = base.powi(e);
        mantissas
            .iter()
            .map(move |m| m * multiplier)
            .filter(move |v| *v >= min_step * (1.0 - EPSILON))
    })
}

fn slop(r: &Range, step: f64, divisor: f64) -> Option<f64> {
    let bottom = step * (r.min / step + EPSILON).floor();
    let top = bottom + step * divisor;
    (top >= r.max - EPSILON * step).then(|| (top - r.max).max(r.min - bottom))
}

/// `chooseStep`: the step whose best divisor count leaves the least white space around the data.
pub(crate) fn choose_step(min: f64, max: f64, divisors: &[f64], binary: bool) -> f64 {
    let variance = max - min;
    let most = divisors.iter().cloned().fold(1.0, f64::max);
    let least = divisors.iter().cloned().fold(f64::INFINITY, f64::min);
    let r = Range {
        min,
        min_source: Source::Data,
        max,
        max_source: Source::Data,
        limit: None,
    };
    let mut best: Option<(f64, f64)> = None;
    // The step sequence grows geometrically, so a bounded walk always passes the stopping rule; the
    // bound only guards against a non-finite variance.
    for step in steps(variance / most, binary).take(400) {
        if let Some((best_slop, _)) = best {
            if step * least >= 2.0 * best_slop + variance {
                break;
            }
        }
        for &d in divisors {
            if let Some(s) = slop(&r, step, d) {
                if best.is_none_or(|(b, _)| s < b) {
                    best = Some((s, step));
                }
            }
        }
    }
    best.map_or(variance.max(1.0), |(_, step)| step)
}

/// The whole axis for data from `min` to `max` with the user's settings.
pub(crate) fn build(
    data_min: f64,
    data_max: f64,
    settings: &AxisSettings,
    divisors: &[f64],
    units: UnitSystem,
    log_base: Option<f64>,
) -> Result<Axis, String> {
    if !(data_min.is_finite() && data_max.is_finite()) {
        return Err("the data range is not finite".into());
    }
    let mut r = apply(data_min, data_max, settings)?;
    if let Some(base) = log_base {
        return log_axis(&r, base, units);
    }
    if r.min == r.max {
        // Reconciled limits differ, but keep graphite-web's guard for a zero-width range.
        r.max = r.min + 1.0;
    }
    let step = match settings.step {
        Some(s) => s,
        None => choose_step(r.min, r.max, divisors, units == UnitSystem::Binary),
    };
    let bottom = if r.min_source == Source::Data {
        step * (r.min / step + EPSILON).floor()
    } else {
        r.min
    };
    let mut top = if r.max_source == Source::Data {
        let t = step * (r.max / step - EPSILON).ceil();
        match r.limit {
            Some(l) if t > l + EPSILON * step => l,
            _ => t,
        }
    } else {
        r.max
    };
    let mut span = top - bottom;
    if span == 0.0 {
        top += 1.0;
        span += 1.0;
    }
    let step = if span > MAX_STEPS * step {
        choose_step(r.min, r.max, &[4.0, 5.0, 6.0], false)
    } else {
        step
    };
    let start = step * (bottom / step - EPSILON).ceil();
    let values: Vec<f64> = (0..)
        .map(|i| start + i as f64 * step)
        .take_while(|v| *v <= top + EPSILON * step)
        .take(MAX_STEPS as usize + 2)
        .collect();
    let labels = values
        .iter()
        .map(|v| label(*v, Some(step), span, units))
        .collect();
    Ok(Axis {
        step: Some(step),
        bottom,
        top,
        log_base: None,
        values,
        labels,
    })
}

fn log_axis(r: &Range, base: f64, units: UnitSystem) -> Result<Axis, String> {
    if r.min <= 0.0 {
        return Err(
            "logarithmic scale specified with a dataset with a minimum value less than or equal to zero"
                .into(),
        );
    }
    let bottom = base.powf(r.min.log(base).floor());
    let mut top = base.powf(r.max.log(base).ceil());
    if top - bottom == 0.0 {
        top *= base;
    }
    let span = top - bottom;
    let mut values = Vec::new();
    let mut v = base.powf((bottom.log(base) - EPSILON).ceil());
    while v < top * (1.0 + EPSILON) && values.len() < 2000 {
        values.push(v);
        v *= base;
    }
    let labels = values
        .iter()
        .map(|v| label(*v, None, span, units))
        .collect();
    Ok(Axis {
        step: None,
        bottom,
        top,
        log_base: Some(base),
        values,
        labels,
    })
}

fn prefixes(units: UnitSystem) -> &'static [(&'static str, f64)] {
    const SI: &[(&str, f64)] = &[("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)];
    const BINARY: &[(&str, f64)] = &[
        ("Pi", 1125899906842624.0),
        ("Ti", 1099511627776.0),
        ("Gi", 1073741824.0),
        ("Mi", 1048576.0),
        ("Ki", 1024.0),
    ];
    const SEC: &[(&str, f64)] = &[
        ("Y", 31536000.0),
        ("M", 2592000.0),
        ("D", 86400.0),
        ("H", 3600.0),
        ("m", 60.0),
    ];
    const MSEC: &[(&str, f64)] = &[
        ("Y", 31536000000.0),
        ("M", 2592000000.0),
        ("D", 86400000.0),
        ("H", 3600000.0),
        ("m", 60000.0),
        ("s", 1000.0),
    ];
    match units {
        UnitSystem::Si => SI,
        UnitSystem::Binary => BINARY,
        UnitSystem::Sec => SEC,
        UnitSystem::Msec => MSEC,
        UnitSystem::None => &[],
    }
}

/// graphite-web's `format_units`: the value scaled to the largest prefix both it and the step reach.
pub(crate) fn format_units(v: f64, step: Option<f64>, units: UnitSystem) -> (f64, &'static str) {
    let snap = |x: f64| {
        if x - x.floor() < 0.00000000001 && x > 1.0 {
            x.floor()
        } else {
            x
        }
    };
    for &(prefix, size) in prefixes(units) {
        if v.abs() >= size && step.is_none_or(|s| s >= size) {
            let v2 = v / size;
            // graphite-web tests the unscaled value here.
            let v2 = if v2 - v2.floor() < 0.00000000001 && v > 1.0 {
                v2.floor()
            } else {
                v2
            };
            return (v2, prefix);
        }
    }
    (snap(v), "")
}

/// `makeLabel`: the label text, trailing space and all, as graphite-web prints it.
pub(crate) fn label(value: f64, step: Option<f64>, span: f64, units: UnitSystem) -> String {
    let (v, prefix) = format_units(value, step, units);
    let (span, span_prefix) = format_units(span, step, units);
    let prefix = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix} ")
    };
    if v < 0.1 {
        format!("{} {prefix}", pyfmt::g(v))
    } else if v < 1.0 {
        format!("{v:.2} {prefix}")
    } else if span > 10.0 || span_prefix != prefix {
        // Values are Python floats here, which graphite-web prints with one decimal.
        format!("{v:.1} {prefix}")
    } else if span > 3.0 {
        format!("{v:.1} {prefix}")
    } else if span > 0.1 {
        format!("{v:.2} {prefix}")
    } else {
        format!("{} {prefix}", pyfmt::g(v))
    }
}

impl Axis {
    /// The lowest and highest label values, or the axis ends when there are no labels: graphite-web maps
    /// values between those.
    fn extent(&self) -> (f64, f64) {
        let lo = self.values.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = self
            .values
            .iter()
            .cloned()
            .fold(f64::NEG_INFINITY, f64::max);
        if lo.is_finite() && hi.is_finite() && hi > lo {
            (lo, hi)
        } else {
            (self.bottom, self.top)
        }
    }

    /// `getYCoord`: the pixel row of `value` between `ymin` (top) and `ymax` (bottom); None for values a
    /// log axis cannot show.
    pub(crate) fn y(&self, value: f64, ymin: f64, ymax: f64) -> Option<f64> {
        self.rows(ymin, ymax).y(value)
    }

    /// `getYCoord` for many values: the extent and its logarithms worked out once, not per point.
    pub(crate) fn rows(&self, ymin: f64, ymax: f64) -> Rows {
        let (lo, hi) = self.extent();
        let (lo, range) = match self.log_base {
            Some(base) => (lo.log(base), hi.log(base) - lo.log(base)),
            None => (lo, hi - lo),
        };
        Rows {
            lo,
            range,
            log_base: self.log_base,
            ymin,
            ymax,
        }
    }
}

/// An axis mapped onto the pixel rows `ymin..ymax`; see [`Axis::rows`].
pub(crate) struct Rows {
    /// The lowest value shown, as a logarithm on a log axis.
    lo: f64,
    range: f64,
    log_base: Option<f64>,
    ymin: f64,
    ymax: f64,
}

impl Rows {
    /// The pixel row of `value`; None for values a log axis cannot show.
    pub(crate) fn y(&self, value: f64) -> Option<f64> {
        let relative = match self.log_base {
            Some(base) => {
                if value <= 0.0 {
                    return None;
                }
                value.log(base) - self.lo
            }
            None => value - self.lo,
        };
        if self.range == 0.0 || !self.range.is_finite() {
            return Some(self.ymax);
        }
        Some(self.ymax - (self.ymax - self.ymin) / self.range * relative)
    }
}

#[cfg(test)]
#[path = "yaxis_tests.rs"]
mod tests;
