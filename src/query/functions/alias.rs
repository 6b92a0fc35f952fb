//! graphite-web's "Alias" functions that rename series from their own names and tags (alias,
//! aliasByNode, aliasByTags, aliasByMetric, aliasSub) and `substr`, the node slicer
//! aliasByMetric is built on. Only names change: values, tags and path expressions stay, as in
//! graphite-web. The functions that put values into names live in `legend.rs`.

use super::pyre::PySub;
use crate::query::ast::Expr;
use crate::query::parser;
use crate::query::pyfmt;
use crate::query::registry::{
    group::{ALIAS, SPECIAL},
    FunctionSpec, Invocation, Literal, Param, ParamType as T, Value,
};
use crate::query::QueryError;
use crate::series::Series;

type Out = Result<Vec<Series>, QueryError>;

fn alias(inv: &mut Invocation<'_>) -> Out {
    let name = inv.str(1).unwrap_or_default().to_string();
    let mut list = inv.take_series_with_ints(0);
    for s in &mut list {
        s.name = name.clone();
    }
    Ok(list)
}

/// aliasByNode and aliasByTags (graphite-web's `aggKey`): each argument picks a node of the
/// name or, when it is not an in-range integer, the value of the tag it names ('' if absent).
fn by_nodes(inv: &mut Invocation<'_>) -> Out {
    let keys = inv.list(1).to_vec();
    if keys.is_empty() {
        return Err(inv.error("needs at least one node number or tag name"));
    }
    let mut list = inv.take_series_with_ints(0);
    for s in &mut list {
        s.name = node_key(s, &keys);
    }
    Ok(list)
}

/// The selected nodes and tags of `s`, joined by '.'. A name ending in ')' is a function's
/// output, so nodes come from the first path expression inside it (`scale(a.b.c,2)` → `a.b.c`).
pub(crate) fn node_key(s: &Series, keys: &[Value]) -> String {
    let path = if s.name.ends_with(')') {
        first_path_expression(&s.name)
    } else {
        None
    };
    // Tags are split off first: node -1 of `a.b;dc=x` is `b`.
    let untagged = path.as_deref().unwrap_or(&s.name).split(';').next();
    let nodes: Vec<&str> = untagged.unwrap_or_default().split('.').collect();
    let pick = |key: &Value| -> String {
        let (index, tag) = match key {
            Value::Int(n) => (Some(*n), n.to_string()),
            Value::Bool(b) => (Some(i64::from(*b)), python_bool(*b).to_string()),
            // graphite-web fails on an integral float; pencil reads it as the node it names.
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                (Some(*f as i64), pyfmt::repr(*f))
            }
            Value::Float(f) => (None, pyfmt::repr(*f)),
            Value::Str(t) => (None, t.clone()),
            _ => (None, "None".to_string()),
        };
        let node = index.and_then(|n| {
            let i = if n < 0 { n + nodes.len() as i64 } else { n };
            usize::try_from(i).ok().and_then(|i| nodes.get(i))
        });
        match node {
            Some(node) => node.to_string(),
            None => s.tags.get(&tag).cloned().unwrap_or_default(),
        }
    };
    keys.iter().map(pick).collect::<Vec<_>>().join(".")
}

fn python_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// The first path expression of a name that reads as a target, following first arguments
/// (`sumSeries(scale(a.b,2),c)` → `a.b`); `None` when the first argument is not a series
/// (`seriesByTag('x=y')`). Like pyparsing, a name whose tail does not parse (legendValue's
/// `a.b (avg: 1.0)`) is read up to where the parser stopped; a name that does not parse at all
/// (which makes graphite-web fail) yields `None`, so the whole name is used.
fn first_path_expression(name: &str) -> Option<String> {
    let expr = match parser::parse(name) {
        Ok(expr) => expr,
        Err(e) => parser::parse(name.get(..e.offset)?).ok()?,
    };
    let mut at = &expr;
    loop {
        match at {
            Expr::Path(p) => return Some(p.clone()),
            Expr::Call(call) => at = call.args.first()?,
            Expr::Template { expr, .. } => at = expr,
            _ => return None,
        }
    }
}

