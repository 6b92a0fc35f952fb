//! Every form of graphite.md 3.2, table-driven. Expected instants were computed with GNU
//! `date`, and the zone cases (New York's 2026 transitions, pytz's choices in the overlap and
//! the gap, the `12am`/`12pm` quirks) were checked against graphite-web 1.1.8 with
//! `tz=America/New_York`.

use super::*;
use proptest::prelude::*;

/// Sunday 2020-09-13 12:26:40 UTC.
const NOW: i64 = 1_600_000_000;
const TODAY: i64 = 1_599_955_200;

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
fn epoch_now_and_offsets() {
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
    ok!("-2w", NOW - 14 * 86_400);
    ok!("-1mon", NOW - 30 * 86_400);
    ok!("-1y", NOW - 365 * 86_400);
    ok!("-", NOW);
    // `m` is minutes: pencil's decision (graphite-web refuses it; Grafana sends min).
    ok!("-5m", NOW - 300);
    ok!("20201301", 20_201_301);
    ok!("12345678", 12_345_678);
    ok!("19000101", 19_000_101);
}

#[test]
fn every_unit_spelling() {
    for (unit, seconds) in [
        ("s", 1),
        ("sec", 1),
        ("secs", 1),
        ("second", 1),
        ("seconds", 1),
        ("m", 60),
        ("min", 60),
        ("mins", 60),
        ("minute", 60),
        ("minutes", 60),
        ("h", 3600),
        ("hour", 3600),
        ("hours", 3600),
        ("d", 86_400),
        ("day", 86_400),
        ("days", 86_400),
        ("w", 604_800),
        ("week", 604_800),
        ("weeks", 604_800),
        ("mon", 2_592_000),
        ("month", 2_592_000),
        ("months", 2_592_000),
        ("y", 31_536_000),
        ("year", 31_536_000),
        ("years", 31_536_000),
    ] {
        ok!(&format!("-2{unit}"), NOW - 2 * seconds);
        ok!(&format!("now+2{}", unit.to_uppercase()), NOW + 2 * seconds);
    }
    ok!("-3seconds", NOW - 3);
    ok!("-1 hours", NOW - 3600);
    ok!("-1_d", NOW - 86_400);
    ok!("-1,000s", NOW - 1000);
}

#[test]
fn times_of_day_and_days() {
    ok!("today", TODAY);
    ok!("yesterday", TODAY - 86_400);
    ok!("tomorrow", TODAY + 86_400);
    ok!("midnight", TODAY);
    ok!("noon", TODAY + 12 * 3600);
    ok!("teatime", TODAY + 16 * 3600);
    ok!("6pm", TODAY + 18 * 3600);
    ok!("6am", TODAY + 6 * 3600);
    ok!("11am", TODAY + 11 * 3600);
    ok!("14:30", TODAY + 14 * 3600 + 1800);
    ok!("2:30pm", TODAY + 14 * 3600 + 1800);
    ok!("9:05am", TODAY + 9 * 3600 + 300);
    ok!("9:5", TODAY + 9 * 3600 + 300);
    // graphite-web's quirks, confirmed against 1.1.8: 12am is noon, 12pm is midnight.
    ok!("12am", TODAY + 12 * 3600);
    ok!("12pm", TODAY);
    ok!("12:30pm", TODAY + 1800);
    ok!("12:30am", TODAY + 12 * 3600 + 1800);
    ok!("noon yesterday", TODAY - 86_400 + 12 * 3600);
    ok!("noon_yesterday", TODAY - 86_400 + 12 * 3600);
    ok!("6pm today", TODAY + 18 * 3600);
    ok!("6pmtoday", TODAY + 18 * 3600);
    ok!("noon tomorrow", TODAY + 86_400 + 12 * 3600);
    ok!("midnight-1h", TODAY - 3600);
    ok!("today+6h", TODAY + 6 * 3600);
    ok!("yesterday-1d", TODAY - 2 * 86_400);
}

