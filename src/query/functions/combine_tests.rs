//! Tests of the Combine aggregators, with the shared fixtures the other Combine test files use:
//! the reference's `cb.t.*.*` data set and graphite-web 1.1.8's answers over it.

use crate::query::functions::testing::{ctx, run, series, FakeSource};
use crate::query::registry::Value;
use crate::series::Series;

pub(crate) const N: f64 = f64::NAN;
/// The reference's `cb.t.*.*` window (graphite-web 1.1.8, step 10, 4 points).
pub(crate) const T0: i64 = 1796179800;

pub(crate) fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x.is_nan() && y.is_nan()) || x == y)
}

/// A series fetched by glob `glob`.
pub(crate) fn fetched(name: &str, glob: &str, values: &[f64]) -> Series {
    let mut s = series(name, T0, 10, values);
    s.path_expression = glob.to_string();
    s
}

/// The reference data set: `cb.t.{a,b}.{x,y}` as fetched by `cb.t.*.*`.
pub(crate) fn cbt(glob: &str) -> Vec<Series> {
    vec![
        fetched("cb.t.a.x", glob, &[1.0, 2.0, N, 4.0]),
        fetched("cb.t.a.y", glob, &[5.0, 7.0, 9.0, N]),
        fetched("cb.t.b.x", glob, &[10.0, N, 30.0, 40.0]),
        fetched("cb.t.b.y", glob, &[2.0, 4.0, 6.0, 8.0]),
    ]
}

pub(crate) fn lists(lists: Vec<Vec<Series>>) -> Value {
    Value::List(lists.into_iter().map(Value::Series).collect())
}

/// `name(args...)` over the reference window.
fn outcome(name: &str, args: Vec<Value>) -> Result<Vec<Series>, crate::query::QueryError> {
    let window = ctx(T0 - 1, T0 + 39);
    run(name, args, None, &window, &FakeSource::default())
}

pub(crate) fn one(name: &str, args: Vec<Value>) -> Vec<Series> {
    outcome(name, args).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The message of the error `name(args...)` must answer.
pub(crate) fn fails(name: &str, args: Vec<Value>) -> String {
    outcome(name, args).expect_err(name).message
}

/// `outputs!(out, [(name, values), ...])`: the outputs have exactly these names, in order, and
/// these values (NaN matching NaN).
macro_rules! outputs {
    ($out:expr, [$(($name:expr, $values:expr)),* $(,)?]) => {{
        let out = &$out;
        let want: Vec<(&str, Vec<f64>)> = vec![$(($name, $values.to_vec())),*];
        let names: Vec<&str> = out.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, want.iter().map(|w| w.0).collect::<Vec<_>>());
        for (s, (name, values)) in out.iter().zip(&want) {
            assert!(
                $crate::query::functions::combine::tests::same(&s.values, values),
                "{}: {:?}",
                name,
                s.values
            );
        }
    }};
}
pub(crate) use outputs;

/// `name(cb.t.*.*)` gives one series with `want_name` and `want` values.
macro_rules! agg {
    ($f:expr, $want_name:expr, $want:expr) => {{
        let out = one($f, vec![lists(vec![cbt("cb.t.*.*")])]);
        assert_eq!(out.len(), 1, "{}", $f);
        assert_eq!(out[0].name, $want_name);
        assert_eq!((out[0].start, out[0].step), (T0, 10), "{}", $f);
        assert!(same(&out[0].values, &$want), "{}: {:?}", $f, out[0].values);
    }};
}

