//! `/functions` against graphite-web 1.1.8's saved answer (docstrings left out, `Infinity`
//! written as 1e9999) and Python's `json.dumps` formatting.

use super::*;
use crate::query::registry::{group, Invocation, ParamType};
use crate::query::QueryError;
use crate::series::Series;

/// `GET /functions` of graphite-web 1.1.8 (the reference instance).
const GRAPHITE_WEB: &str = include_str!("testdata/functions-graphite-web-1.1.8.json");

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn list(pairs: &[(&str, &str)]) -> (u16, String) {
    let a = function_list(&params(pairs));
    (a.status, String::from_utf8(a.body).unwrap())
}

fn details(name: &str, pairs: &[(&str, &str)]) -> (u16, String) {
    let a = function_details(name, &params(pairs));
    (a.status, String::from_utf8(a.body).unwrap())
}

/// serde_json refuses numbers out of f64's range, so infinity is read as a string here.
fn parse(text: &str) -> serde_json::Value {
    serde_json::from_str(&text.replace("1e9999", "\"inf\""))
        .unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Everything but the docstring and the module, which are pencil's own.
fn comparable(mut info: serde_json::Value) -> serde_json::Value {
    let obj = info.as_object_mut().unwrap();
    obj.remove("description");
    obj.remove("module");
    info
}

#[test]
fn entries_match_graphite_web() {
    let reference = parse(GRAPHITE_WEB);
    for name in [
        "consolidateBy",
        "color",
        "constantLine",
        "dashed",
        "seriesByTag",
        "events",
    ] {
        let (status, body) = details(name, &[]);
        assert_eq!(status, 200);
        let ours = parse(&body);
        assert_eq!(
            comparable(ours.clone()),
            comparable(reference[name].clone()),
            "{name}"
        );
    }
    // serde_json forgets key order; graphite-web's (name, function, description, module,
    // group, params) is checked on the bytes.
    let (_, body) = details("consolidateBy", &[]);
    let want = "{\"name\": \"consolidateBy\", \"function\": \"consolidateBy(seriesList, consolidationFunc)\", \
        \"description\": ";
    assert!(body.starts_with(want), "{body}");
    assert!(body.ends_with(
        "\"module\": \"pencil::query::functions::special\", \"group\": \"Special\", \"params\": \
         [{\"name\": \"seriesList\", \"type\": \"seriesList\", \"required\": true}, \
         {\"name\": \"consolidationFunc\", \"type\": \"string\", \"required\": true, \"options\": \
         [\"average\", \"avg\", \"avg_zero\", \"first\", \"last\", \"max\", \"min\", \"sum\"]}]}"
    ), "{body}");
}

/// Every function pencil shares with graphite-web declares the same parameters (names, types,
/// required, defaults, multiple, options, suggestions) in the same group, so Grafana's editor
/// offers the same thing.
#[test]
fn every_shared_function_has_graphite_webs_params_and_group() {
    let reference = parse(GRAPHITE_WEB);
    let (_, body) = list(&[]);
    let ours = parse(&body);
    let mut shared = 0;
    for (name, info) in reference.as_object().unwrap() {
        let Some(mine) = ours.get(name) else { continue };
        let mut want = info["params"].clone();
        if name == "smartSummarize" {
            // graphite-web lists True/False/None among alignTo's string options; pencil leaves
            // the list out so the binder keeps accepting `weeks3` and friends (README).
            want[3].as_object_mut().unwrap().remove("options");
        }
        assert_eq!(mine["params"], want, "{name}");
        assert_eq!(mine["group"], info["group"], "{name}");
        shared += 1;
    }
    // At least the Graph and Special families' functions are compared.
    assert!(shared >= 16, "only {shared} functions compared");
}

#[test]
fn filters_and_grouping() {
    let (status, body) = list(&[("group", "Graph")]);
    assert_eq!(status, 200);
    let graph = parse(&body);
    let graph = graph.as_object().unwrap();
    assert!(graph.contains_key("color") && !graph.contains_key("consolidateBy"));
    assert!(graph.values().all(|f| f["group"] == "Graph"));
    assert_eq!(list(&[("group", "No Such Group")]), (200, "{}".to_string()));

    let (_, body) = list(&[("grouped", "true")]);
    let grouped = parse(&body);
    assert_eq!(grouped["Graph"]["color"]["name"], "color");
    assert_eq!(grouped["Special"]["events"]["group"], "Special");
    let (_, body) = list(&[("grouped", "1"), ("group", "Special")]);
    let only = parse(&body);
    assert_eq!(
        only.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["Special"]
    );
    // Not a true value: a flat list.
    let (_, body) = list(&[("grouped", "yes")]);
    assert_eq!(parse(&body)["color"]["name"], "color");
    // The last value of a repeated parameter wins, as in Django.
    let (_, body) = list(&[("group", "Special"), ("group", "Graph")]);
    assert!(parse(&body).get("color").is_some());
}

#[test]
fn unknown_names_and_pie() {
    assert_eq!(
        details("nope", &[]),
        (404, "{\"error\": \"Function not found: nope\"}".to_string())
    );
    // As graphite-web answers it, module aside.
    let (status, body) = list(&[("type", "pie")]);
    assert_eq!(status, 200);
    assert_eq!(
        body,
        "{\"average\": {\"name\": \"average\", \"function\": \"average(series)\", \
         \"description\": \"Return the average\", \"module\": \"pencil::render::graph\", \
         \"group\": \"Pie\", \"params\": [{\"name\": \"series\", \"type\": \"series\", \
         \"required\": true}]}, \"maximum\": {\"name\": \"maximum\", \"function\": \
         \"maximum(series)\", \"description\": \"Return the maximum\", \"module\": \
         \"pencil::render::graph\", \"group\": \"Pie\", \"params\": [{\"name\": \"series\", \
         \"type\": \"series\", \"required\": true}]}, \"minimum\": {\"name\": \"minimum\", \
         \"function\": \"minimum(series)\", \"description\": \"Return the minimum\", \
         \"module\": \"pencil::render::graph\", \"group\": \"Pie\", \"params\": [{\"name\": \
         \"series\", \"type\": \"series\", \"required\": true}]}}"
    );
    assert_eq!(details("color", &[("type", "pie")]).0, 404);
    assert_eq!(details("maximum", &[("type", "pie")]).0, 200);
    assert_eq!(list(&[("type", "other")]).0, 200);
}

#[test]
fn pretty_indents_and_sorts_keys() {
    let (_, body) = details("color", &[("pretty", "1")]);
    let want = "{\n  \"description\": \"Assigns the given colour (a name or hex RRGGBB[AA]) to the series in images.\",\n  \
        \"function\": \"color(seriesList, theColor)\",\n  \"group\": \"Graph\",\n  \
        \"module\": \"pencil::query::functions::graph\",\n  \"name\": \"color\",\n  \"params\": [\n    {\n      \
        \"name\": \"seriesList\",\n      \"required\": true,\n      \"type\": \"seriesList\"\n    },\n    {\n      \
        \"name\": \"theColor\",\n      \"required\": true,\n      \"type\": \"string\"\n    }\n  ]\n}";
    assert_eq!(body, want);
    // Python tests the string: `pretty=0` pretty-prints too, an empty value does not.
    assert!(details("color", &[("pretty", "0")]).1.starts_with("{\n"));
    assert!(details("color", &[("pretty", "")])
        .1
        .starts_with("{\"name\""));
}

fn nothing(_: &mut Invocation<'_>) -> Result<Vec<Series>, QueryError> {
    Ok(Vec::new())
}

#[test]
fn defaults_suggestions_and_infinity() {
    const SPEC: FunctionSpec = FunctionSpec {
        name: "probe",
        group: group::TRANSFORM,
        description: "Caf\u{e9} \u{1F600}\n\"q\"\\\t\u{1}\u{7f}",
        params: &[
            Param::opt("limit", ParamType::IntOrInf).default(Literal::Inf),
            Param::opt("factor", ParamType::Float).default(Literal::Float(1.0)),
            Param::opt("flag", ParamType::Boolean).default(Literal::Bool(false)),
            Param::opt("unit", ParamType::Interval)
                .default(Literal::Str("1d"))
                .suggest(&[Literal::Str("1h"), Literal::Int(2), Literal::Float(0.5)]),
            Param::opt("rest", ParamType::Node).many(),
        ],
        run: nothing,
        aggregator: false,
    };
    let mut out = String::new();
    info(&SPEC, "m").write(&mut out, None);
    assert_eq!(
        out,
        "{\"name\": \"probe\", \"function\": \"probe(limit=inf, factor=1.0, flag=False, unit='1d', *rest)\", \
         \"description\": \"Caf\\u00e9 \\ud83d\\ude00\\n\\\"q\\\"\\\\\\t\\u0001\\u007f\", \"module\": \"m\", \
         \"group\": \"Transform\", \"params\": [\
         {\"name\": \"limit\", \"type\": \"intOrInf\", \"default\": 1e9999}, \
         {\"name\": \"factor\", \"type\": \"float\", \"default\": 1.0}, \
         {\"name\": \"flag\", \"type\": \"boolean\", \"default\": false}, \
         {\"name\": \"unit\", \"type\": \"interval\", \"default\": \"1d\", \"suggestions\": [\"1h\", 2, 0.5]}, \
         {\"name\": \"rest\", \"type\": \"node\", \"multiple\": true}]}"
    );
    let mut pretty = String::new();
    Json::Arr(Vec::new()).write(&mut pretty, Some(0));
    Json::Obj(Vec::new()).write(&mut pretty, Some(0));
    assert_eq!(pretty, "[]{}");
}