#[test]
fn dates() {
    ok!("20200101", 1_577_836_800);
    ok!("20000229", 951_782_400);
    ok!("19700101", 0);
    ok!("04:00_20110501", 1_304_222_400);
    ok!("4:00 20110501", 1_304_222_400);
    ok!("6pm20110501", 1_304_272_800);
    ok!("20110501+1h", 1_304_211_600);
    ok!("05/01/11", 1_304_208_000);
    ok!("05/01/2011", 1_304_208_000);
    ok!("5/1/2011", 1_304_208_000);
    ok!("05/01/70", 10_368_000);
    ok!("05/01/69", 3_134_592_000);
    ok!("noon05/01/2011", 1_304_251_200);
    ok!("jan1", 1_577_836_800);
    ok!("january1", 1_577_836_800);
    ok!("jan 15", 1_579_046_400);
    ok!("January15", 1_579_046_400);
    ok!("dec25", 1_608_854_400);
    ok!("6pm_dec25", 1_608_919_200);
    ok!("feb29", 1_582_934_400);
}

#[test]
fn weekdays_are_the_most_recent_one() {
    // NOW is a Sunday.
    ok!("sunday", TODAY);
    ok!("sun", TODAY);
    ok!("saturday", TODAY - 86_400);
    ok!("fri", TODAY - 2 * 86_400);
    ok!("monday", TODAY - 6 * 86_400);
    ok!("noon monday", TODAY - 6 * 86_400 + 12 * 3600);
    ok!("monday-1w", TODAY - 13 * 86_400);
}

#[test]
fn refused_forms() {
    use TimeErrorKind::*;
    fails!("1d", UnknownReference("1d".into()));
    fails!("garbage", UnknownReference("garbage".into()));
    fails!("1600000000+1h", UnknownReference("1600000000".into()));
    fails!("nowish", UnknownReference("nowish".into()));
    fails!("now-1h+2h", UnknownReference("now-1h".into()));
    fails!("\u{e9}t\u{e9}", UnknownReference("\u{e9}t\u{e9}".into()));
    // A literal `+` starts an offset, as in graphite-web (400 there too); in a URL it is a space.
    fails!("noon+yesterday", MissingNumber);
    fails!("25:00", InvalidTimeOfDay);
    fails!("10:61", InvalidTimeOfDay);
    fails!("9:5pm", InvalidTimeOfDay);
    fails!("9:5_yesterday", InvalidTimeOfDay);
    fails!("xam", InvalidTimeOfDay);
    fails!("99am", InvalidTimeOfDay);
    fails!("jan", MissingDay);
    fails!("jan32", InvalidDate);
    fails!("feb30", InvalidDate);
    fails!("13/01/2011", InvalidDate);
    fails!("02/30/2020", InvalidDate);
    fails!("a/b/c", UnknownReference("a/b/c".into()));
    fails!("20200230", InvalidDate);
    fails!("20200100", InvalidDate);
    fails!("-1x", UnknownUnit("x".into()));
    fails!("-1mi", UnknownUnit("mi".into()));
    fails!("-1", MissingUnit);
    fails!("-h", MissingNumber);
    fails!("-1.5h", UnknownUnit(".5h".into()));
    fails!("99999999999999999999", OutOfRange);
    fails!("-99999999999999y", OutOfRange);
}

#[test]
fn messages_quote_the_spec() {
    let e = parse_time("garbage", NOW).unwrap_err();
    assert!(
        e.to_string()
            .contains("\"garbage\": unknown day reference \"garbage\""),
        "{e}"
    );
    let e = parse_time("-1x", NOW).unwrap_err();
    assert!(e.to_string().contains("unknown unit \"x\""), "{e}");
    let e = parse_time("noon+yesterday", NOW).unwrap_err();
    assert!(e.to_string().contains("noon%20yesterday"), "{e}");
}

/// A zone `east` seconds east of UTC all year.
fn fixed(east: i64) -> impl Fn(i64) -> i64 {
    move |_| east
}

/// New York in 2026: EST until 2026-03-08 07:00 UTC, EDT until 2026-11-01 06:00 UTC, EST after.
fn new_york(t: i64) -> i64 {
    if (1_772_953_200..1_793_512_800).contains(&t) {
        -4 * 3600
    } else {
        -5 * 3600
    }
}

