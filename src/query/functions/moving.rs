//! graphite-web's moving-window functions (group "Calculate"): `movingWindow` and its named
//! variants, and `exponentialMovingAverage`. All of them re-evaluate their first argument with
//! extra history before the request's `from` (graphite.md 3.6), so the first output point has a
//! full window; the output is aligned with the normal request again.

use super::transform::offset_seconds;
use crate::query::aggfuncs;
use crate::query::registry::{
    group::CALCULATE, FunctionBody, FunctionSpec, Invocation, Literal, Param, ParamType as T, Value,
};
use crate::query::{pyfmt, QueryError};
use crate::series::Series;

type Out = Result<Vec<Series>, QueryError>;

/// A `windowSize` argument: a number of points or a time span.
struct Window {
    /// The argument as written, for names and tags (`10`, `5min`).
    text: String,
    kind: WindowKind,
}

enum WindowKind {
    Points(i64),
    /// `|offset|` seconds of a string such as `'5min'` or `'-1h'`.
    Seconds(i64),
}

impl Window {
    fn parse(inv: &Invocation<'_>, i: usize) -> Result<Window, QueryError> {
        let (text, kind) = match inv.value(i) {
            Value::Int(n) => (n.to_string(), WindowKind::Points(*n)),
            // Only reaches here when the binder lets a float through for `intOrInterval`;
            // graphite-web then truncates it and names it as written.
            Value::Float(f) if f.is_finite() => (pyfmt::repr(*f), WindowKind::Points(*f as i64)),
            Value::Str(s) => {
                let seconds = offset_seconds(inv, s)?;
                (s.clone(), WindowKind::Seconds(seconds.abs()))
            }
            other => {
                return Err(inv.error(format!(
                "windowSize must be a number of points or a time span like '5min', got {other:?}"
            )))
            }
        };
        if let WindowKind::Points(n) = kind {
            if n < 0 {
                return Err(inv.error(format!(
                    "windowSize must be a number of points >= 0, got {n}"
                )));
            }
        }
        Ok(Window { text, kind })
    }

    /// Seconds of extra history to fetch: N × the largest step of the list, or the span.
    fn preview(&self, list: &[Series]) -> i64 {
        match self.kind {
            WindowKind::Points(n) => list
                .iter()
                .map(|s| s.step)
                .max()
                .unwrap_or(1)
                .saturating_mul(n),
            WindowKind::Seconds(s) => s,
        }
    }

    /// Points in one window of a series with this step.
    fn points(&self, step: i64) -> usize {
        let n = match self.kind {
            WindowKind::Points(n) => n,
            WindowKind::Seconds(s) => s / step.max(1),
        };
        usize::try_from(n).unwrap_or(0)
    }

    /// `func(name,10)` for points, `func(name,"5min")` for spans.
    fn name(&self, func: &str, series: &str) -> String {
        match self.kind {
            WindowKind::Points(_) => format!("{func}({series},{})", self.text),
            WindowKind::Seconds(_) => format!("{func}({series},\"{}\")", self.text),
        }
    }
}

/// The first argument again, from `from − preview`, with the preview in seconds; nothing when
/// it matched nothing.
fn refetch_with_preview(
    inv: &mut Invocation<'_>,
    window: &Window,
) -> Result<(Vec<Series>, i64), QueryError> {
    let list = inv.take_series(0);
    if list.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let preview = window.preview(&list);
    let fetched = inv.refetch(0, inv.ctx.from.saturating_sub(preview), inv.ctx.until)?;
    Ok((fetched, preview))
}

