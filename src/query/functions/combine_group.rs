//! graphite-web's "Combine" functions that split a list into groups and reduce each group:
//! groupByNode(s), groupByTags, the `*WithWildcards` family, applyByNode and map/reduce.
//! A callback naming a series function is run through the registry (`functions::lookup`), so
//! nothing here knows any other function by name.

use super::combine::{agg_key, aggregate_series, group_by, py_index};
use crate::query::aggfuncs::AGG_FUNC_NAMES;
use crate::query::registry::{
    group::COMBINE, FunctionSpec, Invocation, Literal, Param, ParamType as T, Value,
};
use crate::query::QueryError;
use crate::series::{tags_of, Series};

type Out = Result<Vec<Series>, QueryError>;

/// Calls the series function `spec`, written `name`, with `lists` as its positional series
/// arguments (the rest at their defaults), as graphite-web calls callbacks and reduce functions.
fn call_function(
    inv: &Invocation<'_>,
    name: &str,
    spec: &'static FunctionSpec,
    lists: Vec<Vec<Series>>,
) -> Out {
    let mut given = lists.into_iter();
    let mut args = Vec::with_capacity(spec.params.len());
    for p in spec.params {
        let takes_series = matches!(p.ty, T::SeriesList | T::SeriesLists | T::Any);
        if p.multiple && takes_series {
            args.push(Value::List(given.by_ref().map(Value::Series).collect()));
            continue;
        }
        match given.next() {
            Some(list) if takes_series => args.push(Value::Series(list)),
            Some(_) => {
                return Err(inv.error(format!(
                    "{name} takes a {} as its {:?} argument, not a series list",
                    p.ty.name(),
                    p.name
                )))
            }
            None if p.required => {
                return Err(inv.error(format!(
                    "{name} needs its {:?} argument, which {} cannot give it",
                    p.name, inv.name
                )))
            }
            None if p.multiple => args.push(Value::List(Vec::new())),
            None => args.push(p.default.map_or(Value::None, Literal::value)),
        }
    }
    if given.next().is_some() {
        return Err(inv.error(format!("{name} takes fewer series list arguments")));
    }
    let mut call = Invocation {
        name,
        spec,
        raw: vec![None; spec.params.len()],
        args,
        ctx: inv.ctx,
        eval: inv.eval,
    };
    (spec.run)(&mut call)
}

/// Reduces one group with `callback`: an aggregating series function (`sumSeries`, `avg`,
/// `asPercent`, ...; its first result) or an aggregation name (`sum`, `median`, ...).
fn reduce_group(
    inv: &Invocation<'_>,
    callback: &str,
    group: Vec<Series>,
) -> Result<Option<Series>, QueryError> {
    if let Some(spec) = super::lookup(callback) {
        if !spec.aggregator {
            return Err(inv.error(format!(
                "callback {callback:?} is not an aggregation or an aggregating function; use \
                 one of {AGG_FUNC_NAMES:?} or a function such as sumSeries"
            )));
        }
        return Ok(call_function(inv, callback, spec, vec![group])?
            .into_iter()
            .next());
    }
    aggregate_series(group, callback, None, inv.ctx).map_err(|m| inv.error(m))
}

/// Groups by node key, reduces each group and names it by its key.
fn group_by_nodes_with(
    inv: &Invocation<'_>,
    list: Vec<Series>,
    callback: &str,
    nodes: &[Value],
) -> Out {
    let mut out = Vec::new();
    for (key, group) in group_by(list, |s| agg_key(s, nodes)) {
        if let Some(mut s) = reduce_group(inv, callback, group)? {
            s.name = key;
            out.push(s);
        }
    }
    Ok(out)
}

fn group_by_node(inv: &mut Invocation<'_>) -> Out {
    let node = inv.value(1).clone();
    let callback = inv.str(2).unwrap_or("average").to_string();
    let list = inv.take_series_with_ints(0);
    group_by_nodes_with(inv, list, &callback, &[node])
}

