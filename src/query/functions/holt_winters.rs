//! graphite-web's Holt-Winters functions (group "Calculate"): triple exponential smoothing
//! with alpha = gamma = 0.1 and beta = 0.0035, bootstrapped from extra history before `from`
//! (re-fetched, then cut off again) and a season of `seasonality` seconds.

use super::transform::offset_seconds;
use crate::query::registry::{
    group::CALCULATE, FunctionBody, FunctionSpec, Invocation, Literal, Param, ParamType as T,
};
use crate::query::QueryError;
use crate::series::{Consolidation, Series, Style};

type Out = Result<Vec<Series>, QueryError>;

const ALPHA: f64 = 0.1;
const GAMMA: f64 = 0.1;
const BETA: f64 = 0.0035;

/// The forecast and the smoothed deviation of one series, point by point (NaN = None).
struct Analysis {
    predictions: Vec<f64>,
    deviations: Vec<f64>,
}

/// graphite-web's `holtWintersAnalysis`, in its order of operations. A None input breaks the
/// chain: its prediction is the one made before it, the next one is None, and its seasonal
/// and deviation count as 0 a season later.
fn analyse(values: &[f64], season: usize) -> Analysis {
    let n = values.len();
    let mut intercepts: Vec<f64> = Vec::with_capacity(n);
    let mut slopes: Vec<f64> = Vec::with_capacity(n);
    let mut seasonals: Vec<f64> = Vec::with_capacity(n);
    let mut predictions = Vec::with_capacity(n);
    let mut deviations: Vec<f64> = Vec::with_capacity(n);
    let season_ago = |list: &[f64], i: usize| {
        i.checked_sub(season)
            .and_then(|j| list.get(j).copied())
            .unwrap_or(0.0)
    };
    let mut next_prediction = f64::NAN;
    for (i, &actual) in values.iter().enumerate() {
        if actual.is_nan() {
            intercepts.push(f64::NAN);
            slopes.push(0.0);
            seasonals.push(0.0);
            predictions.push(next_prediction);
            deviations.push(0.0);
            next_prediction = f64::NAN;
            continue;
        }
        let (last_intercept, last_slope, prediction) = match (intercepts.last(), slopes.last()) {
            (Some(&li), Some(&ls)) => (if li.is_nan() { actual } else { li }, ls, next_prediction),
            _ => (actual, 0.0, actual),
        };
        let last_seasonal = season_ago(&seasonals, i);
        let next_last_seasonal = season_ago(&seasonals, i + 1);
        let last_seasonal_dev = season_ago(&deviations, i);
        let intercept =
            ALPHA * (actual - last_seasonal) + (1.0 - ALPHA) * (last_intercept + last_slope);
        let slope = BETA * (intercept - last_intercept) + (1.0 - BETA) * last_slope;
        let seasonal = GAMMA * (actual - intercept) + (1.0 - GAMMA) * last_seasonal;
        next_prediction = intercept + slope + next_last_seasonal;
        let predicted = if prediction.is_nan() { 0.0 } else { prediction };
        let deviation = GAMMA * (actual - predicted).abs() + (1.0 - GAMMA) * last_seasonal_dev;
        intercepts.push(intercept);
        slopes.push(slope);
        seasonals.push(seasonal);
        predictions.push(prediction);
        deviations.push(deviation);
    }
    Analysis {
        predictions,
        deviations,
    }
}

/// An `interval` argument in seconds (`'7d'`, `'1d'`), which must not be negative.
fn interval_arg(inv: &Invocation<'_>, i: usize, default: &str) -> Result<i64, QueryError> {
    let name = inv.spec.params.get(i).map_or("interval", |p| p.name);
    let text = inv.str(i).unwrap_or(default);
    let seconds = offset_seconds(inv, text)?;
    if seconds < 0 {
        return Err(inv.error(format!("{name} must not be negative, got {text:?}")));
    }
    Ok(seconds)
}

/// One re-fetched series analysed, with its bootstrap points still in front.
struct Fitted {
    series: Series,
    analysis: Analysis,
    /// Bootstrap points to cut off.
    skip: usize,
}

