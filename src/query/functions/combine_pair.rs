//! graphite-web's "Combine" functions that pair series with series: divideSeries, the
//! `*SeriesLists` family, asPercent and weightedAverage. Each pair is brought to its own common
//! step first (graphite.md 5.1) and combined row by row, positionally. Must not fail on a
//! division by zero or null: those points are null.

use super::combine::{agg_key, aggregate_series, group_by, new_series, path_exprs};
use std::collections::HashMap;

use crate::query::normalize::normalize;
use crate::query::registry::{
    group::COMBINE, FunctionSpec, Invocation, Param, ParamType as T, Value,
};
use crate::query::{pyfmt, Context, QueryError};
use crate::series::Series;

type Out = Result<Vec<Series>, QueryError>;

/// `safeDiv`: None over anything, or anything over 0 or None, is None.
fn safe_div(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() || b == 0.0 {
        f64::NAN
    } else {
        a / b
    }
}

/// `safeMul(safeDiv(a, b), 100)`: the division first, as graphite-web rounds.
fn percent(a: f64, b: f64) -> f64 {
    safe_div(a, b) * 100.0
}

/// The two series at their common step, combined row by row; start and step of the pair.
fn pair(a: Series, b: Series, f: fn(f64, f64) -> f64) -> (i64, i64, Vec<f64>) {
    let Some(n) = normalize(vec![a, b]) else {
        return (0, 1, Vec::new());
    };
    let mut row = Vec::new();
    let values = (0..n.rows())
        .map(|i| {
            n.row(i, &mut row);
            f(row[0], row[1])
        })
        .collect();
    (n.start, n.step, values)
}

fn divided(dividend: Series, divisor: &Series, ctx: &Context) -> Series {
    let name = format!("divideSeries({},{})", dividend.name, divisor.name);
    let (start, step, values) = pair(dividend, divisor.clone(), safe_div);
    new_series(name, start, step, values, ctx)
}

fn divide_series(inv: &mut Invocation<'_>) -> Out {
    let dividends = inv.take_series(0);
    let divisor = inv.take_series(1);
    match divisor.as_slice() {
        [] => Ok(dividends
            .into_iter()
            .map(|mut s| {
                // graphite-web keeps the dividend's tags here and only renames it.
                s.name = format!("divideSeries({},MISSING)", s.name);
                s.path_expression = s.name.clone();
                s.values.iter_mut().for_each(|v| *v = f64::NAN);
                s
            })
            .collect()),
        [one] => Ok(dividends
            .into_iter()
            .map(|s| divided(s, one, inv.ctx))
            .collect()),
        more => Err(inv.error(format!(
            "the second argument must reference exactly 1 series (got {})",
            more.len()
        ))),
    }
}

/// Both series lists, refused unless they are the same length.
fn two_lists(inv: &mut Invocation<'_>) -> Result<(Vec<Series>, Vec<Series>), QueryError> {
    let (a, b) = (inv.take_series(0), inv.take_series(1));
    if a.len() != b.len() {
        return Err(inv.error(format!(
            "both series lists must have the same length, got {} and {}",
            a.len(),
            b.len()
        )));
    }
    Ok((a, b))
}

fn divide_series_lists(inv: &mut Invocation<'_>) -> Out {
    let (a, b) = two_lists(inv)?;
    Ok(a.into_iter()
        .zip(b)
        .map(|(x, y)| divided(x, &y, inv.ctx))
        .collect())
}

/// `aggregate` over each position's pair, named `<func>Series(<a name>,<b name>)`.
fn series_lists(inv: &mut Invocation<'_>, func: &str, xff: Option<f64>) -> Out {
    let (a, b) = two_lists(inv)?;
    let mut out = Vec::with_capacity(a.len());
    for (x, y) in a.into_iter().zip(b) {
        let names = format!("({},{})", x.name, y.name);
        let aggregated =
            aggregate_series(vec![x, y], func, xff, inv.ctx).map_err(|m| inv.error(m))?;
        if let Some(mut s) = aggregated {
            let cut = s
                .name
                .find("Series(")
                .map_or(s.name.len(), |i| i + "Series".len());
            s.name.truncate(cut);
            s.name.push_str(&names);
            out.push(s);
        }
    }
    Ok(out)
}

fn aggregate_series_lists(inv: &mut Invocation<'_>) -> Out {
    let func = inv.str(2).unwrap_or_default().to_string();
    let xff = inv.float(3);
    series_lists(inv, &func, xff)
}
fn sum_series_lists(inv: &mut Invocation<'_>) -> Out {
    series_lists(inv, "sum", None)
}
fn diff_series_lists(inv: &mut Invocation<'_>) -> Out {
    series_lists(inv, "diff", None)
}
fn multiply_series_lists(inv: &mut Invocation<'_>) -> Out {
    series_lists(inv, "multiply", None)
}

