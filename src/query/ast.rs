//! The syntax tree of a Graphite target: what `parser` builds and the evaluator walks.
//! Owns the node types, their canonical printing (which `parser` reads back to the same tree),
//! template substitution and the list of path expressions to prefetch.
//! Must not read target text itself (that is `parser`) nor evaluate anything (no store, no series).

use std::collections::HashSet;
use std::fmt;

use super::parser;

/// A byte range in the target text as the user wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// The text this span covers in `target`, or "" if `target` is not the text it was parsed from.
    pub fn text(self, target: &str) -> &str {
        target.get(self.start..self.end).unwrap_or("")
    }
}

/// One node of a target expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A glob path expression (graphite.md 4.2), backslash escapes already removed.
    Path(String),
    Call(Call),
    /// A quoted string without its quotes; escape sequences are kept as written, like graphite-web.
    Str(String),
    /// Kept apart from `Float` because series names print `2` and `2.0` differently.
    Int(i64),
    /// Also holds integers too large for i64 (Python would keep them exact) and `inf`.
    Float(f64),
    Bool(bool),
    None,
    /// `template(expr, 1, "x", name=2)`: `$1`, `$name` in `expr`'s paths are replaced by
    /// [`substitute`], with request parameters overriding these defaults.
    Template {
        expr: Box<Expr>,
        args: Vec<Expr>,
        kwargs: Vec<(String, Expr)>,
    },
}

/// A function call, including one written as a pipe: `a.b|scale(2)` is `scale(a.b, 2)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Vec<Expr>,
    pub kwargs: Vec<(String, Expr)>,
    /// The whole call as written, including a piped left side; `seriesByTag` fetches by this text.
    pub span: Span,
    /// Where each of `args` was written (for a piped call, the first is the left side).
    pub arg_spans: Vec<Span>,
    /// Where the value of each of `kwargs` was written.
    pub kwarg_spans: Vec<Span>,
}

impl Call {
    /// The call as written in `target`, the text it was parsed from.
    pub fn source<'t>(&self, target: &'t str) -> &'t str {
        self.span.text(target)
    }

    /// Positional argument `i` as written in `target`.
    pub fn arg_source<'t>(&self, i: usize, target: &'t str) -> Option<&'t str> {
        self.arg_spans.get(i).map(|span| span.text(target))
    }

    /// The value of a keyword argument, if given.
    pub fn kwarg(&self, name: &str) -> Option<&Expr> {
        self.kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// Every path expression in `expr`, in order of appearance, each once: what to prefetch
/// (graphite.md 3.6). Run it on the result of [`substitute`] so template paths are resolved;
/// unresolved `$name` paths are returned as written.
pub fn path_expressions(expr: &Expr) -> Vec<&str> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    collect_paths(expr, &mut seen, &mut out);
    out
}

fn collect_paths<'e>(expr: &'e Expr, seen: &mut HashSet<&'e str>, out: &mut Vec<&'e str>) {
    match expr {
        Expr::Path(path) => {
            if seen.insert(path) {
                out.push(path);
            }
        }
        Expr::Call(call) => {
            for arg in &call.args {
                collect_paths(arg, seen, out);
            }
            // graphite-web skips keyword arguments here and fetches them late; prefetching is cheaper.
            for (_, value) in &call.kwargs {
                collect_paths(value, seen, out);
            }
        }
        Expr::Template { expr, .. } => collect_paths(expr, seen, out),
        Expr::Str(_) | Expr::Int(_) | Expr::Float(_) | Expr::Bool(_) | Expr::None => {}
    }
}

