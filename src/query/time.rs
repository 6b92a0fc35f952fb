//! `from`/`until`/`now` parsing: graphite-web's `parseATTime` (graphite.md 3.2) in full —
//! epoch seconds, `YYYYMMDD`, `now`, relative offsets, times of day (`HH:MM`, `6pm`, `noon`,
//! `midnight`, `teatime`), day references (`today`, `yesterday`, `tomorrow`, `MM/DD/YY`,
//! month names, weekday names) and their combinations, plus a bare `m` for minutes (pencil's
//! decision). Dates and times of day are local to a time zone; offsets are fixed second counts.
//! Pure: `now` and the zone are arguments; no clock, no files.

use crate::time::{civil_from_days, days_from_civil};
use crate::time::{is_leap, Tz};
use std::fmt;

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// A time specification pencil cannot turn into a timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeError {
    pub spec: String,
    pub kind: TimeErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeErrorKind {
    /// What is left of the reference after the time of day is not a day graphite knows.
    UnknownReference(String),
    /// A time of day that is not one: `25:00`, `9:7am`, `xpm`.
    InvalidTimeOfDay,
    /// A month name with no day of the month after it, e.g. `jan`.
    MissingDay,
    /// An offset unit that matches none of the prefixes.
    UnknownUnit(String),
    /// A unit with no number in front of it, e.g. `-h`.
    MissingNumber,
    /// A number with no unit after it, e.g. `-1`.
    MissingUnit,
    /// A date that does not exist (`20200230`, `02/30/2020`) or is outside the years 1-9999.
    InvalidDate,
    /// The result does not fit in a timestamp.
    OutOfRange,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let spec = &self.spec;
        match &self.kind {
            TimeErrorKind::UnknownReference(rest) => {
                write!(
                    f,
                    "time {spec:?}: unknown day reference {rest:?} (expected now, today, \
                     yesterday, tomorrow, YYYYMMDD, MM/DD/YY, a month name and day such as jan1, \
                     or a weekday such as monday, optionally after a time such as 6pm, 14:30 or \
                     noon, then an offset such as -1d)"
                )?;
                if rest.contains(['+', '-']) {
                    f.write_str("; only one offset may follow, and it comes last")?;
                }
                Ok(())
            }
            TimeErrorKind::InvalidTimeOfDay => write!(
                f,
                "time {spec:?}: invalid time of day (expected HH:MM with an hour below 24, \
                 optionally followed by am or pm, or 6am, 11pm, noon, midnight, teatime)"
            ),
            TimeErrorKind::MissingDay => write!(
                f,
                "time {spec:?}: a month name needs a day of the month after it, e.g. jan1 or march15"
            ),
            TimeErrorKind::UnknownUnit(unit) => write!(
                f,
                "time {spec:?}: unknown unit {unit:?} (expected s, min (or m), h, d, w, mon or y)"
            ),
            TimeErrorKind::MissingNumber => {
                write!(f, "time {spec:?}: each unit needs a number in front of it, e.g. -1h30min")?;
                if spec.contains('+') {
                    // `noon+yesterday` from the docs means noon yesterday only in a URL.
                    f.write_str(
                        "; a literal + starts an offset: for noon yesterday write \
                         noon+yesterday in a URL (where + is a space), or noon%20yesterday",
                    )?;
                }
                Ok(())
            }
            TimeErrorKind::MissingUnit => write!(
                f,
                "time {spec:?}: a number needs a unit after it (s, min, h, d, w, mon or y), e.g. -1h"
            ),
            TimeErrorKind::InvalidDate => write!(f, "time {spec:?}: no such date"),
            TimeErrorKind::OutOfRange => write!(f, "time {spec:?} is out of range"),
        }
    }
}

impl std::error::Error for TimeError {}

/// Parses a graphite time specification relative to `now` (unix seconds), dates in UTC
/// (graphite-web's default TIME_ZONE).
pub fn parse_time(spec: &str, now: i64) -> Result<i64, TimeError> {
    parse_time_in(spec, now, &Tz::utc())
}

/// Parses a graphite time specification relative to `now`, with dates and times of day in
/// `tz` (the render `tz` parameter).
pub fn parse_time_in(spec: &str, now: i64, tz: &Tz) -> Result<i64, TimeError> {
    parse_with(spec, now, &|t| i64::from(tz.offset_at(t)))
}

