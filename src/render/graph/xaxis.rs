//! The time axis as graphite-web draws it: the rrdtool-style table of grid and label steps chosen by
//! seconds per pixel and the whole span, label instants aligned to whole seconds, minutes, hours or days
//! in the request's time zone, and the strftime formats of the labels.
//!
//! Like graphite-web (pytz datetimes plus timedeltas), the zone's offset at the start of the graph is
//! kept for every tick, so a DST change inside the graph shifts later labels by the change.
//!
//! Owns time arithmetic and label text; must not measure or draw.

const SEC: i64 = 1;
const MIN: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86400;

/// One row of graphite-web's `xAxisConfigs`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct XConf {
    pub seconds: f64,
    pub minor_unit: i64,
    pub minor_step: f64,
    pub major_unit: i64,
    pub major_step: f64,
    pub label_unit: i64,
    pub label_step: f64,
    pub format: &'static str,
    /// Longest span in seconds this row serves; None: any.
    pub max_interval: Option<i64>,
}

const fn row(
    seconds: f64,
    minor: (i64, f64),
    major: (i64, f64),
    label: (i64, f64),
    format: &'static str,
    max_interval: Option<i64>,
) -> XConf {
    XConf {
        seconds,
        minor_unit: minor.0,
        minor_step: minor.1,
        major_unit: major.0,
        major_step: major.1,
        label_unit: label.0,
        label_step: label.1,
        format,
        max_interval,
    }
}

/// graphite-web 1.1's table with its default `DATE_FORMAT` of `%m/%d`.
pub(crate) const CONFIGS: &[XConf] = &[
    row(
        0.00,
        (SEC, 5.0),
        (MIN, 1.0),
        (SEC, 5.0),
        "%H:%M:%S",
        Some(10 * MIN),
    ),
    row(
        0.07,
        (SEC, 10.0),
        (MIN, 1.0),
        (SEC, 10.0),
        "%H:%M:%S",
        Some(20 * MIN),
    ),
    row(
        0.14,
        (SEC, 15.0),
        (MIN, 1.0),
        (SEC, 15.0),
        "%H:%M:%S",
        Some(30 * MIN),
    ),
    row(
        0.27,
        (SEC, 30.0),
        (MIN, 2.0),
        (MIN, 1.0),
        "%H:%M",
        Some(2 * HOUR),
    ),
    row(
        0.5,
        (MIN, 1.0),
        (MIN, 2.0),
        (MIN, 1.0),
        "%H:%M",
        Some(2 * HOUR),
    ),
    row(
        1.2,
        (MIN, 1.0),
        (MIN, 4.0),
        (MIN, 2.0),
        "%H:%M",
        Some(3 * HOUR),
    ),
    row(
        2.0,
        (MIN, 1.0),
        (MIN, 10.0),
        (MIN, 5.0),
        "%H:%M",
        Some(6 * HOUR),
    ),
    row(
        5.0,
        (MIN, 2.0),
        (MIN, 10.0),
        (MIN, 10.0),
        "%H:%M",
        Some(12 * HOUR),
    ),
    row(
        10.0,
        (MIN, 5.0),
        (MIN, 20.0),
        (MIN, 20.0),
        "%H:%M",
        Some(DAY),
    ),
    row(
        30.0,
        (MIN, 10.0),
        (HOUR, 1.0),
        (HOUR, 1.0),
        "%H:%M",
        Some(2 * DAY),
    ),
    row(
        60.0,
        (MIN, 30.0),
        (HOUR, 2.0),
        (HOUR, 2.0),
        "%H:%M",
        Some(2 * DAY),
    ),
    row(
        100.0,
        (HOUR, 2.0),
        (HOUR, 4.0),
        (HOUR, 4.0),
        "%a %H:%M",
        Some(6 * DAY),
    ),
    row(
        255.0,
        (HOUR, 6.0),
        (HOUR, 12.0),
        (HOUR, 12.0),
        "%m/%d %H:%M",
        Some(10 * DAY),
    ),
    row(
        600.0,
        (HOUR, 6.0),
        (DAY, 1.0),
        (DAY, 1.0),
        "%m/%d",
        Some(14 * DAY),
    ),
    row(
        1000.0,
        (HOUR, 12.0),
        (DAY, 1.0),
        (DAY, 1.0),
        "%m/%d",
        Some(365 * DAY),
    ),
    row(
        2000.0,
        (DAY, 1.0),
        (DAY, 2.0),
        (DAY, 2.0),
        "%m/%d",
        Some(365 * DAY),
    ),
    row(
        4000.0,
        (DAY, 2.0),
        (DAY, 4.0),
        (DAY, 4.0),
        "%m/%d",
        Some(365 * DAY),
    ),
    row(
        8000.0,
        (DAY, 3.5),
        (DAY, 7.0),
        (DAY, 7.0),
        "%m/%d",
        Some(365 * DAY),
    ),
    row(
        16000.0,
        (DAY, 7.0),
        (DAY, 14.0),
        (DAY, 14.0),
        "%m/%d",
        Some(365 * DAY),
    ),
    row(
        32000.0,
        (DAY, 15.0),
        (DAY, 30.0),
        (DAY, 30.0),
        "%m/%d",
        Some(365 * DAY),
    ),
    row(
        64000.0,
        (DAY, 30.0),
        (DAY, 60.0),
        (DAY, 60.0),
        "%m/%d %Y",
        None,
    ),
    row(
        100000.0,
        (DAY, 60.0),
        (DAY, 120.0),
        (DAY, 120.0),
        "%m/%d %Y",
        None,
    ),
    row(
        120000.0,
        (DAY, 120.0),
        (DAY, 240.0),
        (DAY, 240.0),
        "%m/%d %Y",
        None,
    ),
];

