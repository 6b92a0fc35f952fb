//! Functions that write values into series names: legendValue and aliasQuery ("Alias") and
//! cactiStyle ("Special"). graphite-web changes the series *name* (so JSON shows the values
//! too), so these do not use `Style::legend_suffix`. Owns the Python text formatting they need:
//! `format_units` (graphite-web's si/binary prefixes), `%-20s`-style padding and `newName %
//! value`.

use super::pyre::PySub;
use crate::query::aggfuncs;
use crate::query::pyfmt;
use crate::query::registry::{
    group::{ALIAS, SPECIAL},
    FunctionSpec, Invocation, Param, ParamType as T,
};
use crate::query::QueryError;
use crate::series::Series;

type Out = Result<Vec<Series>, QueryError>;

/// The unit systems legendValue and cactiStyle accept (graphite-web's `glyph.UnitSystems`
/// also has sec/msec/none, which only its y axis uses).
const SYSTEMS: &[&str] = &["binary", "si"];

/// Prefix and size, largest first.
fn unit_system(name: &str) -> Option<&'static [(&'static str, f64)]> {
    const KI: f64 = 1024.0;
    const K: f64 = 1000.0;
    match name {
        "binary" => Some(&[
            ("Pi", KI * KI * KI * KI * KI),
            ("Ti", KI * KI * KI * KI),
            ("Gi", KI * KI * KI),
            ("Mi", KI * KI),
            ("Ki", KI),
        ]),
        "si" => Some(&[
            ("P", K * K * K * K * K),
            ("T", K * K * K * K),
            ("G", K * K * K),
            ("M", K * K),
            ("k", K),
        ]),
        _ => None,
    }
}

/// graphite-web's `format_units(v, system=..., units=...)`: the value scaled by the largest
/// prefix it reaches, and the prefix (followed by `units`, or `units` alone when no prefix
/// applies). Values within 1e-11 above an integer are floored, as graphite-web does for v > 1.
fn format_units(v: f64, system: &[(&str, f64)], units: &str) -> (f64, String) {
    let floor_near = |x: f64| {
        if x - x.floor() < 0.00000000001 && v > 1.0 {
            x.floor()
        } else {
            x
        }
    };
    for (prefix, size) in system {
        if v.abs() >= *size {
            return (floor_near(v / size), format!("{prefix}{units}"));
        }
    }
    (floor_near(v), units.to_string())
}

/// What Python's `%s` prints for an aggregation result: `count` is an int, the others are
/// floats (`repr`), and None is `None`.
fn python_value(kind: &str, v: f64) -> String {
    if v.is_nan() {
        "None".into()
    } else if kind == "count" {
        pyfmt::d(v)
    } else {
        pyfmt::repr(v)
    }
}

/// Appends ` (avg: 1.5)` per value type, or, when the last type is `si` or `binary`, pads
/// the name to 20, the type to 5 and the unit-formatted value to 10 columns per type.
/// Unknown types show `(?)`.
fn legend_value(inv: &mut Invocation<'_>) -> Out {
    let mut types = inv.strings(1);
    let system = match types.last().map(String::as_str) {
        Some(last) if SYSTEMS.contains(&last) => {
            let name = types.pop().unwrap_or_default();
            unit_system(&name)
        }
        _ => None,
    };
    if types.is_empty() && system.is_none() {
        return Err(inv.error(
            "needs at least one value type, e.g. legendValue(x, 'avg', 'max'), optionally \
             ending with 'si' or 'binary'",
        ));
    }
    let mut list = inv.take_series_with_ints(0);
    for kind in &types {
        let func = aggfuncs::agg_func(kind);
        for s in &mut list {
            let value = func.map(|f| f(&s.values));
            s.name = match system {
                None => {
                    let text = value.map_or("(?)".into(), |v| python_value(kind, v));
                    format!("{} ({kind}: {text})", s.name)
                }
                Some(units) => {
                    let text = match value {
                        None => "(?)".to_string(),
                        Some(v) if v.is_nan() => "None".to_string(),
                        Some(v) => {
                            let (scaled, prefix) = format_units(v, units, "");
                            format!("{scaled:.2}{prefix}")
                        }
                    };
                    format!("{:<20}{kind:<5}{text:<10}", s.name)
                }
            };
        }
    }
    Ok(list)
}

