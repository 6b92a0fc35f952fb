//! Binder cases: a target, and either the values bound (printed compactly) or the error.

use super::*;
use crate::query::parser::parse;
use crate::query::registry::{group, Invocation};

fn nothing(_: &mut Invocation<'_>) -> Result<Vec<Series>, QueryError> {
    Ok(Vec::new())
}

const fn spec(name: &'static str, params: &'static [Param]) -> FunctionSpec {
    FunctionSpec {
        name,
        group: group::SPECIAL,
        description: "test",
        params,
        run: nothing,
        aggregator: false,
    }
}

/// One optional parameter of every type, to reach each by keyword.
const PROBE: FunctionSpec = spec(
    "probe",
    &[
        Param::req("series", ParamType::SeriesList),
        Param::opt("int", ParamType::Integer),
        Param::opt("float", ParamType::Float),
        Param::opt("bool", ParamType::Boolean),
        Param::opt("intOrInf", ParamType::IntOrInf),
        Param::opt("interval", ParamType::Interval),
        Param::opt("intOrInterval", ParamType::IntOrInterval),
        Param::opt("node", ParamType::Node),
        Param::opt("nodeOrTag", ParamType::NodeOrTag),
        Param::opt("agg", ParamType::AggFunc),
        Param::opt("aggOrSeries", ParamType::AggOrSeriesFunc),
        Param::opt("string", ParamType::String),
        Param::opt("any", ParamType::Any),
        Param::opt("date", ParamType::Date),
        Param::opt("choice", ParamType::String)
            .options(&["up", "down"])
            .default(Literal::Str("up")),
        Param::opt("n", ParamType::Integer).default(Literal::Int(5)),
        Param::opt("limit", ParamType::IntOrInf).default(Literal::Inf),
    ],
);

const MANY: FunctionSpec = spec(
    "many",
    &[
        Param::req("first", ParamType::Integer),
        Param::req("rest", ParamType::SeriesList).many(),
    ],
);

const OPTIONAL_MANY: FunctionSpec = spec(
    "optionalMany",
    &[
        Param::req("series", ParamType::SeriesList),
        Param::opt("nodes", ParamType::Node).many(),
    ],
);

const SUM_LIKE: FunctionSpec = spec(
    "sumLike",
    &[Param::req("seriesLists", ParamType::SeriesList).many()],
);

const NO_PARAMS: FunctionSpec = spec("noParams", &[]);

fn spec_for(name: &str) -> &'static FunctionSpec {
    match name {
        "probe" => &PROBE,
        "many" => &MANY,
        "optionalMany" => &OPTIONAL_MANY,
        "noParams" => &NO_PARAMS,
        "sumLike" => &SUM_LIKE,
        other => functions::lookup(other).unwrap_or_else(|| panic!("no spec {other}")),
    }
}

/// Binds `target` (one call); series arguments "evaluate" to one series named after them.
fn try_bind(target: &str) -> Result<String, String> {
    let expr = parse(target).unwrap_or_else(|e| panic!("{target:?}: {e}"));
    let Expr::Call(call) = &expr else {
        panic!("{target:?} is not a call")
    };
    let mut fetched = Vec::new();
    let mut eval = |e: &Expr| {
        fetched.push(e.to_string());
        Ok(vec![Series::new(e.to_string(), 0, 10, Vec::new())])
    };
    let result = bind(call, spec_for(&call.name), &mut eval);
    match result {
        Ok(bound) => {
            let raw: Vec<String> = bound
                .raw
                .iter()
                .map(|r| r.map_or("-".to_string(), |e| e.to_string()))
                .collect();
            assert_eq!(bound.args.len(), raw.len());
            Ok(bound.args.iter().map(show).collect::<Vec<_>>().join(" "))
        }
        Err(e) => {
            assert!(
                fetched.is_empty(),
                "{target:?}: evaluated {fetched:?} before failing"
            );
            Err(e.message)
        }
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Series(list) => format!(
            "S({})",
            list.iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ),
        Value::Int(n) => format!("{n}"),
        Value::Float(x) => format!("{x:?}"),
        Value::Str(s) => format!("'{s}'"),
        Value::Bool(b) => format!("{b}"),
        Value::None => "-".to_string(),
        Value::List(items) => format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(" ")),
    }
}

/// `ok!(target, shown)`: the bound values, one per parameter, printed by `show`.
macro_rules! ok {
    ($target:expr, $want:expr) => {
        assert_eq!(
            try_bind($target),
            Ok(String::from($want)),
            "target {:?}",
            $target
        )
    };
}

