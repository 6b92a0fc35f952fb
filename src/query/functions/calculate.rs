//! graphite-web's "Calculate" functions that work on one request range: `stdev`,
//! `nPercentile`, `aggregateLine`, `linearRegression`, `identity`. The moving-window family
//! lives in `moving.rs`, Holt-Winters in `holt_winters.rs`.

use crate::query::aggfuncs;
use crate::query::registry::{
    group::CALCULATE, FunctionSpec, Invocation, Literal, Param, ParamType as T, Value,
};
use crate::query::{pyfmt, QueryError};
use crate::series::Series;

type Out = Result<Vec<Series>, QueryError>;

/// The aggregation named by the string argument `i` (`default` when absent).
pub(crate) fn agg_arg(
    inv: &Invocation<'_>,
    i: usize,
    default: &str,
) -> Result<aggfuncs::AggFn, QueryError> {
    let name = inv.str(i).unwrap_or(default);
    aggfuncs::agg_func(name)
        .ok_or_else(|| inv.error(format!("Unsupported aggregation function: {name}")))
}

/// Python's `str()` of a number argument, as graphite-web's tags store it (`5`, `0.5`).
pub(crate) fn py_str(value: &Value) -> String {
    match value {
        Value::Int(n) => n.to_string(),
        Value::Float(f) => pyfmt::repr(*f),
        Value::Str(s) => s.clone(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        _ => "None".to_string(),
    }
}

/// Rolling population standard deviation over the last `points` points, kept as running sums
/// in graphite-web's order of operations so the rounding matches it digit for digit. A point is
/// None unless `non-null / points >= windowTolerance`; no extra history is fetched, so the
/// first points use a partial window.
fn stdev(inv: &mut Invocation<'_>) -> Out {
    let points = match inv.value(1) {
        Value::Float(f) => *f as i64,
        _ => inv.int(1).unwrap_or(0),
    };
    if points <= 0 {
        return Err(inv.error(format!("points must be a positive integer, got {points}")));
    }
    let tolerance = inv.float(2).unwrap_or(0.1);
    let tag = py_str(inv.value(1));
    let window = points as usize;
    let mut list = inv.take_series(0);
    for s in &mut list {
        let mut valid: i64 = 0;
        let mut sum = 0.0;
        let mut sum_sq = 0.0;
        let values = (0..s.values.len())
            .map(|i| {
                let new = s.values[i];
                let dropped = if i >= window {
                    s.values[i - window]
                } else {
                    f64::NAN
                };
                if !dropped.is_nan() {
                    valid -= 1;
                    sum -= dropped;
                    sum_sq -= dropped * dropped;
                }
                if !new.is_nan() {
                    valid += 1;
                    sum += new;
                    sum_sq += new * new;
                }
                if valid > 0 && valid as f64 / points as f64 >= tolerance {
                    // A tiny negative from cancellation is Python's ValueError: None.
                    ((valid as f64) * sum_sq - sum * sum).sqrt() / valid as f64
                } else {
                    f64::NAN
                }
            })
            .collect();
        s.values = values;
        s.tags.insert("stdev".into(), tag.clone());
        s.name = format!("stdev({},{points})", s.name);
        s.path_expression = s.name.clone();
    }
    Ok(list)
}

/// A constant series at the n-th percentile of each series (aggfuncs::percentile, no
/// interpolation); series without data are dropped.
/// The percent argument of nPercentile and the percentile Filter Data functions. graphite-web
/// asserts it is not 0; above 100 its rank indexes past the end (an error) and below 0 from
/// the end (a wrong answer), so pencil refuses everything outside (0, 100].
pub(crate) fn percent_arg(inv: &Invocation<'_>, i: usize) -> Result<f64, QueryError> {
    let n = inv.float(i).unwrap_or(0.0);
    if n > 0.0 && n <= 100.0 {
        Ok(n)
    } else {
        Err(inv.error(format!(
            "the percent must be greater than 0 and at most 100, got {}",
            pyfmt::g(n)
        )))
    }
}

fn n_percentile(inv: &mut Invocation<'_>) -> Out {
    let n = percent_arg(inv, 1)?;
    let list = inv.take_series(0);
    Ok(list
        .into_iter()
        .filter_map(|mut s| {
            let p = aggfuncs::percentile(&s.values, n, false);
            if p.is_nan() {
                return None;
            }
            s.values = vec![p; s.values.len()];
            s.tags.insert("nPercentile".into(), pyfmt::repr(n));
            s.name = format!("nPercentile({}, {})", s.name, pyfmt::g(n));
            s.path_expression = s.name.clone();
            Some(s)
        })
        .collect())
}

/// A horizontal line at `func(series)`: a 3-point constantLine over the request, or the
/// series' own points with `keepStep`. Named `aggregateLine(x, 12.5)` (`None` without data).
fn aggregate_line(inv: &mut Invocation<'_>) -> Out {
    let agg = agg_arg(inv, 1, "average")?;
    let keep_step = inv.bool(2);
    let list = inv.take_series(0);
    Ok(list
        .into_iter()
        .map(|mut s| {
            let value = agg(&s.values);
            let shown = if value.is_nan() {
                "None".to_string()
            } else {
                pyfmt::g(value)
            };
            let name = format!("aggregateLine({}, {shown})", s.name);
            let mut line = if keep_step {
                s.values = vec![value; s.values.len()];
                s
            } else {
                let mut line = super::special::constant_line_series(value, inv.ctx);
                // constantLine names itself str(value); graphite-web's tags keep that name.
                let text = if value.is_nan() {
                    "None".to_string()
                } else {
                    pyfmt::repr(value)
                };
                line.tags.insert("name".into(), text);
                line
            };
            line.name = name.clone();
            line.path_expression = name;
            line
        })
        .collect())
}

/// A `date` argument as a timestamp: epoch seconds, or a time spec like `-1d` (graphite.md 3.2).
fn date_arg(inv: &Invocation<'_>, i: usize) -> Result<Option<i64>, QueryError> {
    match inv.value(i) {
        Value::None => Ok(None),
        Value::Int(n) => Ok(Some(*n)),
        Value::Float(f) => Ok(Some(*f as i64)),
        Value::Str(s) => crate::query::time::parse_time(s, inv.ctx.now)
            .map(Some)
            .map_err(|e| inv.error(e)),
        other => Err(inv.error(format!("expected a date, got {other:?}"))),
    }
}

/// Least-squares `(factor, offset)` of value against timestamp over the non-null points, in
/// graphite-web's arithmetic (exact integer index sums, then floats); None when all x are
/// equal. i128 because n·Σi² passes i64 from about 72 000 points (eight days at 10 s).
fn regression(s: &Series) -> Option<(f64, f64)> {
    let mut n: i128 = 0;
    let (mut sum_i, mut sum_ii): (i128, i128) = (0, 0);
    let (mut sum_v, mut sum_iv) = (0.0, 0.0);
    for (i, &v) in s.values.iter().enumerate() {
        if v.is_nan() {
            continue;
        }
        let i = i as i128;
        n += 1;
        sum_i += i;
        sum_ii += i * i;
        sum_v += v;
        sum_iv += i as f64 * v;
    }
    let denominator = (n * sum_ii - sum_i * sum_i) as f64;
    if denominator == 0.0 {
        return None;
    }
    let factor = (n as f64 * sum_iv - sum_i as f64 * sum_v) / denominator / s.step as f64;
    let offset =
        (sum_ii as f64 * sum_v - sum_iv * sum_i as f64) / denominator - factor * s.start as f64;
    Some((factor, offset))
}

/// The least-squares line of each series, fitted on its source range (`startSourceAt` ..
/// `endSourceAt`, default the request) and drawn over the request. Source and request series
/// are paired by position, as graphite-web does.
fn linear_regression(inv: &mut Invocation<'_>) -> Out {
    let from = date_arg(inv, 1)?.unwrap_or(inv.ctx.from);
    let until = date_arg(inv, 2)?.unwrap_or(inv.ctx.until);
    let list = inv.take_series(0);
    let sources = inv.refetch(0, from, until)?;
    Ok(sources
        .iter()
        .zip(list)
        .filter_map(|(source, mut s)| {
            let (factor, offset) = regression(source)?;
            s.values = (0..s.values.len() as i64)
                .map(|i| offset + (s.start + i * s.step) as f64 * factor)
                .collect();
            s.tags
                .insert("linearRegressions".into(), format!("{from}, {until}"));
            // A new TimeSeries in graphite-web: default consolidation, no drawing options.
            s.consolidation = crate::series::Consolidation::Average;
            s.style = crate::series::Style::default();
            s.name = format!("linearRegression({}, {from}, {until})", s.name);
            s.path_expression = s.name.clone();
            Some(s)
        })
        .collect())
}

/// A series whose value is its own timestamp, one point a minute from `from`.
fn identity(inv: &mut Invocation<'_>) -> Out {
    let name = inv.str(0).unwrap_or_default().to_string();
    let (from, until) = (inv.ctx.from, inv.ctx.until);
    const STEP: i64 = 60;
    let values = (from..until)
        .step_by(STEP as usize)
        .map(|t| t as f64)
        .collect();
    let mut s = Series::new(name.clone(), from, STEP, values);
    s.path_expression = format!("identity(\"{name}\")");
    s.x_files_factor = inv.ctx.x_files_factor;
    // The timestamps are Python ints.
    Ok(vec![s.all_ints()])
}

const SERIES: Param = Param::req("seriesList", T::SeriesList);

pub(crate) const SPECS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "stdev",
        group: CALCULATE,
        description: "The rolling standard deviation over the last N points; a point is null \
                      when fewer than windowTolerance × N of them are non-null.",
        params: &[
            SERIES,
            Param::req("points", T::Integer),
            Param::opt("windowTolerance", T::Float).default(Literal::Float(0.1)),
        ],
        run: stdev,
        aggregator: false,
    },
    FunctionSpec {
        name: "nPercentile",
        group: CALCULATE,
        description: "A constant line at the n-th percentile of each series.",
        params: &[SERIES, Param::req("n", T::Float)],
        run: n_percentile,
        aggregator: false,
    },
    FunctionSpec {
        name: "aggregateLine",
        group: CALCULATE,
        description: "A horizontal line at the aggregate (average by default) of each series; \
                      with keepStep the line keeps the series' own points.",
        params: &[
            SERIES,
            Param::opt("func", T::AggFunc).default(Literal::Str("average")),
            Param::opt("keepStep", T::Boolean).default(Literal::Bool(false)),
        ],
        run: aggregate_line,
        aggregator: false,
    },
    FunctionSpec {
        name: "linearRegression",
        group: CALCULATE,
        description: "The least-squares line of each series, fitted on the points between \
                      startSourceAt and endSourceAt (default: the request's range).",
        params: &[
            SERIES,
            Param::opt("startSourceAt", T::Date),
            Param::opt("endSourceAt", T::Date),
        ],
        run: linear_regression,
        aggregator: false,
    },
    FunctionSpec {
        name: "identity",
        group: CALCULATE,
        description: "A series named as given whose value at each minute is its timestamp.",
        params: &[Param::req("name", T::String)],
        run: identity,
        aggregator: false,
    },
];