/// Resolves every `template(...)` in `expr` the way graphite-web's evaluator does: the
/// template's keyword values, then its positional values as `$1`, `$2`, …, then the request's
/// `template[name]=value` parameters (`params`, overriding same-named defaults). Inside the
/// template, a path that is exactly `$name` becomes the value itself (a string that looks
/// numeric becomes a float); otherwise each `$name` is replaced textually in turn, so `$host`
/// also rewrites the start of `$hostname` if `host` comes first, exactly as in graphite-web.
/// Paths outside templates are left alone.
pub fn substitute(expr: &Expr, params: &[(String, String)]) -> Expr {
    match expr {
        Expr::Template { expr, args, kwargs } => {
            let mut vars: Vec<(String, Expr)> = kwargs.clone();
            for (i, value) in args.iter().enumerate() {
                set_var(&mut vars, (i + 1).to_string(), value.clone());
            }
            for (name, value) in params {
                set_var(&mut vars, name.clone(), Expr::Str(value.clone()));
            }
            replace_vars(expr, &vars, params)
        }
        Expr::Call(call) => Expr::Call(map_args(call, |arg| substitute(arg, params))),
        other => other.clone(),
    }
}

/// Python's dict update: an existing name keeps its place and takes the new value.
fn set_var(vars: &mut Vec<(String, Expr)>, name: String, value: Expr) {
    match vars.iter_mut().find(|(k, _)| *k == name) {
        Some(slot) => slot.1 = value,
        None => vars.push((name, value)),
    }
}

fn replace_vars(expr: &Expr, vars: &[(String, Expr)], params: &[(String, String)]) -> Expr {
    match expr {
        Expr::Path(path) => {
            let mut path = path.clone();
            for (name, value) in vars {
                let var = format!("${name}");
                if path == var {
                    return var_as_argument(value);
                }
                path = path.replace(&var, &python_str(value));
            }
            Expr::Path(path)
        }
        Expr::Call(call) => Expr::Call(map_args(call, |arg| replace_vars(arg, vars, params))),
        // A template inside a template's call gets its own values and the request's, not the
        // outer template's, as in graphite-web.
        Expr::Template { .. } => substitute(expr, params),
        other => other.clone(),
    }
}

fn map_args(call: &Call, mut f: impl FnMut(&Expr) -> Expr) -> Call {
    Call {
        name: call.name.clone(),
        args: call.args.iter().map(&mut f).collect(),
        kwargs: call.kwargs.iter().map(|(k, v)| (k.clone(), f(v))).collect(),
        span: call.span,
        arg_spans: call.arg_spans.clone(),
        kwarg_spans: call.kwarg_spans.clone(),
    }
}

/// graphite-web turns a string matching `^-?[\d.]+$` into a float; one Python cannot convert
/// (`1.2.3`) would be a 500 there, here it stays a string.
fn var_as_argument(value: &Expr) -> Expr {
    if let Expr::Str(text) = value {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let numeric = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        if numeric {
            if let Ok(number) = text.parse::<f64>() {
                return Expr::Float(number);
            }
        }
    }
    value.clone()
}

/// Python's `str()` of a template value, which is what graphite-web splices into paths.
fn python_str(value: &Expr) -> String {
    match value {
        Expr::Str(text) => text.clone(),
        Expr::Int(n) => n.to_string(),
        Expr::Float(x) => python_float(*x),
        // Template values are literals; these cannot occur but still print as Python would.
        Expr::Bool(true) => "True".to_string(),
        Expr::Bool(false) => "False".to_string(),
        other => other.to_string(),
    }
}

/// Python's `repr(float)`: shortest round-trip digits, positional for exponents -4..16,
/// otherwise `1e+16` / `1.5e-05`.
pub(crate) fn python_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let scientific = format!("{x:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..16).contains(&exponent) {
        let positional = format!("{x}");
        if positional.contains('.') {
            positional
        } else {
            positional + ".0"
        }
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    }
}

/// Prints the canonical target text: `sumSeries(a.*.c, 2, "x", k=true)`. `parser::parse` reads
/// it back to the same tree (spans aside), which the property tests check.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Path(path) => write_path(f, path),
            Expr::Call(call) => write_call(f, call),
            Expr::Str(text) => write_string(f, text),
            Expr::Int(n) => write!(f, "{n}"),
            Expr::Float(x) if x.is_infinite() => {
                // `-inf` would read back as a path; an overflowing literal reads back as -inf.
                f.write_str(if *x > 0.0 { "inf" } else { "-1e999" })
            }
            // Debug always keeps a '.' or an exponent, so the value reads back as a float.
            Expr::Float(x) => write!(f, "{x:?}"),
            Expr::Bool(b) => write!(f, "{b}"),
            Expr::None => f.write_str("None"),
            Expr::Template { expr, args, kwargs } => {
                write!(f, "template({expr}")?;
                for arg in args {
                    f.write_str(", ")?;
                    write_template_value(f, arg)?;
                }
                for (name, value) in kwargs {
                    write!(f, ", {name}=")?;
                    write_template_value(f, value)?;
                }
                f.write_str(")")
            }
        }
    }
}

