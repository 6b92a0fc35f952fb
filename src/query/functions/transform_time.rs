//! graphite-web's Transform functions that move data in time: timeShift and timeStack
//! re-fetch their first argument over a shifted range and relabel it onto the request's
//! timestamps (graphite.md 3.6); timeSlice blanks values outside a window; delay shifts values
//! by whole steps.

use super::transform::{offset_seconds, spec, Out, SERIES};
use crate::query::registry::{Invocation, Literal, Param, ParamType as T, Value};
use crate::query::time::parse_time;
use crate::query::QueryError;
use crate::series::Series;

/// Shifts one timeStack call may re-fetch: each is a full evaluation of its first argument,
/// and a week of days (graphite-web's default 0..7) is the common use.
const MAX_SHIFTS: i64 = 1000;

/// A shift string as graphite-web reads it: a leading digit means back in time (`"1d"` is
/// `"-1d"`); returns the text as it will appear in names and the signed seconds.
fn shift_of(inv: &Invocation<'_>, i: usize) -> Result<(String, i64), QueryError> {
    let mut text = inv.str(i).unwrap_or_default().to_string();
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        text.insert(0, '-');
    }
    let seconds = offset_seconds(inv, &text)?;
    Ok((text, seconds))
}

/// Puts a re-fetched series onto the request's timeline: it starts where `first` starts and,
/// when `reset_end`, keeps only the points graphite-web's JSON would show up to `first`'s end
/// (its timestamps run to the end inclusive, so one point more than `first` may remain).
fn relabel(s: &mut Series, first: &Series, reset_end: bool) {
    if reset_end {
        let shown = ((first.end() - first.start).div_euclid(s.step) + 1).max(0) as usize;
        s.values.truncate(shown);
        s.ints.truncate(shown);
    }
    s.start = first.start;
}

fn time_shift(inv: &mut Invocation<'_>) -> Out {
    let (text, delta) = shift_of(inv, 1)?;
    let reset_end = inv.bool(2);
    let align_dst = inv.bool(3);
    let ctx = inv.ctx;
    let (mut from, mut until) = (ctx.from + delta, ctx.until + delta);
    if align_dst {
        // graphite-web moves the shifted range by the DST difference when each range lies
        // entirely on one side of a change (server local time there, the request tz here).
        let at = |t| i64::from(ctx.tz.offset_at(t));
        let (req, shifted) = ((at(ctx.from), at(ctx.until)), (at(from), at(until)));
        if req.0 == req.1 && shifted.0 == shifted.1 && req.0 != shifted.0 {
            from += req.0 - shifted.0;
            until += req.0 - shifted.0;
        }
    }
    let list = inv.take_series(0);
    let Some(first) = list.first() else {
        return Ok(Vec::new());
    };
    // Shifted values are the same Python objects, ints included.
    let mut out = inv.refetch_with_ints(0, from, until)?;
    for s in &mut out {
        s.tags.insert("timeShift".into(), text.clone());
        // The path expression stays the re-fetched one, as in graphite-web.
        s.name = format!("timeShift({}, \"{text}\")", s.name);
        relabel(s, first, reset_end);
    }
    Ok(out)
}

fn time_stack(inv: &mut Invocation<'_>) -> Out {
    let (unit, delta) = shift_of(inv, 1)?;
    let (first_k, last_k) = (inv.int(2).unwrap_or(0), inv.int(3).unwrap_or(7));
    if last_k.saturating_sub(first_k) > MAX_SHIFTS {
        return Err(inv.error(format!(
            "{} shifts would exceed the limit of {MAX_SHIFTS}",
            last_k - first_k
        )));
    }
    let list = inv.take_series(0);
    let Some(first) = list.first() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for k in first_k..last_k {
        let shift = delta
            .checked_mul(k)
            .ok_or_else(|| inv.error(format!("shift {unit} × {k} is out of range")))?;
        for mut s in inv.refetch(0, inv.ctx.from + shift, inv.ctx.until + shift)? {
            s.tags.insert("timeShiftUnit".into(), unit.clone());
            s.tags.insert("timeShift".into(), k.to_string());
            s.name = format!("timeShift({}, {unit}, {k})", s.name);
            s.path_expression = s.name.clone();
            relabel(&mut s, first, true);
            out.push(s);
        }
    }
    Ok(out)
}

