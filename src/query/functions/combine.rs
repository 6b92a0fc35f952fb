//! graphite-web's "Combine" functions that reduce series lists row by row: `aggregate` and its
//! named forms (sumSeries, averageSeries, ...), countSeries, percentileOfSeries, powSeries and
//! group, plus `isNonNull` (graphite-web files it under Transform). Also owns the pieces the
//! other Combine files share: the `aggregate` core, aggregate names and tags, and the node/tag
//! key of groupByNodes. Pairwise combiners live in `combine_pair.rs`, grouping ones in
//! `combine_group.rs`.

use std::collections::{BTreeMap, HashMap};

use crate::query::aggfuncs::{self, AGG_FUNC_NAMES};
use crate::query::ast::Expr;
use crate::query::normalize::normalize;
use crate::query::registry::{
    group::{COMBINE, TRANSFORM},
    FunctionBody, FunctionSpec, Invocation, Literal, Param, ParamType as T, Value,
};
use crate::query::{pyfmt, Context, QueryError};
use crate::series::Series;

type Out = Result<Vec<Series>, QueryError>;

/// The unique path expressions of `series`, first appearance first, comma-joined: what
/// aggregate names are made of (graphite-web 1.1's `formatPathExpressions`).
pub(crate) fn path_exprs(series: &[Series]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for s in series {
        if !seen.contains(&s.path_expression.as_str()) {
            seen.push(&s.path_expression);
        }
    }
    seen.join(",")
}

/// The tags every one of `series` carries with the same value.
fn common_tags(series: &[Series]) -> BTreeMap<String, String> {
    let mut tags = series.first().map(|s| s.tags.clone()).unwrap_or_default();
    for s in series.iter().skip(1) {
        tags.retain(|k, v| s.tags.get(k) == Some(v));
    }
    tags
}

/// graphite-web's `aggregate`: the series normalised to a common step (graphite.md 5.1), then
/// each row reduced by `func` when enough of it is known (`xff`, else the request's), named
/// `<func>Series(<path expressions>)`, keeping the tags common to all inputs plus
/// `aggregatedBy`. `func` may carry a `Series` suffix (`sumSeries` is `sum`). `Ok(None)` when
/// there is no series; `Err` names an unknown function.
pub(crate) fn aggregate_series(
    series: Vec<Series>,
    func: &str,
    xff: Option<f64>,
    ctx: &Context,
) -> Result<Option<Series>, String> {
    let short = func.strip_suffix("Series").unwrap_or(func);
    let agg = aggfuncs::agg_func(short).ok_or_else(|| {
        format!("unsupported aggregation function {func:?}; use one of {AGG_FUNC_NAMES:?}")
    })?;
    let name = format!("{short}Series({})", path_exprs(&series));
    let mut tags = common_tags(&series);
    let Some(n) = normalize(series) else {
        return Ok(None);
    };
    let xff = xff.unwrap_or(ctx.x_files_factor);
    let mut row = Vec::new();
    let values = (0..n.rows())
        .map(|i| {
            n.row(i, &mut row);
            let known = row.iter().filter(|v| !v.is_nan()).count();
            if known == 0 || (known as f64) / (row.len() as f64) < xff {
                f64::NAN
            } else {
                agg(&row)
            }
        })
        .collect();
    tags.entry("name".into()).or_insert_with(|| name.clone());
    tags.insert("aggregatedBy".into(), short.to_string());
    let mut out = Series::new(name, n.start, n.step, values);
    out.tags = tags;
    out.x_files_factor = xff;
    Ok(Some(out))
}

/// Runs [`aggregate_series`] for a function body.
pub(crate) fn aggregate_for(
    inv: &Invocation<'_>,
    series: Vec<Series>,
    func: &str,
    xff: Option<f64>,
) -> Out {
    aggregate_series(series, func, xff, inv.ctx)
        .map(|s| s.into_iter().collect())
        .map_err(|m| inv.error(m))
}

/// A series built from scratch by a Combine function: the request's xFilesFactor and
/// graphite-web's default tags (`TimeSeries(name, ...)`): a function-shaped name
/// (`^[a-z]+[(].+[)]$`, any case) is not parsed for tags, so `divideSeries(a;k=v,b)` has only
/// its `name` tag.
pub(crate) fn new_series(
    name: String,
    start: i64,
    step: i64,
    values: Vec<f64>,
    ctx: &Context,
) -> Series {
    let mut s = Series::new(name, start, step, values);
    if is_function_shaped(&s.name) {
        s.tags = BTreeMap::from([("name".to_string(), s.name.clone())]);
    }
    s.x_files_factor = ctx.x_files_factor;
    s
}

