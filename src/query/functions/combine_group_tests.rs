//! Tests of the grouping Combine functions against graphite-web 1.1.8's answers.

use crate::query::ast::Expr;
use crate::query::functions::combine::tests::{cbt, fails, fetched, lists, one, outputs, N, T0};
use crate::query::functions::testing::{ctx, series, FakeSource};
use crate::query::registry::{Evaluator, Invocation, Value};
use crate::query::{QueryError, Source};
use crate::series::Series;

fn ints(v: &[i64]) -> Value {
    Value::List(v.iter().map(|n| Value::Int(*n)).collect())
}

fn strs(v: &[&str]) -> Value {
    Value::List(v.iter().map(|s| Value::Str(s.to_string())).collect())
}

fn by_node(node: Value, callback: &str) -> Vec<Series> {
    one(
        "groupByNode",
        vec![
            Value::Series(cbt("cb.t.*.*")),
            node,
            Value::Str(callback.into()),
        ],
    )
}

#[test]
fn aggregators_are_graphite_webs() {
    // The functions graphite-web 1.1.8 marks `aggregator`: /functions lists them (with the
    // aggregation names) as the options of every aggOrSeriesFunc parameter.
    let want = [
        "asPercent",
        "averageSeries",
        "averageSeriesWithWildcards",
        "avg",
        "countSeries",
        "diffSeries",
        "diffSeriesLists",
        "maxSeries",
        "minSeries",
        "multiplySeries",
        "multiplySeriesLists",
        "multiplySeriesWithWildcards",
        "pct",
        "powSeries",
        "rangeOfSeries",
        "stddevSeries",
        "sum",
        "sumSeries",
        "sumSeriesLists",
        "sumSeriesWithWildcards",
    ];
    let mut got: Vec<&str> = crate::query::functions::all()
        .filter(|s| s.aggregator)
        .map(|s| s.name)
        .collect();
    got.sort_unstable();
    assert_eq!(got, want);
}

#[test]
fn group_by_node_names_results_by_key() {
    // All observed from graphite-web 1.1.8.
    let out = by_node(Value::Int(2), "sum");
    outputs!(
        out,
        [("a", [6.0, 9.0, 9.0, 4.0]), ("b", [12.0, 4.0, 36.0, 48.0])]
    );
    assert_eq!(out[0].tags["name"], "sumSeries(cb.t.*.*)");
    assert_eq!(out[0].tags["aggregatedBy"], "sum");
    assert_eq!(out[0].path_expression, "sumSeries(cb.t.*.*)");
    outputs!(
        by_node(Value::Int(2), "average"),
        [("a", [3.0, 4.5, 9.0, 4.0]), ("b", [6.0, 4.0, 18.0, 24.0])]
    );
    let out = by_node(Value::Int(2), "sumSeries");
    assert_eq!(out[1].tags["aggregatedBy"], "sum");
    let out = by_node(Value::Int(-1), "multiplySeries");
    outputs!(
        out,
        [("x", [10.0, N, N, 160.0]), ("y", [10.0, 28.0, 54.0, N])]
    );
    let out = by_node(Value::Int(2), "asPercent");
    outputs!(
        out,
        [
            ("a", [16.666666666666664, 22.22222222222222, N, 100.0]),
            (
                "b",
                [83.33333333333334, N, 83.33333333333334, 83.33333333333334]
            ),
        ]
    );
    assert_eq!(
        out[0].tags["name"],
        "asPercent(cb.t.a.x,sumSeries(cb.t.*.*))"
    );
    outputs!(
        by_node(Value::Int(2), "countSeries"),
        [("a", [2.0; 4]), ("b", [2.0; 4])]
    );
    outputs!(
        by_node(Value::Int(7), "sum"),
        [("", [18.0, 13.0, 45.0, 52.0])]
    );
    // A one-series group keeps that series' tags.
    let out = by_node(Value::Int(2), "sumSeriesWithWildcards");
    outputs!(
        out,
        [("a", [1.0, 2.0, N, 4.0]), ("b", [10.0, N, 30.0, 40.0])]
    );
    assert_eq!(out[0].tags["name"], "cb.t.a.x");
}