/// A `date` parameter: a time string read like `from`/`until`, or epoch seconds.
fn date(inv: &Invocation<'_>, i: usize) -> Result<i64, QueryError> {
    match inv.value(i) {
        Value::Int(n) => Ok(*n),
        Value::Str(text) => parse_time(text, inv.ctx.now).map_err(|e| inv.error(e)),
        _ => parse_time("now", inv.ctx.now).map_err(|e| inv.error(e)),
    }
}

/// Values whose time lies outside `[start, end]` become None. Like graphite-web, the times
/// counted are the request's from + i × step, not the series' own timestamps.
fn time_slice(inv: &mut Invocation<'_>) -> Out {
    let (start, end) = (date(inv, 1)?, date(inv, 2)?);
    let from = inv.ctx.from;
    let mut list = inv.take_series_with_ints(0);
    for s in &mut list {
        s.tags.insert("timeSliceStart".into(), start.to_string());
        s.tags.insert("timeSliceEnd".into(), end.to_string());
        s.name = format!("timeSlice({}, {start}, {end})", s.name);
        let mut t = from;
        for v in &mut s.values {
            if t < start || t > end {
                *v = f64::NAN;
            }
            t += s.step;
        }
    }
    Ok(list)
}

/// Values move `steps` positions later (earlier when negative), None filling the gap.
/// graphite-web 1.1.8 empties the series for `delay(x, 0)`; pencil leaves it unchanged.
fn delay(inv: &mut Invocation<'_>) -> Out {
    let steps = inv.int(1).unwrap_or(0);
    let mut list = inv.take_series_with_ints(0);
    for s in &mut list {
        let n = s.values.len();
        let by = steps.unsigned_abs().min(n as u64) as usize;
        // Python moves the values themselves, so ints stay ints.
        s.ints.resize(if s.ints.is_empty() { 0 } else { n }, false);
        if steps > 0 {
            s.values.rotate_right(by);
            s.values[..by].fill(f64::NAN);
            let by = by.min(s.ints.len());
            s.ints.rotate_right(by);
        } else {
            s.values.rotate_left(by);
            s.values[n - by..].fill(f64::NAN);
            let by = by.min(s.ints.len());
            s.ints.rotate_left(by);
        }
        s.tags.insert("delay".into(), steps.to_string());
        s.name = format!("delay({},{steps})", s.name);
        s.path_expression = s.name.clone();
    }
    Ok(list)
}

const SHIFTS: &[Literal] = &[
    Literal::Str("1h"),
    Literal::Str("6h"),
    Literal::Str("12h"),
    Literal::Str("1d"),
    Literal::Str("2d"),
    Literal::Str("7d"),
    Literal::Str("14d"),
    Literal::Str("30d"),
];

pub(crate) const SPECS: &[crate::query::registry::FunctionSpec] = &[
    spec(
        "timeShift",
        "The series as it was the given time ago (\"1d\" and \"-1d\" look back, \"+1h\" \
         ahead), drawn over the requested range.",
        &[
            SERIES,
            Param::req("timeShift", T::Interval).suggest(SHIFTS),
            Param::opt("resetEnd", T::Boolean).default(Literal::Bool(true)),
            Param::opt("alignDst", T::Boolean).default(Literal::Bool(false)),
        ],
        time_shift,
    ),
    spec(
        "timeStack",
        "One timeShift per multiple k of the unit for k from timeShiftStart up to (not \
         including) timeShiftEnd, named timeShift(name, unit, k).",
        &[
            SERIES,
            Param::opt("timeShiftUnit", T::Interval)
                .default(Literal::Str("1d"))
                .suggest(SHIFTS),
            Param::opt("timeShiftStart", T::Integer).default(Literal::Int(0)),
            Param::opt("timeShiftEnd", T::Integer).default(Literal::Int(7)),
        ],
        time_stack,
    ),
    spec(
        "timeSlice",
        "Keeps only the values from startSliceAt to endSliceAt (inclusive); the rest become None.",
        &[
            SERIES,
            Param::req("startSliceAt", T::Date),
            Param::opt("endSliceAt", T::Date).default(Literal::Str("now")),
        ],
        time_slice,
    ),
    spec(
        "delay",
        "Shifts the values later by the given number of steps (earlier when negative), \
         padding with None; timestamps stay.",
        &[SERIES, Param::req("steps", T::Integer)],
        delay,
    ),
];

#[cfg(test)]
#[path = "transform_time_tests.rs"]
mod tests;
