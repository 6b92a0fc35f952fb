//! Graphite-web's coercion of graph parameters (`views.parseOptions`): the last value of a name wins,
//! digits become ints, `x.y` floats (never for names holding "color"), `true`/`false` bools, and an
//! empty value or `default` drops the option. Typed getters then turn a value of the wrong kind into a
//! `GraphError` naming the parameter.
//!
//! Owns the request-text side of options; `options` decides what each parameter means.

use super::color;
use super::options::{AxisMax, AxisSettings, GraphError};
use crate::render::canvas::Rgba;

/// A parameter value after graphite-web's coercion.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
}

fn coerce(name: &str, raw: &str) -> Option<Value> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = raw.strip_prefix('-').unwrap_or(raw);
    if digits(unsigned) && !name.to_ascii_lowercase().contains("color") {
        // Python ints are unbounded; a value past i64 is no sensible graph option anyway.
        return Some(
            raw.parse::<i64>()
                .map_or_else(|_| Value::Str(raw.to_string()), Value::Int),
        );
    }
    if raw.contains('.') && digits(&unsigned.replacen('.', "", 1)) {
        return raw.parse::<f64>().ok().map(Value::Float);
    }
    match raw.to_ascii_lowercase().as_str() {
        "true" => Some(Value::Bool(true)),
        "false" => Some(Value::Bool(false)),
        "default" | "" => None,
        _ => Some(Value::Str(raw.to_string())),
    }
}

/// The request's graph parameters, last value winning, coerced.
pub(crate) struct Params<'a> {
    raw: Vec<(&'a str, &'a str, Value)>,
}

impl<'a> Params<'a> {
    pub(crate) fn new(params: &'a [(String, String)]) -> Params<'a> {
        let mut raw: Vec<(&str, &str, Value)> = Vec::new();
        for (k, v) in params {
            raw.retain(|(name, _, _)| name != k);
            if let Some(value) = coerce(k, v) {
                raw.push((k, v, value));
            }
        }
        Params { raw }
    }

    pub(crate) fn get(&self, name: &str) -> Option<(&'a str, &Value)> {
        self.raw
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, raw, v)| (*raw, v))
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub(crate) fn number(&self, name: &str) -> Result<Option<f64>, GraphError> {
        match self.get(name) {
            None => Ok(None),
            Some((_, Value::Int(i))) => Ok(Some(*i as f64)),
            Some((_, Value::Float(f))) => Ok(Some(*f)),
            Some((raw, _)) => Err(GraphError::new(name, raw, "expected a number")),
        }
    }

    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, GraphError> {
        // Python's int() truncates floats, which graphite-web applies to sizes.
        Ok(self.number(name)?.map(|f| f.trunc() as i64))
    }

    /// Python truth of the value: `true`, a non-zero number or any other text.
    pub(crate) fn flag(&self, name: &str) -> Option<bool> {
        self.get(name).map(|(_, v)| match v {
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(_) => true,
        })
    }

    /// The text of an option as graphite-web's `str()` of the coerced value would give it.
    pub(crate) fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(|(raw, v)| match v {
            Value::Int(i) => i.to_string(),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e16 => format!("{f:.1}"),
            Value::Float(f) => f.to_string(),
            Value::Bool(true) => "True".to_string(),
            Value::Bool(false) => "False".to_string(),
            Value::Str(_) => raw.to_string(),
        })
    }

    pub(crate) fn color(&self, name: &str) -> Result<Option<Rgba>, GraphError> {
        match self.get(name) {
            None => Ok(None),
            Some((raw, _)) => color::parse(raw).map(Some).ok_or_else(|| {
                GraphError::new(name, raw, "expected a colour name or hex RRGGBB[AA]")
            }),
        }
    }

    pub(crate) fn choice<T: Copy>(
        &self,
        name: &str,
        default: T,
        table: &[(&str, T)],
    ) -> Result<T, GraphError> {
        let Some((raw, _)) = self.get(name) else {
            return Ok(default);
        };
        let lower = raw.to_ascii_lowercase();
        match table.iter().find(|(n, _)| *n == lower) {
            Some(&(_, v)) => Ok(v),
            None => {
                let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
                Err(GraphError::new(
                    name,
                    raw,
                    format!("expected one of {}", names.join(", ")),
                ))
            }
        }
    }

    pub(crate) fn axis(
        &self,
        min: &str,
        max: &str,
        limit: &str,
        step: &str,
    ) -> Result<AxisSettings, GraphError> {
        let max = match self.get(max) {
            None => AxisMax::Auto,
            Some(("max", Value::Str(_))) => AxisMax::Extremum,
            Some(_) => AxisMax::Value(self.finite(max)?.unwrap_or(0.0)),
        };
        let step_value = self.finite(step)?;
        if let Some(s) = step_value.filter(|s| *s <= 0.0) {
            return Err(GraphError::new(
                step,
                &s.to_string(),
                "the step size must be positive",
            ));
        }
        Ok(AxisSettings {
            min: self.finite(min)?,
            max,
            limit: self.number(limit)?.filter(|l| !l.is_nan()),
            step: step_value,
        })
    }

    pub(crate) fn finite(&self, name: &str) -> Result<Option<f64>, GraphError> {
        match self.number(name)? {
            Some(v) if !v.is_finite() => Err(GraphError::new(
                name,
                &v.to_string(),
                "expected a finite number",
            )),
            v => Ok(v),
        }
    }
}

/// Parses a color list as graphite-web splits it: on commas (spaces around a name are forgiven).
pub(crate) fn color_list(param: &str, text: &str) -> Result<Vec<Rgba>, GraphError> {
    let list: Result<Vec<Rgba>, GraphError> = text
        .split(',')
        .map(|c| {
            color::parse(c.trim()).ok_or_else(|| {
                GraphError::new(
                    param,
                    text,
                    format!("{:?} is not a colour name or hex RRGGBB[AA]", c.trim()),
                )
            })
        })
        .collect();
    list
}

pub(crate) fn template_color(
    param: &str,
    own: Option<&str>,
    default: Option<&str>,
) -> Result<Rgba, GraphError> {
    let text = own.or(default).unwrap_or("black");
    color::parse(text).ok_or_else(|| GraphError::new(param, text, "template colour"))
}

/// Python's `unquote_plus`, which graphite-web applies once more to titles, legend names and the
/// colour list: `+` is a space and `%XX` a byte.
pub(crate) fn unquote_plus(text: &str) -> String {
    if !text.contains(['+', '%']) {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_plus_decodes_once_more() {
        assert_eq!(unquote_plus("a+b%20c%zz%4"), "a b c%zz%4");
        assert_eq!(unquote_plus("plain"), "plain");
    }
}