fn is_function_shaped(name: &str) -> bool {
    let letters = name.bytes().take_while(u8::is_ascii_alphabetic).count();
    letters > 0
        && name[letters..].starts_with('(')
        && name.len() >= letters + 3
        && name.ends_with(')')
}

/// The node (an int, negative from the end) or tag (a string) `n` of a series, as
/// graphite-web's `getNodeOrTag`: nodes come from `path` (the name before any `;`), an index
/// out of range falls back to a tag of that name, a missing tag is "".
fn node_or_tag(series: &Series, n: &Value, path: &str) -> String {
    let tag = match n {
        Value::Int(i) => {
            let nodes: Vec<&str> = path.split(';').next().unwrap_or("").split('.').collect();
            if let Some(node) = py_index(nodes.len(), *i).map(|at| nodes[at]) {
                return node.to_string();
            }
            i.to_string()
        }
        // Python's `n == int(n)` also takes a whole float as a node.
        Value::Float(f) if f.fract() == 0.0 && f.is_finite() => {
            return node_or_tag(series, &Value::Int(*f as i64), path)
        }
        Value::Str(s) => s.clone(),
        other => format!("{other:?}"),
    };
    series.tags.get(&tag).cloned().unwrap_or_default()
}

/// Python's `list[i]` position: negative counts from the end; `None` when out of range.
pub(crate) fn py_index(len: usize, i: i64) -> Option<usize> {
    let at = if i < 0 { len as i64 + i } else { i };
    (0..len as i64).contains(&at).then_some(at as usize)
}

/// The first path expression inside a function-shaped name (`sumSeries(a.*.c)` → `a.*.c`),
/// following first arguments; `None` when the name does not parse or holds no path first.
fn first_path_expression(name: &str) -> Option<String> {
    let mut expr = crate::query::parser::parse(name).ok()?;
    loop {
        expr = match expr {
            Expr::Path(p) => return Some(p),
            Expr::Call(mut call) if !call.args.is_empty() => call.args.swap_remove(0),
            Expr::Template { expr, .. } => *expr,
            _ => return None,
        };
    }
}

/// graphite-web's `aggKey`: the selected nodes or tags joined by dots; a name ending in `)`
/// is keyed by its first path expression.
pub(crate) fn agg_key(series: &Series, nodes: &[Value]) -> String {
    let path = if series.name.ends_with(')') {
        first_path_expression(&series.name).unwrap_or_else(|| series.name.clone())
    } else {
        series.name.clone()
    };
    nodes
        .iter()
        .map(|n| node_or_tag(series, n, &path))
        .collect::<Vec<_>>()
        .join(".")
}