/// Column-aligned ` Current:… Max:… Min:…` after each name, padded across the whole list.
fn cacti_style(inv: &mut Invocation<'_>) -> Out {
    let system = inv.str(1).filter(|s| !s.is_empty()).map(str::to_string);
    let units = inv.str(2).unwrap_or_default().to_string();
    let system = match system {
        None => None,
        Some(name) => Some(unit_system(&name).ok_or_else(|| {
            inv.error(format!(
                "unknown unit system {name:?}; use one of {SYSTEMS:?}"
            ))
        })?),
    };
    let fmt = |x: f64| -> String {
        match (system, units.is_empty()) {
            (Some(sys), true) => {
                let (v, prefix) = format_units(x, sys, "");
                format!("{v:.2}{prefix}")
            }
            (Some(sys), false) => {
                let (v, prefix) = format_units(x, sys, &units);
                format!("{v:.2} {prefix}")
            }
            (None, true) => format!("{x:.2}"),
            (None, false) => format!("{x:.2} {units}"),
        }
    };
    let mut list = inv.take_series_with_ints(0);
    let stats: Vec<[f64; 3]> = list
        .iter()
        .map(|s| {
            let v = &s.values;
            [aggfuncs::last(v), aggfuncs::max(v), aggfuncs::min(v)]
        })
        .collect();
    // graphite-web sizes each column from the integer part of the values, with None and 0
    // counted as 3, plus 3.
    let width = |i: usize| {
        stats
            .iter()
            .map(|row| {
                let v = row[i];
                let v = if v.is_nan() || v == 0.0 {
                    3.0
                } else {
                    v.trunc()
                };
                fmt(v).chars().count()
            })
            .max()
            .unwrap_or(0)
            + 3
    };
    let (last_w, max_w, min_w) = (width(0), width(1), width(2));
    let name_w = list
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0);
    for (s, row) in list.iter_mut().zip(&stats) {
        let [last, max, min] = row.map(|v| if v.is_nan() { "nan".into() } else { fmt(v) });
        s.name = format!(
            "{:<name_w$} Current:{last:<last_w$} Max:{max:<max_w$} Min:{min:<min_w$} ",
            s.name
        );
    }
    Ok(list)
}

/// Names each series `newName % v`, where v is the last value of the series named by running
/// the series name through `re.sub(search, replace, ·)`.
fn alias_query(inv: &mut Invocation<'_>) -> Out {
    let sub = PySub::new(
        inv.str(1).unwrap_or_default(),
        inv.str(2).unwrap_or_default(),
    )
    .map_err(|e| inv.error(e))?;
    let new_name = inv.str(3).unwrap_or_default().to_string();
    let mut list = inv.take_series_with_ints(0);
    for s in &mut list {
        let query = sub.replace(&s.name);
        let found = inv.eval.eval_target(&query)?;
        let first = found
            .first()
            .ok_or_else(|| inv.error(format!("no series found with query {query:?}")))?;
        let current = aggfuncs::last(&first.values);
        if current.is_nan() {
            return Err(inv.error(format!(
                "cannot get the last value of series {:?}: it has none",
                first.name
            )));
        }
        s.name = percent_format(&new_name, current)
            .map_err(|e| inv.error(format!("newName {new_name:?}: {e}")))?;
    }
    Ok(list)
}

/// Python's `template % value` for one float: exactly one conversion (`%d %i %u %f %F %e %E
/// %g %G %s %r`, with flags `-+ 0`, a width and a precision), `%%` for a percent sign.
fn percent_format(template: &str, value: f64) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut used = false;
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek().filter(|f| "-+ 0#".contains(**f)) {
            flags.push(f);
            chars.next();
        }
        let width = read_number(&mut chars).unwrap_or(0);
        let precision = if chars.peek() == Some(&'.') {
            chars.next();
            Some(read_number(&mut chars).unwrap_or(0))
        } else {
            None
        };
        let kind = chars
            .next()
            .ok_or("a '%' ends the text; write %% for a percent sign")?;
        if kind == '%' && flags.is_empty() && width == 0 && precision.is_none() {
            out.push('%');
            continue;
        }
        if flags.contains('#') {
            return Err("the '#' flag is not supported".into());
        }
        if used {
            return Err("more than one % conversion; the value fills exactly one".into());
        }
        used = true;
        out.push_str(&convert(kind, &flags, width, precision, value)?);
    }
    if used {
        Ok(out)
    } else {
        Err("no % conversion (such as %d or %.2f) for the value".into())
    }
}

/// The decimal number at the cursor, if any (a width or a precision).
fn read_number(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<usize> {
    let mut n: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
        chars.next();
    }
    n
}

