//! Target text through the parser, template substitution and prefetch planning: nothing may
//! panic, and whatever parses must print (canonically) to text that parses to the same tree.
//! Input: the target, then NUL-separated `name`, `value` pairs as `template[name]=value`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pencil::query::ast::{path_expressions, substitute, Call, Expr, Span};
use pencil::query::parser::{parse, MAX_TARGET_BYTES};
use pencil_fuzz::fields;

fuzz_target!(|data: &[u8]| {
    let [target, params] = fields::<2>(data);
    let Ok(expr) = parse(&target) else { return };
    let printed = expr.to_string();
    // The canonical form may be longer than the input (`1e5` prints as `100000.0`).
    if printed.len() <= MAX_TARGET_BYTES {
        let again = parse(&printed)
            .unwrap_or_else(|e| panic!("{target:?} printed as {printed:?}, which fails: {e:?}"));
        // Debug, not ==, so that a NaN literal compares equal to itself.
        assert_eq!(
            format!("{:?}", unspanned(&expr)),
            format!("{:?}", unspanned(&again)),
            "{printed:?}"
        );
    }
    let pairs: Vec<(String, String)> = params
        .split('\0')
        .collect::<Vec<_>>()
        .chunks(2)
        .map(|kv| (kv[0].to_string(), kv.get(1).unwrap_or(&"").to_string()))
        .collect();
    let resolved = substitute(&expr, &pairs);
    let _ = path_expressions(&resolved);
    let _ = resolved.to_string();
});

/// The tree without source positions, which differ between the input and its canonical form.
fn unspanned(expr: &Expr) -> Expr {
    let kwargs =
        |kw: &[(String, Expr)]| kw.iter().map(|(k, v)| (k.clone(), unspanned(v))).collect();
    match expr {
        Expr::Call(call) => Expr::Call(Call {
            name: call.name.clone(),
            args: call.args.iter().map(unspanned).collect(),
            kwargs: kwargs(&call.kwargs),
            span: Span::default(),
            arg_spans: Vec::new(),
            kwarg_spans: Vec::new(),
        }),
        Expr::Template {
            expr,
            args,
            kwargs: kw,
        } => Expr::Template {
            expr: Box::new(unspanned(expr)),
            args: args.iter().map(unspanned).collect(),
            kwargs: kwargs(kw),
        },
        other => other.clone(),
    }
}
