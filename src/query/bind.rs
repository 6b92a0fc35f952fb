//! The generic binder (graphite-web's `validateParams`, always enforced): matches a call's
//! positional and keyword arguments to its spec's parameters, checks every literal against the
//! parameter's type and options, fills defaults, and only then has the series arguments
//! evaluated. Owns the type rules of graphite.md 5.11. Must not know any function by name: a
//! body receives values that already fit its spec.

use super::aggfuncs::AGG_FUNC_NAMES;
use super::ast::{Call, Expr};
use super::functions;
use super::registry::{FunctionSpec, Literal, Param, ParamType, Value};
use super::QueryError;
use crate::series::Series;

/// What a call's arguments become: one value and one raw expression per spec parameter, in
/// spec order (the shape `Invocation` documents).
pub(crate) struct Bound<'e> {
    pub args: Vec<Value>,
    pub raw: Vec<Option<&'e Expr>>,
}

/// Binds `call` to `spec`. Every check (arity, keywords, types, options) runs before the first
/// series argument is handed to `eval_series`, so a typo costs no fetch.
pub(crate) fn bind<'e>(
    call: &'e Call,
    spec: &FunctionSpec,
    eval_series: &mut dyn FnMut(&'e Expr) -> Result<Vec<Series>, QueryError>,
) -> Result<Bound<'e>, QueryError> {
    let slots = assign(call, spec)?;
    let mut checked = Vec::with_capacity(slots.len());
    for (param, given) in spec.params.iter().zip(&slots) {
        checked.push(check_param(spec, param, given)?);
    }
    let mut args = Vec::with_capacity(checked.len());
    let mut raw = Vec::with_capacity(checked.len());
    for (given, arg) in slots.iter().zip(checked) {
        raw.push(given.first().copied());
        args.push(match arg {
            Arg::One(c) => resolve(c, eval_series)?,
            Arg::Many(list) => Value::List(
                list.into_iter()
                    .map(|c| resolve(c, eval_series))
                    .collect::<Result<_, _>>()?,
            ),
        });
    }
    Ok(Bound { args, raw })
}

/// A checked argument: a literal already converted, or a series expression still to evaluate.
enum Checked<'e> {
    Value(Value),
    Series(&'e Expr),
}

enum Arg<'e> {
    One(Checked<'e>),
    Many(Vec<Checked<'e>>),
}

fn resolve<'e>(
    c: Checked<'e>,
    eval_series: &mut dyn FnMut(&'e Expr) -> Result<Vec<Series>, QueryError>,
) -> Result<Value, QueryError> {
    match c {
        Checked::Value(v) => Ok(v),
        Checked::Series(expr) => eval_series(expr).map(Value::Series),
    }
}

fn error(spec: &FunctionSpec, message: impl std::fmt::Display) -> QueryError {
    QueryError {
        message: format!("{}: {message}", spec.name),
    }
}

/// The expressions given for each parameter: positionals in order (the rest into a trailing
/// `multiple` parameter), then keywords by name.
fn assign<'e>(call: &'e Call, spec: &FunctionSpec) -> Result<Vec<Vec<&'e Expr>>, QueryError> {
    let params = spec.params;
    let mut slots: Vec<Vec<&Expr>> = vec![Vec::new(); params.len()];
    let variadic = params.last().is_some_and(|p| p.multiple);
    for (i, arg) in call.args.iter().enumerate() {
        let at = if variadic { i.min(params.len() - 1) } else { i };
        match slots.get_mut(at) {
            Some(slot) => slot.push(arg),
            None => {
                return Err(error(
                    spec,
                    format!(
                        "too many arguments: {} takes at most {}, got {}",
                        signature(spec),
                        params.len(),
                        call.args.len()
                    ),
                ))
            }
        }
    }
    for (name, value) in &call.kwargs {
        let Some(at) = params.iter().position(|p| p.name == name) else {
            let names: Vec<&str> = params.iter().map(|p| p.name).collect();
            return Err(error(
                spec,
                format!(
                    "no parameter named {name:?}; the parameters are {}",
                    names.join(", ")
                ),
            ));
        };
        if !slots[at].is_empty() {
            let how = if at < call.args.len() {
                "both by position and by name"
            } else {
                "twice by name"
            };
            return Err(error(spec, format!("parameter {name:?} is given {how}")));
        }
        slots[at].push(value);
    }
    Ok(slots)
}