#[cfg(test)]
mod tests {
    use crate::query::functions::moving::tests::{call, reference_case, s};
    use crate::query::registry::Value;

    const FROM: i64 = 1796180200;
    const UNTIL: i64 = 1796180400;

    /// Every expected line is graphite-web 1.1.8's `format=raw` answer for the same data
    /// (`moving::tests::reference`), except where a comment says otherwise.
    macro_rules! case {
        ($($t:tt)*) => { reference_case!(FROM, UNTIL; $($t)*) };
    }

    #[test]
    fn stdev_as_graphite_web() {
        case!("stdev", "cf.m.a", [Value::Int(4), Value::Float(0.1)] => [
            "stdev(cf.m.a,4),1796180210,1796180410,10|0.0,0.5499999999999994,0.8981462390204972,\
             1.2298373876248834,1.2298373876248827,1.2298373876248798,1.229837387624877,\
             2.219234102117209,2.4622144504490233,2.21923410211721,1.2298373876248798,\
             1.2298373876248798,1.229837387624877,1.2298373876248738,2.2192341021172126,\
             2.4622144504490246,2.219234102117214,1.2298373876248827,1.2298373876248856,\
             0.8981462390205052"]);
        case!("stdev", "cf.m.a", [Value::Int(3), Value::Float(0.5)] => [
            "stdev(cf.m.a,3),1796180210,1796180410,10|None,0.5499999999999994,0.8981462390204972,\
             0.8981462390204963,0.8981462390204946,0.8981462390205016,0.8981462390204981,\
             2.561683474245448,2.561683474245447,0.8981462390205016,0.8981462390205052,\
             0.8981462390205087,0.8981462390205087,0.898146239020512,2.561683474245449,\
             2.561683474245448,0.8981462390204981,0.8981462390204981,0.8981462390204981,\
             0.5499999999999824"]);
        case!("stdev", "cf.m.b", [Value::Int(3), Value::Float(0.1)] => [
            format!("stdev(cf.m.b,3),1796180210,1796180410,10|0.0,0.5,{}",
                vec!["0.8164965809277259"; 18].join(","))]);
        case!("stdev", "cf.m.c", [Value::Int(5), Value::Float(0.0)] => [
            format!("stdev(cf.m.c,5),1796180210,1796180410,10|None,None,None,{}",
                vec!["0.0"; 17].join(","))]);
        let err = call(
            "stdev",
            "cf.m.a",
            vec![Value::Int(0), Value::Float(0.1)],
            FROM,
            UNTIL,
        );
        assert!(err.unwrap_err().contains("positive"));
    }

