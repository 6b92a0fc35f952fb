use super::*;

/// 2023-11-14 22:13:20 UTC, a Tuesday.
const T: i64 = 1_700_000_000;

macro_rules! chooses {
    ($($range:expr, $width:expr => $label_unit:expr, $label_step:expr, $format:expr;)*) => {$(
        let c = choose($range as f64, $width as f64);
        assert_eq!((c.label_unit, c.label_step, c.format), ($label_unit, $label_step as f64, $format),
            "{} s over {} px", $range, $width);
    )*};
}

#[test]
fn label_steps_follow_the_span_from_seconds_to_years() {
    // Expected rows printed by graphite-web 1.1.8's own table and selection rule.
    chooses! {
        300, 277 => MIN, 1, "%H:%M";
        300, 2000 => SEC, 15, "%H:%M:%S";
        900, 2000 => MIN, 1, "%H:%M";
        1800, 277 => MIN, 10, "%H:%M";
        3600, 277 => MIN, 20, "%H:%M";
        3600, 757 => MIN, 5, "%H:%M";
        6 * 3600, 277 => HOUR, 2, "%H:%M";
        86400, 277 => HOUR, 12, "%m/%d %H:%M";
        86400, 757 => HOUR, 4, "%a %H:%M";
        7 * 86400, 277 => DAY, 2, "%m/%d";
        30 * 86400, 277 => DAY, 7, "%m/%d";
        365 * 86400, 277 => DAY, 120, "%m/%d %Y";
        5 * 365 * 86400, 277 => DAY, 240, "%m/%d %Y";
    }
}

#[test]
fn ticks_align_in_local_time() {
    // 20-minute labels from 22:13:20 UTC: 22:20, 22:40, 23:00.
    assert_eq!(
        ticks(T, T + 3600, 0, MIN, 20.0),
        [T + 400, T + 1600, T + 2800]
    );
    // 5-second ticks snap within the minute.
    assert_eq!(ticks(T + 1, T + 12, 0, SEC, 5.0), [T + 5, T + 10]);
    // 4-hour ticks at UTC+5:30 fall on local 04:00, 08:00 ..., which are half past in UTC.
    let ist = 19_800;
    let got = ticks(T, T + 86_400, ist, HOUR, 4.0);
    assert_eq!(civil(got[0] + ist).hour, 4);
    assert_eq!(civil(got[0] + ist).minute, 0);
    assert_eq!(civil(got[0]).minute, 30);
    assert_eq!(got[1] - got[0], 4 * 3600);
    // Days start at local midnight.
    let got = ticks(T, T + 3 * 86_400, -18_000, DAY, 1.0);
    assert!(got.iter().all(|t| civil(t - 18_000).hour == 0));
    assert_eq!(got.len(), 3);
}

#[test]
fn civil_dates_and_strftime() {
    let c = civil(T);
    assert_eq!(
        (c.year, c.month, c.day, c.hour, c.minute, c.second),
        (2023, 11, 14, 22, 13, 20)
    );
    assert_eq!((c.weekday, c.yday), (2, 318));
    assert_eq!(civil(951_782_400).day, 29, "2000-02-29");
    assert_eq!(civil(-86_400).year, 1969);
    let f = |fmt: &str| strftime(fmt, T, 0, "UTC");
    assert_eq!(f("%H:%M:%S"), "22:13:20");
    assert_eq!(f("%a %H:%M"), "Tue 22:13");
    assert_eq!(f("%m/%d %H:%M"), "11/14 22:13");
    assert_eq!(f("%m/%d %Y"), "11/14 2023");
    assert_eq!(
        f("%A %B %e %l%p %I %y %j %%"),
        "Tuesday November 14 10PM 10 23 318 %"
    );
    assert_eq!(strftime("%z %Z %Q", T, -18_000, "EST"), "-0500 EST %Q");
}