/// `err!(target, [fragments])`: binding fails with a message holding every fragment.
macro_rules! err {
    ($target:expr, [$($part:expr),+]) => {{
        let got = try_bind($target);
        let message = got.clone().err().unwrap_or_else(|| panic!("{:?} bound: {:?}", $target, got));
        $(assert!(message.contains($part), "{:?}: {:?} lacks {:?}", $target, message, $part);)+
    }};
}

/// The values of PROBE's parameters after `series`, with defaults.
const DEFAULTS: &str = "- - - - - - - - - - - - - 'up' 5 inf";

#[test]
fn binds_positionals_keywords_and_defaults() {
    ok!("probe(a.b)", format!("S(a.b) {DEFAULTS}"));
    ok!("a.b|probe()", format!("S(a.b) {DEFAULTS}"));
    ok!(
        "probe(a.b, 3, 2)",
        "S(a.b) 3 2 - - - - - - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(series=a.b, n=7)",
        "S(a.b) - - - - - - - - - - - - - 'up' 7 inf"
    );
    ok!("probe(a.b, None, n=None)", format!("S(a.b) {DEFAULTS}"));
    ok!("dashed(a.b)", "S(a.b) 5");
    ok!("consolidateBy(a.*, 'max')", "S(a.*) 'max'");
    ok!("sumLike(a, b)", "[S(a) S(b)]");
    ok!("many(1, a, b, c)", "1 [S(a) S(b) S(c)]");
    ok!("optionalMany(a)", "S(a) []");
    ok!("optionalMany(a, 1, 2)", "S(a) [1 2]");
    ok!("noParams()", "");
    ok!("seriesByTag('a=b', 'c=d')", "['a=b' 'c=d']");
}

#[test]
fn types_as_graphite_web_checks_them() {
    ok!(
        "probe(a, int=-3)",
        "S(a) -3 - - - - - - - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, float=2)",
        "S(a) - 2 - - - - - - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, float=2.5)",
        "S(a) - 2.5 - - - - - - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, float=inf)",
        "S(a) - inf - - - - - - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, bool=TRUE)",
        "S(a) - - true - - - - - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, bool=0)",
        "S(a) - - false - - - - - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, bool='true')",
        "S(a) - - true - - - - - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, intOrInf=inf)",
        "S(a) - - - inf - - - - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, intOrInf=4)",
        "S(a) - - - 4 - - - - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, interval='-1h30min')",
        "S(a) - - - - '-1h30min' - - - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, interval='5m')",
        "S(a) - - - - '5m' - - - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, intOrInterval=3)",
        "S(a) - - - - - 3 - - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, intOrInterval='1d')",
        "S(a) - - - - - '1d' - - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, node=-1)",
        "S(a) - - - - - - -1 - - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, nodeOrTag='dc')",
        "S(a) - - - - - - - 'dc' - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, nodeOrTag=2)",
        "S(a) - - - - - - - 2 - - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, agg='total')",
        "S(a) - - - - - - - - 'total' - - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, aggOrSeries='median')",
        "S(a) - - - - - - - - - 'median' - - - 'up' 5 inf"
    );
    ok!(
        "probe(a, string='x y')",
        "S(a) - - - - - - - - - - 'x y' - - 'up' 5 inf"
    );
    ok!(
        "probe(a, any=b.c)",
        "S(a) - - - - - - - - - - - S(b.c) - 'up' 5 inf"
    );
    ok!(
        "probe(a, any=1.5)",
        "S(a) - - - - - - - - - - - 1.5 - 'up' 5 inf"
    );
    ok!(
        "probe(a, date='-1d')",
        "S(a) - - - - - - - - - - - - '-1d' 'up' 5 inf"
    );
    ok!(
        "probe(a, choice='down')",
        "S(a) - - - - - - - - - - - - - 'down' 5 inf"
    );
    ok!("probe(dashed(a))", format!("S(dashed(a)) {DEFAULTS}"));
}

