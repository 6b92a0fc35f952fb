//! Shared time value types: timestamps, time zones (`Tz::load` reads the system zoneinfo, the
//! only file this module touches) and wall-clock readings. Only `app` reads the clock; everything
//! else takes `now` as an argument.

mod posix;

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// Reads the wall clock. Only `app` may call this.
pub fn wall_clock_now() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A time zone: UTC offsets over time, from the system's zoneinfo (`Tz::load`) or UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tz {
    pub name: String,
    /// `(first instant, offset seconds east of UTC)`, sorted by instant; empty means `fixed`.
    transitions: Vec<(i64, i32)>,
    fixed: i32,
    /// The TZif footer's rule, for instants past the last transition.
    rule: Option<posix::Rule>,
}

impl Tz {
    pub fn utc() -> Tz {
        Tz {
            name: "UTC".to_string(),
            transitions: Vec::new(),
            fixed: 0,
            rule: None,
        }
    }

    /// Seconds east of UTC in force at `ts`.
    pub fn offset_at(&self, ts: Timestamp) -> i32 {
        let after_table = self.transitions.last().is_none_or(|&(at, _)| ts >= at);
        if let (true, Some(rule)) = (after_table, &self.rule) {
            return rule.offset_at(ts);
        }
        match self.transitions.partition_point(|&(at, _)| at <= ts) {
            0 => self.fixed,
            i => self.transitions[i - 1].1,
        }
    }
}

/// Where `Tz::load` looks for TZif files (the IANA database as Debian and most distros ship it).
const ZONEINFO_DIR: &str = "/usr/share/zoneinfo";
/// Longest zone name accepted; the longest IANA name is about 30 bytes.
const MAX_ZONE_NAME: usize = 64;
/// Largest zone file read. Real ones are under 4 KiB; this only bounds a bad file.
const MAX_TZIF_BYTES: u64 = 256 * 1024;

impl Tz {
    /// The IANA zone `name` from the system's zoneinfo, or `None` when the name is not a zone
    /// name (graphite-web then falls back to UTC). Names are checked before touching the disk
    /// so that `../` or an absolute path cannot read outside the zoneinfo directory.
    ///
    /// Offsets come from the file's transition table and, past its end, from the POSIX rule in
    /// its footer (slim files end their table early and rely on that rule).
    pub fn load(name: &str) -> Option<Tz> {
        if matches!(name, "UTC" | "utc" | "Etc/UTC") {
            return Some(Tz::utc());
        }
        if !is_zone_name(name) {
            return None;
        }
        use std::io::Read as _;
        let file = std::fs::File::open(format!("{ZONEINFO_DIR}/{name}")).ok()?;
        let mut bytes = Vec::new();
        file.take(MAX_TZIF_BYTES).read_to_end(&mut bytes).ok()?;
        Tz::from_tzif(name, &bytes)
    }

    /// Parses a TZif file (RFC 8536). Version 1 files are read from their 32-bit section,
    /// later versions from the 64-bit one and the footer's rule.
    pub fn from_tzif(name: &str, bytes: &[u8]) -> Option<Tz> {
        let header = TzifHeader::parse(bytes)?;
        let (header, body, time_size) = if header.version >= b'2' {
            let second = bytes.get(44 + header.v1_len(4)..)?;
            let h2 = TzifHeader::parse(second)?;
            (h2, second.get(44..)?, 8)
        } else {
            (header, bytes.get(44..)?, 4)
        };
        // The footer is `\n<rule>\n` after the 64-bit data; an empty or unknown rule is
        // simply not used.
        let rule = if time_size == 8 {
            body.get(header.v1_len(8)..)
                .and_then(|footer| footer.strip_prefix(b"\n"))
                .and_then(|footer| footer.split(|&b| b == b'\n').next())
                .and_then(|text| std::str::from_utf8(text).ok())
                .and_then(posix::Rule::parse)
        } else {
            None
        };
        let times_len = header.timecnt * time_size;
        let times = body.get(..times_len)?;
        let indices = body.get(times_len..times_len + header.timecnt)?;
        let types_at = times_len + header.timecnt;
        let types = body.get(types_at..types_at + header.typecnt * 6)?;
        if header.typecnt == 0 {
            return None;
        }
        let offset_of = |i: usize| -> Option<i32> {
            let t = types.get(i * 6..i * 6 + 4)?;
            Some(i32::from_be_bytes([t[0], t[1], t[2], t[3]]))
        };
        let mut transitions = Vec::with_capacity(header.timecnt);
        for (k, &index) in indices.iter().enumerate() {
            let raw = &times[k * time_size..(k + 1) * time_size];
            let at = if time_size == 8 {
                i64::from_be_bytes(raw.try_into().ok()?)
            } else {
                i64::from(i32::from_be_bytes(raw.try_into().ok()?))
            };
            transitions.push((at, offset_of(usize::from(index))?));
        }
        // RFC 8536 3.2: local time type 0 applies before the first transition.
        let fixed = offset_of(0)?;
        Some(Tz {
            name: name.to_string(),
            transitions,
            fixed,
            rule,
        })
    }
}

/// `Area/Location` style names only: ASCII letters, digits and `_+-`, components separated
/// by single slashes, none of them `.` or `..`.
fn is_zone_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_ZONE_NAME
        && name.split('/').all(|part| {
            !part.is_empty()
                && !part.starts_with('.')
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_+-.".contains(&b))
        })
}

struct TzifHeader {
    version: u8,
    isutcnt: usize,
    isstdcnt: usize,
    leapcnt: usize,
    timecnt: usize,
    typecnt: usize,
    charcnt: usize,
}