/// Python's `str.capitalize`: graphite-web names `movingWindow(x,3,'rangeOf')` `movingRangeof`.
fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// Output point `i` (at the normal request's `start + i·step`) is `func` over the N points
/// *before* it: graphite-web's window `[t − N·step, t − step]`, observed on 1.1.8. A point is
/// None unless `non-null / N >= xff` (the `xFilesFactor` argument at `xff_at`, else the
/// series' own).
fn moving(inv: &mut Invocation<'_>, func: &str, xff_at: usize) -> Out {
    let window = Window::parse(inv, 1)?;
    let xff = inv.float(xff_at);
    let agg = aggfuncs::agg_func(func)
        .ok_or_else(|| inv.error(format!("Unsupported aggregation function: {func}")))?;
    let (fetched, preview) = refetch_with_preview(inv, &window)?;
    let tag = format!("moving{}", capitalize(func));
    let mut known = Vec::new();
    let out = fetched
        .into_iter()
        .map(|mut s| {
            let n = window.points(s.step);
            let xff = xff.unwrap_or(s.x_files_factor);
            let values = (n..s.values.len())
                .map(|i| {
                    known.clear();
                    known.extend(s.values[i - n..i].iter().filter(|v| !v.is_nan()));
                    let enough = !known.is_empty() && known.len() as f64 / n as f64 >= xff;
                    if enough {
                        agg(&known)
                    } else {
                        f64::NAN
                    }
                })
                .collect();
            s.name = window.name(&tag, &s.name);
            s.path_expression = s.name.clone();
            s.tags.insert(tag.clone(), window.text.clone());
            s.start = s.start.saturating_add(preview);
            s.values = values;
            s
        })
        .collect();
    Ok(out)
}

fn moving_window(inv: &mut Invocation<'_>) -> Out {
    let func = inv.str(2).unwrap_or("average").to_string();
    moving(inv, &func, 3)
}

fn moving_average(inv: &mut Invocation<'_>) -> Out {
    moving(inv, "average", 2)
}

fn moving_sum(inv: &mut Invocation<'_>) -> Out {
    moving(inv, "sum", 2)
}

fn moving_min(inv: &mut Invocation<'_>) -> Out {
    moving(inv, "min", 2)
}

fn moving_max(inv: &mut Invocation<'_>) -> Out {
    moving(inv, "max", 2)
}

fn moving_median(inv: &mut Invocation<'_>) -> Out {
    moving(inv, "median", 2)
}

/// Python's `round(x, 6)`: graphite-web rounds every EMA value.
fn round6(x: f64) -> f64 {
    format!("{x:.6}").parse().unwrap_or(x)
}

/// ema = c·v + (1 − c)·ema with c = 2/(N + 1), where N is the point count for an int window but
/// the window's *seconds* for a string one (graphite-web's quirk). Seeded with the mean of the
/// first N fetched points (0 when they are all None); None input gives None and leaves the ema
/// as it was. The seed is the first output point, so the output has one point more than the
/// request and its values sit one step later than their inputs: all as graphite-web 1.1.8.
fn exponential_moving_average(inv: &mut Invocation<'_>) -> Out {
    let window = Window::parse(inv, 1)?;
    let (fetched, preview) = refetch_with_preview(inv, &window)?;
    let c = match window.kind {
        WindowKind::Points(n) => 2.0 / (n as f64 + 1.0),
        WindowKind::Seconds(s) => 2.0 / (s as f64 + 1.0),
    };
    let out = fetched
        .into_iter()
        .map(|mut s| {
            let n = window.points(s.step);
            let seed = aggfuncs::average(&s.values[..n.min(s.values.len())]);
            let mut ema = if seed.is_nan() { 0.0 } else { seed };
            let mut values = Vec::with_capacity(s.values.len().saturating_sub(n) + 1);
            values.push(round6(ema));
            for &v in s.values.iter().skip(n) {
                if v.is_nan() {
                    values.push(f64::NAN);
                } else {
                    ema = c * v + (1.0 - c) * ema;
                    values.push(round6(ema));
                }
            }
            s.name = window.name("exponentialMovingAverage", &s.name);
            s.path_expression = s.name.clone();
            s.tags
                .insert("exponentialMovingAverage".into(), window.text.clone());
            s.start = s.start.saturating_add(preview);
            // graphite-web seeds with `safeAvg(...) or 0`: a missing or zero average is the
            // int 0, and the first point is that seed.
            s.ints = if seed.is_nan() || seed == 0.0 {
                let mut ints = vec![false; values.len()];
                ints[0] = true;
                ints
            } else {
                Vec::new()
            };
            s.values = values;
            s
        })
        .collect();
    Ok(out)
}

