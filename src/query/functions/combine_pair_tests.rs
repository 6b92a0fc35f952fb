//! Tests of the pairwise Combine functions against graphite-web 1.1.8's answers.

use crate::query::functions::combine::tests::{cbt, fails, one, outputs, same, N};
use crate::query::functions::testing::series;
use crate::query::registry::Value;
use crate::series::Series;

fn pick(names: &[&str]) -> Vec<Series> {
    let all = cbt("cb.t.*.*");
    names
        .iter()
        .map(|n| {
            all.iter()
                .find(|s| s.name == *n)
                .cloned()
                .unwrap_or_else(|| panic!("{n}"))
        })
        .collect()
}

fn glob(mut list: Vec<Series>, g: &str) -> Vec<Series> {
    list.iter_mut()
        .for_each(|s| s.path_expression = g.to_string());
    list
}

#[test]
fn divide_series() {
    let a = glob(pick(&["cb.t.a.x", "cb.t.a.y"]), "cb.t.a.*");
    let out = one(
        "divideSeries",
        vec![Value::Series(a.clone()), Value::Series(pick(&["cb.t.b.y"]))],
    );
    outputs!(
        out,
        [
            ("divideSeries(cb.t.a.x,cb.t.b.y)", [0.5, 0.5, N, 0.5]),
            ("divideSeries(cb.t.a.y,cb.t.b.y)", [2.5, 1.75, 1.5, N]),
        ]
    );
    // Observed: tags come from the new name.
    assert_eq!(out[0].tags.len(), 1);
    assert_eq!(out[0].tags["name"], "divideSeries(cb.t.a.x,cb.t.b.y)");
    let out = one(
        "divideSeries",
        vec![Value::Series(a.clone()), Value::Series(Vec::new())],
    );
    outputs!(
        out,
        [
            ("divideSeries(cb.t.a.x,MISSING)", [N; 4]),
            ("divideSeries(cb.t.a.y,MISSING)", [N; 4])
        ]
    );
    assert_eq!(
        out[0].tags["name"], "cb.t.a.x",
        "MISSING keeps the dividend's tags"
    );
    let err = fails(
        "divideSeries",
        vec![
            Value::Series(a),
            Value::Series(pick(&["cb.t.a.y", "cb.t.b.y"])),
        ],
    );
    assert!(err.contains("exactly 1 series (got 2)"), "{err}");
    assert!(one(
        "divideSeries",
        vec![
            Value::Series(Vec::new()),
            Value::Series(pick(&["cb.t.a.x"]))
        ]
    )
    .is_empty());
}

#[test]
fn divide_by_a_coarser_series() {
    // graphite.md 5.12: A (step 10) / B (step 60) at step 60, A averaged 6:1.
    let a = series("A", 0, 10, &(0..12).map(f64::from).collect::<Vec<_>>());
    let b = series("B", 0, 60, &[2.5, 0.0]);
    let out = one(
        "divideSeries",
        vec![Value::Series(vec![a]), Value::Series(vec![b])],
    );
    assert_eq!((out[0].start, out[0].step), (0, 60));
    assert!(same(&out[0].values, &[1.0, N]));
}

#[test]
fn series_lists_pair_by_position() {
    let a = || Value::Series(pick(&["cb.t.a.x", "cb.t.a.y"]));
    let b = || Value::Series(pick(&["cb.t.b.x", "cb.t.b.y"]));
    outputs!(
        one("divideSeriesLists", vec![a(), b()]),
        [
            ("divideSeries(cb.t.a.x,cb.t.b.x)", [0.1, N, N, 0.1]),
            ("divideSeries(cb.t.a.y,cb.t.b.y)", [2.5, 1.75, 1.5, N]),
        ]
    );
    outputs!(
        one("sumSeriesLists", vec![a(), b()]),
        [
            ("sumSeries(cb.t.a.x,cb.t.b.x)", [11.0, 2.0, 30.0, 44.0]),
            ("sumSeries(cb.t.a.y,cb.t.b.y)", [7.0, 11.0, 15.0, 8.0]),
        ]
    );
    outputs!(
        one("diffSeriesLists", vec![a(), b()]),
        [
            ("diffSeries(cb.t.a.x,cb.t.b.x)", [-9.0, 2.0, 30.0, -36.0]),
            ("diffSeries(cb.t.a.y,cb.t.b.y)", [3.0, 3.0, 3.0, 8.0]),
        ]
    );
    outputs!(
        one("multiplySeriesLists", vec![a(), b()]),
        [
            ("multiplySeries(cb.t.a.x,cb.t.b.x)", [10.0, N, N, 160.0]),
            ("multiplySeries(cb.t.a.y,cb.t.b.y)", [10.0, 28.0, 54.0, N]),
        ]
    );
    outputs!(
        one(
            "aggregateSeriesLists",
            vec![a(), b(), Value::Str("avg".into()), Value::None]
        ),
        [
            ("avgSeries(cb.t.a.x,cb.t.b.x)", [5.5, 2.0, 30.0, 22.0]),
            ("avgSeries(cb.t.a.y,cb.t.b.y)", [3.5, 5.5, 7.5, 8.0]),
        ]
    );
    outputs!(
        one(
            "aggregateSeriesLists",
            vec![a(), b(), Value::Str("maxSeries".into()), Value::Int(1)]
        ),
        [
            ("maxSeries(cb.t.a.x,cb.t.b.x)", [10.0, N, N, 40.0]),
            ("maxSeries(cb.t.a.y,cb.t.b.y)", [5.0, 7.0, 9.0, N]),
        ]
    );
    let err = fails(
        "divideSeriesLists",
        vec![a(), Value::Series(pick(&["cb.t.b.x"]))],
    );
    assert!(err.contains("same length, got 2 and 1"), "{err}");
    assert!(fails("sumSeriesLists", vec![a(), Value::Series(Vec::new())]).contains("same length"));
}