/// A per-row `safeSum` of `series` at their common step, named `sumSeries(<path exprs>)`.
fn summed(series: Vec<Series>, ctx: &Context) -> Option<Series> {
    let name = format!("sumSeries({})", path_exprs(&series));
    let n = normalize(series)?;
    let mut row = Vec::new();
    let values = (0..n.rows())
        .map(|i| {
            n.row(i, &mut row);
            crate::query::aggfuncs::sum(&row)
        })
        .collect();
    Some(new_series(name, n.start, n.step, values, ctx))
}

/// One group's total: the series itself when alone, else their sum.
fn group_total(mut group: Vec<Series>, ctx: &Context) -> Option<Series> {
    if group.len() == 1 {
        return group.pop();
    }
    summed(group, ctx)
}

fn all_null(name: String, like: &Series, ctx: &Context) -> Series {
    new_series(
        name,
        like.start,
        like.step,
        vec![f64::NAN; like.values.len()],
        ctx,
    )
}

/// asPercent with nodes: series and totals matched by their node key; unmatched keys give
/// all-null `asPercent(x,MISSING)` / `asPercent(MISSING,y)` series.
fn as_percent_by_nodes(
    inv: &Invocation<'_>,
    list: Vec<Series>,
    total: Option<Vec<Series>>,
    nodes: &[Value],
) -> Out {
    // Keys of the series first, then those only the totals have, each in first-seen order.
    let mut keys_in_order: Vec<String> = Vec::new();
    let ctx = inv.ctx;
    let groups: HashMap<String, Vec<Series>> = group_by(list, |s| agg_key(s, nodes))
        .into_iter()
        .inspect(|(k, _)| keys_in_order.push(k.clone()))
        .collect();
    let totals: HashMap<String, Option<Series>> = match total {
        None => groups
            .iter()
            .map(|(k, g)| (k.clone(), group_total(g.clone(), ctx)))
            .collect(),
        Some(total) => group_by(total, |s| agg_key(s, nodes))
            .into_iter()
            .map(|(k, g)| {
                if !groups.contains_key(&k) {
                    keys_in_order.push(k.clone());
                }
                (k, group_total(g, ctx))
            })
            .collect(),
    };
    let mut out = Vec::new();
    for key in keys_in_order {
        let total = totals.get(&key).and_then(Option::as_ref);
        let Some(group) = groups.get(&key) else {
            if let Some(t) = total {
                out.push(all_null(format!("asPercent(MISSING,{})", t.name), t, ctx));
            }
            continue;
        };
        for s in group {
            out.push(match total {
                None => all_null(format!("asPercent({},MISSING)", s.name), s, ctx),
                Some(t) => {
                    let name = format!("asPercent({},{})", s.name, t.name);
                    let (start, step, values) = pair(s.clone(), t.clone(), percent);
                    new_series(name, start, step, values, ctx)
                }
            });
        }
    }
    Ok(out)
}

/// What the `total` argument of asPercent can be.
enum Total {
    Sum,
    Number(f64, String),
    Series(Vec<Series>),
}