/// Re-fetches the first argument with `bootstrapInterval` of extra history and analyses each
/// series. The season is `seasonality / step` points, at least 2 (graphite-web 1.1.10; 1.1.8
/// fails on shorter seasons).
fn fit(inv: &mut Invocation<'_>, bootstrap_at: usize) -> Result<(Vec<Fitted>, i64), QueryError> {
    let bootstrap = interval_arg(inv, bootstrap_at, "7d")?;
    let seasonality = interval_arg(inv, bootstrap_at + 1, "1d")?;
    let fetched = inv.refetch(0, inv.ctx.from.saturating_sub(bootstrap), inv.ctx.until)?;
    let fitted = fetched
        .into_iter()
        .map(|series| {
            let step = series.step.max(1);
            let season = usize::try_from(seasonality / step).unwrap_or(0).max(2);
            let analysis = analyse(&series.values, season);
            let skip = usize::try_from(bootstrap / step).unwrap_or(0);
            Fitted {
                series,
                analysis,
                skip,
            }
        })
        .collect();
    Ok((fitted, bootstrap))
}

/// `values[skip..]` as a new series starting `bootstrap` seconds after `like`, with its tags
/// and xFilesFactor but graphite-web's defaults otherwise (average consolidation, no style).
fn cut(like: &Series, name: String, values: &[f64], skip: usize, bootstrap: i64) -> Series {
    let mut s = like.clone();
    s.consolidation = Consolidation::Average;
    s.style = Style::default();
    s.start = like.start.saturating_add(bootstrap);
    s.values = values.get(skip..).unwrap_or_default().to_vec();
    s.path_expression = name.clone();
    s.name = name;
    s
}

fn forecast(inv: &mut Invocation<'_>) -> Out {
    let (fitted, bootstrap) = fit(inv, 1)?;
    Ok(fitted
        .into_iter()
        .map(|f| {
            let name = format!("holtWintersForecast({})", f.series.name);
            let mut s = cut(&f.series, name, &f.analysis.predictions, f.skip, bootstrap);
            // graphite-web's forecast and deviation series share one tag dict.
            s.tags.insert("holtWintersForecast".into(), "1".into());
            s.tags.insert("holtWintersDeviation".into(), "1".into());
            s
        })
        .collect())
}

/// Lower and upper band for each series: forecast ∓ delta × deviation, lower first; they keep
/// the source's path expression.
fn bands(inv: &mut Invocation<'_>) -> Out {
    let delta = inv.float(1).unwrap_or(3.0);
    let (fitted, bootstrap) = fit(inv, 2)?;
    let mut out = Vec::with_capacity(2 * fitted.len());
    for f in fitted {
        let predictions = f.analysis.predictions.get(f.skip..).unwrap_or_default();
        let deviations = f.analysis.deviations.get(f.skip..).unwrap_or_default();
        let band = |sign: f64| -> Vec<f64> {
            predictions
                .iter()
                .zip(deviations)
                .map(|(p, d)| p + sign * (delta * d))
                .collect()
        };
        let mut tags = f.series.tags.clone();
        for tag in [
            "holtWintersForecast",
            "holtWintersDeviation",
            "holtWintersConfidenceUpper",
            "holtWintersConfidenceLower",
        ] {
            tags.insert(tag.into(), "1".into());
        }
        for (side, sign) in [("Lower", -1.0), ("Upper", 1.0)] {
            let name = format!("holtWintersConfidence{side}({})", f.series.name);
            let mut s = cut(&f.series, name, &band(sign), 0, bootstrap);
            s.path_expression = f.series.path_expression.clone();
            s.tags = tags.clone();
            out.push(s);
        }
    }
    Ok(out)
}

fn confidence_bands(inv: &mut Invocation<'_>) -> Out {
    bands(inv)
}

/// How far each point lies outside its confidence band (0 inside it and for None), for the
/// request's own series. The band point is the one whose interval holds the point's time:
/// graphite-web indexes the bands positionally, which is the same when both come from one
/// archive, and fails with an IndexError when the bootstrap reaches a coarser archive (as
/// the default '7d' does past a 1-week 1-minute archive).
fn aberration(inv: &mut Invocation<'_>) -> Out {
    let list = inv.take_series(0);
    let bands = bands(inv)?;
    let band = |side: &str, name: &str| -> Result<&Series, QueryError> {
        let wanted = format!("holtWintersConfidence{side}({name})");
        bands
            .iter()
            .find(|b| b.name == wanted)
            .ok_or_else(|| inv.error(format!("no confidence band for {name}")))
    };
    let mut out = Vec::with_capacity(list.len());
    for mut s in list {
        let lower = band("Lower", &s.name)?;
        let upper = band("Upper", &s.name)?;
        let (start, step) = (s.start, s.step);
        let at = |b: &Series, i: usize| {
            let t = start + i as i64 * step;
            if t < b.start || b.step <= 0 {
                return f64::NAN;
            }
            let j = usize::try_from((t - b.start) / b.step).unwrap_or(usize::MAX);
            b.values.get(j).copied().unwrap_or(f64::NAN)
        };
        // Inside the band (or with no value) graphite-web appends the int 0.
        let mut ints = Vec::with_capacity(s.values.len());
        s.values = s
            .values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let (lo, hi) = (at(lower, i), at(upper, i));
                let outside = !v.is_nan() && (v > hi || v < lo);
                ints.push(!outside);
                match () {
                    _ if !outside => 0.0,
                    _ if v > hi => v - hi,
                    _ => v - lo,
                }
            })
            .collect();
        s.ints = ints;
        s.tags.insert("holtWintersAberration".into(), "1".into());
        s.consolidation = Consolidation::Average;
        s.style = Style::default();
        s.name = format!("holtWintersAberration({})", s.name);
        s.path_expression = s.name.clone();
        out.push(s);
    }
    Ok(out)
}

