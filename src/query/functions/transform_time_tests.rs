//! Tests of transform_time.rs; expectations rendered by graphite-web 1.1.8 over `tf.a`.

use super::super::transform::tests::{call, call_on, one, s, tf_a, vals, N, T0, V};
use crate::query::ast::Expr;
use crate::query::functions::testing::{ctx, FakeSource};
use crate::query::registry::Value;
use crate::series::Series;

fn source() -> FakeSource {
    FakeSource {
        series: vec![s("tf.a", T0, 10, tf_a())],
        ..FakeSource::default()
    }
}

/// Runs `name(tf.a, extra...)` for `[from, until)`, with `tf.a` fetched for that range as the
/// bound first argument and as the raw one to re-fetch.
fn shifted(name: &str, extra: Vec<Value>, from: i64, until: i64) -> Vec<Series> {
    let src = source();
    let given = extra.len();
    let c = ctx(from, until);
    let fetched = crate::query::Source::fetch(&src, "tf.a", from, until, until).unwrap();
    let mut args = vec![Value::Series(fetched)];
    args.extend(extra);
    call_on(name, args, given, &c, &src, Some(Expr::Path("tf.a".into()))).unwrap()
}

fn str(s: &str) -> Value {
    Value::Str(s.into())
}

/// `n` Nones followed by `rest`.
fn after_nones(n: usize, rest: &[f64]) -> V {
    let mut v = vec![N; n];
    v.extend_from_slice(rest);
    V(v)
}

#[test]
fn time_shift_as_graphite_web() {
    let out = shifted("timeShift", vec![str("1min")], T0 - 10, T0 + 290);
    assert_eq!(out[0].name, "timeShift(tf.a, \"-1min\")");
    assert_eq!(out[0].tags["timeShift"], "-1min");
    assert_eq!(out[0].path_expression, "tf.a");
    assert_eq!((out[0].start, out[0].step), (T0, 10));
    assert_eq!(out[0].values, after_nones(6, &tf_a()[..24]));
    let out = shifted("timeShift", vec![str("+1min")], T0 - 10, T0 + 290);
    assert_eq!(out[0].name, "timeShift(tf.a, \"+1min\")");
    let mut want = tf_a()[6..].to_vec();
    want.resize(30, N);
    assert_eq!(out[0].values, V(want));
    let out = shifted("timeShift", vec![str("-1min")], T0 - 10, T0 + 290);
    assert_eq!(out[0].name, "timeShift(tf.a, \"-1min\")");
}

#[test]
fn time_shift_keeps_the_point_graphite_web_shows_at_the_end() {
    // The request has 24 points from T0+30; shifted by 6 s the fetch has 25, and graphite-web's
    // JSON shows all 25 (its timestamps run to the end inclusive) with or without resetEnd.
    let want = vals(&[
        4., 7., 11., N, 16., 22., 29., 3., 5., 8., N, N, 12., 20., 21., 21., 25., 30., N, 31., 33.,
        2., 4., N, N,
    ]);
    for reset_end in [true, false] {
        let out = shifted(
            "timeShift",
            vec![str("6s"), Value::Bool(reset_end)],
            T0 + 25,
            T0 + 266,
        );
        assert_eq!((out[0].start, out[0].values.len()), (T0 + 30, 25));
        assert_eq!(out[0].values, want);
    }
    // A longer re-fetch is cut to the request's length plus that one point.
    let first = s("tf.a", T0, 10, vec![1.0; 3]);
    let src = source();
    let c = ctx(T0 - 10, T0 + 40);
    let args = vec![Value::Series(vec![first]), str("-1min"), Value::Bool(true)];
    let out = call_on(
        "timeShift",
        args,
        2,
        &c,
        &src,
        Some(Expr::Path("tf.a".into())),
    );
    assert_eq!(out.unwrap()[0].values.len(), 4);
}

#[test]
fn time_shift_of_nothing_is_nothing() {
    let args = vec![Value::Series(vec![]), str("1d")];
    assert_eq!(call("timeShift", args, 1, T0, T0 + 60).unwrap(), vec![]);
    let args = vec![Value::Series(vec![]), str("1d")];
    assert_eq!(call("timeStack", args, 1, T0, T0 + 60).unwrap(), vec![]);
}

