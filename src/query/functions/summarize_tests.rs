//! Tests of summarize.rs. Unless noted, expectations were rendered by graphite-web 1.1.8 for
//! `tf.a` requested from T0+25 to T0+265 (so the series starts at T0+30 with 24 points).

use super::super::transform::tests::{call, call_on, s, tf_a, vals, N, T0};
use super::{civil_from_days, days_from_civil, truncate, Unit};
use crate::query::ast::Expr;
use crate::query::functions::testing::{ctx, FakeSource};
use crate::query::registry::Value;
use crate::series::Series;
use crate::time::Tz;

/// `tf.a` as fetched for the window: 24 points from T0+30.
fn window() -> Series {
    s("tf.a", T0 + 30, 10, tf_a()[3..27].to_vec())
}

fn source() -> FakeSource {
    FakeSource {
        series: vec![s("tf.a", T0, 10, tf_a())],
        ..FakeSource::default()
    }
}

/// Runs `name(tf.a, extra...)` over the window with `tf.a` re-fetchable.
fn run(name: &str, extra: Vec<Value>) -> Series {
    let given = extra.len();
    let mut args = vec![Value::Series(vec![window()])];
    args.extend(extra);
    let c = ctx(T0 + 25, T0 + 265);
    call_on(
        name,
        args,
        given,
        &c,
        &source(),
        Some(Expr::Path("tf.a".into())),
    )
    .unwrap()
    .remove(0)
}

fn str(s: &str) -> Value {
    Value::Str(s.into())
}

macro_rules! buckets {
    ($name:expr, [$($arg:expr),*] => $title:expr, $start:expr, $step:expr, [$($want:expr),* $(,)?]) => {{
        let out = run($name, vec![$($arg),*]);
        assert_eq!(out.name, $title);
        assert_eq!(out.path_expression, $title);
        assert_eq!((out.start, out.step), ($start, $step), "{}", $title);
        assert_eq!(out.values, vals(&[$($want),*]), "{}", $title);
    }};
}

#[test]
fn summarize_as_graphite_web() {
    use Value::Bool;
    buckets!("summarize", [str("1min")] => "summarize(tf.a, \"1min\", \"sum\")",
        T0, 60, [18., 83., 74., 121., 4.]);
    buckets!("summarize", [str("1min"), str("avg"), Bool(true)]
        => "summarize(tf.a, \"1min\", \"avg\", true)", T0 + 30, 60, [17., 7., 23.4, 17.5]);
    buckets!("summarize", [str("45s"), str("max")] => "summarize(tf.a, \"45s\", \"max\")",
        T0, 45, [11., 29., 8., 21., 33., 4., N]);
    buckets!("summarize", [str("45s"), str("last"), Bool(true)]
        => "summarize(tf.a, \"45s\", \"last\", true)", T0 + 30, 45, [22., 8., 21., 30., 4., N]);
    buckets!("summarize", [str("1min"), str("count")] => "summarize(tf.a, \"1min\", \"count\")",
        T0, 60, [2., 6., 4., 5., 1.]);
    let out = run("summarize", vec![str("1min"), str("avg")]);
    assert_eq!(out.tags["summarize"], "1min");
    assert_eq!(out.tags["summarizeFunction"], "avg");
}

#[test]
fn summarize_worked_examples() {
    // graphite.md 5.12: six 1s at step 60 from 10:02 UTC of day 0.
    let one = |name: &str, extra: Vec<Value>| {
        let given = extra.len();
        let mut args = vec![Value::Series(vec![s("S", 36120, 60, vec![1.0; 6])])];
        args.extend(extra);
        let out = call(name, args, given, 36060, 36470).unwrap().remove(0);
        (out.start, out.values)
    };
    let (start, values) = one("summarize", vec![str("5min"), str("sum")]);
    assert_eq!((start, values), (36000, vec![3.0, 3.0]));
    let (start, values) = one(
        "summarize",
        vec![str("5min"), str("sum"), Value::Bool(true)],
    );
    assert_eq!((start, values), (36120, vec![5.0, 1.0]));
    let (start, values) = one("hitcount", vec![str("5min")]);
    assert_eq!((start, values), (35880, vec![60.0, 300.0]));
}

#[test]
fn summarize_respects_the_x_files_factor() {
    let mut series = s("x", 0, 10, vec![1., N, N, N, 1., 1.]);
    series.x_files_factor = 0.5;
    let args = vec![Value::Series(vec![series]), str("30s")];
    let out = call("summarize", args, 1, -10, 50).unwrap();
    // One known point of three fails 0.5; the end bucket is empty, as graphite-web adds it.
    assert_eq!(out[0].values, vals(&[N, 2., N]));
}