fn pct(list: Vec<Series>, total: Value, nodes: &[i64]) -> Vec<Series> {
    let nodes = Value::List(nodes.iter().map(|n| Value::Int(*n)).collect());
    one("asPercent", vec![Value::Series(list), total, nodes])
}

#[test]
fn as_percent_of_the_sum_a_number_or_one_series() {
    // All observed from graphite-web 1.1.8.
    outputs!(
        pct(cbt("cb.t.*.*"), Value::None, &[]),
        [
            (
                "asPercent(cb.t.a.x,sumSeries(cb.t.*.*))",
                [5.555555555555555, 15.384615384615385, N, 7.6923076923076925]
            ),
            (
                "asPercent(cb.t.a.y,sumSeries(cb.t.*.*))",
                [27.77777777777778, 53.84615384615385, 20.0, N]
            ),
            (
                "asPercent(cb.t.b.x,sumSeries(cb.t.*.*))",
                [55.55555555555556, N, 66.66666666666666, 76.92307692307693]
            ),
            (
                "asPercent(cb.t.b.y,sumSeries(cb.t.*.*))",
                [
                    11.11111111111111,
                    30.76923076923077,
                    13.333333333333334,
                    15.384615384615385
                ]
            ),
        ]
    );
    let a = || glob(pick(&["cb.t.a.x", "cb.t.a.y"]), "cb.t.a.*");
    outputs!(
        pct(a(), Value::Int(100), &[]),
        [
            ("asPercent(cb.t.a.x,100)", [1.0, 2.0, N, 4.0]),
            ("asPercent(cb.t.a.y,100)", [5.0, 7.000000000000001, 9.0, N]),
        ]
    );
    outputs!(
        pct(a(), Value::Float(2.5), &[]),
        [
            ("asPercent(cb.t.a.x,2.5)", [40.0, 80.0, N, 160.0]),
            ("asPercent(cb.t.a.y,2.5)", [200.0, 280.0, 360.0, N]),
        ]
    );
    let out = pct(a(), Value::Series(pick(&["cb.t.b.y"])), &[]);
    outputs!(
        out,
        [
            ("asPercent(cb.t.a.x,cb.t.b.y)", [50.0, 50.0, N, 50.0]),
            ("asPercent(cb.t.a.y,cb.t.b.y)", [250.0, 175.0, 150.0, N]),
        ]
    );
    assert_eq!(out[0].tags["name"], "asPercent(cb.t.a.x,cb.t.b.y)");
    let out = one(
        "pct",
        vec![Value::Series(a()), Value::None, Value::List(Vec::new())],
    );
    assert_eq!(out[1].name, "asPercent(cb.t.a.y,sumSeries(cb.t.a.*))");
    assert!(same(
        &out[1].values,
        &[83.33333333333334, 77.77777777777779, 100.0, N]
    ));
    assert!(pct(Vec::new(), Value::None, &[]).is_empty());
}

#[test]
fn as_percent_keeps_graphite_webs_step_quirk() {
    // graphite-web consolidates A (step 10) to the common step 60 but builds the result
    // with A's own start and step: 2 values at step 10.
    let a = series("A", 0, 10, &(0..12).map(f64::from).collect::<Vec<_>>());
    let b = series("B", 0, 60, &[2.5, 8.5]);
    let out = pct(vec![a.clone(), b], Value::None, &[]);
    assert_eq!((out[0].start, out[0].step), (0, 10));
    assert!(same(&out[0].values, &[50.0, 50.0]));
    assert_eq!(out[1].step, 60);
    // A number total is repeated len(first series) times, counted before consolidation.
    let c = series("C", 0, 60, &[1.0, 2.0]);
    let out = pct(vec![a, c], Value::Int(10), &[]);
    assert_eq!(out[0].values.len(), 12);
    assert!(same(&out[0].values[..3], &[25.0, 85.0, N]));
}