/// The two bands drawn as graphite-web's `areaBetween`, renamed after the source's path
/// expression; like areaBetween it needs exactly one source series.
fn confidence_area(inv: &mut Invocation<'_>) -> Out {
    let mut list = bands(inv)?;
    if list.len() != 2 {
        return Err(inv.error(format!(
            "the series argument must reference exactly 1 series (2 bands), got {} bands",
            list.len()
        )));
    }
    let name = format!("holtWintersConfidenceArea({})", list[1].path_expression);
    let mut tags = list[1].tags.clone();
    tags.insert("holtWintersConfidenceArea".into(), "1".into());
    for s in &mut list {
        s.style.stacked = Some("__DEFAULT__".into());
        s.style.area_between = true;
        s.tags = tags.clone();
        s.name = name.clone();
        s.path_expression = name.clone();
    }
    Ok(list)
}

const SERIES: Param = Param::req("seriesList", T::SeriesList);
const DELTA: Param = Param::opt("delta", T::Integer).default(Literal::Int(3));
const BOOTSTRAP: Param = Param::opt("bootstrapInterval", T::Interval)
    .default(Literal::Str("7d"))
    .suggest(&[Literal::Str("7d"), Literal::Str("30d")]);
const SEASONALITY: Param = Param::opt("seasonality", T::Interval)
    .default(Literal::Str("1d"))
    .suggest(&[Literal::Str("1d"), Literal::Str("7d")]);
const BAND_PARAMS: &[Param] = &[SERIES, DELTA, BOOTSTRAP, SEASONALITY];

const fn spec(name: &'static str, description: &'static str, run: FunctionBody) -> FunctionSpec {
    FunctionSpec::new(name, CALCULATE, description, BAND_PARAMS, run)
}

pub(crate) const SPECS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "holtWintersForecast",
        group: CALCULATE,
        description: "A Holt-Winters forecast of each series, bootstrapped from \
                      bootstrapInterval of history before the range.",
        params: &[SERIES, BOOTSTRAP, SEASONALITY],
        run: forecast,
        aggregator: false,
    },
    spec(
        "holtWintersConfidenceBands",
        "The lower and upper Holt-Winters bands: forecast ∓ delta × the predicted deviation.",
        confidence_bands,
    ),
    spec(
        "holtWintersAberration",
        "How far each point lies outside its Holt-Winters confidence bands (0 inside them).",
        aberration,
    ),
    spec(
        "holtWintersConfidenceArea",
        "The Holt-Winters confidence bands drawn as a filled area (one source series).",
        confidence_area,
    ),
];

#[cfg(test)]
mod tests {
    use crate::query::functions::moving::tests::{call, reference_case, s};
    use crate::query::registry::Value;

    const FROM: i64 = 1796180600;
    const UNTIL: i64 = 1796180800;

    /// Every expected line is graphite-web 1.1.8's `format=raw` answer for the same data
    /// (`moving::tests::reference`).
    macro_rules! case {
        ($($t:tt)*) => { reference_case!(FROM, UNTIL; $($t)*) };
    }

