//! `/functions` (graphite.md 4.6), generated from the same family tables the binder reads, in
//! graphite-web's JSON shape and Python's `json.dumps` formatting (`", "`/`": "` separators,
//! ASCII escapes; `pretty` indents by 2 and sorts keys). Pure: parameters in, status and bytes
//! out; the HTTP layer only routes here.

use super::bind;
use super::functions;
use super::pyfmt;
use super::registry::{FunctionSpec, Literal, Param};

/// A `/functions` answer: the HTTP status and the JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// `GET /functions`: every function keyed by name, or `{group: {name: info}}` with
/// `grouped=1|true`, only those of `group=` when given.
pub fn function_list(params: &[(String, String)]) -> Answer {
    let q = Query::read(params);
    let mut out: Vec<(String, Json)> = Vec::new();
    for (group, name, info) in q.infos() {
        if q.group.is_some_and(|g| g != group) {
            continue;
        }
        let info = (name.to_string(), info);
        if !q.grouped {
            out.push(info);
            continue;
        }
        match out.iter_mut().find(|(g, _)| g == group) {
            Some((_, Json::Obj(members))) => members.push(info),
            _ => out.push((group.to_string(), Json::Obj(vec![info]))),
        }
    }
    q.answer(200, &Json::Obj(out))
}

/// `GET /functions/<name>`: one function's info, or 404 `{"error": ...}`.
pub fn function_details(name: &str, params: &[(String, String)]) -> Answer {
    let q = Query::read(params);
    match q.infos().find(|(_, n, _)| *n == name) {
        Some((_, _, info)) => q.answer(200, &info),
        None => q.error(404, &format!("Function not found: {name}")),
    }
}

fn specs() -> impl Iterator<Item = (&'static str, &'static FunctionSpec)> {
    functions::families()
        .iter()
        .flat_map(|(module, specs)| specs.iter().map(move |s| (*module, s)))
}

/// The query parameters graphite-web's views read; like Django's `QueryDict.get`, the last
/// value of a repeated key wins.
struct Query<'p> {
    group: Option<&'p str>,
    grouped: bool,
    pretty: bool,
    pie: bool,
}