/// One `%` conversion of `value`, padded to `width`.
fn convert(
    kind: char,
    flags: &str,
    width: usize,
    precision: Option<usize>,
    value: f64,
) -> Result<String, String> {
    let number = |x: f64| -> String {
        let body = match kind {
            'd' | 'i' | 'u' => pyfmt::d(x.abs()),
            'f' | 'F' => format!("{:.*}", precision.unwrap_or(6), x.abs()),
            'e' | 'E' => sci(x.abs(), precision.unwrap_or(6), false),
            _ => general(x.abs(), precision.unwrap_or(6)),
        };
        if kind.is_ascii_uppercase() {
            body.to_uppercase()
        } else {
            body
        }
    };
    let (sign, body) = match kind {
        's' | 'r' => {
            let mut text = pyfmt::repr(value);
            if let Some(p) = precision {
                text = text.chars().take(p).collect();
            }
            (String::new(), text)
        }
        'd' | 'i' | 'u' | 'f' | 'F' | 'e' | 'E' | 'g' | 'G' => {
            if matches!(kind, 'd' | 'i' | 'u') && !value.is_finite() {
                return Err(format!(
                    "cannot convert {} to an integer",
                    pyfmt::repr(value)
                ));
            }
            let negative = if matches!(kind, 'd' | 'i' | 'u') {
                value.trunc() < 0.0
            } else {
                value.is_sign_negative() && !value.is_nan()
            };
            let sign = if negative {
                "-"
            } else if flags.contains('+') {
                "+"
            } else if flags.contains(' ') {
                " "
            } else {
                ""
            };
            (sign.to_string(), number(value))
        }
        other => {
            return Err(format!(
                "%{other} is not a conversion for a number; use %d, %f, %e, %g or %s"
            ))
        }
    };
    let len = sign.chars().count() + body.chars().count();
    let pad = width.saturating_sub(len);
    Ok(if flags.contains('-') {
        format!("{sign}{body}{}", " ".repeat(pad))
    } else if flags.contains('0') && !matches!(kind, 's' | 'r') {
        format!("{sign}{}{body}", "0".repeat(pad))
    } else {
        format!("{}{sign}{body}", " ".repeat(pad))
    })
}

/// `%.{p}e` of a non-negative number: `1.234568e+04`.
fn sci(x: f64, p: usize, strip: bool) -> String {
    if !x.is_finite() {
        return pyfmt::repr(x);
    }
    let text = format!("{x:.p$e}");
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mantissa = if strip {
        strip_zeros(mantissa)
    } else {
        mantissa.to_string()
    };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

/// `%.{p}g` of a non-negative number.
fn general(x: f64, p: usize) -> String {
    if !x.is_finite() {
        return pyfmt::repr(x);
    }
    let p = p.max(1);
    let rounded = format!("{x:.*e}", p - 1);
    let exp: i64 = rounded
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    if exp < -4 || exp >= p as i64 {
        sci(x, p - 1, true)
    } else {
        let decimals = (p as i64 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{x:.decimals$}"))
    }
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

const SERIES: Param = Param::req("seriesList", T::SeriesList);

/// graphite-web's option list for legendValue's types, in its `/functions` order.
const LEGEND_TYPES: &[&str] = &[
    "average",
    "averageSeries",
    "avg",
    "avgSeries",
    "avg_zero",
    "avg_zeroSeries",
    "binary",
    "count",
    "countSeries",
    "current",
    "currentSeries",
    "diff",
    "diffSeries",
    "last",
    "lastSeries",
    "max",
    "maxSeries",
    "median",
    "medianSeries",
    "min",
    "minSeries",
    "multiply",
    "multiplySeries",
    "range",
    "rangeOf",
    "rangeOfSeries",
    "rangeSeries",
    "si",
    "stddev",
    "stddevSeries",
    "sum",
    "sumSeries",
    "total",
    "totalSeries",
];

pub(crate) const SPECS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "legendValue",
        group: ALIAS,
        description: "Appends aggregated values to each name: legendValue(x, 'avg', 'max') \
                      gives 'x (avg: 1.5) (max: 3.0)'. A last argument 'si' or 'binary' \
                      prints the values in aligned columns with unit prefixes instead.",
        // graphite-web spells this parameter "valuesTypes".
        params: &[
            SERIES,
            Param::opt("valuesTypes", T::String)
                .many()
                .options(LEGEND_TYPES),
        ],
        run: legend_value,
        aggregator: false,
    },
    FunctionSpec {
        name: "aliasQuery",
        group: ALIAS,
        description: "Names each series newName % v, v being the last value of the series \
                      found by running its name through the regex search and replace: \
                      aliasQuery(channel.power.*, \"channel\\.power\\.([0-9]+)\", \
                      \"channel.frequency.\\1\", \"Channel %d MHz\").",
        params: &[
            SERIES,
            Param::req("search", T::String),
            Param::req("replace", T::String),
            Param::req("newName", T::String),
        ],
        run: alias_query,
        aggregator: false,
    },
    FunctionSpec {
        name: "cactiStyle",
        group: SPECIAL,
        description: "Appends column-aligned Current, Max and Min values to each name, \
                      optionally with si or binary unit prefixes and a unit suffix: \
                      cactiStyle(ganglia.*.net.bytes_out, \"si\", \"b\").",
        params: &[
            SERIES,
            Param::opt("system", T::String).options(SYSTEMS),
            Param::opt("units", T::String),
        ],
        run: cacti_style,
        aggregator: false,
    },
];

#[cfg(test)]
#[path = "legend_tests.rs"]
mod tests;
