//! graphite-web's bucketing Transform functions: summarize, smartSummarize and hitcount. They
//! turn a series into one value per `interval` seconds; where the buckets start is the whole
//! difference between them (graphite.md 5.12 has worked examples). smartSummarize with alignTo
//! and hitcount with alignToInterval re-fetch their first argument from a truncated start.

use super::transform::{interval_seconds, spec, Out, SERIES};
use crate::query::aggfuncs::{agg_func, AggFn, AGG_FUNC_NAMES};
use crate::query::registry::{Invocation, Literal, Param, ParamType as T, Value};
use crate::query::QueryError;
use crate::series::Series;
use crate::time::Tz;
use crate::time::{civil_from_days, days_from_civil};

/// Buckets one call may produce per series: the render limit on points, so `"1s"` over a year
/// is refused before it allocates instead of after.
const MAX_BUCKETS: i64 = 10_000_000;

const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// The positive interval of parameter `i` and its text as written.
fn bucket_interval(inv: &Invocation<'_>, i: usize) -> Result<(i64, String), QueryError> {
    let seconds = interval_seconds(inv, i)?;
    let text = inv.str(i).unwrap_or_default().to_string();
    if seconds <= 0 {
        // graphite-web divides by zero or loops forever on these.
        return Err(inv.error(format!(
            "interval {text:?} must be positive, e.g. '5min' or '1h'"
        )));
    }
    Ok((seconds, text))
}

fn aggregation(inv: &Invocation<'_>, i: usize) -> Result<(AggFn, String), QueryError> {
    let name = inv.str(i).unwrap_or("sum").to_string();
    let f = agg_func(&name).ok_or_else(|| {
        inv.error(format!(
            "unsupported aggregation function {name:?}; use one of {}",
            AGG_FUNC_NAMES.join(", ")
        ))
    })?;
    Ok((f, name))
}

fn check_buckets(inv: &Invocation<'_>, span: i64, interval: i64) -> Result<(), QueryError> {
    if span / interval > MAX_BUCKETS {
        return Err(inv.error(format!(
            "{} buckets of {interval} s would exceed the limit of {MAX_BUCKETS}; use a longer \
             interval",
            span / interval
        )));
    }
    Ok(())
}

/// graphite-web's `_summarizeValues`: one value per bucket `[t, t + interval)` for t from
/// `start` while below `end`, aggregating the points in it; a bucket whose share of non-null
/// points (against `interval / step`) fails the series' xFilesFactor, or has none, is None.
/// Returns the values and the end of the last bucket.
fn summarize_values(
    s: &Series,
    agg: AggFn,
    interval: i64,
    start: i64,
    end: i64,
) -> (Vec<f64>, i64) {
    let per_bucket = interval as f64 / s.step as f64;
    let mut out = Vec::new();
    let mut i = 0;
    let mut t = start;
    while t < end {
        let first = i;
        let mut known = 0usize;
        while i < s.values.len() && s.start + i as i64 * s.step < t + interval {
            if s.start + i as i64 * s.step >= t && !s.values[i].is_nan() {
                known += 1;
            }
            i += 1;
        }
        let enough = known > 0 && known as f64 / per_bucket >= s.x_files_factor;
        out.push(if enough {
            agg(&s.values[first..i])
        } else {
            f64::NAN
        });
        t += interval;
    }
    (out, t)
}

fn summarize(inv: &mut Invocation<'_>) -> Out {
    let (interval, text) = bucket_interval(inv, 1)?;
    let (agg, func) = aggregation(inv, 2)?;
    let align_to_from = inv.bool(3);
    let mut list = inv.take_series(0);
    for s in &mut list {
        let (start, end) = if align_to_from {
            (s.start, s.end())
        } else {
            (
                s.start - s.start.rem_euclid(interval),
                s.end() - s.end().rem_euclid(interval) + interval,
            )
        };
        check_buckets(inv, end - start, interval)?;
        let (values, _) = summarize_values(s, agg, interval, start, end);
        s.tags.insert("summarize".into(), text.clone());
        s.tags.insert("summarizeFunction".into(), func.clone());
        s.name = format!(
            "summarize({}, \"{text}\", \"{func}\"{})",
            s.name,
            if align_to_from { ", true" } else { "" }
        );
        s.path_expression = s.name.clone();
        s.start = start;
        s.step = interval;
        s.values = values;
        count_is_int(s, &func);
    }
    Ok(list)
}