/// The parser proper; `offset_at(t)` is the zone's offset east of UTC in seconds at instant `t`.
fn parse_with(spec: &str, now: i64, offset_at: &dyn Fn(i64) -> i64) -> Result<i64, TimeError> {
    let err = |kind| TimeError {
        spec: spec.to_string(),
        kind,
    };
    // graphite-web lowercases and drops `_`, `,` and spaces before anything else.
    let cleaned: String = spec
        .chars()
        .filter(|c| !matches!(c, '_' | ',' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let s = cleaned.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && !looks_like_date(s) {
        return s.parse().map_err(|_| err(TimeErrorKind::OutOfRange));
    }
    let (reference, offset) = match s.find('+').or_else(|| s.find('-')) {
        Some(at) => s.split_at(at),
        None => (s, ""),
    };
    let base = parse_reference(reference, now, offset_at).map_err(err)?;
    let delta = parse_offset(offset).map_err(err)?;
    base.checked_add(delta)
        .ok_or_else(|| err(TimeErrorKind::OutOfRange))
}

/// Eight digits with a year past 1900, a month below 13 and a day below 32 are `YYYYMMDD`;
/// any other run of digits is epoch seconds (step 1 of graphite's grammar).
fn looks_like_date(s: &str) -> bool {
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<i64>().ok());
    s.len() == 8
        && num(0..4).is_some_and(|y| y > 1900)
        && num(4..6).is_some_and(|m| m < 13)
        && num(6..8).is_some_and(|d| d < 32)
}

/// graphite-web's `parseTimeReference`: an optional time of day, then an optional day, local
/// to the zone; without a time of day the day starts at midnight.
fn parse_reference(
    reference: &str,
    now: i64,
    offset_at: &dyn Fn(i64) -> i64,
) -> Result<i64, TimeErrorKind> {
    if reference.is_empty() || reference == "now" {
        return Ok(now);
    }
    let unknown = || TimeErrorKind::UnknownReference(reference.to_string());
    if !reference.is_ascii() {
        return Err(unknown());
    }
    let local_now = now
        .checked_add(offset_at(now))
        .ok_or(TimeErrorKind::OutOfRange)?;
    let (hour, minute, rest) = time_of_day(reference)?;
    if !(0..24).contains(&hour) || !(0..60).contains(&minute) {
        return Err(TimeErrorKind::InvalidTimeOfDay);
    }
    let today = local_now.div_euclid(DAY);
    let day = match rest {
        "" | "today" => today,
        "yesterday" => today - 1,
        "tomorrow" => today + 1,
        _ if rest.matches('/').count() == 2 => {
            let mut parts = rest.split('/').map(py_int);
            let (m, d, y) = match (parts.next(), parts.next(), parts.next()) {
                (Some(Ok(m)), Some(Ok(d)), Some(Ok(y))) => (m, d, y),
                _ => return Err(unknown()),
            };
            // Two-digit years: 70-99 are 19xx, 00-69 are 20xx, as graphite-web does it.
            let y = if y < 1900 { y + 1900 } else { y };
            let y = if y < 1970 { y + 100 } else { y };
            date(y, m, d)?
        }
        _ if rest.len() == 8 && rest.bytes().all(|b| b.is_ascii_digit()) => {
            let n = |r: std::ops::Range<usize>| py_int(&rest[r]);
            date(n(0..4)?, n(4..6)?, n(6..8)?)?
        }
        _ if rest.len() >= 3 && MONTHS.contains(&&rest[..3]) => {
            let month = MONTHS.iter().position(|m| *m == &rest[..3]).unwrap_or(0) as i64 + 1;
            // graphite-web reads the day from the last two characters (or the last one).
            let tail = |n: usize| {
                rest.get(rest.len().saturating_sub(n)..)
                    .filter(|t| t.len() == n)
            };
            let day = match (tail(2), tail(1)) {
                (Some(t), _) if t.bytes().all(|b| b.is_ascii_digit()) => py_int(t)?,
                (_, Some(t)) if t.bytes().all(|b| b.is_ascii_digit()) => py_int(t)?,
                _ => return Err(TimeErrorKind::MissingDay),
            };
            let (year, _, _) = civil_from_days(today);
            date(year, month, day)?
        }
        _ if rest.len() >= 3 && WEEKDAYS.contains(&&rest[..3]) => {
            let want = WEEKDAYS.iter().position(|w| *w == &rest[..3]).unwrap_or(0) as i64;
            // 1970-01-01 was a Thursday (index 4): the most recent such day, today included.
            let weekday = (today + 4).rem_euclid(7);
            today - (weekday - want).rem_euclid(7)
        }
        _ => return Err(unknown()),
    };
    let local = day
        .checked_mul(DAY)
        .and_then(|d| d.checked_add(hour * HOUR + minute * MINUTE))
        .ok_or(TimeErrorKind::OutOfRange)?;
    local_to_utc(local, offset_at)
}

/// The leading time of day of a reference and what follows it, in graphite-web's order:
/// `HH:MM` (then `am` or `pm`), then `Xam`/`XXam`, then `Xpm`/`XXpm`, then `noon`, `midnight`
/// or `teatime`. Its quirks are kept: `12am` is 12:00 and `12pm` is 00:00, as there.
fn time_of_day(reference: &str) -> Result<(i64, i64, &str), TimeErrorKind> {
    let (mut hour, mut minute) = (0, 0);
    let mut rest = reference;
    if let Some(i) = rest.find(':').filter(|&i| 0 < i && i < 3) {
        hour = py_int(&rest[..i]).map_err(|_| TimeErrorKind::InvalidTimeOfDay)?;
        let end = (i + 3).min(rest.len());
        minute = py_int(&rest[i + 1..end]).map_err(|_| TimeErrorKind::InvalidTimeOfDay)?;
        rest = &rest[end..];
        if let Some(after) = rest.strip_prefix("am") {
            rest = after;
        } else if let Some(after) = rest.strip_prefix("pm") {
            hour = (hour + 12) % 24;
            rest = after;
        }
    }
    if let Some(i) = rest.find("am").filter(|&i| 0 < i && i < 3) {
        hour = py_int(&rest[..i]).map_err(|_| TimeErrorKind::InvalidTimeOfDay)?;
        rest = &rest[i + 2..];
    }
    if let Some(i) = rest.find("pm").filter(|&i| 0 < i && i < 3) {
        hour = (py_int(&rest[..i]).map_err(|_| TimeErrorKind::InvalidTimeOfDay)? + 12) % 24;
        rest = &rest[i + 2..];
    }
    for (word, h) in [("noon", 12), ("midnight", 0), ("teatime", 16)] {
        if let Some(after) = rest.strip_prefix(word) {
            (hour, minute) = (h, 0);
            rest = after;
            break;
        }
    }
    Ok((hour, minute, rest))
}

/// Python's `int()` on what the grammar slices out: ASCII digits only here (signs, spaces and
/// underscores are gone by now), and not too many of them.
fn py_int(s: &str) -> Result<i64, TimeErrorKind> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TimeErrorKind::UnknownReference(s.to_string()));
    }
    s.parse().map_err(|_| TimeErrorKind::OutOfRange)
}

