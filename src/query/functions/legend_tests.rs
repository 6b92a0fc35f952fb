//! Every expected name below was observed from graphite-web 1.1.8 on the same values.

use super::percent_format;
use crate::query::ast::Expr;
use crate::query::functions::testing::{ctx, run, series, FakeSource};
use crate::query::registry::{Evaluator, Invocation, Value};
use crate::query::{QueryError, Source};
use crate::series::Series;

const N: f64 = f64::NAN;

fn strs(v: &[&str]) -> Value {
    Value::List(v.iter().map(|s| Value::Str(s.to_string())).collect())
}

fn s(text: &str) -> Value {
    Value::Str(text.into())
}

fn renamed(function: &str, list: Vec<Series>, args: Vec<Value>) -> Vec<String> {
    try_renamed(function, list, args, &FakeSource::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn try_renamed(
    function: &str,
    list: Vec<Series>,
    args: Vec<Value>,
    src: &FakeSource,
) -> Result<Vec<String>, String> {
    let mut all = vec![Value::Series(list)];
    all.extend(args);
    run(function, all, None, &ctx(0, 600), src)
        .map(|out| out.into_iter().map(|s| s.name).collect())
        .map_err(|e| e.message)
}

/// The `as.c.*` metrics: x = 3, 1000, 0.5; y = -2048, 1234567; z = 0 (with gaps).
fn as_c() -> Vec<Series> {
    vec![
        series("as.c.x", 0, 10, &[N, 3.0, 1000.0, 0.5, N]),
        series("as.c.y", 0, 10, &[N, -2048.0, 1234567.0, N, N]),
        series("as.c.z", 0, 10, &[N, N, N, 0.0, N]),
    ]
}

/// `legendValue(<one series holding $value>, "avg", $system)` gives `$want`.
macro_rules! units {
    ($name:expr, $value:expr, $system:expr => $want:expr) => {
        assert_eq!(
            renamed(
                "legendValue",
                vec![series($name, 0, 10, &[N, $value, N])],
                vec![strs(&["avg", $system])]
            ),
            [$want],
            "{} in {}",
            $value,
            $system
        )
    };
}

#[test]
fn legend_value_appends_python_values() {
    let a = || {
        vec![
            series("as.a.b.c", 0, 10, &[N, 1.0, 2.0, N]),
            series("as.a.x.c", 0, 10, &[N, 5.0, N, 0.5]),
        ]
    };
    let types = ["avg", "total", "count", "last", "sumSeries", "bogus", "min"];
    assert_eq!(
        renamed("legendValue", a(), vec![strs(&types)]),
        [
            "as.a.b.c (avg: 1.5) (total: 3.0) (count: 2) (last: 2.0) (sumSeries: (?)) \
             (bogus: (?)) (min: 1.0)",
            "as.a.x.c (avg: 2.75) (total: 5.5) (count: 2) (last: 0.5) (sumSeries: (?)) \
             (bogus: (?)) (min: 0.5)",
        ]
    );
    let types = ["avg_zero", "multiply", "median", "stddev", "rangeOf"];
    assert_eq!(
        renamed("legendValue", a(), vec![strs(&types)])[0],
        "as.a.b.c (avg_zero: 0.75) (multiply: None) (median: 1.5) (stddev: 0.5) (rangeOf: 1.0)"
    );
    assert_eq!(
        renamed(
            "legendValue",
            as_c(),
            vec![strs(&["count", "sum", "avg", "last"])]
        ),
        [
            "as.c.x (count: 3) (sum: 1003.5) (avg: 334.5) (last: 0.5)",
            "as.c.y (count: 2) (sum: 1232519.0) (avg: 616259.5) (last: 1234567.0)",
            "as.c.z (count: 1) (sum: 0.0) (avg: 0.0) (last: 0.0)",
        ]
    );
    let empty = || vec![series("removeAboveValue(as.a.b.c, -100)", 0, 10, &[N, N])];
    assert_eq!(
        renamed("legendValue", empty(), vec![strs(&["avg", "count"])]),
        ["removeAboveValue(as.a.b.c, -100) (avg: None) (count: 0)"]
    );
    assert_eq!(
        renamed("legendValue", empty(), vec![strs(&["avg", "count", "si"])]),
        ["removeAboveValue(as.a.b.c, -100)avg  None      count0.00      "]
    );
}

#[test]
fn legend_value_in_unit_columns() {
    assert_eq!(
        renamed("legendValue", as_c(), vec![strs(&["count", "sum", "si"])]),
        [
            "as.c.x              count3.00      sum  1.00k     ",
            "as.c.y              count2.00      sum  1.23M     ",
            "as.c.z              count1.00      sum  0.00      ",
        ]
    );
    let a = vec![series("as.a.b.c", 0, 10, &[1.0, 2.0])];
    assert_eq!(
        renamed(
            "legendValue",
            a,
            vec![strs(&["avg", "bogus", "max", "binary"])]
        ),
        ["as.a.b.c            avg  1.50      bogus(?)       max  2.00      "]
    );
    units!("scale(as.one,1000)", 1000.0, "si" => "scale(as.one,1000)  avg  1.00k     ");
    units!("scale(as.one,1024)", 1024.0, "binary" => "scale(as.one,1024)  avg  1.00Ki    ");
    units!("scale(as.one,1024)", 1024.0, "si" => "scale(as.one,1024)  avg  1.02k     ");
    units!("scale(as.one,0.001)", 0.001, "si" => "scale(as.one,0.001) avg  0.00      ");
    units!("scale(as.one,1e+18)", 1e18, "si" => "scale(as.one,1e+18) avg  1000.00P  ");
    units!("scale(as.one,-1e+18)", -1e18, "si" => "scale(as.one,-1e+18)avg  -1000.00P ");
    units!("s", 3.0 * 12345.678, "si" => "s                   avg  37.04k    ");
    units!("s", -12345.678, "si" => "s                   avg  -12.35k   ");
    units!("s", 3.0 * 123456789.0, "binary" => "s                   avg  353.21Mi  ");
    // Only "si" or "binary": the names stay; no types at all is an error naming the fix.
    let one = || vec![series("a", 0, 10, &[1.0])];
    assert_eq!(renamed("legendValue", one(), vec![strs(&["si"])]), ["a"]);
    let err = try_renamed(
        "legendValue",
        one(),
        vec![strs(&[])],
        &FakeSource::default(),
    );
    assert!(err.unwrap_err().contains("at least one value type"));
}

#[test]
fn cacti_style_columns() {
    assert_eq!(
        renamed("cactiStyle", as_c(), vec![Value::None, Value::None]),
        [
            "as.c.x Current:0.50          Max:1000.00       Min:0.50        ",
            "as.c.y Current:1234567.00    Max:1234567.00    Min:-2048.00    ",
            "as.c.z Current:0.00          Max:0.00          Min:0.00        ",
        ]
    );
    assert_eq!(
        renamed("cactiStyle", as_c(), vec![s("si"), Value::None]),
        [
            "as.c.x Current:0.50     Max:1.00k    Min:0.50      ",
            "as.c.y Current:1.23M    Max:1.23M    Min:-2.05k    ",
            "as.c.z Current:0.00     Max:0.00     Min:0.00      ",
        ]
    );
    assert_eq!(
        renamed("cactiStyle", as_c(), vec![s("binary"), s("B")]),
        [
            "as.c.x Current:0.50 B      Max:1000.00 B    Min:0.50 B       ",
            "as.c.y Current:1.18 MiB    Max:1.18 MiB     Min:-2.00 KiB    ",
            "as.c.z Current:0.00 B      Max:0.00 B       Min:0.00 B       ",
        ]
    );
    assert_eq!(
        renamed("cactiStyle", as_c(), vec![Value::None, s("B")]),
        [
            "as.c.x Current:0.50 B          Max:1000.00 B       Min:0.50 B        ",
            "as.c.y Current:1234567.00 B    Max:1234567.00 B    Min:-2048.00 B    ",
            "as.c.z Current:0.00 B          Max:0.00 B          Min:0.00 B        ",
        ]
    );
    let list = vec![
        series("as.s.N2", 0, 10, &[2.0, N]),
        series("as.s.empty", 0, 10, &[N, N]),
        series("as.s.neg", 0, 10, &[-2.0, -5.0]),
    ];
    assert_eq!(
        renamed("cactiStyle", list, vec![Value::None, Value::None]),
        [
            "as.s.N2    Current:2.00     Max:2.00     Min:2.00     ",
            "as.s.empty Current:nan      Max:nan      Min:nan      ",
            "as.s.neg   Current:-5.00    Max:-2.00    Min:-5.00    ",
        ]
    );
    let err = try_renamed(
        "cactiStyle",
        as_c(),
        vec![s("sec"), Value::None],
        &FakeSource::default(),
    );
    assert!(err.unwrap_err().contains("unknown unit system \"sec\""));
}

/// Answers `eval_target` with the series of that exact name, as evaluating a plain path
/// would (FakeSource's own `eval_target` fetches an unbounded range).
struct Targets(Vec<Series>);

impl Evaluator for Targets {
    fn eval_with_range(&self, _: &Expr, _: i64, _: i64) -> Result<Vec<Series>, QueryError> {
        Err(QueryError {
            message: "aliasQuery does not re-fetch its argument".into(),
        })
    }

    fn eval_target(&self, target: &str) -> Result<Vec<Series>, QueryError> {
        Ok(self
            .0
            .iter()
            .filter(|s| s.name == target)
            .cloned()
            .collect())
    }

    fn source(&self) -> &dyn Source {
        unreachable!("aliasQuery only evaluates targets")
    }
}

fn alias_query(search: &str, replace: &str, new_name: &str) -> Result<Vec<String>, String> {
    let targets = Targets(vec![series("as.q.p1", 0, 10, &[1.5, 7.25, N])]);
    let spec = crate::query::functions::lookup("aliasQuery").expect("aliasQuery is registered");
    let c = ctx(0, 600);
    let mut inv = Invocation {
        name: "aliasQuery",
        spec,
        args: vec![
            Value::Series(vec![series("as.c.x", 0, 10, &[1.0])]),
            s(search),
            s(replace),
            s(new_name),
        ],
        raw: vec![None; 4],
        ctx: &c,
        eval: &targets,
    };
    (spec.run)(&mut inv)
        .map(|out| out.into_iter().map(|s| s.name).collect())
        .map_err(|e| e.message)
}

#[test]
fn alias_query_names_by_another_series() {
    let query = |new_name: &str| alias_query(r"as\.c\.x", "as.q.p1", new_name);
    assert_eq!(query("P %.1f").unwrap(), ["P 7.2"]);
    assert_eq!(query("P %s").unwrap(), ["P 7.25"]);
    assert_eq!(query("P%05.1f-\\1").unwrap(), ["P007.2-\\1"]);
    assert!(query("P %d |%.2f").unwrap_err().contains("more than one"));
    assert!(query("P").unwrap_err().contains("no % conversion"));
    let err = alias_query("x", "9", "%d").unwrap_err();
    assert!(
        err.contains("no series found with query \"as.c.9\""),
        "{err}"
    );
}

/// `$template % $value` as Python 3.11 prints it.
macro_rules! pct {
    ($template:expr, $value:expr => $want:expr) => {
        assert_eq!(
            percent_format($template, $value).as_deref(),
            Ok($want),
            "{:?} % {}",
            $template,
            $value
        )
    };
}

#[test]
fn python_percent_formatting() {
    pct!("Channel %d MHz", 2.7 => "Channel 2 MHz");
    pct!("%s", 2.0 => "2.0");
    pct!("%r", 0.1 => "0.1");
    pct!("%.2f", 2.675 => "2.67");
    pct!("%f", 1.5 => "1.500000");
    pct!("%e", 12345.678 => "1.234568e+04");
    pct!("%.3E", 0.000123 => "1.230E-04");
    pct!("%g", 1234567.0 => "1.23457e+06");
    pct!("%.3g", 0.0001234 => "0.000123");
    pct!("%10.2f|", 3.14158 => "      3.14|");
    pct!("%-8d|", 42.0 => "42      |");
    pct!("%05d", -42.0 => "-0042");
    pct!("%+d", 3.0 => "+3");
    pct!("% d", 3.0 => " 3");
    pct!("%%%d%%", 5.0 => "%5%");
    pct!("%i", -2.5 => "-2");
    pct!("%u", 7.9 => "7");
    pct!("%08.3f", -3.14158 => "-003.142");
    pct!("%G", 1e-10 => "1E-10");
    pct!("%.0f", 2.5 => "2");
    pct!("%.0e", 5e10 => "5e+10");
    pct!("%g", 100000.0 => "100000");
    pct!("%g", 1000000.0 => "1e+06");
    pct!("%.10g", 1.0 / 3.0 => "0.3333333333");
    pct!("%f", f64::INFINITY => "inf");
    pct!("%05f", f64::INFINITY => "00inf");
    pct!("%+.1f", -0.0 => "-0.0");
    pct!("%d", -0.0 => "0");
    pct!("%.1g", 0.05 => "0.05");
    pct!("%g", 0.0 => "0");
    pct!("%e", 0.0 => "0.000000e+00");
    pct!("%s", 1e16 => "1e+16");
    pct!("%5s|", 1.0 => "  1.0|");
    assert!(percent_format("%x", 1.0).unwrap_err().contains("%x"));
    assert!(percent_format("%d", f64::INFINITY).is_err());
    assert!(percent_format("50%", 1.0).is_err());
}
