//! POSIX TZ rules (`CET-1CEST,M3.5.0,M10.5.0/3`), as TZif v2+ files carry them in their footer
//! for instants past the transition table. Slim zone files (zic's default since 2020) stop
//! their table at the last rule change, so without this the summer offset of most zones would
//! be wrong today. Pure parsing and arithmetic; the caller reads the file.

/// A zone's standard offset and, when it has summer time, when that applies. Offsets are
/// seconds east of UTC (POSIX writes them west, with the opposite sign).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    std: i32,
    dst: Option<Dst>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Dst {
    offset: i32,
    /// When summer time starts, in local standard time.
    start: (Day, i32),
    /// When it ends, in local summer time.
    end: (Day, i32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Day {
    /// `Jn`: day 1..=365, February 29 never counted.
    Julian(i64),
    /// `n`: day 0..=365 of the year, leap days counted.
    Zero(i64),
    /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (5 = last) of month `m`.
    Month { month: i64, week: i64, weekday: i64 },
}

impl Rule {
    /// Parses a TZ string; `None` for anything outside the POSIX grammar.
    pub(crate) fn parse(s: &str) -> Option<Rule> {
        let mut p = Cursor(s.as_bytes());
        p.name()?;
        let std = -p.offset()?;
        if p.0.is_empty() {
            return Some(Rule { std, dst: None });
        }
        p.name()?;
        let offset = match p.0.first() {
            Some(b',') | None => std + 3600,
            Some(_) => -p.offset()?,
        };
        // A DST name without rules: POSIX leaves the dates to the implementation; the US rule
        // is glibc's default, but such strings do not occur in tzdata, so refuse it.
        p.expect(b',')?;
        let start = p.transition()?;
        p.expect(b',')?;
        let end = p.transition()?;
        if !p.0.is_empty() {
            return None;
        }
        Some(Rule {
            std,
            dst: Some(Dst { offset, start, end }),
        })
    }

    /// Seconds east of UTC in force at `ts`.
    pub(crate) fn offset_at(&self, ts: i64) -> i32 {
        let Some(dst) = &self.dst else {
            return self.std;
        };
        let (year, _, _) = super::civil_from_days((ts + i64::from(self.std)).div_euclid(86_400));
        let start = local_instant(year, dst.start) - i64::from(self.std);
        let end = local_instant(year, dst.end) - i64::from(dst.offset);
        let summer = if start < end {
            start <= ts && ts < end
        } else {
            // Southern hemisphere: summer spans the new year.
            ts < end || ts >= start
        };
        if summer {
            dst.offset
        } else {
            self.std
        }
    }
}

/// Seconds since the epoch of `(day, seconds after midnight)` in `year`, read as UTC.
fn local_instant(year: i64, (day, secs): (Day, i32)) -> i64 {
    let jan1 = super::days_from_civil(year, 1, 1);
    let days = match day {
        Day::Julian(n) => jan1 + n - 1 + i64::from(super::is_leap(year) && n >= 60),
        Day::Zero(n) => jan1 + n,
        Day::Month {
            month,
            week,
            weekday,
        } => {
            let first = super::days_from_civil(year, month, 1);
            // 1970-01-01 was a Thursday (weekday 4).
            let first_weekday = (first + 4).rem_euclid(7);
            let mut day = first + (weekday - first_weekday).rem_euclid(7) + (week - 1) * 7;
            let next_month = if month == 12 {
                super::days_from_civil(year + 1, 1, 1)
            } else {
                super::days_from_civil(year, month + 1, 1)
            };
            while day >= next_month {
                day -= 7;
            }
            day
        }
    };
    days * 86_400 + i64::from(secs)
}

struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn expect(&mut self, b: u8) -> Option<()> {
        let (&first, rest) = self.0.split_first()?;
        (first == b).then(|| self.0 = rest)
    }

    /// `<+0330>` or three or more letters.
    fn name(&mut self) -> Option<()> {
        if self.expect(b'<').is_some() {
            let close = self.0.iter().position(|&b| b == b'>')?;
            self.0 = &self.0[close + 1..];
            return Some(());
        }
        let len = self
            .0
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        (len >= 3).then(|| self.0 = &self.0[len..])
    }

    fn number(&mut self) -> Option<i64> {
        let len = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 || len > 3 {
            return None;
        }
        let n = std::str::from_utf8(&self.0[..len]).ok()?.parse().ok()?;
        self.0 = &self.0[len..];
        Some(n)
    }

    /// `[+-]hh[:mm[:ss]]` in seconds (hours up to 167, as RFC 8536 allows for rule times).
    fn offset(&mut self) -> Option<i32> {
        let sign = match self.0.first() {
            Some(b'-') => {
                self.0 = &self.0[1..];
                -1
            }
            Some(b'+') => {
                self.0 = &self.0[1..];
                1
            }
            _ => 1,
        };
        let mut secs = self.number()? * 3600;
        for unit in [60, 1] {
            if self.expect(b':').is_none() {
                break;
            }
            secs += self.number()? * unit;
        }
        (secs <= 167 * 3600).then(|| sign * secs as i32)
    }

    /// `date[/time]`, the time defaulting to 02:00.
    fn transition(&mut self) -> Option<(Day, i32)> {
        let day = if self.expect(b'M').is_some() {
            let month = self.number()?;
            self.expect(b'.')?;
            let week = self.number()?;
            self.expect(b'.')?;
            let weekday = self.number()?;
            let valid = (1..=12).contains(&month) && (1..=5).contains(&week) && weekday <= 6;
            valid.then_some(Day::Month {
                month,
                week,
                weekday,
            })?
        } else if self.expect(b'J').is_some() {
            let n = self.number()?;
            (1..=365).contains(&n).then_some(Day::Julian(n))?
        } else {
            let n = self.number()?;
            (n <= 365).then_some(Day::Zero(n))?
        };
        let time = if self.expect(b'/').is_some() {
            self.offset()?
        } else {
            7200
        };
        Some((day, time))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! offset {
        ($rule:expr, $ts:expr => $want:expr) => {{
            let ts: i64 = $ts;
            let got = Rule::parse($rule).unwrap().offset_at(ts);
            assert_eq!(got, $want, "{} at {}", $rule, ts)
        }};
    }

    #[test]
    fn northern_rule_boundaries() {
        let paris = "CET-1CEST,M3.5.0,M10.5.0/3";
        // 2021-03-28 01:00 UTC summer time starts; 2021-10-31 01:00 UTC it ends.
        offset!(paris, 1_616_893_199 => 3600);
        offset!(paris, 1_616_893_200 => 7200);
        offset!(paris, 1_635_641_999 => 7200);
        offset!(paris, 1_635_642_000 => 3600);
        // 2050-07-01 and 2050-01-01.
        offset!(paris, 2_540_246_400 => 7200);
        offset!(paris, 2_524_608_000 => 3600);
        // New York: second Sunday of March 07:00 UTC (2021-03-14).
        offset!("EST5EDT,M3.2.0,M11.1.0", 1_615_705_199 => -18_000);
        offset!("EST5EDT,M3.2.0,M11.1.0", 1_615_705_200 => -14_400);
    }

    #[test]
    fn southern_and_odd_rules() {
        let sydney = "AEST-10AEDT,M10.1.0,M4.1.0/3";
        offset!(sydney, 1_610_668_800 => 39_600); // 2021-01-15
        offset!(sydney, 1_625_097_600 => 36_000); // 2021-07-01
        offset!(sydney, 1_640_995_200 => 39_600); // 2022-01-01
        offset!("<+0330>-3:30", 0 => 12_600);
        offset!("UTC0", 1_600_000_000 => 0);
        offset!("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", 1_625_097_600 => -7200);
        offset!("<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", 1_610_668_800 => -10_800);
        // Dublin: winter is the "daylight" side, with a negative save.
        offset!("IST-1GMT0,M10.5.0,M3.5.0/1", 1_625_097_600 => 3600);
        offset!("IST-1GMT0,M10.5.0,M3.5.0/1", 1_610_668_800 => 0);
        offset!("XXX0YYY,J60,300", 1_625_097_600 => 3600);
    }

    #[test]
    fn refused_strings() {
        for bad in [
            "",
            "C-1",
            "CET",
            "CET-1CEST",
            "CET-1CEST,M13.5.0,M10.5.0",
            "CET-1CEST,M3.5.0",
            "CET-1CEST,M3.5.0,M10.5.0junk",
            "<+03",
        ] {
            assert_eq!(Rule::parse(bad), None, "{bad:?}");
        }
    }
}