impl TzifHeader {
    fn parse(bytes: &[u8]) -> Option<TzifHeader> {
        if bytes.get(..4)? != b"TZif" {
            return None;
        }
        let count = |i: usize| -> Option<usize> {
            let b = bytes.get(20 + i * 4..24 + i * 4)?;
            usize::try_from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])).ok()
        };
        Some(TzifHeader {
            version: *bytes.get(4)?,
            isutcnt: count(0)?,
            isstdcnt: count(1)?,
            leapcnt: count(2)?,
            timecnt: count(3)?,
            typecnt: count(4)?,
            charcnt: count(5)?,
        })
    }

    /// Bytes of the data block after this header, with `time_size`-byte transition times.
    fn v1_len(&self, time_size: usize) -> usize {
        self.timecnt * (time_size + 1)
            + self.typecnt * 6
            + self.charcnt
            + self.leapcnt * (time_size + 4)
            + self.isstdcnt
            + self.isutcnt
    }
}

/// A wall-clock reading: what `datetime.fromtimestamp(ts, tz)` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl LocalTime {
    /// `ts` as read on a clock in `tz`.
    pub fn at(ts: Timestamp, tz: &Tz) -> LocalTime {
        let local = ts.saturating_add(i64::from(tz.offset_at(ts)));
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        LocalTime {
            year,
            month: month as u32,
            day: day as u32,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
        }
    }
}

impl std::fmt::Display for LocalTime {
    /// `strftime("%Y-%m-%d %H:%M:%S")`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// Whether `year` has a 29 February in the proleptic Gregorian calendar.
pub(crate) fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1..=12).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    // Count years from March so the leap day is the last day of the counted year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian `(year, month, day)` of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    // The inverse of `days_from_civil`, again counting years from March.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(ts: i64, tz: &Tz) -> String {
        LocalTime::at(ts, tz).to_string()
    }

    #[test]
    fn utc_wall_clock() {
        let utc = Tz::utc();
        assert_eq!(local(0, &utc), "1970-01-01 00:00:00");
        assert_eq!(local(1_600_000_000, &utc), "2020-09-13 12:26:40");
        assert_eq!(local(951_782_400, &utc), "2000-02-29 00:00:00");
        assert_eq!(local(-1, &utc), "1969-12-31 23:59:59");
        assert_eq!(local(4_102_444_800, &utc), "2100-01-01 00:00:00");
    }

    #[test]
    fn zone_names_cannot_escape() {
        for bad in [
            "",
            "../etc/passwd",
            "/etc/passwd",
            "Europe/../../x",
            "a//b",
            ".hidden",
            "Europe/Paris\0",
        ] {
            assert!(!is_zone_name(bad), "{bad:?}");
            assert_eq!(Tz::load(bad), None, "{bad:?}");
        }
        assert!(is_zone_name("America/Argentina/Buenos_Aires"));
        assert!(is_zone_name("Etc/GMT+5"));
        assert_eq!(Tz::load("No/Such_Zone"), None);
        assert_eq!(Tz::load("UTC"), Some(Tz::utc()));
    }

    #[test]
    fn handmade_tzif_v1() {
        // Two types (+1h standard, +2h summer), transitions at 1000 and 2000.
        let mut f = b"TZif\0".to_vec();
        f.extend_from_slice(&[0; 15]);
        for count in [0u32, 0, 0, 2, 2, 0] {
            f.extend_from_slice(&count.to_be_bytes());
        }
        f.extend_from_slice(&1000i32.to_be_bytes());
        f.extend_from_slice(&2000i32.to_be_bytes());
        f.extend_from_slice(&[1, 0]);
        f.extend_from_slice(&3600i32.to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(&7200i32.to_be_bytes());
        f.extend_from_slice(&[1, 0]);
        let tz = Tz::from_tzif("Test/Zone", &f).unwrap();
        assert_eq!(tz.offset_at(0), 3600);
        assert_eq!(tz.offset_at(1000), 7200);
        assert_eq!(tz.offset_at(1999), 7200);
        assert_eq!(tz.offset_at(2000), 3600);
        assert_eq!(Tz::from_tzif("x", &f[..30]), None);
        assert_eq!(
            Tz::from_tzif("x", b"not a zone file at all, no no no no no no no"),
            None
        );
    }

    #[test]
    fn system_zone_paris() {
        // The system's tzdata is part of the appliance's image; Paris has had CET/CEST since 1996.
        let paris = Tz::load("Europe/Paris").expect("tzdata is installed");
        assert_eq!(paris.name, "Europe/Paris");
        assert_eq!(local(1_600_000_000, &paris), "2020-09-13 14:26:40");
        assert_eq!(local(1_577_836_800, &paris), "2020-01-01 01:00:00");
        // 2020-10-25 01:00 UTC: CEST ends.
        assert_eq!(paris.offset_at(1_603_587_599), 7200);
        assert_eq!(paris.offset_at(1_603_587_600), 3600);
        // 2050-07-01, past the table of fat files and slim ones alike: the footer's rule.
        assert_eq!(paris.offset_at(2_540_246_400), 7200);
        assert_eq!(paris.offset_at(2_524_608_000), 3600);
        let sydney = Tz::load("Australia/Sydney").expect("tzdata is installed");
        assert_eq!(sydney.offset_at(2_540_246_400), 36_000);
        assert_eq!(sydney.offset_at(2_524_608_000), 39_600);
    }

    #[test]
    fn civil_days_round_trip() {
        for days in [-719_468, -1, 0, 1, 59, 60, 10_957, 11_016, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{days}");
        }
    }
}