/// Days since 1970 of a date that Python's `datetime` accepts (years 1 to 9999).
fn date(year: i64, month: i64, day: i64) -> Result<i64, TimeErrorKind> {
    if !(1..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
    {
        return Err(TimeErrorKind::InvalidDate);
    }
    Ok(days_from_civil(year, month, day))
}

/// The instant a local wall-clock time names, as pytz's `localize(is_dst=False)` picks it:
/// the one reading when there is one; in a fall-back overlap the standard-time (smaller
/// offset, later) reading; in a spring-forward gap the offset from before the gap, so 02:30
/// reads as 03:30 of the new offset.
fn local_to_utc(local: i64, offset_at: &dyn Fn(i64) -> i64) -> Result<i64, TimeErrorKind> {
    let before = offset_at(local.saturating_sub(DAY));
    let after = offset_at(local.saturating_add(DAY));
    let fits = |o: i64| local.checked_sub(o).is_some_and(|utc| offset_at(utc) == o);
    let offset = match (fits(before), fits(after)) {
        (true, true) => before.min(after),
        (true, false) => before,
        (false, true) => after,
        (false, false) => before,
    };
    local.checked_sub(offset).ok_or(TimeErrorKind::OutOfRange)
}

/// `[+|-]<int><unit>...`; the sign applies to every group (graphite's `parseTimeOffset`).
pub(crate) fn parse_offset(offset: &str) -> Result<i64, TimeErrorKind> {
    let (sign, mut rest) = match offset.as_bytes().first() {
        Some(b'-') => (-1, &offset[1..]),
        Some(b'+') => (1, &offset[1..]),
        _ => (1, offset),
    };
    let mut total: i64 = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let letters = rest[digits..]
            .bytes()
            .take_while(u8::is_ascii_alphabetic)
            .count();
        if digits == 0 {
            return Err(if letters == 0 {
                // Neither a number nor a unit: something like `-1h-2h`.
                TimeErrorKind::UnknownUnit(rest.to_string())
            } else {
                TimeErrorKind::MissingNumber
            });
        }
        let unit = match letters {
            0 if digits == rest.len() => return Err(TimeErrorKind::MissingUnit),
            // A number followed by something that is not a letter, e.g. `-1.5h`.
            0 => return Err(TimeErrorKind::UnknownUnit(rest[digits..].to_string())),
            _ => &rest[digits..digits + letters],
        };
        let count: i64 = rest[..digits]
            .parse()
            .map_err(|_| TimeErrorKind::OutOfRange)?;
        let seconds = count
            .checked_mul(unit_seconds(unit)?)
            .and_then(|s| s.checked_mul(sign))
            .ok_or(TimeErrorKind::OutOfRange)?;
        total = total
            .checked_add(seconds)
            .ok_or(TimeErrorKind::OutOfRange)?;
        rest = &rest[digits + letters..];
    }
    Ok(total)
}

/// Units by prefix as graphite-web's `getUnitString`, in its order (so `min` is tested before
/// `mon`), plus a bare `m` for minutes: Grafana users type it and carbonapi accepts it.
fn unit_seconds(unit: &str) -> Result<i64, TimeErrorKind> {
    let seconds = if unit.starts_with('s') {
        1
    } else if unit.starts_with("min") || unit == "m" {
        MINUTE
    } else if unit.starts_with('h') {
        HOUR
    } else if unit.starts_with('d') {
        DAY
    } else if unit.starts_with('w') {
        7 * DAY
    } else if unit.starts_with("mon") {
        30 * DAY
    } else if unit.starts_with('y') {
        365 * DAY
    } else {
        return Err(TimeErrorKind::UnknownUnit(unit.to_string()));
    };
    Ok(seconds)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
#[path = "time_tests.rs"]
mod tests;