fn as_percent(inv: &mut Invocation<'_>) -> Out {
    let nodes = inv.list(2).to_vec();
    let total = match inv.args.get_mut(1) {
        None | Some(Value::None) => Total::Sum,
        Some(Value::Series(list)) => Total::Series(std::mem::take(list)),
        Some(Value::Int(n)) => Total::Number(*n as f64, n.to_string()),
        Some(Value::Float(f)) => Total::Number(*f, pyfmt::repr(*f)),
        Some(other) => {
            let got = format!("{other:?}");
            return Err(inv.error(format!(
                "total must be None, a number or a series list, got {got}"
            )));
        }
    };
    let list = inv.take_series(0);
    if list.is_empty() {
        return Ok(Vec::new());
    }
    if !nodes.is_empty() {
        return match total {
            Total::Sum => as_percent_by_nodes(inv, list, None, &nodes),
            Total::Series(t) => as_percent_by_nodes(inv, list, Some(t), &nodes),
            Total::Number(..) => {
                Err(inv.error("total must be None or a seriesList when nodes are given"))
            }
        };
    }
    let ctx = inv.ctx;
    match total {
        Total::Series(t) if t.len() == list.len() => {
            // Matched pairs: both lists sorted by name.
            let (mut a, mut b) = (list, t);
            a.sort_by(|x, y| x.name.cmp(&y.name));
            b.sort_by(|x, y| x.name.cmp(&y.name));
            Ok(a.into_iter()
                .zip(b)
                .map(|(s, t)| {
                    let name = format!("asPercent({},{})", s.name, t.name);
                    let (start, step, values) = pair(s, t, percent);
                    new_series(name, start, step, values, ctx)
                })
                .collect())
        }
        Total::Series(t) if t.len() == 1 => {
            let text = t[0].name.clone();
            let n = list.len();
            let mut all = list;
            all.extend(t);
            let steps: Vec<i64> = all.iter().map(|s| s.step).collect();
            let Some(mut norm) = normalize(all) else {
                return Ok(Vec::new());
            };
            let total = norm.series.pop().map(|s| s.values).unwrap_or_default();
            Ok(per_series(
                norm.series,
                &steps[..n],
                &total,
                |_| text.clone(),
                ctx,
            ))
        }
        Total::Series(t) => Err(inv.error(format!(
            "the total must be missing, a number, reference exactly 1 series or as many series \
             as the first argument ({}), got {}",
            list.len(),
            t.len()
        ))),
        Total::Sum => {
            let text = format!("sumSeries({})", path_exprs(&list));
            let steps: Vec<i64> = list.iter().map(|s| s.step).collect();
            let Some(norm) = normalize(list) else {
                return Ok(Vec::new());
            };
            let mut row = Vec::new();
            let total: Vec<f64> = (0..norm.rows())
                .map(|i| {
                    norm.row(i, &mut row);
                    crate::query::aggfuncs::sum(&row)
                })
                .collect();
            Ok(per_series(
                norm.series,
                &steps,
                &total,
                |_| text.clone(),
                ctx,
            ))
        }
        Total::Number(value, text) => {
            // graphite-web repeats the number len(first series) times, counted before
            // consolidation.
            let steps: Vec<i64> = list.iter().map(|s| s.step).collect();
            let total = vec![value; list[0].values.len()];
            let Some(norm) = normalize(list) else {
                return Ok(Vec::new());
            };
            Ok(per_series(
                norm.series,
                &steps,
                &total,
                |_| text.clone(),
                ctx,
            ))
        }
    }
}

/// Each (consolidated) series as a percentage of `total`, zip-longest. graphite-web keeps
/// each series' own start and original step here even when it was consolidated; so do we.
fn per_series(
    series: Vec<Series>,
    steps: &[i64],
    total: &[f64],
    text: impl Fn(&Series) -> String,
    ctx: &Context,
) -> Vec<Series> {
    series
        .into_iter()
        .zip(steps)
        .map(|(s, &step)| {
            let len = s.values.len().max(total.len());
            let values = (0..len)
                .map(|i| {
                    let v = s.values.get(i).copied().unwrap_or(f64::NAN);
                    percent(v, total.get(i).copied().unwrap_or(f64::NAN))
                })
                .collect();
            let name = format!("asPercent({},{})", s.name, text(&s));
            new_series(name, s.start, step, values, ctx)
        })
        .collect()
}