#[test]
fn hitcount_as_graphite_web() {
    buckets!("hitcount", [str("1min")] => "hitcount(tf.a, \"1min\")",
        T0 + 30, 60, [850., 280., 1170., 700.]);
    buckets!("hitcount", [str("45s")] => "hitcount(tf.a, \"45s\")",
        T0, 45, [125., 725., 160., 740., 1025., 225.]);
    // Re-fetched from T0 (the request start truncated to the minute).
    buckets!("hitcount", [str("1min"), Value::Bool(true)] => "hitcount(tf.a, \"1min\", true)",
        T0 + 10, 60, [400., 670., 990., 1000., N]);
    assert_eq!(run("hitcount", vec![str("1min")]).tags["hitcount"], "1min");
}

#[test]
fn smart_summarize_as_graphite_web() {
    buckets!("smartSummarize", [str("1min")] => "smartSummarize(tf.a, \"1min\", \"sum\")",
        T0 + 30, 60, [85., 28., 117., 70.]);
    buckets!("smartSummarize", [str("1min"), str("sum"), str("minutes")]
        => "smartSummarize(tf.a, \"1min\", \"sum\")", T0 + 10, 60, [40., 67., 99., 100., N]);
    buckets!("smartSummarize", [str("1min"), str("avg"), str("hours")]
        => "smartSummarize(tf.a, \"1min\", \"avg\")", T0 + 10, 60, [8., 13.4, 19.8, 20., N]);
    let out = run("smartSummarize", vec![str("1min"), str("max")]);
    assert_eq!(out.tags["smartSummarize"], "1min");
    assert_eq!(out.tags["smartSummarizeFunction"], "max");
}

#[test]
fn bad_intervals_and_units_are_errors() {
    let fails = |name: &str, extra: Vec<Value>, needle: &str| {
        let given = extra.len();
        let mut args = vec![Value::Series(vec![window()])];
        args.extend(extra);
        let c = ctx(T0 + 25, T0 + 265);
        let err = call_on(name, args, given, &c, &source(), None).unwrap_err();
        assert!(err.message.contains(needle), "{name}: {err}");
        assert!(err.message.starts_with(name), "{err}");
    };
    fails("summarize", vec![str("0s")], "must be positive");
    fails("summarize", vec![str("-1min")], "must be positive");
    fails("hitcount", vec![str("0s")], "must be positive");
    fails("smartSummarize", vec![str("0min")], "must be positive");
    fails("summarize", vec![str("1x")], "unknown unit");
    fails(
        "smartSummarize",
        vec![str("1min"), str("sum"), str("fortnights")],
        "not a unit",
    );
    let args = vec![Value::Series(vec![s("x", 0, 1, vec![1.0; 4])]), str("1s")];
    assert!(call("summarize", args, 1, 0, 20_000_000).is_ok());
    let args = vec![
        Value::Series(vec![s("x", 0, 1, vec![1.0; 4])]),
        str("1s"),
        str("median"),
    ];
    assert!(call("summarize", args, 2, 0, 4).is_ok());
}

#[test]
fn too_many_buckets_is_refused() {
    let long = s("x", 0, 100_000_000, vec![1.0; 2]);
    let args = vec![Value::Series(vec![long]), str("1s")];
    let err = call("summarize", args, 1, 0, 200_000_000).unwrap_err();
    assert!(err.message.contains("exceed the limit"), "{err}");
}

macro_rules! truncates {
    ($ts:expr, $unit:expr => $want:expr) => {
        assert_eq!(truncate($ts, $unit, &Tz::utc()), $want, "{:?}", $unit)
    };
}

#[test]
fn alignment_units() {
    // 2026-12-02 03:47:04 UTC, a Wednesday.
    let t = 1_796_183_224;
    truncates!(t, Unit::Seconds => t);
    truncates!(t, Unit::Minutes => 1_796_183_220);
    truncates!(t, Unit::Hours => 1_796_180_400);
    truncates!(t, Unit::Days => 1_796_169_600);
    truncates!(t, Unit::Weeks(1) => 1_796_169_600 - 2 * 86_400);
    truncates!(t, Unit::Weeks(3) => 1_796_169_600);
    truncates!(t, Unit::Weeks(4) => 1_796_169_600 - 6 * 86_400);
    truncates!(t, Unit::Months => days_from_civil(2026, 12, 1) * 86_400);
    truncates!(t, Unit::Years => days_from_civil(2026, 1, 1) * 86_400);
    assert_eq!(super::align_unit("weeks3"), Some(Unit::Weeks(3)));
    assert_eq!(super::align_unit("weeks"), Some(Unit::Weeks(1)));
    assert_eq!(super::align_unit("months"), Some(Unit::Months));
    assert_eq!(super::align_unit("minutes"), Some(Unit::Minutes));
    assert_eq!(super::align_unit("m"), None);
    for days in [-800_000, -1, 0, 59, 365, 11_016, 20_789, 2_932_896] {
        let (y, m, d) = civil_from_days(days);
        assert_eq!(days_from_civil(y, m, d), days);
    }
    assert_eq!(civil_from_days(20_789), (2026, 12, 2));
}