#[test]
fn group_by_nodes_and_function_shaped_names() {
    let out = one(
        "groupByNodes",
        vec![
            Value::Series(cbt("cb.t.*.*")),
            Value::Str("max".into()),
            ints(&[3, 2]),
        ],
    );
    let names: Vec<&str> = out.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["x.a", "y.a", "x.b", "y.b"]);
    assert_eq!(out[0].tags["name"], "cb.t.a.x");
    let out = one(
        "groupByNodes",
        vec![
            Value::Series(cbt("cb.t.*.*")),
            Value::Str("max".into()),
            ints(&[]),
        ],
    );
    outputs!(out, [("", [10.0, 7.0, 30.0, 40.0])]);
    // groupByNode(scale(cb.t.*.*,2),2,"sum"): keyed by the first path expression inside.
    let scaled: Vec<Series> = cbt("")
        .into_iter()
        .map(|mut s| {
            s.name = format!("scale({},2)", s.name);
            s.path_expression = s.name.clone();
            s.tags.insert("scale".into(), "2.0".into());
            s
        })
        .collect();
    let out = one(
        "groupByNode",
        vec![
            Value::Series(scaled),
            Value::Int(2),
            Value::Str("sum".into()),
        ],
    );
    assert_eq!(out[0].name, "a");
    assert_eq!(
        out[0].tags["name"],
        "sumSeries(scale(cb.t.a.x,2),scale(cb.t.a.y,2))"
    );
    assert_eq!(out[0].tags["scale"], "2.0");
}

#[test]
fn callbacks_that_cannot_reduce_a_group_are_refused() {
    let call = |cb: &str| {
        fails(
            "groupByNode",
            vec![
                Value::Series(cbt("x")),
                Value::Int(2),
                Value::Str(cb.into()),
            ],
        )
    };
    assert!(call("nope").contains("unsupported aggregation function \"nope\""));
    assert!(call("divideSeries").contains("not an aggregation"));
    assert!(call("diffSeriesLists").contains("seriesListSecondPos"));
    assert!(one(
        "groupByNode",
        vec![
            Value::Series(Vec::new()),
            Value::Int(1),
            Value::Str("sum".into())
        ]
    )
    .is_empty());
}

fn tagged() -> Vec<Series> {
    let mk = |name: &str, v: f64| {
        let mut s = series(name, T0, 10, &[v]);
        s.path_expression = "seriesByTag('name=cb.tag')".into();
        s
    };
    vec![
        mk("cb.tag;dc=la;host=h1", 1.0),
        mk("cb.tag;dc=la;host=h2", 10.0),
        mk("cb.tag;dc=ny;host=h3", 100.0),
    ]
}

#[test]
fn group_by_tags_keys() {
    let by = |list: Vec<Series>, cb: &str, tags: &[&str]| {
        one(
            "groupByTags",
            vec![Value::Series(list), Value::Str(cb.into()), strs(tags)],
        )
    };
    let out = by(tagged(), "sum", &["dc"]);
    outputs!(out, [("cb.tag;dc=la", [11.0]), ("cb.tag;dc=ny", [100.0])]);
    let tags: Vec<(&str, &str)> = out[0]
        .tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(tags, [("dc", "la"), ("name", "cb.tag")]);
    assert_eq!(out[0].path_expression, "cb.tag;dc=la");
    let names: Vec<String> = by(tagged(), "maxSeries", &["host", "dc"])
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(
        names,
        [
            "cb.tag;dc=la;host=h1",
            "cb.tag;dc=la;host=h2",
            "cb.tag;dc=ny;host=h3"
        ]
    );
    let mut mixed = tagged();
    mixed.truncate(0);
    mixed.push(series("cb.tag;dc=ny;host=h3", T0, 10, &[100.0]));
    mixed.push(series("cb.other;dc=ny;host=h3", T0, 10, &[5.0]));
    outputs!(by(mixed.clone(), "sum", &["dc"]), [("sum;dc=ny", [105.0])]);
    outputs!(
        by(mixed, "sum", &["name", "dc"]),
        [("cb.tag;dc=ny", [100.0]), ("cb.other;dc=ny", [5.0])]
    );
    let err = fails(
        "groupByTags",
        vec![Value::Series(tagged()), Value::Str("sum".into()), strs(&[])],
    );
    assert!(err.contains("no tags"), "{err}");
}

#[test]
fn with_wildcards() {
    let w = |f: &str, pos: &[i64]| one(f, vec![Value::Series(cbt("cb.t.*.*")), ints(pos)]);
    outputs!(
        w("sumSeriesWithWildcards", &[2]),
        [
            ("cb.t.x", [11.0, 2.0, 30.0, 44.0]),
            ("cb.t.y", [7.0, 11.0, 15.0, 8.0])
        ]
    );
    outputs!(
        w("sumSeriesWithWildcards", &[1, 2]),
        [
            ("cb.x", [11.0, 2.0, 30.0, 44.0]),
            ("cb.y", [7.0, 11.0, 15.0, 8.0])
        ]
    );
    outputs!(
        w("averageSeriesWithWildcards", &[2]),
        [
            ("cb.t.x", [5.5, 2.0, 30.0, 22.0]),
            ("cb.t.y", [3.5, 5.5, 7.5, 8.0])
        ]
    );
    outputs!(
        w("multiplySeriesWithWildcards", &[3]),
        [
            ("cb.t.a", [5.0, 14.0, N, N]),
            ("cb.t.b", [20.0, N, 180.0, 320.0])
        ]
    );
    // Negative positions never match, as in graphite-web.
    assert_eq!(w("sumSeriesWithWildcards", &[-1]).len(), 4);
    let out = one(
        "aggregateWithWildcards",
        vec![
            Value::Series(cbt("cb.t.*.*")),
            Value::Str("max".into()),
            ints(&[3]),
        ],
    );
    outputs!(
        out,
        [
            ("cb.t.a", [5.0, 7.0, 9.0, 4.0]),
            ("cb.t.b", [10.0, 4.0, 30.0, 40.0])
        ]
    );
}