fn group_by_nodes(inv: &mut Invocation<'_>) -> Out {
    let callback = inv.str(1).unwrap_or_default().to_string();
    let nodes = inv.list(2).to_vec();
    let list = inv.take_series_with_ints(0);
    group_by_nodes_with(inv, list, &callback, &nodes)
}

/// Key `<name>;tag=value;...` (tags sorted); `<name>` is the common `name` tag, else the
/// callback, unless `name` is one of the tags.
fn group_by_tags(inv: &mut Invocation<'_>) -> Out {
    let callback = inv.str(1).unwrap_or_default().to_string();
    let tags: Vec<String> = inv.strings(2);
    if tags.is_empty() {
        return Err(inv.error("no tags specified"));
    }
    let list = inv.take_series_with_ints(0);
    let by_name = tags.iter().any(|t| t == "name");
    let mut names: Vec<&str> = list.iter().map(|s| tag(s, "name")).collect();
    names.sort_unstable();
    names.dedup();
    let common = match names.as_slice() {
        [one] => one.to_string(),
        _ => callback.clone(),
    };
    let key = |s: &Series| {
        let mut pairs: Vec<String> = tags
            .iter()
            .filter(|t| *t != "name")
            .map(|t| format!("{t}={}", tag(s, t)))
            .collect();
        pairs.sort_unstable();
        let head = if by_name { tag(s, "name") } else { &common };
        std::iter::once(head.to_string())
            .chain(pairs)
            .collect::<Vec<_>>()
            .join(";")
    };
    let mut out = Vec::new();
    for (key, group) in group_by(list, key) {
        if let Some(mut s) = reduce_group(inv, &callback, group)? {
            s.tags = tags_of(&key);
            s.path_expression = key.clone();
            s.name = key;
            out.push(s);
        }
    }
    Ok(out)
}

fn tag<'s>(s: &'s Series, t: &str) -> &'s str {
    s.tags.get(t).map(String::as_str).unwrap_or("")
}

/// Groups by the name with the given node positions removed, each group aggregated by
/// `func` and named by what is left.
fn with_wildcards(inv: &Invocation<'_>, list: Vec<Series>, func: &str, positions: &[Value]) -> Out {
    let positions: Vec<i64> = positions
        .iter()
        .filter_map(|v| match v {
            Value::Int(n) => Some(*n),
            _ => None,
        })
        .collect();
    let key = |s: &Series| {
        s.name
            .split('.')
            .enumerate()
            .filter(|(i, _)| !positions.contains(&(*i as i64)))
            .map(|(_, node)| node)
            .collect::<Vec<_>>()
            .join(".")
    };
    let mut out = Vec::new();
    for (key, group) in group_by(list, key) {
        if let Some(mut s) =
            aggregate_series(group, func, None, inv.ctx).map_err(|m| inv.error(m))?
        {
            s.name = key;
            out.push(s);
        }
    }
    Ok(out)
}

fn aggregate_with_wildcards(inv: &mut Invocation<'_>) -> Out {
    let func = inv.str(1).unwrap_or_default().to_string();
    let positions = inv.list(2).to_vec();
    let list = inv.take_series_with_ints(0);
    with_wildcards(inv, list, &func, &positions)
}

fn wildcards_by(inv: &mut Invocation<'_>, func: &str) -> Out {
    let positions = inv.list(1).to_vec();
    let list = inv.take_series_with_ints(0);
    with_wildcards(inv, list, func, &positions)
}
fn sum_series_with_wildcards(inv: &mut Invocation<'_>) -> Out {
    wildcards_by(inv, "sum")
}
fn average_series_with_wildcards(inv: &mut Invocation<'_>) -> Out {
    wildcards_by(inv, "average")
}
fn multiply_series_with_wildcards(inv: &mut Invocation<'_>) -> Out {
    wildcards_by(inv, "multiply")
}