    #[test]
    fn forecast_as_graphite_web() {
        case!("holtWintersForecast", "cf.m.a", [s("5min"), s("1min")] => [
            "holtWintersForecast(cf.m.a),1796180610,1796180810,10|8.39036896047141,\
             8.223038154164923,8.859087676719017,8.818166422620608,8.952418978314741,\
             9.157961520922136,8.908464199400921,8.764006943835822,8.718009093383323,\
             9.456531950981873,9.576155136387014,9.761756839256797,9.53491502138189,\
             9.40103485537472,9.35533207929519,9.393150577059746,10.270172992592572,\
             10.431113029755782,10.218821354945307,10.089290401811285"]);
        case!("holtWintersForecast", "cf.m.a", [s("200s"), s("30s")] => [
            "holtWintersForecast(cf.m.a),1796180610,1796180810,10|8.438415296849545,\
             8.546621233917007,9.346727418644802,9.008134714105834,8.778279655933263,\
             8.580483842207892,8.777685424346835,9.021494493262825,9.248180936723845,\
             9.79278809071967,9.643417214563689,9.516270070798427,9.082425301145543,\
             9.446309343395736,9.780315478035776,9.790174029385017,10.482502755410959,\
             10.41314044943988,10.087624197995295,9.785294178226879"]);
        case!("holtWintersForecast", "cf.m.c", [s("5min"), s("1min")] => [
            "holtWintersForecast(cf.m.c),1796180610,1796180810,10|3.5,None,None,None,3.5,None,\
             None,None,3.5,None,None,None,3.5,None,None,None,3.5,None,None,None"]);
        let err = call(
            "holtWintersForecast",
            "cf.m.a",
            vec![s("-5min"), s("1min")],
            FROM,
            UNTIL,
        );
        assert!(err
            .unwrap_err()
            .contains("bootstrapInterval must not be negative"));
    }

    #[test]
    fn bands_and_aberration_as_graphite_web() {
        case!("holtWintersConfidenceBands", "cf.m.a", [Value::Int(2), s("5min"), s("1min")] => [
            "holtWintersConfidenceLower(cf.m.a),1796180610,1796180810,10|6.5829661717902335,\
             6.485993605824241,7.854318136318671,7.176732285204237,8.453000361955509,\
             8.209774880534232,6.923494529468047,6.593468239096372,6.977318325699676,\
             7.487934837110764,8.831447354386302,8.796037495056323,7.595425322718681,\
             7.0477569921841585,7.159776804238945,6.780043289987697,9.085901390273417,\
             9.235743014024198,8.409516355159358,7.789198405302036",
            "holtWintersConfidenceUpper(cf.m.a),1796180610,1796180810,10|10.197771749152587,\
             9.960082702505606,9.863857217119364,10.45960056003698,9.451837594673973,\
             10.10614816131004,10.893433869333794,10.934545648575273,10.45869986106697,\
             11.425129064852982,10.320862918387725,10.727476183457272,11.474404720045099,\
             11.75431271856528,11.550887354351435,12.006257864131795,11.454444594911728,\
             11.626483045487365,12.028126354731256,12.389382398320533",
        ]);
        // Inside the band graphite-web appends the int 0.
        case!("holtWintersAberration", "cf.m.a", [Value::Int(1), s("5min"), s("1min")] => [
            "holtWintersAberration(cf.m.a),1796180610,1796180810,10|1.8059296451880016,\
             3.108439571664734,-2.0567029065188445,-0.5974493539124222,-0.20270967013512475,0,\
             0.7990509656326417,1.9507237037944538,3.311645522774855,-1.4722333940463184,\
             -1.1038012453866575,-0.07889716715656192,0,0.8223262130299993,2.0468902831766886,\
             2.90029577940423,-1.9780371914329953,-1.0334280218899892,0,0"]);
        case!("holtWintersConfidenceArea", "cf.m.a", [Value::Int(3), s("100s"), s("1min")] => [
            "holtWintersConfidenceArea(cf.m.a),1796180610,1796180810,10|6.532815193982074,\
             6.172856782021302,7.613650164638699,7.957499424326992,7.84090241314568,\
             7.338301130440605,6.888290563648127,6.143732315820788,6.431890144925713,\
             8.078531550253235,8.275967821514724,8.104530526280797,7.617084911515427,\
             6.530112968941292,6.404010382666267,6.931190031790998,8.406805664259487,\
             8.53993436090217,8.370533304631145,7.2947670605662545",
            "holtWintersConfidenceArea(cf.m.a),1796180610,1796180810,10|10.210661318094218,\
             9.993907583372351,9.63017816684911,9.230057177398026,9.477039163565333,\
             10.282254940717479,11.193742235580476,11.399660263300383,10.81322946418259,\
             10.639132847275906,10.530401776209759,10.950640162020317,11.836050725230702,\
             12.416472485377337,12.250778965536597,11.781826299672389,11.911197032518373,\
             11.976304773340555,12.48394646909177,13.0800465439914",
        ]);
        let err = call(
            "holtWintersConfidenceArea",
            "*",
            vec![Value::Int(3), s("100s"), s("1min")],
            FROM,
            UNTIL,
        );
        assert!(err.unwrap_err().contains("exactly 1 series"));
    }

