//! `from`/`until` text (graphite.md 3.2) through the time parser in UTC, a zone with DST and a
//! zone whose offset is not whole hours, and the `tz` parameter's zone lookup: nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pencil::query::time::{parse_time, parse_time_in};
use pencil::time::Tz;
use pencil_fuzz::{fields, NOW};
use std::sync::OnceLock;

static ZONES: OnceLock<Vec<Tz>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let zones = ZONES.get_or_init(|| {
        [
            "UTC",
            "America/New_York",
            "Asia/Kolkata",
            "Australia/Lord_Howe",
        ]
        .into_iter()
        .filter_map(Tz::load)
        .collect()
    });
    let [spec, now, zone] = fields::<3>(data);
    let now = now.parse::<i64>().unwrap_or(NOW);
    let _ = parse_time(&spec, now);
    for tz in zones {
        let _ = parse_time_in(&spec, now, tz);
    }
    if let Some(tz) = Tz::load(&zone) {
        let _ = parse_time_in(&spec, now, &tz);
    }
});
