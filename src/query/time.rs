//! `from`/`until`/`now` parsing (graphite.md 3.2) for the subset pencil supports so far: epoch
//! seconds, `YYYYMMDD`, `now` and relative offsets. Anything else is refused by name as "not
//! supported yet" rather than guessed at. Pure: `now` is an argument, no clock, no tz database
//! (dates are UTC, graphite-web's default TIME_ZONE).

use std::fmt;

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// A time specification pencil cannot turn into a timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeError {
    pub spec: String,
    pub kind: TimeErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeErrorKind {
    /// Graphite accepts it (or might), pencil does not yet: absolute times, `today`, ...
    NotSupportedYet,
    /// An offset unit that matches none of the prefixes.
    UnknownUnit(String),
    /// A unit with no number in front of it, e.g. `-h`.
    MissingNumber,
    /// A number with no unit after it, e.g. `-1`.
    MissingUnit,
    /// `YYYYMMDD` with a month or day that does not exist.
    InvalidDate,
    /// The result does not fit in a timestamp.
    OutOfRange,
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let spec = &self.spec;
        match &self.kind {
            TimeErrorKind::NotSupportedYet => write!(
                f,
                "time {spec:?} is not supported yet: use epoch seconds, YYYYMMDD, now, \
                 or a relative offset such as -1d, -6h, -10min, now-5min"
            ),
            TimeErrorKind::UnknownUnit(unit) => write!(
                f,
                "time {spec:?}: unknown unit {unit:?} (expected s, min (or m), h, d, w, mon or y)"
            ),
            TimeErrorKind::MissingNumber => {
                write!(f, "time {spec:?}: each unit needs a number in front of it, e.g. -1h30min")
            }
            TimeErrorKind::MissingUnit => write!(
                f,
                "time {spec:?}: a number needs a unit after it (s, min, h, d, w, mon or y), e.g. -1h"
            ),
            TimeErrorKind::InvalidDate => write!(f, "time {spec:?}: no such date (YYYYMMDD)"),
            TimeErrorKind::OutOfRange => write!(f, "time {spec:?} is out of range"),
        }
    }
}

impl std::error::Error for TimeError {}

/// Parses a graphite time specification relative to `now` (unix seconds).
pub fn parse_time(spec: &str, now: i64) -> Result<i64, TimeError> {
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
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return parse_all_digits(s).map_err(err);
    }
    let (reference, offset) = match s.find('+').or_else(|| s.find('-')) {
        Some(at) => s.split_at(at),
        None => (s, ""),
    };
    let base = match reference {
        "" | "now" => now,
        _ => return Err(err(TimeErrorKind::NotSupportedYet)),
    };
    let delta = parse_offset(offset).map_err(err)?;
    base.checked_add(delta)
        .ok_or_else(|| err(TimeErrorKind::OutOfRange))
}

/// Step 1 of graphite's grammar: eight digits that look like a date are a date, anything else
/// all-digit is epoch seconds.
fn parse_all_digits(s: &str) -> Result<i64, TimeErrorKind> {
    if s.len() == 8 {
        let year: i64 = s[..4].parse().map_err(|_| TimeErrorKind::OutOfRange)?;
        let month: i64 = s[4..6].parse().map_err(|_| TimeErrorKind::OutOfRange)?;
        let day: i64 = s[6..].parse().map_err(|_| TimeErrorKind::OutOfRange)?;
        if year > 1900 && month < 13 && day < 32 {
            if month == 0 || day == 0 || day > days_in_month(year, month) {
                return Err(TimeErrorKind::InvalidDate);
            }
            return Ok(days_from_civil(year, month, day) * DAY);
        }
    }
    s.parse().map_err(|_| TimeErrorKind::OutOfRange)
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

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1..=12).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    // Count years from March so the leap day is the last day of the counted year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_600_000_000;

    macro_rules! ok {
        ($spec:expr, $want:expr) => {
            assert_eq!(parse_time($spec, NOW), Ok($want), "spec {:?}", $spec)
        };
    }
    macro_rules! fails {
        ($spec:expr, $kind:expr) => {
            assert_eq!(
                parse_time($spec, NOW).map_err(|e| e.kind),
                Err($kind),
                "spec {:?}",
                $spec
            )
        };
    }

    #[test]
    fn accepted_forms() {
        ok!("1600000000", 1_600_000_000);
        ok!("0", 0);
        ok!("now", NOW);
        ok!("NOW", NOW);
        ok!("", NOW);
        ok!("-10min", NOW - 600);
        ok!("-6h", NOW - 6 * 3600);
        ok!("-1d", NOW - 86_400);
        ok!("-30s", NOW - 30);
        ok!("+1h", NOW + 3600);
        ok!("now-5min", NOW - 300);
        ok!("now+5min", NOW + 300);
        ok!("-1h30min", NOW - 5400);
        ok!("-5m", NOW - 300);
        ok!("-2w", NOW - 14 * 86_400);
        ok!("-1mon", NOW - 30 * 86_400);
        ok!("-1y", NOW - 365 * 86_400);
        ok!("-3seconds", NOW - 3);
        ok!("-2minutes", NOW - 120);
        ok!("-1 hours", NOW - 3600);
        ok!("-1_d", NOW - 86_400);
        ok!("-", NOW);
        ok!("20200101", 1_577_836_800);
        ok!("20000229", 951_782_400);
        ok!("19700101", 0);
        // Not date-like (month 13), so graphite reads it as epoch seconds.
        ok!("20201301", 20_201_301);
        ok!("12345678", 12_345_678);
    }

    #[test]
    fn refused_forms() {
        use TimeErrorKind::*;
        fails!("today", NotSupportedYet);
        fails!("yesterday", NotSupportedYet);
        fails!("noon+yesterday", NotSupportedYet);
        fails!("04:00_20110501", NotSupportedYet);
        fails!("1d", NotSupportedYet);
        fails!("-1x", UnknownUnit("x".into()));
        fails!("-1mi", UnknownUnit("mi".into()));
        fails!("-1", MissingUnit);
        fails!("-h", MissingNumber);
        fails!("-1.5h", UnknownUnit(".5h".into()));
        fails!("20200230", InvalidDate);
        fails!("20200100", InvalidDate);
        fails!("99999999999999999999", OutOfRange);
        fails!("-99999999999999y", OutOfRange);
    }

    #[test]
    fn messages_quote_the_spec() {
        let e = parse_time("today", NOW).unwrap_err();
        assert!(
            e.to_string().contains("\"today\" is not supported yet"),
            "{e}"
        );
        let e = parse_time("-1x", NOW).unwrap_err();
        assert!(e.to_string().contains("unknown unit \"x\""), "{e}");
    }

    proptest! {
        #[test]
        fn never_panics(spec in "\\PC{0,20}") {
            let _ = parse_time(&spec, NOW);
        }

        #[test]
        fn offsets_add_up(h in 0i64..1000, m in 0i64..1000) {
            prop_assert_eq!(parse_time(&format!("-{h}h{m}min"), NOW), Ok(NOW - h * 3600 - m * 60));
        }

        #[test]
        fn dates_match_the_epoch_day_count(days in 0i64..3000) {
            // Walk the calendar forward from 1970 by days and compare with the closed form.
            let (mut y, mut mo, mut d) = (1970i64, 1i64, 1i64);
            for _ in 0..days {
                d += 1;
                if d > days_in_month(y, mo) { d = 1; mo += 1; }
                if mo > 12 { mo = 1; y += 1; }
            }
            prop_assert_eq!(days_from_civil(y, mo, d), days);
        }
    }
}