    #[test]
    fn aberration_looks_bands_up_by_time() {
        use crate::query::functions::moving::tests::reference;
        use crate::query::functions::testing::{ctx, run, series};
        // The series at 10 s, its bands (from the re-fetch) at 20 s: point i uses band i/2.
        let src = reference();
        let c = ctx(FROM, UNTIL);
        let list = crate::query::Source::fetch(&src, "cf.m.a", FROM, UNTIL, UNTIL).unwrap();
        let path = crate::query::ast::Expr::Path("cf.m.a".into());
        let args = vec![
            Value::Series(list.clone()),
            Value::Int(1),
            s("5min"),
            s("1min"),
        ];
        let fine = run("holtWintersAberration", args, Some(&path), &c, &src).unwrap();
        let coarse_values: Vec<f64> = src.series[0].values.iter().step_by(2).copied().collect();
        let coarse = crate::query::functions::testing::FakeSource {
            series: vec![series("cf.m.a", src.series[0].start, 20, &coarse_values)],
            ..Default::default()
        };
        let args = vec![Value::Series(list), Value::Int(1), s("5min"), s("1min")];
        let mixed = run("holtWintersAberration", args, Some(&path), &c, &coarse).unwrap();
        assert_eq!(mixed[0].values.len(), fine[0].values.len());
        assert_ne!(mixed[0].values, fine[0].values);
        let bands = run(
            "holtWintersConfidenceBands",
            vec![Value::None, Value::Int(1), s("5min"), s("1min")],
            Some(&path),
            &c,
            &coarse,
        )
        .unwrap();
        let (lower, upper) = (&bands[0], &bands[1]);
        for (i, &v) in mixed[0].values.iter().enumerate() {
            let t = mixed[0].start + i as i64 * 10;
            // The first point precedes the 20 s bands' first interval: no band, 0.
            let j = usize::try_from((t - upper.start).div_euclid(upper.step)).ok();
            let actual = src.series[0].values[((t - src.series[0].start) / 10) as usize];
            let band = |b: &crate::series::Series| j.and_then(|j| b.values.get(j).copied());
            let want = match (band(upper), band(lower)) {
                _ if actual.is_nan() => 0.0,
                (Some(hi), _) if actual > hi => actual - hi,
                (_, Some(lo)) if actual < lo => actual - lo,
                _ => 0.0,
            };
            assert_eq!(v, want, "point {i}");
        }
    }

    #[test]
    fn tags_and_path_expressions_as_graphite_web() {
        use crate::query::functions::moving::tests::reference;
        use crate::query::functions::testing::{ctx, run};
        let src = reference();
        let c = ctx(FROM, UNTIL);
        let list = crate::query::Source::fetch(&src, "cf.m.c", FROM, UNTIL, UNTIL).unwrap();
        let path = crate::query::ast::Expr::Path("cf.m.c".into());
        let tags = |s: &crate::series::Series| -> Vec<String> { s.tags.keys().cloned().collect() };
        let args = vec![Value::Series(list.clone()), s("1min"), s("1min")];
        let out = run("holtWintersForecast", args, Some(&path), &c, &src).unwrap();
        assert_eq!(
            tags(&out[0]),
            ["holtWintersDeviation", "holtWintersForecast", "name"]
        );
        assert_eq!(out[0].path_expression, "holtWintersForecast(cf.m.c)");
        let args = vec![
            Value::Series(list.clone()),
            Value::Int(2),
            s("1min"),
            s("1min"),
        ];
        let out = run("holtWintersConfidenceBands", args, Some(&path), &c, &src).unwrap();
        assert_eq!(tags(&out[0]).len(), 5);
        assert_eq!(out[1].path_expression, "cf.m.c");
        let args = vec![
            Value::Series(list.clone()),
            Value::Int(2),
            s("1min"),
            s("1min"),
        ];
        let out = run("holtWintersAberration", args, Some(&path), &c, &src).unwrap();
        assert_eq!(tags(&out[0]), ["holtWintersAberration", "name"]);
        let args = vec![Value::Series(list), Value::Int(2), s("1min"), s("1min")];
        let out = run("holtWintersConfidenceArea", args, Some(&path), &c, &src).unwrap();
        assert_eq!(tags(&out[0]).len(), 6);
        assert!(out[0].style.area_between && out[1].style.stacked.is_some());
    }
}
