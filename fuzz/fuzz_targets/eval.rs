//! Targets evaluated against a small store: nothing may panic, whatever the functions, their
//! arguments and the time range. Input: up to three NUL-separated targets, then `from` and
//! `until` as /render reads them, then the tz name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pencil::query::time::parse_time_in;
use pencil::query::{evaluate, Context};
use pencil::store::Store;
use pencil::time::Tz;
use pencil_fuzz::{fields, small_store, NOW};
use std::sync::OnceLock;

static STORE: OnceLock<Store> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let store = STORE.get_or_init(small_store);
    let [a, b, c, from, until, tz] = fields::<6>(data);
    let tz = Tz::load(&tz).unwrap_or_else(Tz::utc);
    let from = parse_time_in(&from, NOW, &tz).unwrap_or(NOW - 3600);
    let until = parse_time_in(&until, NOW, &tz).unwrap_or(NOW);
    // /render refuses wider ranges only through its fetch budget; a day keeps each input fast
    // while still crossing every archive of the fuzz store.
    if until.saturating_sub(from) > 86_400 {
        return;
    }
    let ctx = Context {
        from,
        until,
        now: NOW,
        tz,
        x_files_factor: 0.0,
        template: vec![("x".into(), "b".into())],
    };
    let targets: Vec<&str> = [&a, &b, &c]
        .into_iter()
        .filter(|t| !t.is_empty())
        .map(String::as_str)
        .collect();
    let _ = evaluate(&targets, &ctx, store);
});