/// The row for a graph `time_range` seconds wide drawn over `graph_width` pixels: the last row whose
/// resolution is coarse enough and whose span limit is not exceeded.
pub(crate) fn choose(time_range: f64, graph_width: f64) -> &'static XConf {
    let per_pixel = time_range / graph_width;
    CONFIGS
        .iter()
        .rfind(|c| c.seconds <= per_pixel && c.max_interval.is_none_or(|m| m as f64 >= time_range))
        .unwrap_or(&CONFIGS[CONFIGS.len() - 1])
}

/// The instants (UTC seconds) of ticks `step` units apart from the first aligned one at or after
/// `start` up to before `end`, as graphite-web's `find_x_times`: alignment is within the next larger
/// field (seconds within the minute, minutes within the hour, hours within the day; days from midnight).
pub(crate) fn ticks(start: i64, end: i64, offset: i64, unit: i64, step: f64) -> Vec<i64> {
    let local = start + offset;
    let day_start = local.div_euclid(DAY) * DAY;
    let of_day = local - day_start;
    let whole = step.max(1.0) as i64;
    let first = match unit {
        SEC => {
            let s = of_day % 60;
            local - s + (s - s % whole)
        }
        MIN => {
            let m = (of_day / 60) % 60;
            local - of_day % 3600 + (m - m % whole) * 60
        }
        HOUR => {
            let h = of_day / 3600;
            day_start + (h - h % whole) * 3600
        }
        _ => day_start,
    };
    let delta = (unit as f64 * step).round().max(1.0) as i64;
    let mut t = first;
    while t < local {
        t += delta;
    }
    // A tick per pixel at most in any sane table row; the bound keeps a corrupt span from looping long.
    let mut out = Vec::new();
    while t - offset < end && out.len() < 10_000 {
        out.push(t - offset);
        t += delta;
    }
    out
}

/// Civil date and time of local seconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0 = Sunday.
    pub weekday: u32,
    /// 1-based day of the year.
    pub yday: u32,
}

pub(crate) fn civil(local: i64) -> Civil {
    let days = local.div_euclid(DAY);
    let secs = local.rem_euclid(DAY);
    let (year, month, day) = crate::time::civil_from_days(days);
    // civil_from_days gives month 1..=12 and day 1..=31, so the narrowing is exact.
    let (month, day) = (month as u32, day as u32);
    let leap = crate::time::is_leap(year);
    const CUMULATIVE: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let yday = CUMULATIVE[(month - 1) as usize] + day + u32::from(leap && month > 2);
    Civil {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: ((secs / 60) % 60) as u32,
        second: (secs % 60) as u32,
        weekday: (days + 4).rem_euclid(7) as u32,
        yday,
    }
}

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// C-locale strftime of local seconds for the directives graph labels use; an unknown directive is
/// kept as written, as glibc does.
pub(crate) fn strftime(format: &str, local: i64, offset: i64, zone: &str) -> String {
    let c = civil(local);
    let mut out = String::with_capacity(format.len() + 8);
    let mut chars = format.chars();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let Some(d) = chars.next() else {
            out.push('%');
            break;
        };
        let h12 = if c.hour.is_multiple_of(12) {
            12
        } else {
            c.hour % 12
        };
        let piece = match d {
            'a' => WEEKDAYS[c.weekday as usize][..3].to_string(),
            'A' => WEEKDAYS[c.weekday as usize].to_string(),
            'b' | 'h' => MONTHS[(c.month - 1) as usize][..3].to_string(),
            'B' => MONTHS[(c.month - 1) as usize].to_string(),
            'd' => format!("{:02}", c.day),
            'e' => format!("{:2}", c.day),
            'H' => format!("{:02}", c.hour),
            'k' => format!("{:2}", c.hour),
            'I' => format!("{h12:02}"),
            'l' => format!("{h12:2}"),
            'j' => format!("{:03}", c.yday),
            'm' => format!("{:02}", c.month),
            'M' => format!("{:02}", c.minute),
            'p' => if c.hour < 12 { "AM" } else { "PM" }.to_string(),
            'S' => format!("{:02}", c.second),
            'y' => format!("{:02}", c.year.rem_euclid(100)),
            'Y' => c.year.to_string(),
            'F' => format!("{}-{:02}-{:02}", c.year, c.month, c.day),
            'T' => format!("{:02}:{:02}:{:02}", c.hour, c.minute, c.second),
            'R' => format!("{:02}:{:02}", c.hour, c.minute),
            'D' => format!("{:02}/{:02}/{:02}", c.month, c.day, c.year.rem_euclid(100)),
            'u' => (if c.weekday == 0 { 7 } else { c.weekday }).to_string(),
            'w' => c.weekday.to_string(),
            's' => (local - offset).to_string(),
            'z' => {
                let sign = if offset < 0 { '-' } else { '+' };
                let o = offset.abs();
                format!("{sign}{:02}{:02}", o / 3600, (o / 60) % 60)
            }
            'Z' => zone.to_string(),
            'n' => "\n".to_string(),
            't' => "\t".to_string(),
            '%' => "%".to_string(),
            other => format!("%{other}"),
        };
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
#[path = "xaxis_tests.rs"]
mod tests;