#[test]
fn as_percent_matches_equal_lists_by_sorted_name() {
    // asPercent(cb.t.{b,a}.x, cb.t.*.y): the lists are paired after sorting.
    let xs = pick(&["cb.t.b.x", "cb.t.a.x"]);
    outputs!(
        pct(xs, Value::Series(pick(&["cb.t.a.y", "cb.t.b.y"])), &[]),
        [
            (
                "asPercent(cb.t.a.x,cb.t.a.y)",
                [20.0, 28.57142857142857, N, N]
            ),
            ("asPercent(cb.t.b.x,cb.t.b.y)", [500.0, N, 500.0, 500.0]),
        ]
    );
    let err = fails(
        "asPercent",
        vec![
            Value::Series(pick(&["cb.t.a.x"])),
            Value::Series(Vec::new()),
            Value::List(Vec::new()),
        ],
    );
    assert!(err.contains("exactly 1 series"), "{err}");
    let err = fails(
        "asPercent",
        vec![
            Value::Series(pick(&["cb.t.a.x"])),
            Value::Int(5),
            Value::List(vec![Value::Int(1)]),
        ],
    );
    assert!(err.contains("None or a seriesList"), "{err}");
}

#[test]
fn as_percent_by_nodes() {
    outputs!(
        pct(cbt("cb.t.*.*"), Value::None, &[2]),
        [
            (
                "asPercent(cb.t.a.x,sumSeries(cb.t.*.*))",
                [16.666666666666664, 22.22222222222222, N, 100.0]
            ),
            (
                "asPercent(cb.t.a.y,sumSeries(cb.t.*.*))",
                [83.33333333333334, 77.77777777777779, 100.0, N]
            ),
            (
                "asPercent(cb.t.b.x,sumSeries(cb.t.*.*))",
                [83.33333333333334, N, 83.33333333333334, 83.33333333333334]
            ),
            (
                "asPercent(cb.t.b.y,sumSeries(cb.t.*.*))",
                [
                    16.666666666666664,
                    100.0,
                    16.666666666666664,
                    16.666666666666664
                ]
            ),
        ]
    );
    let xs = || glob(pick(&["cb.t.a.x", "cb.t.b.x"]), "cb.t.*.x");
    let ys = || glob(pick(&["cb.t.a.y", "cb.t.b.y"]), "cb.t.*.y");
    outputs!(
        pct(xs(), Value::Series(ys()), &[2]),
        [
            (
                "asPercent(cb.t.a.x,cb.t.a.y)",
                [20.0, 28.57142857142857, N, N]
            ),
            ("asPercent(cb.t.b.x,cb.t.b.y)", [500.0, N, 500.0, 500.0]),
        ]
    );
    outputs!(
        pct(xs(), Value::Series(ys()), &[1]),
        [
            (
                "asPercent(cb.t.a.x,sumSeries(cb.t.*.y))",
                [14.285714285714285, 18.181818181818183, N, 50.0]
            ),
            (
                "asPercent(cb.t.b.x,sumSeries(cb.t.*.y))",
                [142.85714285714286, N, 200.0, 500.0]
            ),
        ]
    );
    let a = glob(pick(&["cb.t.a.x", "cb.t.a.y"]), "cb.t.a.*");
    let b = glob(pick(&["cb.t.b.x", "cb.t.b.y"]), "cb.t.b.*");
    outputs!(
        pct(a, Value::Series(b), &[2]),
        [
            ("asPercent(cb.t.a.x,MISSING)", [N; 4]),
            ("asPercent(cb.t.a.y,MISSING)", [N; 4]),
            ("asPercent(MISSING,sumSeries(cb.t.b.*))", [N; 4]),
        ]
    );
}

#[test]
fn weighted_average_by_node() {
    let wa = |nodes: Value| {
        let xs = glob(pick(&["cb.t.a.x", "cb.t.b.x"]), "cb.t.*.x");
        let ys = glob(pick(&["cb.t.a.y", "cb.t.b.y"]), "cb.t.*.y");
        one(
            "weightedAverage",
            vec![Value::Series(xs), Value::Series(ys), nodes],
        )
    };
    outputs!(
        wa(Value::List(vec![Value::Int(2)])),
        [(
            "weightedAverage(cb.t.*.x, cb.t.*.y, 2)",
            [3.5714285714285716, 1.2727272727272727, 12.0, 40.0]
        ),]
    );
    // Every series keyed "t": the last avg and weight win, but all weights are summed.
    outputs!(
        wa(Value::List(vec![Value::Int(1)])),
        [(
            "weightedAverage(cb.t.*.x, cb.t.*.y, 1)",
            [2.857142857142857, N, 12.0, 40.0]
        ),]
    );
    let err = fails(
        "weightedAverage",
        vec![
            Value::Series(pick(&["cb.t.a.x", "cb.t.b.x"])),
            Value::Series(pick(&["cb.t.a.y"])),
            Value::List(Vec::new()),
        ],
    );
    assert!(err.contains("same number of series, got 2 and 1"), "{err}");
    assert!(one(
        "weightedAverage",
        vec![
            Value::Series(Vec::new()),
            Value::Series(Vec::new()),
            Value::List(Vec::new())
        ]
    )
    .is_empty());
}