/// Template values are numbers or strings only, so an infinite one (from an overflowing
/// literal) is written as such a literal rather than `inf`.
fn write_template_value(f: &mut fmt::Formatter<'_>, value: &Expr) -> fmt::Result {
    match value {
        Expr::Float(x) if x.is_infinite() => f.write_str(if *x > 0.0 { "1e999" } else { "-1e999" }),
        other => write!(f, "{other}"),
    }
}

fn write_call(f: &mut fmt::Formatter<'_>, call: &Call) -> fmt::Result {
    let mut args = call.args.iter();
    // A path such as `1` or `true` can only be a first argument through a pipe; written
    // inside the parentheses it would read back as a literal.
    if let Some(Expr::Path(path)) = call.args.first() {
        if parser::is_literal_text(path) {
            write_path(f, path)?;
            f.write_str("|")?;
            args.next();
        }
    }
    write!(f, "{}(", call.name)?;
    let mut first = true;
    let kwargs = call.kwargs.iter().map(|(k, v)| (Some(k), v));
    for (name, value) in args.map(|a| (None, a)).chain(kwargs) {
        if !first {
            f.write_str(", ")?;
        }
        first = false;
        if let Some(name) = name {
            write!(f, "{name}=")?;
        }
        write!(f, "{value}")?;
    }
    f.write_str(")")
}

/// Always escaped: they would end the path or, for '=', turn an argument into a keyword.
const PATH_ALWAYS_ESCAPED: &str = "()'\"\\|=";
/// Escaped too when the path came from escaped dots, braces or commas that would not read back.
const PATH_ALL_ESCAPED: &str = "(){},.'\"\\|=";

fn write_path(f: &mut fmt::Formatter<'_>, path: &str) -> fmt::Result {
    let light = escape_path(path, PATH_ALWAYS_ESCAPED);
    if parser::path_text(&light).as_deref() == Some(path) {
        f.write_str(&light)
    } else {
        f.write_str(&escape_path(path, PATH_ALL_ESCAPED))
    }
}