/// `ts` truncated to the start of its minute, hour, day, week (ISO weekday `weekday`), month
/// or year in `tz`, as graphite-web rebuilds a datetime from the request's local fields.
fn truncate(ts: i64, unit: Unit, tz: &Tz) -> i64 {
    let offset = i64::from(tz.offset_at(ts));
    let local = ts + offset;
    let days = local.div_euclid(DAY);
    let (year, month, _) = civil_from_days(days);
    let local_start = match unit {
        Unit::Seconds => local,
        Unit::Minutes => local - local.rem_euclid(MINUTE),
        Unit::Hours => local - local.rem_euclid(HOUR),
        Unit::Days => days * DAY,
        Unit::Weeks(weekday) => {
            // 1970-01-01 was a Thursday, ISO weekday 4.
            let today = (days + 3).rem_euclid(7) + 1;
            (days - (today - weekday).rem_euclid(7)) * DAY
        }
        Unit::Months => days_from_civil(year, month, 1) * DAY,
        Unit::Years => days_from_civil(year, 1, 1) * DAY,
    };
    // Back to UTC with the offset in force at the truncated instant (DST may differ).
    local_start - i64::from(tz.offset_at(local_start - offset))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Seconds,
    Minutes,
    Hours,
    Days,
    /// The ISO weekday (1 = Monday) weeks start on.
    Weeks(i64),
    Months,
    Years,
}

/// graphite-web's `getUnitString` prefixes; `weeks3` aligns weeks to Wednesdays.
fn align_unit(text: &str) -> Option<Unit> {
    Some(if text.starts_with('s') {
        Unit::Seconds
    } else if text.starts_with("min") {
        Unit::Minutes
    } else if text.starts_with('h') {
        Unit::Hours
    } else if text.starts_with('d') {
        Unit::Days
    } else if text.starts_with('w') {
        let weekday = match text.chars().last() {
            Some(c @ '1'..='7') => i64::from(c as u8 - b'0'),
            Some(c) if c.is_alphabetic() => 1,
            _ => return None,
        };
        Unit::Weeks(weekday)
    } else if text.starts_with("mon") {
        Unit::Months
    } else if text.starts_with('y') {
        Unit::Years
    } else {
        return None;
    })
}

fn smart_summarize(inv: &mut Invocation<'_>) -> Out {
    let (interval, text) = bucket_interval(inv, 1)?;
    let (agg, func) = aggregation(inv, 2)?;
    let mut list = match inv.value(3) {
        Value::Str(align) => {
            let unit = align_unit(align).ok_or_else(|| {
                inv.error(format!(
                    "alignTo {align:?} is not a unit; use years, months, weeks (or weeks1 .. \
                     weeks7 for the ISO weekday), days, hours, minutes or seconds"
                ))
            })?;
            let from = truncate(inv.ctx.from, unit, &inv.ctx.tz);
            inv.refetch(0, from, inv.ctx.until)?
        }
        // graphite-web ignores the old boolean alignToFrom here.
        _ => inv.take_series(0),
    };
    for s in &mut list {
        check_buckets(inv, s.end() - s.start, interval)?;
        let (values, _) = summarize_values(s, agg, interval, s.start, s.end());
        s.tags.insert("smartSummarize".into(), text.clone());
        s.tags.insert("smartSummarizeFunction".into(), func.clone());
        s.name = format!("smartSummarize({}, \"{text}\", \"{func}\")", s.name);
        s.path_expression = s.name.clone();
        s.step = interval;
        s.values = values;
        count_is_int(s, &func);
    }
    Ok(list)
}

/// A bucket's `count` is a Python int (`3`, not `3.0`); every other aggregation a float.
fn count_is_int(s: &mut Series, func: &str) {
    s.ints = if func == "count" {
        vec![true; s.values.len()]
    } else {
        Vec::new()
    };
}