/// FakeSource's own `eval_target` fetches an unbounded range; this one uses the request's.
struct Ranged(FakeSource, i64, i64);

impl Evaluator for Ranged {
    fn eval_with_range(
        &self,
        expr: &Expr,
        from: i64,
        until: i64,
    ) -> Result<Vec<Series>, QueryError> {
        self.0.eval_with_range(expr, from, until)
    }
    fn eval_target(&self, target: &str) -> Result<Vec<Series>, QueryError> {
        self.0
            .eval_with_range(&Expr::Path(target.to_string()), self.1, self.2)
    }
    fn source(&self) -> &dyn Source {
        &self.0
    }
}

#[test]
fn apply_by_node_evaluates_the_template_per_prefix() {
    let eval = Ranged(
        FakeSource {
            series: cbt("x"),
            ..FakeSource::default()
        },
        T0 - 1,
        T0 + 39,
    );
    let c = ctx(T0 - 1, T0 + 39);
    let spec = crate::query::functions::lookup("applyByNode").unwrap();
    let apply = |node: i64, template: &str, new_name: Value| {
        let mut inv = Invocation {
            name: "applyByNode",
            spec,
            args: vec![
                Value::Series(cbt("cb.t.*.*")),
                Value::Int(node),
                Value::Str(template.into()),
                new_name,
            ],
            raw: vec![None; 4],
            ctx: &c,
            eval: &eval,
        };
        (spec.run)(&mut inv).unwrap()
    };
    let out = apply(2, "%.y", Value::Str("%.only_y".into()));
    outputs!(
        out,
        [
            ("cb.t.a.only_y", [5.0, 7.0, 9.0, N]),
            ("cb.t.b.only_y", [2.0, 4.0, 6.0, 8.0])
        ]
    );
    assert_eq!(out[0].path_expression, "cb.t.a");
    assert_eq!((out[0].start, out[0].step), (T0, 10));
    let names: Vec<String> = apply(9, "%", Value::None)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["cb.t.a.x", "cb.t.a.y", "cb.t.b.x", "cb.t.b.y"]);
}

#[test]
fn map_and_reduce() {
    let mapped = one(
        "mapSeries",
        vec![Value::Series(cbt("cb.t.*.*")), ints(&[3])],
    );
    let names: Vec<&str> = mapped.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["cb.t.a.x", "cb.t.b.x", "cb.t.a.y", "cb.t.b.y"]);
    let reduce = |list: Vec<Series>, f: &str, node: i64, m: &[&str]| {
        one(
            "reduceSeries",
            vec![
                lists(vec![list]),
                Value::Str(f.into()),
                Value::Int(node),
                strs(m),
            ],
        )
    };
    let by_host = one("map", vec![Value::Series(cbt("cb.t.*.*")), ints(&[2])]);
    outputs!(
        reduce(by_host.clone(), "asPercent", 3, &["x", "y"]),
        [
            ("cb.t.a.reduce.asPercent", [20.0, 28.57142857142857, N, N]),
            ("cb.t.b.reduce.asPercent", [500.0, N, 500.0, 500.0]),
        ]
    );
    outputs!(
        reduce(by_host, "diffSeries", 3, &["y", "x"]),
        [
            ("cb.t.a.reduce.diffSeries", [4.0, 5.0, 9.0, 4.0]),
            ("cb.t.b.reduce.diffSeries", [-8.0, 4.0, -24.0, -32.0]),
        ]
    );
    outputs!(
        reduce(mapped, "sumSeries", 2, &["a", "b"]),
        [("cb.t.reduce.sumSeries", [7.0, 11.0, 15.0, 8.0])]
    );
    let lone = vec![fetched("cb.t.a.x", "cb.t.a.x", &[1.0])];
    let err = fails(
        "reduce",
        vec![
            lists(vec![lone]),
            Value::Str("divideSeries".into()),
            Value::Int(3),
            strs(&["x", "y"]),
        ],
    );
    assert!(
        err.contains("no series for cb.t.a.reduce.divideSeries matches \"y\""),
        "{err}"
    );
}