#[test]
fn aggregators_match_the_reference() {
    // Observed from graphite-web 1.1.8 over cb.t.*.*.
    agg!("sumSeries", "sumSeries(cb.t.*.*)", [18.0, 13.0, 45.0, 52.0]);
    agg!("sum", "sumSeries(cb.t.*.*)", [18.0, 13.0, 45.0, 52.0]);
    let avg = [4.5, 4.333333333333333, 15.0, 17.333333333333332];
    agg!("averageSeries", "averageSeries(cb.t.*.*)", avg);
    agg!("avg", "averageSeries(cb.t.*.*)", avg);
    agg!("maxSeries", "maxSeries(cb.t.*.*)", [10.0, 7.0, 30.0, 40.0]);
    agg!("minSeries", "minSeries(cb.t.*.*)", [1.0, 2.0, 6.0, 4.0]);
    agg!(
        "diffSeries",
        "diffSeries(cb.t.*.*)",
        [-16.0, -9.0, -27.0, -44.0]
    );
    let sd = [
        3.5,
        2.0548046676563256,
        10.677078252031311,
        16.110727964792762,
    ];
    agg!("stddevSeries", "stddevSeries(cb.t.*.*)", sd);
    agg!(
        "rangeOfSeries",
        "rangeOfSeries(cb.t.*.*)",
        [9.0, 5.0, 24.0, 36.0]
    );
    agg!(
        "multiplySeries",
        "multiplySeries(cb.t.*.*)",
        [100.0, N, N, N]
    );
    agg!("countSeries", "countSeries(cb.t.*.*)", [4.0; 4]);
}

#[test]
fn names_list_each_path_expression_once_in_order() {
    let mut a = cbt("cb.t.a.*");
    a.truncate(2);
    let out = one(
        "sum",
        vec![lists(vec![
            a.clone(),
            vec![fetched("cb.t.a.x", "cb.t.*.x", &[1.0; 4])],
            a,
        ])],
    );
    assert_eq!(out[0].name, "sumSeries(cb.t.a.*,cb.t.*.x)");
    // Duplicated series are counted twice, as graphite-web does.
    assert!(same(&out[0].values, &[13.0, 19.0, 19.0, 9.0]));
}

#[test]
fn aggregate_by_name_with_xff() {
    let agg = |func: &str, xff: Value| {
        one(
            "aggregate",
            vec![Value::Series(cbt("cb.t.*.*")), Value::Str(func.into()), xff],
        )
    };
    let out = agg("avg_zero", Value::None);
    assert_eq!(out[0].name, "avg_zeroSeries(cb.t.*.*)");
    assert!(same(&out[0].values, &[4.5, 3.25, 11.25, 13.0]));
    assert!(same(
        &agg("median", Value::None)[0].values,
        &[3.5, 4.0, 9.0, 8.0]
    ));
    assert_eq!(agg("sumSeries", Value::None)[0].name, "sumSeries(cb.t.*.*)");
    assert_eq!(agg("total", Value::None)[0].name, "totalSeries(cb.t.*.*)");
    assert!(same(
        &agg("last", Value::None)[0].values,
        &[2.0, 4.0, 6.0, 8.0]
    ));
    assert!(same(
        &agg("sum", Value::Float(0.75))[0].values,
        &[18.0, 13.0, 45.0, 52.0]
    ));
    let out = agg("count", Value::Int(1));
    assert_eq!(out[0].name, "countSeries(cb.t.*.*)");
    assert!(same(&out[0].values, &[4.0, N, N, N]));
    assert_eq!(out[0].tags["aggregatedBy"], "count");
    let err = run(
        "aggregate",
        vec![
            Value::Series(Vec::new()),
            Value::Str("nope".into()),
            Value::None,
        ],
        None,
        &ctx(0, 60),
        &FakeSource::default(),
    )
    .unwrap_err();
    assert!(
        err.message
            .contains("unsupported aggregation function \"nope\""),
        "{err}"
    );
}

#[test]
fn the_request_xff_applies_to_aggregates_only() {
    // Observed with &xFilesFactor=0.8: sumSeries keeps only fully known rows,
    // countSeries and percentileOfSeries ignore it.
    let mut c = ctx(T0 - 1, T0 + 39);
    c.x_files_factor = 0.8;
    let src = FakeSource::default();
    let f = |name: &str, args: Vec<Value>| run(name, args, None, &c, &src).unwrap();
    let out = f("sumSeries", vec![lists(vec![cbt("cb.t.*.*")])]);
    assert!(same(&out[0].values, &[18.0, N, N, N]));
    assert_eq!(out[0].x_files_factor, 0.8);
    let out = f("countSeries", vec![lists(vec![cbt("cb.t.*.*")])]);
    assert!(same(&out[0].values, &[4.0; 4]));
    let args = vec![
        Value::Series(cbt("cb.t.*.*")),
        Value::Int(50),
        Value::Bool(false),
    ];
    assert!(same(
        &f("percentileOfSeries", args)[0].values,
        &[5.0, 4.0, 9.0, 8.0]
    ));
}