/// Values are rates per second: each point adds `value × seconds of [t, t+step)` to every
/// bucket that span overlaps. Buckets end at the series end (not at an epoch multiple).
fn hitcount(inv: &mut Invocation<'_>) -> Out {
    let (interval, text) = bucket_interval(inv, 1)?;
    let align = inv.bool(2);
    let list = if align {
        let unit = if interval >= DAY {
            Some(Unit::Days)
        } else if interval >= HOUR {
            Some(Unit::Hours)
        } else if interval >= MINUTE {
            Some(Unit::Minutes)
        } else {
            None
        };
        let from = unit.map_or(inv.ctx.from, |u| truncate(inv.ctx.from, u, &inv.ctx.tz));
        inv.refetch(0, from, inv.ctx.until)?
    } else {
        inv.take_series(0)
    };
    let mut out = Vec::with_capacity(list.len());
    for mut s in list {
        let mut end = s.end();
        if align {
            // A whole number of intervals plus one from the truncated start.
            end = s.start + (end - s.start).div_euclid(interval) * interval + interval;
        }
        check_buckets(inv, end - s.start, interval)?;
        let buckets = (end - s.start + interval - 1).div_euclid(interval);
        let start = end - buckets * interval;
        s.values = hit_buckets(&s, start, buckets as usize, interval);
        s.tags.insert("hitcount".into(), text.clone());
        s.name = format!(
            "hitcount({}, \"{text}\"{})",
            s.name,
            if align { ", true" } else { "" }
        );
        s.path_expression = s.name.clone();
        s.start = start;
        s.step = interval;
        out.push(s);
    }
    Ok(out)
}

/// The hits of each of `count` buckets from `start`; a bucket no point reached is None.
fn hit_buckets(s: &Series, start: i64, count: usize, interval: i64) -> Vec<f64> {
    let mut buckets = vec![f64::NAN; count];
    let mut add = |b: i64, hits: f64| {
        if let Some(slot) = usize::try_from(b).ok().and_then(|b| buckets.get_mut(b)) {
            *slot = if slot.is_nan() { hits } else { *slot + hits };
        }
    };
    let last = count as i64 - 1;
    for (i, &v) in s.values.iter().enumerate() {
        if v.is_nan() {
            continue;
        }
        let t = s.start + i as i64 * s.step;
        let (first_b, first_mod) = (
            (t - start).div_euclid(interval),
            (t - start).rem_euclid(interval),
        );
        let span_end = t + s.step - start;
        let (mut last_b, mut last_mod) =
            (span_end.div_euclid(interval), span_end.rem_euclid(interval));
        if last_b > last {
            last_b = last;
            last_mod = interval;
        }
        if first_b == last_b {
            add(first_b, v * (last_mod - first_mod) as f64);
        } else {
            add(first_b, v * (interval - first_mod) as f64);
            for b in first_b + 1..last_b {
                add(b, v * interval as f64);
            }
            if last_mod > 0 {
                add(last_b, v * last_mod as f64);
            }
        }
    }
    buckets
}

const INTERVAL: Param = Param::req("intervalString", T::Interval).suggest(&[
    Literal::Str("10min"),
    Literal::Str("1h"),
    Literal::Str("1d"),
]);
const FUNC: Param = Param::opt("func", T::AggFunc).default(Literal::Str("sum"));

pub(crate) const SPECS: &[crate::query::registry::FunctionSpec] = &[
    spec(
        "summarize",
        "One value per interval: the points of each bucket aggregated with func (sum by \
         default). Buckets are aligned to multiples of the interval since the epoch, or start \
         at the first point with alignToFrom=true.",
        &[
            SERIES,
            INTERVAL,
            FUNC,
            Param::opt("alignToFrom", T::Boolean).default(Literal::Bool(false)),
        ],
        summarize,
    ),
    spec(
        "smartSummarize",
        "Like summarize with buckets starting at the first point; alignTo (years, months, \
         weeks, days, hours, minutes, seconds) first moves the request start back to the \
         beginning of that unit.",
        // graphite-web lists alignTo's options with True/False/None, which a string
        // parameter cannot carry; leaving them out also keeps `weeks3` (align to Wednesdays).
        &[SERIES, INTERVAL, FUNC, Param::opt("alignTo", T::String)],
        smart_summarize,
    ),
    spec(
        "hitcount",
        "Treats values as rates per second and counts the hits in each interval; buckets end \
         at the series end, or start at the request start truncated to the day, hour or \
         minute with alignToInterval=true.",
        &[
            SERIES,
            INTERVAL,
            Param::opt("alignToInterval", T::Boolean).default(Literal::Bool(false)),
        ],
        hitcount,
    ),
];

#[cfg(test)]
#[path = "summarize_tests.rs"]
mod tests;