const SERIES: Param = Param::req("seriesList", T::SeriesList);

const WINDOW_SUGGESTIONS: &[Literal] = &[
    Literal::Int(5),
    Literal::Int(7),
    Literal::Int(10),
    Literal::Str("1min"),
    Literal::Str("5min"),
    Literal::Str("10min"),
    Literal::Str("30min"),
    Literal::Str("1hour"),
];

const WINDOW: Param = Param::req("windowSize", T::IntOrInterval).suggest(WINDOW_SUGGESTIONS);

const MOVING_PARAMS: &[Param] = &[SERIES, WINDOW, Param::opt("xFilesFactor", T::Float)];

const fn moving_spec(
    name: &'static str,
    description: &'static str,
    run: FunctionBody,
) -> FunctionSpec {
    FunctionSpec::new(name, CALCULATE, description, MOVING_PARAMS, run)
}

pub(crate) const SPECS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "movingWindow",
        group: CALCULATE,
        description: "Applies an aggregation function over a moving window of the previous N \
                      points or of a time span like '5min'. A point is null unless the window \
                      has at least xFilesFactor non-null values (default: the series' own, 0).",
        params: &[
            SERIES,
            WINDOW,
            Param::opt("func", T::AggFunc).default(Literal::Str("average")),
            Param::opt("xFilesFactor", T::Float),
        ],
        run: moving_window,
        aggregator: false,
    },
    moving_spec(
        "movingAverage",
        "The average of the previous N points, or of a time span like '5min', at each point.",
        moving_average,
    ),
    moving_spec(
        "movingSum",
        "The sum of the previous N points, or of a time span like '5min', at each point.",
        moving_sum,
    ),
    moving_spec(
        "movingMin",
        "The minimum of the previous N points, or of a time span like '5min', at each point.",
        moving_min,
    ),
    moving_spec(
        "movingMax",
        "The maximum of the previous N points, or of a time span like '5min', at each point.",
        moving_max,
    ),
    moving_spec(
        "movingMedian",
        "The median of the previous N points, or of a time span like '5min', at each point.",
        moving_median,
    ),
    FunctionSpec {
        name: "exponentialMovingAverage",
        group: CALCULATE,
        description: "Exponential moving average: ema = c·value + (1 − c)·ema with \
                      c = 2/(windowSize + 1), seeded with the mean of the first window.",
        params: &[SERIES, WINDOW],
        run: exponential_moving_average,
        aggregator: false,
    },
];

#[cfg(test)]
pub(crate) mod tests {
    use crate::query::ast::Expr;
    use crate::query::functions::testing::{ctx, run, series, FakeSource};
    use crate::query::registry::Value;
    use crate::series::Series;

    /// The `cf.m.*` metrics fed to the reference graphite-web 1.1.8: 121 points at 10 s from
    /// T0 = 1796180000; `a` = i%7 + i/10 with gaps at 5, 17-18, 40-45; `b` = 100 − i from
    /// i = 3; `c` = 3.5 every 4th point; `d` only at i = 60, 61; `e` nothing in range.
    pub(crate) fn reference() -> FakeSource {
        const T0: i64 = 1796180000;
        let mut a = Vec::new();
        let mut b = Vec::new();
        let mut c = Vec::new();
        let mut d = Vec::new();
        for i in 0..=120i64 {
            let gap = [5, 17, 18].contains(&i) || (40..=45).contains(&i);
            a.push(if gap {
                f64::NAN
            } else {
                (i % 7) as f64 + i as f64 / 10.0
            });
            b.push(if i > 2 { (100 - i) as f64 } else { f64::NAN });
            c.push(if i % 4 == 0 { 3.5 } else { f64::NAN });
            d.push(if i == 60 || i == 61 {
                (i * 1000) as f64
            } else {
                f64::NAN
            });
        }
        FakeSource {
            series: vec![
                series("cf.m.a", T0, 10, &a),
                series("cf.m.b", T0, 10, &b),
                series("cf.m.c", T0, 10, &c),
                series("cf.m.d", T0, 10, &d),
                series("cf.m.e", T0, 10, &[f64::NAN; 121]),
            ],
            ..FakeSource::default()
        }
    }