    #[test]
    fn n_percentile_as_graphite_web() {
        let line = |name: &str, v: &str| {
            format!("{name},1796180210,1796180410,10|{}", vec![v; 20].join(","))
        };
        case!("nPercentile", "cf.m.a", [Value::Float(95.0)] => [line("nPercentile(cf.m.a, 95)", "9.4")]);
        case!("nPercentile", "cf.m.a", [Value::Float(50.5)] => [line("nPercentile(cf.m.a, 50.5)", "6.1")]);
        // Series without data are dropped.
        case!("nPercentile", "*", [Value::Int(10)] => [
            line("nPercentile(cf.m.a, 10)", "2.8"),
            line("nPercentile(cf.m.b, 10)", "62.0"),
            line("nPercentile(cf.m.c, 10)", "3.5"),
        ]);
        let err = call("nPercentile", "cf.m.a", vec![Value::Int(0)], FROM, UNTIL).unwrap_err();
        assert!(err.contains("greater than 0"), "{err}");
        let err = call(
            "nPercentile",
            "cf.m.a",
            vec![Value::Float(100.5)],
            FROM,
            UNTIL,
        )
        .unwrap_err();
        assert!(err.contains("at most 100, got 100.5"), "{err}");
        let err = call("nPercentile", "cf.m.a", vec![Value::Int(-5)], FROM, UNTIL).unwrap_err();
        assert!(err.contains("got -5"), "{err}");
        case!("nPercentile", "cf.m.a", [Value::Int(100)] => [line("nPercentile(cf.m.a, 100)", "9.4")]);
    }