fn alias_by_metric(inv: &mut Invocation<'_>) -> Out {
    let mut list = inv.take_series_with_ints(0);
    for s in &mut list {
        s.name = substr_name(&s.name, -1, 0);
    }
    Ok(list)
}

fn substr(inv: &mut Invocation<'_>) -> Out {
    let start = inv.int(1).unwrap_or(0);
    let stop = inv.int(2).unwrap_or(0);
    let mut list = inv.take_series_with_ints(0);
    for s in &mut list {
        s.name = substr_name(&s.name, start, stop);
    }
    Ok(list)
}

/// graphite-web's substr: the text between the last '(' and the first ')', split on '.',
/// sliced `[start:stop]` (`[start:]` when stop is 0) with Python's slice rules, joined again
/// and cut at the first comma (`f(a.b,'c')` gives `b`, not `b,'c'`).
fn substr_name(name: &str, start: i64, stop: i64) -> String {
    let left = name.rfind('(').map_or(0, |i| i + 1);
    let right = name.find(')').unwrap_or(name.len());
    let inner = if left <= right {
        &name[left..right]
    } else {
        ""
    };
    let nodes: Vec<&str> = inner.split('.').collect();
    let range = py_slice(nodes.len(), start, (stop != 0).then_some(stop));
    cut_at_comma(&nodes[range].join("."))
}

/// The index range Python's `seq[start:stop]` selects from a sequence of `len` items.
fn py_slice(len: usize, start: i64, stop: Option<i64>) -> std::ops::Range<usize> {
    let len_i = len as i64;
    let clamp = |i: i64| -> usize {
        let i = if i < 0 { i + len_i } else { i };
        i.clamp(0, len_i) as usize
    };
    let (a, b) = (clamp(start), stop.map_or(len, clamp));
    if a < b {
        a..b
    } else {
        a..a
    }
}

/// `re.sub(',.*$', '', text)`: '.' stops at a newline and '$' also matches before a final one.
fn cut_at_comma(text: &str) -> String {
    for (c, _) in text.match_indices(',') {
        let rest = &text[c + 1..];
        match rest.find('\n') {
            None => return text[..c].to_string(),
            Some(n) if n + 1 == rest.len() => return format!("{}\n", &text[..c]),
            Some(_) => {}
        }
    }
    text.to_string()
}

fn alias_sub(inv: &mut Invocation<'_>) -> Out {
    // Compiled before looking at the list, so a bad pattern is reported even when nothing
    // matched the path (graphite-web only notices with at least one series).
    let sub = PySub::new(
        inv.str(1).unwrap_or_default(),
        inv.str(2).unwrap_or_default(),
    )
    .map_err(|e| inv.error(e))?;
    let mut list = inv.take_series_with_ints(0);
    for s in &mut list {
        s.name = sub.replace(&s.name);
    }
    Ok(list)
}

const SERIES: Param = Param::req("seriesList", T::SeriesList);

pub(crate) const SPECS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "alias",
        group: ALIAS,
        description: "Names every series of the list newName (taken literally).",
        params: &[SERIES, Param::req("newName", T::String)],
        run: alias,
        aggregator: false,
    },
    FunctionSpec {
        name: "aliasByNode",
        group: ALIAS,
        description: "Names each series after the given nodes of its name (0-based, negative \
                      from the end) or tag values, joined by '.'. For a name like \
                      scale(a.b.c,2) the nodes are those of a.b.c.",
        params: &[SERIES, Param::req("nodes", T::NodeOrTag).many()],
        run: by_nodes,
        aggregator: false,
    },
    FunctionSpec {
        name: "aliasByTags",
        group: ALIAS,
        description: "Names each series after the given tag values or name nodes, joined by \
                      '.' (the same as aliasByNode).",
        params: &[SERIES, Param::req("tags", T::NodeOrTag).many()],
        run: by_nodes,
        aggregator: false,
    },
    FunctionSpec {
        name: "aliasByMetric",
        group: ALIAS,
        description: "Names each series after the last node of its metric name \
                      (aliasByMetric(carbon.agents.graphite.creates) gives creates).",
        params: &[SERIES],
        run: alias_by_metric,
        aggregator: false,
    },
    FunctionSpec {
        name: "aliasSub",
        group: ALIAS,
        description: "Runs each series name through a Python regular expression search and \
                      replace: aliasSub(ip.*TCP*, \"^.*TCP(\\d+)\", \"\\1\"). The replacement \
                      refers to groups as \\1 or \\g<name>.",
        params: &[
            SERIES,
            Param::req("search", T::String),
            Param::req("replace", T::String),
        ],
        run: alias_sub,
        aggregator: false,
    },
    FunctionSpec {
        name: "substr",
        group: SPECIAL,
        description: "Names each series after nodes start to stop (Python slice; stop 0 means \
                      to the end) of its innermost metric name: \
                      substr(carbon.agents.hostname.avgUpdateTime,2,4) gives \
                      hostname.avgUpdateTime.",
        params: &[
            SERIES,
            Param::opt("start", T::Node).default(Literal::Int(0)),
            Param::opt("stop", T::Node).default(Literal::Int(0)),
        ],
        run: substr,
        aggregator: false,
    },
];