#[test]
fn errors_name_the_function_and_the_parameter() {
    err!(
        "color(a.b)",
        [
            "color:",
            "\"theColor\"",
            "required",
            "color(seriesList, theColor)"
        ]
    );
    err!(
        "color(a.b, 'red', 3)",
        ["color:", "too many arguments", "at most 2", "got 3"]
    );
    err!("noParams(a)", ["noParams:", "too many arguments"]);
    err!(
        "color(a.b, colour='red')",
        [
            "color:",
            "no parameter named \"colour\"",
            "seriesList, theColor"
        ]
    );
    err!(
        "color(a.b, 'red', theColor='blue')",
        ["\"theColor\"", "both by position and by name"]
    );
    err!(
        "many(1, a, rest=b)",
        ["many:", "\"rest\"", "both by position and by name"]
    );
    err!("color(a.b, None)", ["\"theColor\"", "cannot be None"]);
    err!(
        "color('a.b', 'red')",
        ["\"seriesList\"", "series expression", "got \"a.b\""]
    );
    err!(
        "color(5, 'red')",
        ["\"seriesList\"", "series expression", "got 5"]
    );
    err!(
        "color(a.b, red)",
        ["\"theColor\"", "quoted string", "got red"]
    );
    err!(
        "dashed(a.b, 2.5)",
        ["dashed:", "\"dashLength\"", "integer", "got 2.5"]
    );
    err!(
        "consolidateBy(a.b, 'median')",
        [
            "consolidateBy:",
            "\"consolidationFunc\"",
            "one of average, avg, avg_zero"
        ]
    );
    err!("probe(a, int=1e3)", ["\"int\"", "integer"]);
    err!("probe(a, int='3')", ["\"int\"", "integer"]);
    err!("probe(a, float='2')", ["\"float\"", "number"]);
    err!("probe(a, float=b)", ["\"float\"", "number", "got b"]);
    err!("probe(a, bool=2)", ["\"bool\"", "true or false"]);
    err!("probe(a, bool='yes')", ["\"bool\"", "true or false"]);
    err!("probe(a, intOrInf=1.5)", ["\"intOrInf\"", "integer or inf"]);
    err!(
        "probe(a, interval='5x')",
        ["\"interval\"", "interval", "unknown unit \"x\""]
    );
    err!("probe(a, interval='1.5h')", ["\"interval\"", "interval"]);
    err!(
        "probe(a, interval=300)",
        ["\"interval\"", "quoted interval"]
    );
    err!(
        "probe(a, intOrInterval='soon')",
        ["\"intOrInterval\"", "interval"]
    );
    err!(
        "probe(a, intOrInterval=1.5)",
        ["\"intOrInterval\"", "integer or a quoted interval"]
    );
    err!("probe(a, node='2')", ["\"node\"", "integer"]);
    err!(
        "probe(a, nodeOrTag=1.5)",
        ["\"nodeOrTag\"", "node number or a quoted tag"]
    );
    err!("probe(a, agg='sumSeries')", ["\"agg\"", "one of average"]);
    err!("probe(a, agg=sum)", ["\"agg\"", "quoted function name"]);
    err!(
        "probe(a, aggOrSeries='bogus')",
        ["\"aggOrSeries\"", "one of"]
    );
    err!("probe(a, string=1)", ["\"string\"", "quoted string"]);
    err!("probe(a, date=true)", ["\"date\"", "quoted time"]);
    err!(
        "probe(a, choice='sideways')",
        ["\"choice\"", "one of down, up"]
    );
    err!("probe(a, choice=1)", ["\"choice\"", "quoted string"]);
    err!(
        "sumLike()",
        [
            "sumLike:",
            "\"seriesLists\"",
            "required",
            "sumLike(*seriesLists)"
        ]
    );
    err!(
        "sumLike(a, 1)",
        ["sumLike:", "\"seriesLists\"", "series expression", "got 1"]
    );
    err!(
        "seriesByTag(a.b)",
        ["seriesByTag:", "\"tagExpressions\"", "quoted string"]
    );
    err!("many(a, b)", ["many:", "\"first\"", "integer"]);
}

#[test]
fn a_keyword_twice_is_refused() {
    // The parser refuses this already; the binder does not rely on it.
    let Ok(Expr::Call(mut call)) = parse("color(a.b, theColor='red')") else {
        panic!("not a call")
    };
    call.kwargs
        .push(("theColor".into(), Expr::Str("blue".into())));
    let mut eval = |_: &Expr| -> Result<Vec<Series>, QueryError> { panic!("evaluated") };
    let e = bind(&call, spec_for("color"), &mut eval)
        .err()
        .map(|e| e.message);
    assert_eq!(
        e.as_deref(),
        Some("color: parameter \"theColor\" is given twice by name")
    );
}