    #[test]
    fn n_percentile_tags_with_the_float() {
        let src = crate::query::functions::moving::tests::reference();
        let c = crate::query::functions::testing::ctx(FROM, UNTIL);
        let list = crate::query::Source::fetch(&src, "cf.m.c", FROM, UNTIL, UNTIL).unwrap();
        let out = crate::query::functions::testing::run(
            "nPercentile",
            vec![Value::Series(list), Value::Int(10)],
            None,
            &c,
            &src,
        )
        .unwrap();
        assert_eq!(
            out[0].tags.get("nPercentile").map(String::as_str),
            Some("10.0")
        );
        assert_eq!(out[0].path_expression, "nPercentile(cf.m.c, 10)");
    }

    #[test]
    fn aggregate_line_as_graphite_web() {
        // constantLine's three points make pencil's raw end 1796180500 where graphite-web
        // writes the request's until (1796180400); the timestamps agree.
        case!("aggregateLine", "*", [s("median"), Value::Bool(false)] => [
            "aggregateLine(cf.m.a, 5.7),1796180200,1796180500,100|5.7,5.7,5.7",
            "aggregateLine(cf.m.b, 69.5),1796180200,1796180500,100|69.5,69.5,69.5",
            "aggregateLine(cf.m.c, 3.5),1796180200,1796180500,100|3.5,3.5,3.5",
            "aggregateLine(cf.m.d, None),1796180200,1796180500,100|None,None,None",
            "aggregateLine(cf.m.e, None),1796180200,1796180500,100|None,None,None",
        ]);
        case!("aggregateLine", "cf.m.a", [s("last"), Value::Bool(true)] => [
            format!("aggregateLine(cf.m.a, 7.9),1796180210,1796180410,10|{}", vec!["7.9"; 20].join(","))]);
        case!("aggregateLine", "cf.m.b", [s("sum"), Value::Bool(false)] => [
            "aggregateLine(cf.m.b, 1390),1796180200,1796180500,100|1390.0,1390.0,1390.0"]);
        let err = call(
            "aggregateLine",
            "cf.m.b",
            vec![s("avg2"), Value::Bool(false)],
            FROM,
            UNTIL,
        );
        assert!(err
            .unwrap_err()
            .contains("Unsupported aggregation function: avg2"));
    }