#[test]
fn aggregates_keep_common_tags() {
    // Observed: sumSeries(seriesByTag("dc=la")) over cb.tag;dc=la;host=h{1,2} and
    // as.tg;dc=la;host=h1 keeps dc, names itself, adds aggregatedBy.
    let tagged = |name: &str| {
        let mut s = series(name, T0, 10, &[1.0]);
        s.path_expression = "seriesByTag(\"dc=la\")".into();
        s
    };
    let out = one(
        "sumSeries",
        vec![lists(vec![vec![
            tagged("cb.tag;dc=la;host=h1"),
            tagged("cb.tag;dc=la;host=h2"),
            tagged("as.tg;dc=la;host=h1"),
        ]])],
    );
    let tags: Vec<(&str, &str)> = out[0]
        .tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        tags,
        [
            ("aggregatedBy", "sum"),
            ("dc", "la"),
            ("name", "sumSeries(seriesByTag(\"dc=la\"))")
        ]
    );
    let out = one(
        "maxSeries",
        vec![lists(vec![vec![tagged("cb.tag;dc=la;host=h1")]])],
    );
    assert_eq!(out[0].tags["name"], "cb.tag");
    assert_eq!(out[0].tags["host"], "h1");
}

#[test]
fn common_step_and_positional_rows() {
    // graphite.md 5.12: a step-10 and a step-60 series are combined at step 60, the fine
    // one averaged 6:1.
    let a = series("a", 0, 10, &(0..12).map(f64::from).collect::<Vec<_>>());
    let b = series("b", 0, 60, &[1.0, 2.0]);
    let out = one("sumSeries", vec![lists(vec![vec![a, b]])]);
    assert_eq!((out[0].start, out[0].step), (0, 60));
    assert!(same(&out[0].values, &[3.5, 10.5]));
    // graphite.md 5.1: rows are positional, not re-aligned by time; the result starts at the
    // earliest start.
    let a = series("a", 0, 10, &[1.0, 2.0]);
    let b = series("b", 10, 10, &[10.0, 20.0]);
    let out = one("sumSeries", vec![lists(vec![vec![a, b]])]);
    assert_eq!((out[0].start, out[0].step), (0, 10));
    assert!(same(&out[0].values, &[11.0, 22.0]));
}

#[test]
fn empty_inputs_give_no_series() {
    for f in [
        "sumSeries",
        "averageSeries",
        "countSeries",
        "multiplySeries",
        "powSeries",
    ] {
        assert!(one(f, vec![lists(vec![Vec::new()])]).is_empty(), "{f}");
    }
    assert!(one(
        "percentileOfSeries",
        vec![
            Value::Series(Vec::new()),
            Value::Int(50),
            Value::Bool(false)
        ]
    )
    .is_empty());
    // Only a call without arguments draws countSeries' zero line (named str(0)).
    let out = run(
        "countSeries",
        vec![Value::List(Vec::new())],
        None,
        &ctx(1000, 1090),
        &FakeSource::default(),
    )
    .unwrap();
    assert_eq!(
        (out[0].name.as_str(), out[0].start, out[0].step),
        ("0", 1000, 45)
    );
    assert_eq!(out[0].values, [0.0; 3]);
    assert_eq!(out[0].path_expression, "countSeries()");
    let out = one(
        "countSeries",
        vec![lists(vec![cbt("cb.t.a.x")[..1].to_vec(), Vec::new()])],
    );
    assert_eq!(out[0].name, "countSeries(cb.t.a.x)");
    assert_eq!(out[0].tags.len(), 1);
}