macro_rules! zoned {
    ($zone:expr, $now:expr, $spec:expr => $want:expr) => {
        assert_eq!(
            parse_with($spec, $now, &$zone).map_err(|e| e.kind),
            Ok($want),
            "spec {:?} at {}",
            $spec,
            $now
        )
    };
}

#[test]
fn dates_are_local_to_the_zone() {
    // +05:30 (India): 2020-09-13 is already under way at NOW; its midnight is 18:30 UTC before.
    let india = fixed(5 * 3600 + 1800);
    zoned!(india, NOW, "today" => TODAY - 5 * 3600 - 1800);
    zoned!(india, NOW, "20200101" => 1_577_836_800 - 19_800);
    zoned!(india, NOW, "noon" => TODAY + 12 * 3600 - 19_800);
    // Relative times and epochs do not depend on the zone.
    zoned!(india, NOW, "-1h" => NOW - 3600);
    zoned!(india, NOW, "1600000000" => NOW);
    // At 22:00 UTC on the 13th it is already the 14th in Auckland (+12): today is the 14th.
    let auckland = fixed(12 * 3600);
    zoned!(auckland, TODAY + 22 * 3600, "today" => TODAY + 86_400 - 12 * 3600);
    zoned!(auckland, TODAY + 22 * 3600, "sunday" => TODAY - 12 * 3600);
    zoned!(auckland, TODAY + 22 * 3600, "monday" => TODAY + 86_400 - 12 * 3600);
    // And 01:00 UTC on the 13th is still the 12th (Saturday) in New York.
    zoned!(fixed(-4 * 3600), TODAY + 3600, "today" => TODAY - 86_400 + 4 * 3600);
}

#[test]
fn local_times_across_dst_as_pytz() {
    // Dec 2 2026 03:46 UTC is Dec 1 22:46 in New York, as when the reference was asked.
    let now = 1_796_183_160;
    zoned!(new_york, now, "01:30_20261101" => 1_793_514_600);
    zoned!(new_york, now, "02:30_20260308" => 1_772_955_000);
    zoned!(new_york, now, "03:30_20260308" => 1_772_955_000);
    zoned!(new_york, now, "01:30_20260308" => 1_772_951_400);
    zoned!(new_york, now, "20260704" => 1_783_137_600);
    zoned!(new_york, now, "midnight_20261101" => 1_793_505_600);
    zoned!(new_york, now, "12am_20261101" => 1_793_552_400);
    zoned!(new_york, now, "12:30pm_20261101" => 1_793_507_400);
    zoned!(new_york, now, "jul4" => 1_783_137_600);
    zoned!(new_york, now, "11/01/26" => 1_793_505_600);
    zoned!(new_york, now, "sunday" => 1_795_928_400);
    zoned!(new_york, now, "noon yesterday" => 1_796_058_000);
    // Offsets are fixed second counts: a day before 01:30 on the fall-back day is 25 h earlier
    // on the wall clock's terms, and nothing adjusts for it.
    zoned!(new_york, now, "01:30_20261101-1d" => 1_793_514_600 - 86_400);
}

#[test]
fn utc_wrapper_and_tz_agree() {
    assert_eq!(
        parse_time_in("noon", NOW, &Tz::utc()),
        parse_time("noon", NOW)
    );
}

proptest! {
    #[test]
    fn never_panics(spec in "\\PC{0,20}") {
        let _ = parse_time(&spec, NOW);
    }

    #[test]
    fn never_panics_on_grammar_like_text(spec in "[0-9:/+\\- a-z_]{0,24}", now in any::<i64>()) {
        let _ = parse_with(&spec, now, &new_york);
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

    #[test]
    fn civil_from_days_inverts_days_from_civil(days in -1_000_000i64..3_000_000) {
        let (y, m, d) = civil_from_days(days);
        prop_assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
        prop_assert_eq!(days_from_civil(y, m, d), days);
    }
}
