//! graphite-web's "Combine" functions that reduce series lists row by row: `aggregate` and its
//! named forms (sumSeries, averageSeries, ...), countSeries, percentileOfSeries, powSeries and
//! group. Also owns what the other Combine files share: the `aggregate` core, aggregate names
//! and tags, and the node/tag key of groupByNodes. Pairwise combiners live in
//! `combine_pair.rs`, grouping ones in `combine_group.rs`; `isNonNull`, listed with Combine in
//! issue #3, is graphite-web's Transform and lives in `transform.rs`. Must not re-fetch or
//! re-align series by timestamp: rows are combined positionally, as graphite-web does.

use std::collections::{BTreeMap, HashMap};

use crate::query::aggfuncs::{self, AGG_FUNC_NAMES};
use crate::query::ast::Expr;
use crate::query::normalize::normalize;
use crate::query::registry::{
    group::COMBINE, FunctionBody, FunctionSpec, Invocation, Literal, Param, ParamType as T, Value,
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
    let ints = int_rows(&series, short);
    let Some(n) = normalize(series) else {
        return Ok(None);
    };
    let xff = xff.unwrap_or(ctx.x_files_factor);
    let values = match aggfuncs::column_agg(short) {
        Some(columns) => {
            let list: Vec<&[f64]> = n.series.iter().map(|s| s.values.as_slice()).collect();
            columns.rows(&list, xff)
        }
        None => {
            let mut row = Vec::with_capacity(n.series.len());
            (0..n.rows())
                .map(|i| {
                    n.row(i, &mut row);
                    let known = row.iter().filter(|v| !v.is_nan()).count();
                    if known == 0 || (known as f64) / (row.len() as f64) < xff {
                        f64::NAN
                    } else {
                        agg(&row)
                    }
                })
                .collect()
        }
    };
    tags.entry("name".into()).or_insert_with(|| name.clone());
    tags.insert("aggregatedBy".into(), short.to_string());
    let mut out = Series::new(name, n.start, n.step, values);
    out.tags = tags;
    out.x_files_factor = xff;
    if let Some(mut ints) = ints {
        ints.resize(out.values.len(), false);
        out.ints = ints;
    }
    Ok(Some(out))
}

/// Which rows of `aggregate(series, func)` Python computes as ints, `None` for all floats.
/// `count` always gives ints; `sum`, `min`, `max`, `diff` and `last` keep an int row when
/// every known value of it is an int (`sumSeries(countSeries(a.*), b)` prints `3` where `b`
/// is None and `4.0` where it is 1.0). The rest divide or multiply floats. Rows are only known
/// positionally when no series needs consolidating to a common step.
fn int_rows(series: &[Series], func: &str) -> Option<Vec<bool>> {
    let rows = series.iter().map(|s| s.values.len()).max()?;
    if func == "count" {
        return Some(vec![true; rows]);
    }
    let keeps_ints = matches!(
        func,
        "sum" | "total" | "min" | "max" | "diff" | "last" | "current"
    );
    let same_step = series.iter().all(|s| s.step == series[0].step);
    if !keeps_ints || !same_step || series.iter().all(|s| s.ints.is_empty()) {
        return None;
    }
    let int_at = |s: &Series, i: usize| s.values.get(i).is_none_or(|v| v.is_nan()) || s.is_int(i);
    Some(
        (0..rows)
            .map(|i| series.iter().all(|s| int_at(s, i)))
            .collect(),
    )
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
    let all = inv.take_all_series_with_ints(0);
    aggregate_for(inv, all, func, None)
}

/// A lone series is returned untouched, graphite-web's legacy behaviour.
fn multiply_series(inv: &mut Invocation<'_>) -> Out {
    let mut lists = inv.take_series_lists_with_ints(0);
    if lists.len() == 1 && lists[0].len() == 1 {
        return Ok(lists.swap_remove(0));
    }
    aggregate_for(inv, lists.into_iter().flatten().collect(), "multiply", None)
}

fn aggregate(inv: &mut Invocation<'_>) -> Out {
    let func = inv.str(1).unwrap_or_default().to_string();
    let xff = inv.float(2);
    let all = inv.take_series_with_ints(0);
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
        return Ok(vec![line.all_ints()]);
    }
    let all: Vec<Series> = lists.into_iter().flatten().collect();
    let name = format!("countSeries({})", path_exprs(&all));
    let count = all.len() as f64;
    let Some(n) = normalize(all) else {
        return Ok(Vec::new());
    };
    let values = vec![count; n.rows()];
    Ok(vec![
        new_series(name, n.start, n.step, values, inv.ctx).all_ints()
    ])
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
    Ok(inv.take_all_series_with_ints(0))
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

const LISTS: &[Param] = &[Param::req("seriesLists", T::SeriesList).many()];
const OPTIONAL_LISTS: &[Param] = &[Param::opt("seriesLists", T::SeriesList).many()];

/// One `*seriesLists` aggregator: `sumSeries`, `avg`, ...
const fn aggregator(
    name: &'static str,
    description: &'static str,
    run: FunctionBody,
) -> FunctionSpec {
    FunctionSpec::new(name, COMBINE, description, LISTS, run).aggregating()
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
];

#[cfg(test)]
#[path = "combine_tests.rs"]
pub(crate) mod tests;