#[test]
fn multiply_series_returns_a_lone_series_unchanged() {
    let a = cbt("cb.t.a.x").swap_remove(0);
    let out = one("multiplySeries", vec![lists(vec![vec![a.clone()]])]);
    assert_eq!((out.len(), out[0].name.as_str()), (1, "cb.t.a.x"));
    assert!(same(&out[0].values, &a.values));
    let out = one("multiplySeries", vec![lists(vec![vec![a], Vec::new()])]);
    assert_eq!(out[0].name, "multiplySeries(cb.t.a.x)");
}

#[test]
fn percentile_of_series() {
    let p = |n: Value, interpolate: bool| {
        one(
            "percentileOfSeries",
            vec![Value::Series(cbt("cb.t.*.*")), n, Value::Bool(interpolate)],
        )
    };
    let out = p(Value::Int(50), false);
    assert_eq!(out[0].name, "percentileOfSeries(cb.t.*.*,50)");
    assert!(same(&out[0].values, &[5.0, 4.0, 9.0, 8.0]));
    let out = p(Value::Int(50), true);
    assert_eq!(out[0].name, "percentileOfSeries(cb.t.*.*,50)");
    assert!(same(&out[0].values, &[3.5, 4.0, 9.0, 8.0]));
    let out = p(Value::Float(75.5), false);
    assert_eq!(out[0].name, "percentileOfSeries(cb.t.*.*,75.5)");
    assert!(same(&out[0].values, &[10.0, 7.0, 30.0, 40.0]));
    let err = run(
        "percentileOfSeries",
        vec![Value::Series(cbt("x")), Value::Int(0), Value::Bool(false)],
        None,
        &ctx(0, 60),
        &FakeSource::default(),
    )
    .unwrap_err();
    assert!(err.message.contains("greater than 0"), "{err}");
}

#[test]
fn group_and_pow() {
    let all = cbt("cb.t.*.*");
    let out = one(
        "group",
        vec![lists(vec![all[..1].to_vec(), all[..2].to_vec()])],
    );
    let names: Vec<&str> = out.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["cb.t.a.x", "cb.t.a.x", "cb.t.a.y"]);
    let out = one(
        "powSeries",
        vec![lists(vec![vec![all[3].clone()], vec![all[0].clone()]])],
    );
    assert_eq!(out[0].name, "powSeries(cb.t.b.y,cb.t.a.x)");
    assert!(same(&out[0].values, &[2.0, 16.0, N, 4096.0]));
}

#[test]
fn function_shaped_names_are_not_parsed_for_tags() {
    use super::is_function_shaped;
    let c = ctx(0, 60);
    let s = super::new_series("divideSeries(a;k=v,b)".into(), 0, 10, vec![], &c);
    assert_eq!(s.tags.len(), 1);
    assert_eq!(s.tags["name"], "divideSeries(a;k=v,b)");
    let s = super::new_series("a.b;k=v".into(), 0, 10, vec![], &c);
    assert_eq!(s.tags["k"], "v");
    assert!(is_function_shaped("f(x)"));
    assert!(!is_function_shaped("f()"));
    assert!(!is_function_shaped("(x)"));
    assert!(!is_function_shaped("f1(x)"));
    assert!(!is_function_shaped("f(x"));
}

#[test]
fn keys_from_nodes_tags_and_first_path_expression() {
    use super::agg_key;
    let s = series("a.b.c;dc=la", 0, 10, &[]);
    let key = |nodes: &[Value]| agg_key(&s, nodes);
    assert_eq!(key(&[Value::Int(1)]), "b");
    assert_eq!(key(&[Value::Int(-1), Value::Int(0)]), "c.a");
    assert_eq!(key(&[Value::Str("dc".into()), Value::Int(7)]), "la.");
    let f = series("sumSeries(scale(x.y.z,2),q.r)", 0, 10, &[]);
    assert_eq!(agg_key(&f, &[Value::Int(1)]), "y");
    assert_eq!(agg_key(&f, &[]), "");
}