/// Python's `nodes[:end]` joined by dots.
fn py_prefix(nodes: &[&str], end: i64) -> String {
    let len = nodes.len() as i64;
    let end = if end < 0 {
        (len + end).max(0)
    } else {
        end.min(len)
    };
    nodes[..end as usize].join(".")
}

/// For each unique name prefix up to `nodeNum` (sorted), evaluates the template with `%`
/// replaced by the prefix.
fn apply_by_node(inv: &mut Invocation<'_>) -> Out {
    let node = inv.int(1).unwrap_or(0);
    let template = inv.str(2).unwrap_or_default().to_string();
    let new_name = inv.str(3).map(str::to_string);
    let list = inv.take_series_with_ints(0);
    let prefixes: std::collections::BTreeSet<String> = list
        .iter()
        .map(|s| {
            py_prefix(
                &s.name.split('.').collect::<Vec<_>>(),
                node.saturating_add(1),
            )
        })
        .collect();
    // graphite-web moves every result to the last input series' start.
    let start = list.last().map(|s| s.start);
    let mut out = Vec::new();
    for prefix in prefixes {
        for mut s in inv.eval.eval_target(&template.replace('%', &prefix))? {
            if let Some(n) = &new_name {
                s.name = n.replace('%', &prefix);
            }
            s.path_expression = prefix.clone();
            s.start = start.unwrap_or(s.start);
            out.push(s);
        }
    }
    Ok(out)
}

/// graphite-web answers a list of lists, one per key, which only reduceSeries can take; pencil
/// returns the groups one after the other, which reduceSeries reads the same way.
fn map_series(inv: &mut Invocation<'_>) -> Out {
    let nodes = inv.list(1).to_vec();
    let list = inv.take_series_with_ints(0);
    Ok(group_by(list, |s| agg_key(s, &nodes))
        .into_iter()
        .flat_map(|(_, g)| g)
        .collect())
}

/// Per prefix before `reduceNode`, the series whose node there equals each matcher, passed
/// in matcher order to `reduceFunction`; the result named `<prefix>.reduce.<function>`.
fn reduce_series(inv: &mut Invocation<'_>) -> Out {
    let func = inv.str(1).unwrap_or_default().to_string();
    let node = inv.int(2).unwrap_or(0);
    let matchers: Vec<String> = inv.strings(3);
    let all = inv.take_all_series_with_ints(0);
    let mut groups: Vec<(String, Vec<Option<Series>>)> = Vec::new();
    for s in all {
        let nodes: Vec<&str> = s.name.split('.').collect();
        let at = py_index(nodes.len(), node)
            .ok_or_else(|| inv.error(format!("series {:?} has no node {node}", s.name)))?;
        let Some(slot) = matchers.iter().position(|m| m == nodes[at]) else {
            continue;
        };
        let key = format!("{}.reduce.{func}", py_prefix(&nodes, node));
        let i = match groups.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                groups.push((key, vec![None; matchers.len()]));
                groups.len() - 1
            }
        };
        groups[i].1[slot] = Some(s);
    }
    // Looked up once; an unknown name is still only refused when a group reaches the call.
    let spec = super::lookup(&func);
    let mut out = Vec::new();
    for (key, slots) in groups {
        let mut lists = Vec::with_capacity(slots.len());
        for (m, s) in matchers.iter().zip(slots) {
            let s = s.ok_or_else(|| inv.error(format!("no series for {key} matches {m:?}")))?;
            lists.push(vec![s]);
        }
        let spec = spec.ok_or_else(|| inv.error(format!("unknown function {func:?}")))?;
        if let Some(mut s) = call_function(inv, &func, spec, lists)?.into_iter().next() {
            s.name = key;
            out.push(s);
        }
    }
    Ok(out)
}

const SERIES: Param = Param::req("seriesList", T::SeriesList);

const POSITIONS: &[Param] = &[SERIES, Param::opt("position", T::Node).many()];