/// Σ(avg × weight) / Σ(weight) per row, avg and weight series matched by node key.
fn weighted_average(inv: &mut Invocation<'_>) -> Out {
    let nodes = inv.list(2).to_vec();
    let (avgs, weights) = (inv.take_series(0), inv.take_series(1));
    if avgs.len() != weights.len() {
        return Err(inv.error(format!(
            "seriesListAvg and seriesListWeight must hold the same number of series, got {} \
             and {}",
            avgs.len(),
            weights.len()
        )));
    }
    let ctx = inv.ctx;
    // Per key the last avg and the last weight seen, keys in order of first appearance.
    let mut slots: Vec<(String, Option<usize>, Option<usize>)> = Vec::new();
    let mut slot = |key: String| -> usize {
        match slots.iter().position(|(k, _, _)| *k == key) {
            Some(i) => i,
            None => {
                slots.push((key, None, None));
                slots.len() - 1
            }
        }
    };
    let mut assigned = Vec::new();
    for (i, (a, w)) in avgs.iter().zip(&weights).enumerate() {
        assigned.push((slot(agg_key(a, &nodes)), true, i));
        assigned.push((slot(agg_key(w, &nodes)), false, i));
    }
    for (at, is_avg, i) in assigned {
        if is_avg {
            slots[at].1 = Some(i);
        } else {
            slots[at].2 = Some(i);
        }
    }
    let products: Vec<Series> = slots
        .iter()
        .filter_map(|(_, a, w)| Some((&avgs[(*a)?], &weights[(*w)?])))
        .map(|(a, w)| {
            let len = a.values.len().max(w.values.len());
            let at = |s: &Series, i: usize| s.values.get(i).copied().unwrap_or(f64::NAN);
            let values = (0..len).map(|i| at(a, i) * at(w, i)).collect();
            new_series(
                format!("product({},{})", w.name, a.name),
                a.start,
                a.step,
                values,
                ctx,
            )
        })
        .collect();
    if products.is_empty() {
        return Ok(Vec::new());
    }
    let unique_sorted = |list: &[Series]| {
        let mut exprs: Vec<&str> = list.iter().map(|s| s.path_expression.as_str()).collect();
        exprs.sort_unstable();
        exprs.dedup();
        exprs.join(",")
    };
    let nodes_text: Vec<String> = nodes
        .iter()
        .map(|n| match n {
            Value::Int(i) => i.to_string(),
            Value::Str(s) => s.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    let name = format!(
        "weightedAverage({}, {}, {})",
        unique_sorted(&avgs),
        unique_sorted(&weights),
        nodes_text.join(",")
    );
    let sum = |list: Vec<Series>| aggregate_series(list, "sum", None, ctx).ok().flatten();
    let (Some(top), Some(bottom)) = (sum(products), sum(weights)) else {
        return Ok(Vec::new());
    };
    let len = top.values.len().max(bottom.values.len());
    let at = |s: &Series, i: usize| s.values.get(i).copied().unwrap_or(f64::NAN);
    let values = (0..len)
        .map(|i| safe_div(at(&top, i), at(&bottom, i)))
        .collect();
    Ok(vec![new_series(name, top.start, top.step, values, ctx)])
}

const FIRST_SECOND: &[Param] = &[
    Param::req("seriesListFirstPos", T::SeriesList),
    Param::req("seriesListSecondPos", T::SeriesList),
];

const AS_PERCENT_PARAMS: &[Param] = &[
    Param::req("seriesList", T::SeriesList),
    Param::opt("total", T::Any),
    Param::opt("nodes", T::NodeOrTag).many(),
];

const AS_PERCENT: &str = "Each series as a percentage of a total: the sum of all the series \
                          when total is missing, a number, one series, or a list of as many \
                          series (matched by sorted name). With nodes, series and totals are \
                          matched by those nodes like groupByNodes; unmatched ones give \
                          all-null asPercent(x,MISSING) series.";

/// One two-list aggregation (`sumSeriesLists`, ...).
const fn lists_spec(
    name: &'static str,
    description: &'static str,
    run: crate::query::registry::FunctionBody,
) -> FunctionSpec {
    FunctionSpec::new(name, COMBINE, description, FIRST_SECOND, run).aggregating()
}

pub(crate) const SPECS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "divideSeries",
        group: COMBINE,
        description: "Each dividend series divided by the one divisor series, point by point \
                      (null where the divisor is 0 or null).",
        params: &[
            Param::req("dividendSeriesList", T::SeriesList),
            Param::req("divisorSeries", T::SeriesList),
        ],
        run: divide_series,
        aggregator: false,
    },
    FunctionSpec {
        name: "divideSeriesLists",
        group: COMBINE,
        description: "Divides the n-th dividend by the n-th divisor; the lists must be of \
                      equal length.",
        params: &[
            Param::req("dividendSeriesList", T::SeriesList),
            Param::req("divisorSeriesList", T::SeriesList),
        ],
        run: divide_series_lists,
        aggregator: false,
    },
    FunctionSpec {
        name: "aggregateSeriesLists",
        group: COMBINE,
        description: "Aggregates the n-th series of the first list with the n-th of the \
                      second using func (see aggregate); the lists must be of equal length.",
        params: &[
            Param::req("seriesListFirstPos", T::SeriesList),
            Param::req("seriesListSecondPos", T::SeriesList),
            Param::req("func", T::AggFunc),
            Param::opt("xFilesFactor", T::Float),
        ],
        run: aggregate_series_lists,
        aggregator: false,
    },
    lists_spec(
        "sumSeriesLists",
        "Adds the n-th series of the first list to the n-th of the second.",
        sum_series_lists,
    ),
    lists_spec(
        "diffSeriesLists",
        "Subtracts the n-th series of the second list from the n-th of the first.",
        diff_series_lists,
    ),
    lists_spec(
        "multiplySeriesLists",
        "Multiplies the n-th series of the first list by the n-th of the second.",
        multiply_series_lists,
    ),
    FunctionSpec {
        name: "asPercent",
        group: COMBINE,
        description: AS_PERCENT,
        params: AS_PERCENT_PARAMS,
        run: as_percent,
        aggregator: true,
    },
    FunctionSpec {
        name: "pct",
        group: COMBINE,
        description: AS_PERCENT,
        params: AS_PERCENT_PARAMS,
        run: as_percent,
        aggregator: true,
    },
    FunctionSpec {
        name: "weightedAverage",
        group: COMBINE,
        description: "The average of seriesListAvg weighted by seriesListWeight, series \
                      matched by the given nodes or tags.",
        params: &[
            Param::req("seriesListAvg", T::SeriesList),
            Param::req("seriesListWeight", T::SeriesList),
            Param::opt("nodes", T::NodeOrTag).many(),
        ],
        run: weighted_average,
        aggregator: false,
    },
];

#[cfg(test)]
#[path = "combine_pair_tests.rs"]
mod tests;