#[cfg(test)]
mod tests {
    use crate::query::functions::testing::{ctx, run, series, FakeSource};
    use crate::query::registry::Value;
    use crate::series::Series;

    /// Runs `name` on series called `names` with the other arguments bound as given, and
    /// returns the new names.
    fn names(function: &str, names: &[&str], args: Vec<Value>) -> Vec<String> {
        try_names(function, names, args).unwrap_or_else(|e| panic!("{e}"))
    }

    fn try_names(function: &str, names: &[&str], args: Vec<Value>) -> Result<Vec<String>, String> {
        let list: Vec<Series> = names.iter().map(|n| series(n, 0, 10, &[1.0])).collect();
        let mut all = vec![Value::Series(list)];
        all.extend(args);
        run(function, all, None, &ctx(0, 600), &FakeSource::default())
            .map(|out| out.into_iter().map(|s| s.name).collect())
            .map_err(|e| e.message)
    }

    fn s(text: &str) -> Value {
        Value::Str(text.into())
    }

    fn nodes(keys: &[Value]) -> Value {
        Value::List(keys.to_vec())
    }

    /// `aliasByNode(<a series named $name>, $keys...)` gives `$want` (graphite-web 1.1.8).
    macro_rules! by_node {
        ($name:expr, [$($key:expr),*] => $want:expr) => {
            assert_eq!(
                names("aliasByNode", &[$name], vec![nodes(&[$($key),*])]),
                [$want],
                "aliasByNode({:?}, ...)",
                $name
            )
        };
    }

    macro_rules! substr {
        ($name:expr, $start:expr, $stop:expr => $want:expr) => {
            assert_eq!(
                names(
                    "substr",
                    &[$name],
                    vec![Value::Int($start), Value::Int($stop)]
                ),
                [$want],
                "substr({:?}, {}, {})",
                $name,
                $start,
                $stop
            )
        };
    }

    #[test]
    fn alias_names_every_series_literally() {
        let out = names("alias", &["as.a.b.c", "as.a.x.c"], vec![s("foo \\1")]);
        assert_eq!(out, ["foo \\1", "foo \\1"]);
    }

    #[test]
    fn alias_by_node_as_graphite_web() {
        let i = Value::Int;
        by_node!("as.a.b.c", [i(1), i(-2)] => "a.b");
        by_node!("as.a.b.c", [i(7)] => "");
        by_node!("as.a.b.c", [i(-5)] => "");
        by_node!("as.a.b.c", [s("foo"), i(2)] => ".b");
        by_node!("as.a.b.c", [Value::Float(1.5)] => "");
        by_node!("scale(as.a.b.c,2)", [i(2)] => "b");
        by_node!("sumSeries(as.a.*.c)", [i(2)] => "*");
        by_node!("f(g(q.r),a.b)", [i(1)] => "r");
        // Names from legendValue or alias: read up to where they stop parsing.
        by_node!("as.a.b.c (avg: 1.5)", [i(2)] => "b");
        by_node!("x.y (z)", [i(0)] => "x");
        by_node!("x.y)", [i(1)] => "y");
        // The first argument is not a path: nodes of the whole name.
        by_node!("f(1,a.b)", [i(1)] => "b)");
        by_node!("f(\"x.y\")", [i(0)] => "f(\"x");
        by_node!("sumSeries(seriesByTag(\"name=as.tg\"))", [i(0), i(1)]
            => "sumSeries(seriesByTag(\"name=as.tg\"))");
        // graphite-web fails on a name that does not parse at all; pencil uses the name.
        by_node!("(x.y)", [i(1)] => "y)");
    }