    /// graphite-web's `format=raw` line: `name,start,end,step|v,...` with `None`.
    pub(crate) fn raw(s: &Series) -> String {
        let mut out = Vec::new();
        crate::render::raw::write_series_list(std::slice::from_ref(s), &mut out);
        String::from_utf8_lossy(&out).trim_end().to_string()
    }

    /// Runs `func(path, args...)` over `[from, until)` against the reference data, the first
    /// argument fetched as the evaluator would and re-fetchable through its raw path.
    pub(crate) fn call(
        func: &str,
        path: &str,
        args: Vec<Value>,
        from: i64,
        until: i64,
    ) -> Result<Vec<String>, String> {
        let src = reference();
        let c = ctx(from, until);
        let list = crate::query::Source::fetch(&src, path, from, until, until).unwrap();
        let raw_path = Expr::Path(path.to_string());
        let mut all = vec![Value::Series(list)];
        all.extend(args);
        run(func, all, Some(&raw_path), &c, &src)
            .map(|out| out.iter().map(raw).collect())
            .map_err(|e| e.message)
    }

    const FROM: i64 = 1796180200;
    const UNTIL: i64 = 1796180400;

    fn one(func: &str, path: &str, args: Vec<Value>) -> String {
        let out = call(func, path, args, FROM, UNTIL).unwrap();
        assert_eq!(out.len(), 1, "{out:?}");
        out[0].clone()
    }

    pub(crate) fn s(text: &str) -> Value {
        Value::Str(text.into())
    }

    /// `reference_case!(from, until; func, path, [args] => [raw lines])`: `func` over the
    /// reference data, re-fetchable through `path`, answers exactly those `format=raw` lines.
    macro_rules! reference_case {
        ($from:expr, $until:expr; $func:expr, $path:expr, [$($arg:expr),*] => [$($want:expr),* $(,)?]) => {
            assert_eq!(
                $crate::query::functions::moving::tests::call(
                    $func, $path, vec![$($arg),*], $from, $until
                ),
                Ok(vec![$($want.to_string()),*])
            )
        };
    }
    pub(crate) use reference_case;

    macro_rules! case {
        ($func:expr, $path:expr, [$($arg:expr),*] => $want:expr) => {
            assert_eq!(one($func, $path, vec![$($arg),*]), $want)
        };
    }