const fn wildcards(
    name: &'static str,
    description: &'static str,
    run: crate::query::registry::FunctionBody,
) -> FunctionSpec {
    FunctionSpec::new(name, COMBINE, description, POSITIONS, run).aggregating()
}

const MAP_SERIES: FunctionSpec = FunctionSpec {
    name: "mapSeries",
    group: COMBINE,
    description: "Groups the series by the given nodes or tags, for reduceSeries.",
    params: &[SERIES, Param::req("mapNodes", T::NodeOrTag).many()],
    run: map_series,
    aggregator: false,
};
const REDUCE_SERIES: FunctionSpec = FunctionSpec {
    name: "reduceSeries",
    group: COMBINE,
    description: "For each group of series sharing the nodes before reduceNode, calls \
                  reduceFunction with the series whose reduceNode equals each matcher, in \
                  matcher order; the result is named <prefix>.reduce.<function>.",
    params: &[
        Param::req("seriesLists", T::SeriesLists),
        Param::req("reduceFunction", T::String),
        Param::req("reduceNode", T::Node),
        Param::req("reduceMatchers", T::String).many(),
    ],
    run: reduce_series,
    aggregator: false,
};

pub(crate) const SPECS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "groupByNode",
        group: COMBINE,
        description: "Groups the series by one node (or tag) and reduces each group with the \
                      callback (an aggregation or an aggregating function); each result is \
                      named by its node.",
        params: &[
            SERIES,
            Param::req("nodeNum", T::NodeOrTag),
            Param::opt("callback", T::AggOrSeriesFunc).default(Literal::Str("average")),
        ],
        run: group_by_node,
        aggregator: false,
    },
    FunctionSpec {
        name: "groupByNodes",
        group: COMBINE,
        description: "Like groupByNode with several nodes or tags; results are named by the \
                      selected nodes joined with dots.",
        params: &[
            SERIES,
            Param::req("callback", T::AggOrSeriesFunc),
            Param::opt("nodes", T::NodeOrTag).many(),
        ],
        run: group_by_nodes,
        aggregator: false,
    },
    FunctionSpec {
        name: "groupByTags",
        group: COMBINE,
        description: "Groups tagged series by the given tags and reduces each group with the \
                      callback; results are named <name>;tag=value;...",
        params: &[
            SERIES,
            Param::req("callback", T::AggOrSeriesFunc),
            Param::req("tags", T::Tag).many(),
        ],
        run: group_by_tags,
        aggregator: false,
    },
    FunctionSpec {
        name: "aggregateWithWildcards",
        group: COMBINE,
        description: "Groups the series by their names without the given node positions and \
                      aggregates each group with func (see aggregate).",
        params: &[
            SERIES,
            Param::req("func", T::AggFunc),
            Param::opt("position", T::Node).many(),
        ],
        run: aggregate_with_wildcards,
        aggregator: false,
    },
    wildcards(
        "sumSeriesWithWildcards",
        "aggregateWithWildcards with sum.",
        sum_series_with_wildcards,
    ),
    wildcards(
        "averageSeriesWithWildcards",
        "aggregateWithWildcards with average.",
        average_series_with_wildcards,
    ),
    wildcards(
        "multiplySeriesWithWildcards",
        "aggregateWithWildcards with multiply.",
        multiply_series_with_wildcards,
    ),
    FunctionSpec {
        name: "applyByNode",
        group: COMBINE,
        description: "For each unique name prefix up to nodeNum, evaluates templateFunction \
                      with % replaced by the prefix, optionally renamed by newName (% = the \
                      prefix).",
        params: &[
            SERIES,
            Param::req("nodeNum", T::Node),
            Param::req("templateFunction", T::String),
            Param::opt("newName", T::String),
        ],
        run: apply_by_node,
        aggregator: false,
    },
    MAP_SERIES,
    MAP_SERIES.named("map"),
    REDUCE_SERIES,
    REDUCE_SERIES.named("reduce"),
];

#[cfg(test)]
#[path = "combine_group_tests.rs"]
mod tests;