#[test]
fn signatures_read_like_python() {
    assert_eq!(signature(&MANY), "many(first, *rest)");
    assert_eq!(
        signature(&PROBE),
        "probe(series, int=None, float=None, bool=None, intOrInf=None, interval=None, \
         intOrInterval=None, node=None, nodeOrTag=None, agg=None, aggOrSeries=None, \
         string=None, any=None, date=None, choice='up', n=5, limit=inf)"
    );
    assert_eq!(python_literal(Literal::Float(0.5)), "0.5");
    assert_eq!(python_literal(Literal::Float(1.0)), "1.0");
    assert_eq!(python_literal(Literal::Bool(true)), "True");
    assert_eq!(python_literal(Literal::Str("it's")), "\"it's\"");
    assert_eq!(python_literal(Literal::Str("a'\"")), "'a\\'\"'");
}

#[test]
fn aggregator_options_include_aggregator_functions() {
    let p = Param::opt("callback", ParamType::AggOrSeriesFunc);
    let opts = options(&p);
    for name in AGG_FUNC_NAMES {
        assert!(opts.contains(name), "{name}");
    }
    for spec in functions::all().filter(|s| s.aggregator) {
        assert!(opts.contains(&spec.name), "{}", spec.name);
    }
    assert!(
        opts.windows(2).all(|w| w[0] < w[1]),
        "sorted, no duplicates: {opts:?}"
    );
    let p = Param::opt("func", ParamType::AggFunc).options(&["sum", "extra"]);
    assert_eq!(options(&p).iter().filter(|o| **o == "sum").count(), 1);
    assert!(options(&p).contains(&"extra"));
}

fn literal_expr(lit: Literal) -> Expr {
    match lit {
        Literal::Int(n) => Expr::Int(n),
        Literal::Float(x) => Expr::Float(x),
        Literal::Str(s) => Expr::Str(s.to_string()),
        Literal::Bool(b) => Expr::Bool(b),
        Literal::Inf => Expr::Float(f64::INFINITY),
    }
}

/// Every spec of every family is one the binder and `/functions` can use as written.
#[test]
fn registry_specs_are_well_formed() {
    let groups = [
        group::COMBINE,
        group::TRANSFORM,
        group::CALCULATE,
        group::FILTER_SERIES,
        group::FILTER_DATA,
        group::SORTING,
        group::ALIAS,
        group::GRAPH,
        group::SPECIAL,
    ];
    for spec in functions::all().chain([&PROBE, &MANY, &OPTIONAL_MANY, &SUM_LIKE]) {
        let name = spec.name;
        assert!(
            groups.contains(&spec.group),
            "{name}: unknown group {:?}",
            spec.group
        );
        assert!(
            !spec.description.trim().is_empty(),
            "{name}: no description"
        );
        let last = spec.params.len().saturating_sub(1);
        let mut optional_seen = false;
        let mut names: Vec<&str> = Vec::new();
        for (i, p) in spec.params.iter().enumerate() {
            let at = format!("{name}, parameter {:?}", p.name);
            assert!(!names.contains(&p.name), "{at}: declared twice");
            names.push(p.name);
            assert!(
                !p.multiple || i == last,
                "{at}: only the last parameter may be multiple"
            );
            assert!(
                !(p.required && optional_seen),
                "{at}: required after an optional one"
            );
            optional_seen |= !p.required;
            assert!(
                !(p.required && p.default.is_some()),
                "{at}: required with a default"
            );
            let restricted = matches!(
                p.ty,
                ParamType::String | ParamType::AggFunc | ParamType::AggOrSeriesFunc
            );
            assert!(
                p.options.is_empty() || restricted,
                "{at}: options on a {:?}",
                p.ty
            );
            for lit in p.default.iter().chain(p.suggestions) {
                let expr = literal_expr(*lit);
                let refused = check_value(p, &expr).err();
                assert!(refused.is_none(), "{at}: {lit:?} does not fit: {refused:?}");
            }
        }
        if spec.aggregator {
            let takes_series = spec
                .params
                .first()
                .is_some_and(|p| matches!(p.ty, ParamType::SeriesList | ParamType::SeriesLists));
            assert!(
                takes_series,
                "{name}: an aggregator must take the series first"
            );
            // graphite-web also marks sumSeriesLists & co. aggregators (so /functions lists
            // them as callbacks) though they need a second list; a callback call then answers
            // a clear error, so only a required non-series parameter is a mistake.
            assert!(
                spec.params.iter().skip(1).all(|p| !p.required
                    || matches!(p.ty, ParamType::SeriesList | ParamType::SeriesLists)),
                "{name}: an aggregator is called with the series alone"
            );
        }
    }
}