    #[test]
    fn moving_functions_as_graphite_web() {
        // Every expected line is graphite-web 1.1.8's `format=raw` answer for the same data.
        case!("movingAverage", "cf.m.a", [Value::Int(3), Value::None] =>
            "movingAverage(cf.m.a,3),1796180210,1796180410,10|7.45,5.666666666666667,\
             4.433333333333334,3.2000000000000006,4.3,5.3999999999999995,6.5,7.599999999999999,\
             6.366666666666666,5.133333333333334,3.9,5.0,6.1000000000000005,7.2,\
             8.299999999999999,7.066666666666667,5.833333333333333,4.6000000000000005,5.7,6.8");
        case!("movingAverage", "cf.m.a", [s("30s"), Value::None] =>
            "movingAverage(cf.m.a,\"30s\"),1796180210,1796180410,10|7.45,5.666666666666667,\
             4.433333333333334,3.2000000000000006,4.3,5.3999999999999995,6.5,7.599999999999999,\
             6.366666666666666,5.133333333333334,3.9,5.0,6.1000000000000005,7.2,\
             8.299999999999999,7.066666666666667,5.833333333333333,4.6000000000000005,5.7,6.8");
        case!("movingSum", "cf.m.b", [Value::Int(2), Value::None] =>
            "movingSum(cf.m.b,2),1796180210,1796180410,10|161.0,159.0,157.0,155.0,153.0,151.0,\
             149.0,147.0,145.0,143.0,141.0,139.0,137.0,135.0,133.0,131.0,129.0,127.0,125.0,123.0");
        case!("movingAverage", "cf.m.c", [s("-20s"), Value::Float(0.5)] =>
            "movingAverage(cf.m.c,\"-20s\"),1796180210,1796180410,10|3.5,3.5,None,None,3.5,3.5,\
             None,None,3.5,3.5,None,None,3.5,3.5,None,None,3.5,3.5,None,None");
        case!("movingMedian", "cf.m.a", [Value::Int(4), Value::None] =>
            "movingMedian(cf.m.a,4),1796180210,1796180410,10|7.45,6.9,5.050000000000001,3.75,\
             3.75,4.85,5.95,7.05,7.05,5.75,4.45,4.45,5.55,6.65,7.75,7.75,6.45,5.15,5.15,6.25");
        case!("movingMax", "cf.m.a", [Value::Int(4), Value::None] =>
            "movingMax(cf.m.a,4),1796180210,1796180410,10|8.0,8.0,8.0,8.0,5.4,6.5,7.6,8.7,8.7,\
             8.7,8.7,6.1,7.2,8.3,9.4,9.4,9.4,9.4,6.8,7.9");
        case!("movingMin", "cf.m.a", [s("1min"), Value::None] =>
            "movingMin(cf.m.a,\"1min\"),1796180210,1796180410,10|2.5,2.1,2.1,2.1,2.1,2.1,2.1,\
             3.2,2.8,2.8,2.8,2.8,2.8,2.8,3.9,3.5,3.5,3.5,3.5,3.5");
        case!("movingWindow", "cf.m.a", [Value::Int(3), s("range"), Value::None] =>
            "movingRange(cf.m.a,3),1796180210,1796180410,10|1.0999999999999996,5.9,5.9,\
             2.1999999999999997,2.2,2.2,2.1999999999999993,2.1999999999999993,\
             5.8999999999999995,5.8999999999999995,2.2,2.1999999999999997,2.2,2.200000000000001,\
             2.2,5.9,5.9,2.2,2.2,2.2");
        case!("movingWindow", "cf.m.a", [Value::Int(3), s("stddev"), Value::Float(0.7)] =>
            "movingStddev(cf.m.a,3),1796180210,1796180410,10|None,2.561683474245447,\
             2.561683474245447,0.8981462390204984,0.8981462390204987,0.8981462390204987,\
             0.8981462390204984,0.8981462390204983,2.5616834742454464,2.5616834742454464,\
             0.8981462390204987,0.8981462390204986,0.8981462390204987,0.8981462390204991,\
             0.8981462390204987,2.561683474245447,2.561683474245447,0.8981462390204987,\
             0.8981462390204987,0.8981462390204987");
    }

    #[test]
    fn window_edge_cases_as_graphite_web() {
        let (from, until) = (1796180340, 1796180400);
        let line = |func: &str, args: Vec<Value>| call(func, "cf.m.a", args, from, until);
        // A span that is not a whole number of steps shifts the output off the step grid;
        // graphite-web's end stays 1796180410 where pencil's is start + len·step.
        assert_eq!(
            line("movingAverage", vec![s("25s"), Value::None]).unwrap(),
            [
                "movingAverage(cf.m.a,\"25s\"),1796180345,1796180415,10|7.75,8.850000000000001,\
              6.45,4.05,5.15,6.25,7.35"
            ]
        );
        let nulls = "1796180350,1796180410,10|None,None,None,None,None,None";
        assert_eq!(
            line("movingAverage", vec![Value::Int(0), Value::None]).unwrap(),
            [format!("movingAverage(cf.m.a,0),{nulls}")]
        );
        assert_eq!(
            line("movingAverage", vec![s("0s"), Value::None]).unwrap(),
            [format!("movingAverage(cf.m.a,\"0s\"),{nulls}")]
        );
        let err = line("movingAverage", vec![s("5x"), Value::None]).unwrap_err();
        assert!(err.contains("movingAverage") && err.contains("5x"), "{err}");
        let err = line("movingAverage", vec![Value::Int(-2), Value::None]).unwrap_err();
        assert!(err.contains(">= 0"), "{err}");
        let err = line("movingWindow", vec![Value::Int(2), s("mean"), Value::None]).unwrap_err();
        assert!(
            err.contains("Unsupported aggregation function: mean"),
            "{err}"
        );
        assert_eq!(
            call(
                "movingAverage",
                "cf.nothing",
                vec![Value::Int(2), Value::None],
                from,
                until
            ),
            Ok(vec![])
        );
    }