    #[test]
    fn alias_by_node_and_tags_read_tags() {
        let i = Value::Int;
        let tagged = ["as.tg;dc=la;host=h1", "as.tg;dc=ny"];
        let keys = || vec![nodes(&[i(1), s("dc"), s("host")])];
        assert_eq!(
            names("aliasByNode", &tagged, keys()),
            ["tg.la.h1", "tg.ny."]
        );
        assert_eq!(
            names("aliasByTags", &tagged, keys()),
            ["tg.la.h1", "tg.ny."]
        );
        assert_eq!(
            names("aliasByNode", &tagged, vec![nodes(&[s("name")])]),
            ["as.tg", "as.tg"]
        );
        // A function's output keeps the tags of its input.
        let mut scaled = series("scale(as.tg;dc=la;host=h1,2)", 0, 10, &[1.0]);
        scaled.tags = crate::series::tags_of("as.tg;dc=la;host=h1");
        let out = run(
            "aliasByTags",
            vec![Value::Series(vec![scaled]), nodes(&[i(0), s("dc")])],
            None,
            &ctx(0, 600),
            &FakeSource::default(),
        )
        .unwrap();
        assert_eq!(out[0].name, "as.la");
        let err = try_names("aliasByNode", &["a.b"], vec![nodes(&[])]).unwrap_err();
        assert!(err.contains("at least one node"), "{err}");
    }

    #[test]
    fn alias_by_metric_and_substr() {
        assert_eq!(
            names("aliasByMetric", &["as.a.b.c", "scale(as.a.x.d,2)"], vec![]),
            ["c", "d"]
        );
        assert_eq!(names("aliasByMetric", &["f(x.y,z.w)"], vec![]), ["w"]);
        assert_eq!(
            names("aliasByMetric", &["as.tg;dc=la;host=h1"], vec![]),
            ["tg;dc=la;host=h1"]
        );
        substr!("as.a.b.c", 1, 0 => "a.b.c");
        substr!("as.a.b.c", 1, 3 => "a.b");
        substr!("as.a.b.c", -2, 0 => "b.c");
        substr!("scale(as.a.b.c,2)", 2, 0 => "b.c");
        substr!("as.a.b.c", 3, 1 => "");
        substr!("as.a.b.c", 9, 0 => "");
        substr!("a(b)c(d", 0, 0 => "");
        substr!("f(a.b,'c')", 1, 0 => "b");
    }

    #[test]
    fn alias_sub_with_python_syntax() {
        // Grafana wraps every target like this and reads the last word back as the refId.
        assert_eq!(
            names("aliasSub", &["as.a.b.c"], vec![s(r"(^.*$)"), s(r"\1 A")]),
            ["as.a.b.c A"]
        );
        assert_eq!(
            names(
                "aliasSub",
                &["ip.x.TCP80", "ip.y.UDP53"],
                vec![s(r"^.*TCP(\d+)"), s(r"\1")]
            ),
            ["80", "ip.y.UDP53"]
        );
        assert_eq!(
            names(
                "aliasSub",
                &["as.a.b.c"],
                vec![s(r"a\.(\w)"), s(r"\g<1>$x\\\\y")]
            ),
            [r"as.b$x\\y.c"]
        );
        let err = try_names("aliasSub", &["a"], vec![s("(b"), s("x")]).unwrap_err();
        assert!(err.starts_with("aliasSub: bad regular expression"), "{err}");
        let err = try_names("aliasSub", &[], vec![s("b"), s(r"\2")]).unwrap_err();
        assert!(err.contains("invalid group reference 2"), "{err}");
    }
}