/// Series grouped by `key`, groups in order of first appearance.
pub(crate) fn group_by(
    series: Vec<Series>,
    mut key: impl FnMut(&Series) -> String,
) -> Vec<(String, Vec<Series>)> {
    let mut groups: Vec<(String, Vec<Series>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for s in series {
        let k = key(&s);
        match index.get(&k) {
            Some(&i) => groups[i].1.push(s),
            None => {
                index.insert(k.clone(), groups.len());
                groups.push((k, vec![s]));
            }
        }
    }
    groups
}

fn sum_series(inv: &mut Invocation<'_>) -> Out {
    named_aggregate(inv, "sum")
}
fn average_series(inv: &mut Invocation<'_>) -> Out {
    named_aggregate(inv, "average")
}
fn max_series(inv: &mut Invocation<'_>) -> Out {
    named_aggregate(inv, "max")
}
fn min_series(inv: &mut Invocation<'_>) -> Out {
    named_aggregate(inv, "min")
}
fn diff_series(inv: &mut Invocation<'_>) -> Out {
    named_aggregate(inv, "diff")
}
fn stddev_series(inv: &mut Invocation<'_>) -> Out {
    named_aggregate(inv, "stddev")
}
fn range_of_series(inv: &mut Invocation<'_>) -> Out {
    named_aggregate(inv, "rangeOf")
}

fn named_aggregate(inv: &mut Invocation<'_>, func: &str) -> Out {
    let all = inv.take_all_series(0);
    aggregate_for(inv, all, func, None)
}

/// A lone series is returned untouched, graphite-web's legacy behaviour.
fn multiply_series(inv: &mut Invocation<'_>) -> Out {
    let mut lists = inv.take_series_lists(0);
    if lists.len() == 1 && lists[0].len() == 1 {
        return Ok(lists.swap_remove(0));
    }
    aggregate_for(inv, lists.into_iter().flatten().collect(), "multiply", None)
}

fn aggregate(inv: &mut Invocation<'_>) -> Out {
    let func = inv.str(1).unwrap_or_default().to_string();
    let xff = inv.float(2);
    let all = inv.take_series(0);
    aggregate_for(inv, all, &func, xff)
}

/// Every value is the number of input series; with no argument at all, a constant line at 0.
fn count_series(inv: &mut Invocation<'_>) -> Out {
    let lists = inv.take_series_lists(0);
    if lists.is_empty() {
        let mut line = super::special::constant_line_series(0.0, inv.ctx);
        // graphite-web passes the int 0, whose str() has no ".0".
        line.name = "0".into();
        line.tags = crate::series::tags_of("0");
        line.path_expression = "countSeries()".into();
        return Ok(vec![line]);
    }
    let all: Vec<Series> = lists.into_iter().flatten().collect();
    let name = format!("countSeries({})", path_exprs(&all));
    let count = all.len() as f64;
    let Some(n) = normalize(all) else {
        return Ok(Vec::new());
    };
    let values = vec![count; n.rows()];
    Ok(vec![new_series(name, n.start, n.step, values, inv.ctx)])
}

fn percentile_of_series(inv: &mut Invocation<'_>) -> Out {
    let n = inv.float(1).unwrap_or(0.0);
    if n.is_nan() || n <= 0.0 {
        return Err(inv.error(format!(
            "the requested percent must be greater than 0, got {}",
            pyfmt::g(n)
        )));
    }
    let interpolate = inv.bool(2);
    let list = inv.take_series(0);
    let Some(first) = list.first() else {
        return Ok(Vec::new());
    };
    let name = format!(
        "percentileOfSeries({},{})",
        first.path_expression,
        pyfmt::g(n)
    );
    let Some(norm) = normalize(list) else {
        return Ok(Vec::new());
    };
    let mut row = Vec::new();
    let values = (0..norm.rows())
        .map(|i| {
            norm.row(i, &mut row);
            aggfuncs::percentile(&row, n, interpolate)
        })
        .collect();
    Ok(vec![new_series(
        name, norm.start, norm.step, values, inv.ctx,
    )])
}

fn group(inv: &mut Invocation<'_>) -> Out {
    Ok(inv.take_all_series(0))
}

/// `math.pow` as graphite-web's `safePow` calls it: None in, domain error or overflow → None.
fn safe_pow(a: f64, b: f64) -> f64 {
    let r = a.powf(b);
    if r.is_finite() {
        r
    } else {
        f64::NAN
    }
}

/// Each row folded left by power: `((a^b)^c)...`; named after the series names, not globs.
fn pow_series(inv: &mut Invocation<'_>) -> Out {
    let all = inv.take_all_series(0);
    let name = format!(
        "powSeries({})",
        all.iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    let Some(n) = normalize(all) else {
        return Ok(Vec::new());
    };
    let mut row = Vec::new();
    let values = (0..n.rows())
        .map(|i| {
            n.row(i, &mut row);
            row.iter()
                .copied()
                .reduce(|acc, v| {
                    if acc.is_nan() || v.is_nan() {
                        f64::NAN
                    } else {
                        safe_pow(acc, v)
                    }
                })
                .unwrap_or(f64::NAN)
        })
        .collect();
    Ok(vec![new_series(name, n.start, n.step, values, inv.ctx)])
}

fn is_non_null(inv: &mut Invocation<'_>) -> Out {
    let mut list = inv.take_series(0);
    for s in &mut list {
        s.tags.insert("isNonNull".into(), "1".into());
        s.name = format!("isNonNull({})", s.name);
        s.path_expression = s.name.clone();
        for v in &mut s.values {
            *v = if v.is_nan() { 0.0 } else { 1.0 };
        }
    }
    Ok(list)
}

const LISTS: &[Param] = &[Param::req("seriesLists", T::SeriesList).many()];
const OPTIONAL_LISTS: &[Param] = &[Param::opt("seriesLists", T::SeriesList).many()];

/// One `*seriesLists` aggregator: `sumSeries`, `avg`, ...
const fn aggregator(
    name: &'static str,
    description: &'static str,
    run: FunctionBody,
) -> FunctionSpec {
    FunctionSpec {
        name,
        group: COMBINE,
        description,
        params: LISTS,
        run,
        aggregator: true,
    }
}

const SUM: &str = "Adds the series together point by point (nulls ignored; all null gives null). \
                   Series of different steps are first consolidated to their common step.";
const AVERAGE: &str = "The mean of the non-null values at each point.";

pub(crate) const SPECS: &[FunctionSpec] = &[
    aggregator("sumSeries", SUM, sum_series),
    aggregator("sum", SUM, sum_series),
    aggregator("averageSeries", AVERAGE, average_series),
    aggregator("avg", AVERAGE, average_series),
    aggregator("maxSeries", "The largest value at each point.", max_series),
    aggregator("minSeries", "The smallest value at each point.", min_series),
    aggregator(
        "diffSeries",
        "The first series minus all the others at each point (nulls ignored).",
        diff_series,
    ),
    aggregator(
        "stddevSeries",
        "The population standard deviation of the values at each point.",
        stddev_series,
    ),
    aggregator(
        "rangeOfSeries",
        "The largest minus the smallest value at each point.",
        range_of_series,
    ),
    aggregator(
        "multiplySeries",
        "The product of the values at each point (any null gives null); a single series is \
         returned unchanged.",
        multiply_series,
    ),
    FunctionSpec {
        name: "aggregate",
        group: COMBINE,
        description: "Combines the series point by point with an aggregation function: \
                      average (avg), avg_zero, median, sum (total), min, max, diff, stddev, \
                      count, range (rangeOf), multiply or last (current). A point needs at \
                      least xFilesFactor of its values non-null.",
        params: &[
            Param::req("seriesList", T::SeriesList),
            Param::req("func", T::AggFunc),
            Param::opt("xFilesFactor", T::Float),
        ],
        run: aggregate,
        aggregator: false,
    },
    FunctionSpec {
        name: "countSeries",
        group: COMBINE,
        description: "A horizontal line at the number of series given.",
        params: OPTIONAL_LISTS,
        run: count_series,
        aggregator: true,
    },
    FunctionSpec {
        name: "percentileOfSeries",
        group: COMBINE,
        description: "The n-th percentile of the values at each point; unless interpolate is \
                      true the result is one of the actual values.",
        params: &[
            Param::req("seriesList", T::SeriesList),
            Param::req("n", T::Float),
            Param::opt("interpolate", T::Boolean).default(Literal::Bool(false)),
        ],
        run: percentile_of_series,
        aggregator: false,
    },
    FunctionSpec {
        name: "group",
        group: COMBINE,
        description: "All the series of all the arguments as one list.",
        params: OPTIONAL_LISTS,
        run: group,
        aggregator: false,
    },
    FunctionSpec {
        name: "powSeries",
        group: COMBINE,
        description: "The first series raised to the power of the second, that to the third, \
                      ... at each point.",
        params: &[Param::req("seriesList", T::SeriesList).many()],
        run: pow_series,
        aggregator: true,
    },
    FunctionSpec {
        name: "isNonNull",
        group: TRANSFORM,
        description: "1 where a series has a value, 0 where it is null.",
        params: &[Param::req("seriesList", T::SeriesList)],
        run: is_non_null,
        aggregator: false,
    },
];

#[cfg(test)]
pub(crate) mod tests {
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

    pub(crate) fn one(name: &str, args: Vec<Value>) -> Vec<Series> {
        run(
            name,
            args,
            None,
            &ctx(T0 - 1, T0 + 39),
            &FakeSource::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

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
    fn group_pow_and_is_non_null() {
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
        let out = one("isNonNull", vec![Value::Series(all[2..].to_vec())]);
        assert_eq!(out[0].name, "isNonNull(cb.t.b.x)");
        assert_eq!(out[0].path_expression, "isNonNull(cb.t.b.x)");
        assert_eq!(out[0].tags["isNonNull"], "1");
        assert_eq!(out[0].values, [1.0, 0.0, 1.0, 1.0]);
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
}