impl<'p> Query<'p> {
    fn read(params: &'p [(String, String)]) -> Query<'p> {
        let last = |key: &str| {
            params
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        Query {
            group: last("group"),
            grouped: last("grouped")
                .is_some_and(|v| matches!(v.to_lowercase().as_str(), "1" | "true")),
            // graphite-web tests the string's truth: any non-empty value, even `0`, pretty-prints.
            pretty: last("pretty").is_some_and(|v| !v.is_empty()),
            pie: last("type") == Some("pie"),
        }
    }

    /// `(group, name, info)` of every function this query lists: the series functions, or
    /// with `type=pie` the ways a pie graph reduces a series (`pieMode`).
    fn infos(&self) -> Box<dyn Iterator<Item = (&'static str, &'static str, Json)>> {
        if self.pie {
            Box::new(
                PIE_FUNCTIONS
                    .iter()
                    .map(|&(name, description)| (PIE_GROUP, name, pie_info(name, description))),
            )
        } else {
            Box::new(specs().map(|(module, spec)| (spec.group, spec.name, info(spec, module))))
        }
    }

    fn answer(&self, status: u16, json: &Json) -> Answer {
        let mut body = String::new();
        json.write(&mut body, self.pretty.then_some(0));
        Answer {
            status,
            body: body.into_bytes(),
        }
    }

    fn error(&self, status: u16, message: &str) -> Answer {
        self.answer(
            status,
            &Json::Obj(vec![("error".into(), Json::Str(message.into()))]),
        )
    }
}

const PIE_GROUP: &str = "Pie";
/// graphite-web's pie functions: what `pieMode` names, each reducing one series to a slice.
const PIE_FUNCTIONS: &[(&str, &str)] = &[
    ("average", "Return the average"),
    ("maximum", "Return the maximum"),
    ("minimum", "Return the minimum"),
];

fn pie_info(name: &str, description: &str) -> Json {
    Json::Obj(vec![
        ("name".into(), Json::Str(name.into())),
        ("function".into(), Json::Str(format!("{name}(series)"))),
        ("description".into(), Json::Str(description.into())),
        ("module".into(), Json::Str("pencil::render::graph".into())),
        ("group".into(), Json::Str(PIE_GROUP.into())),
        (
            "params".into(),
            Json::Arr(vec![Json::Obj(vec![
                ("name".into(), Json::Str("series".into())),
                ("type".into(), Json::Str("series".into())),
                ("required".into(), Json::Bool(true)),
            ])]),
        ),
    ])
}

/// graphite-web's `functionInfo`: keys in its order.
fn info(spec: &FunctionSpec, module: &str) -> Json {
    Json::Obj(vec![
        ("name".into(), Json::Str(spec.name.into())),
        ("function".into(), Json::Str(bind::signature(spec))),
        ("description".into(), Json::Str(spec.description.into())),
        ("module".into(), Json::Str(module.into())),
        ("group".into(), Json::Str(spec.group.into())),
        (
            "params".into(),
            Json::Arr(spec.params.iter().map(param_json).collect()),
        ),
    ])
}

/// graphite-web's `Param.toJSON`: the optional keys only when set.
fn param_json(p: &Param) -> Json {
    let mut fields = vec![
        ("name".to_string(), Json::Str(p.name.into())),
        ("type".to_string(), Json::Str(p.ty.name().into())),
    ];
    if p.required {
        fields.push(("required".into(), Json::Bool(true)));
    }
    if let Some(default) = p.default {
        fields.push(("default".into(), literal(default)));
    }
    if p.multiple {
        fields.push(("multiple".into(), Json::Bool(true)));
    }
    let options = bind::options(p);
    if !options.is_empty() {
        let options = options.iter().map(|o| Json::Str(o.to_string())).collect();
        fields.push(("options".into(), Json::Arr(options)));
    }
    if !p.suggestions.is_empty() {
        let suggestions = p.suggestions.iter().copied().map(literal).collect();
        fields.push(("suggestions".into(), Json::Arr(suggestions)));
    }
    Json::Obj(fields)
}

fn literal(lit: Literal) -> Json {
    match lit {
        Literal::Int(n) => Json::Int(n),
        Literal::Float(x) => Json::Float(x),
        Literal::Str(s) => Json::Str(s.into()),
        Literal::Bool(b) => Json::Bool(b),
        Literal::Inf => Json::Float(f64::INFINITY),
    }
}

/// Just enough JSON for these answers; objects keep their insertion order unless pretty.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// `indent` is `Some(level)` when pretty-printing.
    fn write(&self, out: &mut String, indent: Option<usize>) {
        match self {
            Json::Str(s) => write_str(out, s),
            Json::Int(n) => out.push_str(&n.to_string()),
            // Python writes `Infinity`, which is not JSON: browsers and Grafana reject it
            // (graphite-web#2609); 1e9999 parses as infinity everywhere.
            Json::Float(x) if x.is_infinite() => {
                out.push_str(if *x > 0.0 { "1e9999" } else { "-1e9999" })
            }
            Json::Float(x) => out.push_str(&pyfmt::repr(*x)),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Arr(items) => {
                let items: Vec<(Option<&str>, &Json)> = items.iter().map(|j| (None, j)).collect();
                write_seq(out, ('[', ']'), &items, indent);
            }
            Json::Obj(fields) => {
                let mut fields: Vec<(Option<&str>, &Json)> =
                    fields.iter().map(|(k, v)| (Some(k.as_str()), v)).collect();
                if indent.is_some() {
                    // `json.dumps(sort_keys=True)`: by code point, which is UTF-8 byte order.
                    fields.sort_by(|a, b| a.0.cmp(&b.0));
                }
                write_seq(out, ('{', '}'), &fields, indent);
            }
        }
    }
}

fn write_seq(
    out: &mut String,
    (open, close): (char, char),
    items: &[(Option<&str>, &Json)],
    indent: Option<usize>,
) {
    out.push(open);
    if items.is_empty() {
        out.push(close);
        return;
    }
    let inner = indent.map(|level| level + 1);
    for (i, (key, value)) in items.iter().enumerate() {
        match (i, inner) {
            (0, None) => {}
            (_, None) => out.push_str(", "),
            (0, Some(level)) => newline(out, level),
            (_, Some(level)) => {
                out.push(',');
                newline(out, level);
            }
        }
        if let Some(key) = key {
            write_str(out, key);
            out.push_str(": ");
        }
        value.write(out, inner);
    }
    if let Some(level) = indent {
        newline(out, level);
    }
    out.push(close);
}

fn newline(out: &mut String, level: usize) {
    out.push('\n');
    out.push_str(&" ".repeat(level * 2));
}

/// Python's `json.dumps` string with `ensure_ascii`: non-ASCII as `\uXXXX` (surrogate pairs
/// beyond the BMP).
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
#[path = "metadata_tests.rs"]
mod tests;