    #[test]
    fn aggregate_line_tags_as_graphite_web() {
        // The constant line keeps constantLine's name tag: "3.5", or "None" without data.
        let src = crate::query::functions::moving::tests::reference();
        let c = crate::query::functions::testing::ctx(FROM, UNTIL);
        let list = crate::query::Source::fetch(&src, "*", FROM, UNTIL, UNTIL).unwrap();
        let out = crate::query::functions::testing::run(
            "aggregateLine",
            vec![Value::Series(list), s("max"), Value::Bool(false)],
            None,
            &c,
            &src,
        )
        .unwrap();
        let tag = |i: usize| out[i].tags.get("name").cloned().unwrap_or_default();
        assert_eq!((tag(2), tag(3)), ("3.5".to_string(), "None".to_string()));
        assert_eq!(out[2].path_expression, "aggregateLine(cf.m.c, 3.5)");
    }

    #[test]
    fn linear_regression_as_graphite_web() {
        case!("linearRegression", "cf.m.a", [Value::None, Value::None] => [
            "linearRegression(cf.m.a, 1796180200, 1796180400),1796180210,1796180410,10|\
             4.34736842289567,4.501754388213158,4.656140349805355,4.810526315122843,\
             4.9649122804403305,5.119298245757818,5.273684211075306,5.428070176392794,\
             5.582456141710281,5.736842107027769,5.891228072345257,6.045614033937454,\
             6.199999999254942,6.35438596457243,6.508771929889917,6.663157895207405,\
             6.817543860524893,6.9719298258423805,7.126315791159868,7.280701756477356"]);
        case!("linearRegression", "cf.m.a", [s("1796180100"), Value::None] => [
            "linearRegression(cf.m.a, 1796180100, 1796180400),1796180210,1796180410,10|\
             5.183537082746625,5.265199674293399,5.346862265840173,5.428524857386947,\
             5.510187450796366,5.59185004234314,5.673512633889914,5.7551752254366875,\
             5.836837816983461,5.918500408530235,6.000163000077009,6.081825591623783,\
             6.163488183170557,6.245150774717331,6.326813366264105,6.408475957810879,\
             6.490138549357653,6.571801140904427,6.653463734313846,6.7351263258606195"]);
        // Series without two distinct points (d, e) are dropped.
        case!("linearRegression", "*", [s("1796180100"), s("1796180300")] => [
            "linearRegression(cf.m.a, 1796180100, 1796180300),1796180210,1796180410,10|\
             5.034316006116569,5.073545383289456,5.112774759531021,5.152004136703908,\
             5.191233513876796,5.2304628901183605,5.269692267291248,5.308921643532813,\
             5.3481510207057,5.387380396947265,5.426609774120152,5.465839151293039,\
             5.505068527534604,5.544297904707491,5.583527280949056,5.6227566581219435,\
             5.661986034363508,5.7012154115363955,5.740444788709283,5.779674164950848",
            "linearRegression(cf.m.b, 1796180100, 1796180300),1796180210,1796180410,10|\
             79.0,78.0,77.0,76.0,75.0,74.0,73.0,72.0,71.0,70.0,69.0,68.0,67.0,66.0,65.0,64.0,\
             63.0,62.0,61.0,60.0",
            format!("linearRegression(cf.m.c, 1796180100, 1796180300),1796180210,1796180410,10|{}",
                vec!["3.5"; 20].join(",")),
        ]);
        let err = call(
            "linearRegression",
            "cf.m.a",
            vec![s("yesterday-ish"), Value::None],
            FROM,
            UNTIL,
        );
        assert!(err.unwrap_err().contains("yesterday-ish"));
    }

    #[test]
    fn regression_of_a_long_series_is_exact() {
        // 200 000 points: n·Σi² is far beyond i64.
        let values: Vec<f64> = (0..200_000).map(|i| 2.0 * i as f64 + 1.0).collect();
        let s = crate::query::functions::testing::series("long", 1000, 10, &values);
        let (factor, offset) = super::regression(&s).unwrap();
        assert!((factor - 0.2).abs() < 1e-12, "{factor}");
        assert!((offset - (1.0 - 0.2 * 1000.0)).abs() < 1e-6, "{offset}");
    }

    #[test]
    fn identity_counts_minutes() {
        // graphite-web writes these as Python ints (`1796180200`), and so does pencil.
        let src = crate::query::functions::testing::FakeSource::default();
        let c = crate::query::functions::testing::ctx(FROM, UNTIL);
        let out =
            crate::query::functions::testing::run("identity", vec![s("the.time")], None, &c, &src)
                .unwrap();
        assert_eq!(
            crate::query::functions::moving::tests::raw(&out[0]),
            "the.time,1796180200,1796180440,60|1796180200,1796180260,1796180320,1796180380"
        );
        assert_eq!(out[0].path_expression, "identity(\"the.time\")");
    }
}