#[test]
fn time_shift_with_align_dst_in_utc_is_a_plain_shift() {
    let plain = shifted("timeShift", vec![str("1min")], T0 - 10, T0 + 290);
    let aligned = shifted(
        "timeShift",
        vec![str("1min"), Value::Bool(true), Value::Bool(true)],
        T0 - 10,
        T0 + 290,
    );
    assert_eq!(plain[0].name, aligned[0].name);
    assert_eq!(aligned[0].values, V(plain[0].values.clone()));
}

#[test]
fn time_stack_as_graphite_web() {
    let out = shifted(
        "timeStack",
        vec![str("1min"), Value::Int(0), Value::Int(3)],
        T0 - 10,
        T0 + 290,
    );
    let names: Vec<&str> = out.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "timeShift(tf.a, -1min, 0)",
            "timeShift(tf.a, -1min, 1)",
            "timeShift(tf.a, -1min, 2)"
        ]
    );
    assert_eq!(out[2].path_expression, "timeShift(tf.a, -1min, 2)");
    assert_eq!(out[1].tags["timeShiftUnit"], "-1min");
    assert_eq!(out[1].tags["timeShift"], "1");
    assert_eq!(out[0].values, V(tf_a()));
    assert_eq!(out[1].values, after_nones(6, &tf_a()[..24]));
    assert_eq!(out[2].values, after_nones(12, &tf_a()[..18]));
    assert!(out.iter().all(|s| s.start == T0));
    let args = vec![
        Value::Series(vec![s("x", T0, 10, vec![1.0])]),
        str("1d"),
        Value::Int(0),
        Value::Int(5000),
    ];
    let err = call("timeStack", args, 3, T0, T0 + 10).unwrap_err();
    assert!(err.message.contains("limit"), "{err}");
}

#[test]
fn time_slice_as_graphite_web() {
    let out = shifted(
        "timeSlice",
        vec![str(&(T0 + 50).to_string()), str(&(T0 + 120).to_string())],
        T0 + 25,
        T0 + 265,
    );
    assert_eq!(out[0].name, "timeSlice(tf.a, 1796176850, 1796176920)");
    assert_eq!(out[0].tags["timeSliceStart"], "1796176850");
    assert_eq!(out[0].tags["timeSliceEnd"], "1796176920");
    let mut want = vec![N, N, N, 16., 22., 29., 3., 5., 8.];
    want.resize(24, N);
    assert_eq!(out[0].values, V(want));
    // endSliceAt defaults to now (the request's); epoch integers are accepted too.
    let out = shifted("timeSlice", vec![Value::Int(T0 + 200)], T0 + 25, T0 + 265);
    assert_eq!(
        out[0].name,
        format!("timeSlice(tf.a, {}, {})", T0 + 200, T0 + 265)
    );
    assert_eq!(out[0].values, after_nones(18, &[31., 33., 2., 4., N, N]));
    let args = vec![Value::Series(vec![]), str("teatime-ish")];
    assert!(call("timeSlice", args, 1, T0, T0 + 10).is_err());
}

#[test]
fn delay_as_graphite_web() {
    let out = one("delay", tf_a(), vec![Value::Int(2)]);
    assert_eq!(out.name, "delay(tf.x,2)");
    assert_eq!(out.path_expression, "delay(tf.x,2)");
    assert_eq!(out.tags["delay"], "2");
    assert_eq!(out.values, after_nones(2, &tf_a()[..28]));
    let out = one("delay", tf_a(), vec![Value::Int(-3)]);
    assert_eq!(out.name, "delay(tf.x,-3)");
    let mut want = tf_a()[3..].to_vec();
    want.resize(30, N);
    assert_eq!(out.values, V(want));
    assert_eq!(
        one("delay", tf_a(), vec![Value::Int(40)]).values,
        V(vec![N; 30])
    );
    assert_eq!(
        one("delay", tf_a(), vec![Value::Int(-40)]).values,
        V(vec![N; 30])
    );
    // graphite-web 1.1.8 answers an empty series here; pencil keeps the values.
    assert_eq!(one("delay", tf_a(), vec![Value::Int(0)]).values, V(tf_a()));
}