    #[test]
    fn re_fetches_nested_expressions_through_the_evaluator() {
        // graphite-web 1.1.8: the inner movingSum is evaluated again with the outer window's
        // history, and its own history on top.
        let c = ctx(FROM, 1796180300);
        let src = reference();
        let eval = |t: &str| -> Vec<String> {
            crate::query::evaluate(&[t], &c, &src)
                .unwrap()
                .iter()
                .map(raw)
                .collect()
        };
        assert_eq!(
            eval("movingAverage(movingSum(cf.m.a,2),3)"),
            [
                "movingAverage(movingSum(cf.m.a,2),3),1796180210,1796180310,10|5.25,10.9,\
              10.633333333333333,10.1,7.633333333333333,7.5,9.700000000000001,11.9,14.1,\
              13.966666666666667"
            ]
        );
        assert_eq!(
            eval("highest(movingAverage(*,\"30s\"),1)"),
            [
                "movingAverage(cf.m.b,\"30s\"),1796180210,1796180310,10|81.0,80.0,79.0,78.0,77.0,\
              76.0,75.0,74.0,73.0,72.0"
            ]
        );
    }

    #[test]
    fn names_tags_and_path_expressions() {
        let src = reference();
        let c = ctx(FROM, UNTIL);
        let list = crate::query::Source::fetch(&src, "cf.m.c", FROM, UNTIL, UNTIL).unwrap();
        let path = Expr::Path("cf.m.c".into());
        let args = vec![
            Value::Series(list),
            Value::Int(2),
            s("rangeOf"),
            Value::None,
        ];
        let out = run("movingWindow", args, Some(&path), &c, &src).unwrap();
        // Python's str.capitalize: `rangeOf` becomes `Rangeof`.
        assert_eq!(out[0].name, "movingRangeof(cf.m.c,2)");
        assert_eq!(out[0].path_expression, out[0].name);
        assert_eq!(
            out[0].tags.get("movingRangeof").map(String::as_str),
            Some("2")
        );
        assert_eq!(out[0].tags.get("name").map(String::as_str), Some("cf.m.c"));
    }

    #[test]
    fn exponential_moving_average_as_graphite_web() {
        let (from, until) = (1796180340, 1796180400);
        let line = |path: &str, w: Value| {
            call("exponentialMovingAverage", path, vec![w], from, until).unwrap()
        };
        // One point more than the request: the seed comes first (graphite-web's end is
        // 1796180410 in raw, pencil's 1796180420; the JSON timestamps agree).
        assert_eq!(
            line("cf.m.a", Value::Int(3)),
            [
                "exponentialMovingAverage(cf.m.a,3),1796180350,1796180420,10|8.3,5.9,5.25,5.475,\
              6.1375,7.01875,None"
            ]
        );
        // For a span the constant uses its seconds: c = 2/31.
        assert_eq!(
            line("cf.m.a", s("30s")),
            [
                "exponentialMovingAverage(cf.m.a,\"30s\"),1796180350,1796180420,10|8.3,7.990323,\
              7.771592,7.637941,7.58388,7.604275,None"
            ]
        );
        assert_eq!(
            line("cf.m.a", s("25s")),
            [
                "exponentialMovingAverage(cf.m.a,\"25s\"),1796180345,1796180425,10|7.75,7.876923,\
              7.540237,7.314065,7.189906,7.159913,7.216843,None"
            ]
        );
        // An all-None seed window starts at 0 (graphite-web writes the integer 0).
        assert_eq!(
            line("cf.m.c", Value::Int(2)),
            [
                "exponentialMovingAverage(cf.m.c,2),1796180350,1796180420,10|0,None,2.333333,\
              None,None,None,3.111111"
            ]
        );
    }
}