fn check_param<'e>(
    spec: &FunctionSpec,
    param: &Param,
    given: &[&'e Expr],
) -> Result<Arg<'e>, QueryError> {
    let explicit_none = matches!(given, [Expr::None]);
    if given.is_empty() || (explicit_none && !param.multiple) {
        if param.required {
            let what = if explicit_none {
                "cannot be None"
            } else {
                "is required"
            };
            return Err(error(
                spec,
                format!("parameter {:?} {what}: {}", param.name, signature(spec)),
            ));
        }
        // graphite-web validates an explicit None as the default; bodies see the default too.
        let value = param.default.map(Literal::value).unwrap_or(Value::None);
        return Ok(if param.multiple {
            Arg::Many(Vec::new())
        } else {
            Arg::One(Checked::Value(value))
        });
    }
    let mut checked = Vec::with_capacity(given.len());
    for expr in given {
        checked.push(
            check_value(param, expr)
                .map_err(|m| error(spec, format!("parameter {:?} {m}, got {expr}", param.name)))?,
        );
    }
    Ok(if param.multiple {
        Arg::Many(checked)
    } else {
        // `given` is not empty here, and `assign` puts at most one expression in a slot that
        // is not `multiple`, so this takes the one value.
        Arg::One(checked.remove(0))
    })
}

/// graphite-web's validator for `param`'s type; the error says what was expected.
fn check_value<'e>(param: &Param, expr: &'e Expr) -> Result<Checked<'e>, String> {
    let is_series = matches!(expr, Expr::Path(_) | Expr::Call(_));
    let value = match (param.ty, expr) {
        (ParamType::SeriesList | ParamType::SeriesLists, _) if is_series => {
            return Ok(Checked::Series(expr))
        }
        (ParamType::SeriesList | ParamType::SeriesLists, _) => {
            return Err("must be a series expression (a path or a function call)".into())
        }
        (ParamType::Any, _) if is_series => return Ok(Checked::Series(expr)),
        (ParamType::Any, _) => literal(expr).ok_or("must be a value or a series expression")?,
        (ParamType::Integer | ParamType::Node, Expr::Int(n)) => Value::Int(*n),
        (ParamType::Integer | ParamType::Node, _) => return Err("must be an integer".into()),
        (ParamType::Float, Expr::Int(n)) => Value::Int(*n),
        (ParamType::Float, Expr::Float(x)) => Value::Float(*x),
        (ParamType::Float, _) => return Err("must be a number".into()),
        (ParamType::Boolean, e) => Value::Bool(boolean(e).ok_or("must be true or false")?),
        (ParamType::IntOrInf, Expr::Int(n)) => Value::Int(*n),
        (ParamType::IntOrInf, Expr::Float(x)) if *x == f64::INFINITY => Value::Float(*x),
        (ParamType::IntOrInf, _) => return Err("must be an integer or inf".into()),
        (ParamType::Interval, Expr::Str(s)) => Value::Str(interval(s)?),
        (ParamType::Interval, _) => {
            return Err("must be a quoted interval such as '5min', '1h' or '-1d'".into())
        }
        (ParamType::IntOrInterval, Expr::Int(n)) => Value::Int(*n),
        (ParamType::IntOrInterval, Expr::Str(s)) => Value::Str(interval(s)?),
        (ParamType::IntOrInterval, _) => {
            return Err("must be an integer or a quoted interval such as '5min'".into())
        }
        (ParamType::NodeOrTag, Expr::Int(n)) => Value::Int(*n),
        (ParamType::NodeOrTag, Expr::Str(s)) => Value::Str(s.clone()),
        (ParamType::NodeOrTag, _) => {
            return Err("must be a node number or a quoted tag name".into())
        }
        (ParamType::Date, Expr::Str(s)) => Value::Str(s.clone()),
        (ParamType::Date, Expr::Int(n)) => Value::Int(*n),
        (ParamType::Date, _) => {
            return Err("must be a quoted time such as 'now-1h' or an epoch timestamp".into())
        }
        (
            ParamType::String | ParamType::Tag | ParamType::AggFunc | ParamType::AggOrSeriesFunc,
            Expr::Str(s),
        ) => Value::Str(s.clone()),
        (ParamType::String | ParamType::Tag, _) => return Err("must be a quoted string".into()),
        (ParamType::AggFunc | ParamType::AggOrSeriesFunc, _) => {
            return Err("must be a quoted function name such as 'sum'".into())
        }
    };
    let options = options(param);
    if !options.is_empty() {
        let ok = matches!(&value, Value::Str(s) if options.contains(&s.as_str()));
        if !ok {
            return Err(format!("must be one of {}", options.join(", ")));
        }
    }
    Ok(Checked::Value(value))
}