fn escape_path(path: &str, symbols: &str) -> String {
    let mut out = String::with_capacity(path.len() + 4);
    for c in path.chars() {
        if symbols.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The value holds the text between the quotes as written, so it reads back unchanged inside
/// the quote it came from; prefer double quotes when they work.
fn write_string(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    let double = format!("\"{text}\"");
    if parser::is_whole_string(&double) {
        f.write_str(&double)
    } else {
        write!(f, "'{text}'")
    }
}

#[cfg(test)]
#[rustfmt::skip]
mod tests {
    use super::*;
    use crate::query::parser::parse;
    use proptest::prelude::*;

    fn parsed(target: &str) -> Expr {
        parse(target).unwrap_or_else(|e| panic!("{target:?}: {e}"))
    }

    /// `subst!(target, params, printed)`: the target after [`substitute`] prints as `printed`.
    macro_rules! subst {
        ($target:expr, [$(($name:expr, $value:expr)),*], $printed:expr) => {{
            let params: Vec<(String, String)> = vec![$(($name.to_string(), $value.to_string())),*];
            assert_eq!(substitute(&parsed($target), &params).to_string(), $printed, "target {:?}", $target);
        }};
    }

    #[test]
    fn substitution_follows_graphite_web() {
        subst!("template(a.$1.c, 'b')", [], "a.b.c");
        subst!("template(a.$x.c, x='b')", [], "a.b.c");
        subst!("template(a.$x.c, x='b')", [("x", "z")], "a.z.c");
        subst!("template(a.$x.c)", [("x", "z")], "a.z.c");
        subst!("template(a.$x.c)", [], "a.$x.c");
        subst!("template(sumSeries(a.$1, b.$2), 'p', 'q')", [], "sumSeries(a.p, b.q)");
        subst!("template(a.$1|scale($2), 'p', 3)", [], "scale(a.p, 3)");
        subst!("template(scale(a, $x), x='2.5')", [], "scale(a, 2.5)");
        subst!("template(scale(a, $x), x=-7)", [], "scale(a, -7)");
        subst!("template(scale(a, $x))", [("x", "-1.5")], "scale(a, -1.5)");
        subst!("template(alias(a, $x), x='b c')", [], r#"alias(a, "b c")"#);
        subst!("template(alias(a, $x), x='1.2.3')", [], r#"alias(a, "1.2.3")"#);
        subst!("template(a.$x, x=1.0)", [], "a.1.0");
        subst!("template(a.$x, x=1e20)", [], "a.1e+20");
        subst!("template(a.$x, x=2)", [], "a.2");
        // Textual replacement in order: `$host` also rewrites the start of `$hostname`.
        subst!("template(a.$hostname, host='h', hostname='n')", [], "a.hname");
        // Request values are strings even when the default was a number.
        subst!("template(a.$1, 5)", [("1", "b")], "a.b");
        // Outside a template, nothing is replaced; nested templates use only their own values.
        subst!("f(a.$x, template(b.$x, x=1))", [("x", "z")], "f(a.$x, b.z)");
        subst!("template(f(a.$x, b.$y, template(c.$x.$y, y=3)), x=1, y=2)", [], "f(a.1, b.2, c.$x.3)");
        subst!("template(f(a.$x, template(c.$x)), x=1)", [("x", "r")], "f(a.r, c.r)");
        subst!("sumSeries(template(a.$x, x=1), template(a.$x, x=2))", [], "sumSeries(a.1, a.2)");
    }

    #[test]
    fn substitution_keeps_spans() {
        let target = "template(f(a.$x, k=b), x=1)";
        let Expr::Call(call) = substitute(&parsed(target), &[]) else {
            panic!("not a call")
        };
        assert_eq!(call.source(target), "f(a.$x, k=b)");
        assert_eq!(call.arg_source(0, target), Some("a.$x"));
    }

    #[test]
    fn path_expressions_in_order_once() {
        let expr = parsed("f(a.b, g(c.*), a.b, k=d.{e,f}, s='x.y', n=1)|h(c.*, z)");
        assert_eq!(path_expressions(&expr), ["a.b", "c.*", "d.{e,f}", "z"]);
        assert_eq!(path_expressions(&parsed("a")), ["a"]);
        assert!(path_expressions(&parsed("constantLine(1)")).is_empty());
        let templated = substitute(&parsed("template(sumSeries(a.$1, b), 'x')"), &[]);
        assert_eq!(path_expressions(&templated), ["a.x", "b"]);
        assert_eq!(path_expressions(&parsed("template(a.$1, 'x')")), ["a.$1"]);
    }

    #[test]
    fn python_float_formatting() {
        for (x, text) in [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (2.5, "2.5"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (1e-300, "1e-300"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(python_float(x), text, "{x:?}");
        }
    }

    #[test]
    fn printing_reads_back() {
        // Paths whose escaped symbols would not read back bare are printed fully escaped.
        for (tree, printed) in [
            (Expr::Path("a..b".into()), r"a\.\.b"),
            (Expr::Path("a{b".into()), r"a\{b"),
            (Expr::Path("x,y".into()), r"x\,y"),
            (Expr::Path("a.{b,c}".into()), "a.{b,c}"),
            (Expr::Path("k=v".into()), r"k\=v"),
            (Expr::Str(r#"a"b"#.into()), r#"'a"b'"#),
            (Expr::Float(f64::NEG_INFINITY), "-1e999"),
            (Expr::Float(1e300), "1e300"),
        ] {
            assert_eq!(tree.to_string(), printed);
            let call = format!("f({printed})");
            let Ok(Expr::Call(read)) = parse(&call) else {
                panic!("{call:?} did not parse")
            };
            assert_eq!(read.args, [tree]);
        }
    }

    /// The tree without source positions, to compare a parse with the parse of its printing.
    fn without_spans(expr: &Expr) -> Expr {
        match expr {
            Expr::Call(call) => Expr::Call(Call {
                span: Span::default(),
                arg_spans: Vec::new(),
                kwarg_spans: Vec::new(),
                ..map_args(call, without_spans)
            }),
            Expr::Template { expr, args, kwargs } => Expr::Template {
                expr: Box::new(without_spans(expr)),
                args: args.clone(),
                kwargs: kwargs.clone(),
            },
            other => other.clone(),
        }
    }

    fn assert_reads_back(target: &str) -> Result<(), TestCaseError> {
        if let Ok(tree) = parse(target) {
            let printed = tree.to_string();
            let again = parse(&printed);
            prop_assert!(
                again.is_ok(),
                "{target:?} printed as {printed:?}: {:?}",
                again
            );
            if let Ok(again) = again {
                prop_assert_eq!(
                    without_spans(&again),
                    without_spans(&tree),
                    "{:?} printed as {:?}",
                    target,
                    printed
                );
            }
        }
        Ok(())
    }

    /// Targets built from the grammar's pieces: every one must parse and read back.
    fn target() -> impl Strategy<Value = String> {
        let node = prop::sample::select(vec![
            "a", "b1", "*", "x?", "[a-c]", "{a,b}", "{}", "-1", "1", "true", "None", "inf", "$x",
            r"\.", r"\,", r"\=", r"\{", "é", "1e5", "+5", "a{b,{c,d}}",
        ]);
        let path = prop::collection::vec(node, 1..4).prop_map(|nodes| nodes.join("."));
        let number = prop::sample::select(vec!["1", "-2", "0.5", "1e3", "-1.5E-2", "99999999999999999999", "1e999"]);
        let string = prop::sample::select(vec!["'s'", "\"d\"", r"'a\'b'", "'a\"b'", "\"x''y\"", "''", r#""\\""#]);
        let word = prop::sample::select(vec!["true", "FALSE", "none", "Inf"]);
        let value = prop_oneof![number.clone(), string.clone()].prop_map(String::from);
        let literal = prop_oneof![number, string, word].prop_map(String::from);
        let ws = prop::sample::select(vec!["", " ", "  "]);
        path.clone().prop_recursive(4, 24, 4, move |expr| {
            let name = prop::sample::select(vec!["f", "sumSeries", "g_2", "true"]);
            let arg = prop_oneof![expr.clone(), literal.clone()];
            let args = prop::collection::vec(arg.clone(), 0..4);
            let kwargs = prop::collection::vec(arg, 0..2);
            let values = prop::collection::vec(value.clone(), 0..3);
            prop_oneof![
                (name.clone(), args, kwargs, ws.clone()).prop_map(|(name, args, kwargs, ws)| {
                    let kwargs = kwargs.iter().enumerate().map(|(i, v)| format!("k{i}{ws}={ws}{v}"));
                    let all: Vec<String> = args.into_iter().chain(kwargs).collect();
                    format!("{name}({})", all.join(&format!("{ws},{ws}")))
                }),
                (expr.clone(), name, ws.clone()).prop_map(|(left, name, ws)| format!("{left}{ws}|{ws}{name}()")),
                (path.clone(), values).prop_map(|(path, values)| {
                    format!("template({path}{})", values.iter().map(|v| format!(", {v}")).collect::<String>())
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn parse_never_panics(target in any::<String>()) {
            let _ = parse(&target);
        }

        #[test]
        fn near_miss_targets_never_panic_and_read_back(
            target in "[a-c1.*{},()'\"\\\\|= eE+-]{0,24}"
        ) {
            assert_reads_back(&target)?;
        }

        #[test]
        fn grammar_targets_read_back(target in target()) {
            prop_assert!(parse(&target).is_ok(), "{:?}: {:?}", target, parse(&target));
            assert_reads_back(&target)?;
        }
    }
}