/// The values a parameter is restricted to, sorted as graphite-web lists them: its own options
/// plus, for `aggFunc`, every aggregation name and, for `aggOrSeriesFunc`, also every function
/// marked `aggregator`. Empty means unrestricted.
pub(crate) fn options(param: &Param) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = param.options.to_vec();
    if matches!(param.ty, ParamType::AggFunc | ParamType::AggOrSeriesFunc) {
        out.extend_from_slice(AGG_FUNC_NAMES);
    }
    if param.ty == ParamType::AggOrSeriesFunc {
        out.extend(functions::all().filter(|s| s.aggregator).map(|s| s.name));
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn literal(expr: &Expr) -> Option<Value> {
    Some(match expr {
        Expr::Int(n) => Value::Int(*n),
        Expr::Float(x) => Value::Float(*x),
        Expr::Str(s) => Value::Str(s.clone()),
        Expr::Bool(b) => Value::Bool(*b),
        Expr::None => Value::None,
        Expr::Path(_) | Expr::Call(_) | Expr::Template { .. } => return None,
    })
}

/// graphite.md 5.11: true/false, 1/0 and the strings 'true'/'false'.
fn boolean(expr: &Expr) -> Option<bool> {
    match expr {
        Expr::Bool(b) => Some(*b),
        Expr::Int(1) => Some(true),
        Expr::Int(0) => Some(false),
        Expr::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Expr::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// An interval must read with the time-offset parser (`m` for minutes included, graphite.md 10).
fn interval(text: &str) -> Result<String, String> {
    super::time::parse_offset(text)
        .map(|_| text.to_string())
        .map_err(|kind| {
            let why = super::time::TimeError {
                spec: text.to_string(),
                kind,
            };
            format!("must be an interval such as '5min', '1h' or '-1d' ({why})")
        })
}

/// The call's signature as `/functions` shows it, Python style:
/// `groupByNode(seriesList, nodeNum, callback='average')`, `sumSeries(*seriesLists)`.
pub(crate) fn signature(spec: &FunctionSpec) -> String {
    let params: Vec<String> = spec
        .params
        .iter()
        .map(|p| {
            if p.multiple {
                format!("*{}", p.name)
            } else if p.required {
                p.name.to_string()
            } else {
                let default = p.default.map_or("None".to_string(), python_literal);
                format!("{}={default}", p.name)
            }
        })
        .collect();
    format!("{}({})", spec.name, params.join(", "))
}

/// Python's `repr()` of a default, as `inspect.formatargspec` prints it.
fn python_literal(lit: Literal) -> String {
    match lit {
        Literal::Int(n) => n.to_string(),
        Literal::Float(x) => super::pyfmt::repr(x),
        Literal::Bool(true) => "True".into(),
        Literal::Bool(false) => "False".into(),
        Literal::Inf => "inf".into(),
        Literal::Str(s) if s.contains('\'') && !s.contains('"') => format!("\"{s}\""),
        Literal::Str(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
    }
}

#[cfg(test)]
#[path = "bind_tests.rs"]
mod tests;
