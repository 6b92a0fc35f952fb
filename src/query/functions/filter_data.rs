//! graphite-web's "Filter Data" functions: points above or below a value, or a series' own
//! percentile, become None. Each renames the series `removeBelowValue(x, 100)` (`%g`).

use super::calculate::percent_arg;
use crate::query::aggfuncs;
use crate::query::registry::{group::FILTER_DATA, FunctionSpec, Invocation, Param, ParamType as T};
use crate::query::{pyfmt, QueryError};
use crate::series::Series;

type Out = Result<Vec<Series>, QueryError>;

/// Which side of the threshold is removed.
#[derive(Clone, Copy)]
enum Remove {
    Below,
    Above,
}

impl Remove {
    fn drops(self, v: f64, threshold: f64) -> bool {
        match self {
            Remove::Below => v < threshold,
            Remove::Above => v > threshold,
        }
    }
}

/// Renames each series `func(name, n)` and nulls the points on the removed side of the
/// threshold that `threshold_of` picks for it (None: the series has no data and only renames).
fn remove(
    inv: &mut Invocation<'_>,
    func: &str,
    side: Remove,
    threshold_of: impl Fn(&mut Series, f64) -> Option<f64>,
) -> Out {
    let n = inv.float(1).unwrap_or(0.0);
    let mut list = inv.take_series_with_ints(0);
    for s in &mut list {
        s.name = format!("{func}({}, {})", s.name, pyfmt::g(n));
        s.path_expression = s.name.clone();
        let Some(threshold) = threshold_of(s, n) else {
            continue;
        };
        for v in &mut s.values {
            if !v.is_nan() && side.drops(*v, threshold) {
                *v = f64::NAN;
            }
        }
    }
    Ok(list)
}

/// The series' n-th percentile. graphite-web computes it through `nPercentile`, whose copy
/// shares the tag dict, so the series gains an `nPercentile` tag.
fn own_percentile(s: &mut Series, n: f64) -> Option<f64> {
    let p = aggfuncs::percentile(&s.values, n, false);
    if p.is_nan() {
        return None;
    }
    s.tags.insert("nPercentile".into(), pyfmt::repr(n));
    Some(p)
}

fn remove_below_value(inv: &mut Invocation<'_>) -> Out {
    remove(inv, "removeBelowValue", Remove::Below, |_, n| Some(n))
}

fn remove_above_value(inv: &mut Invocation<'_>) -> Out {
    remove(inv, "removeAboveValue", Remove::Above, |_, n| Some(n))
}

fn remove_below_percentile(inv: &mut Invocation<'_>) -> Out {
    percent_arg(inv, 1)?;
    remove(inv, "removeBelowPercentile", Remove::Below, own_percentile)
}

fn remove_above_percentile(inv: &mut Invocation<'_>) -> Out {
    percent_arg(inv, 1)?;
    remove(inv, "removeAbovePercentile", Remove::Above, own_percentile)
}

const PARAMS: &[Param] = &[
    Param::req("seriesList", T::SeriesList),
    Param::req("n", T::Float),
];

const fn spec(
    name: &'static str,
    description: &'static str,
    run: crate::query::registry::FunctionBody,
) -> FunctionSpec {
    FunctionSpec::new(name, FILTER_DATA, description, PARAMS, run)
}

pub(crate) const SPECS: &[FunctionSpec] = &[
    spec(
        "removeAbovePercentile",
        "Sets the points above the n-th percentile of their series to null.",
        remove_above_percentile,
    ),
    spec(
        "removeAboveValue",
        "Sets the points above n to null.",
        remove_above_value,
    ),
    spec(
        "removeBelowPercentile",
        "Sets the points below the n-th percentile of their series to null.",
        remove_below_percentile,
    ),
    spec(
        "removeBelowValue",
        "Sets the points below n to null.",
        remove_below_value,
    ),
];

#[cfg(test)]
mod tests {
    use crate::query::functions::testing::{ctx, run, series, FakeSource};
    use crate::query::registry::Value;

    const N: f64 = f64::NAN;

    /// `func(x, n)` over one series; returns the name, the values as text and the tags.
    fn call(func: &str, values: &[f64], n: Value) -> (String, String, Option<String>) {
        let src = FakeSource::default();
        let c = ctx(0, 600);
        let s = series("cf.x", 10, 10, values);
        let out = run(func, vec![Value::Series(vec![s]), n], None, &c, &src).unwrap();
        let text = out[0]
            .values
            .iter()
            .map(|v| {
                if v.is_nan() {
                    "None".into()
                } else {
                    v.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(",");
        let tag = out[0].tags.get("nPercentile").cloned();
        (out[0].name.clone(), text, tag)
    }

    macro_rules! case {
        ($func:expr, $values:expr, $n:expr => $name:expr, $want:expr, $tag:expr) => {
            assert_eq!(
                call($func, &$values, $n),
                (
                    $name.to_string(),
                    $want.to_string(),
                    $tag.map(str::to_string)
                ),
            )
        };
    }

    #[test]
    fn percentiles_must_be_percents() {
        let src = FakeSource::default();
        let c = ctx(0, 600);
        for n in [0.0, 101.0, -1.0] {
            let args = vec![
                Value::Series(vec![series("cf.x", 10, 10, &[1.0])]),
                Value::Float(n),
            ];
            let err = run("removeBelowPercentile", args, None, &c, &src).unwrap_err();
            assert!(err.message.contains("at most 100"), "{err}");
        }
    }

    #[test]
    fn thresholds_as_graphite_web() {
        // Observed on graphite-web 1.1.8 with cf.m.a: 5 keeps 5.0, 5.5 names itself `5.5`.
        case!("removeBelowValue", [2.1, 5.0, N, 8.7], Value::Int(5)
            => "removeBelowValue(cf.x, 5)", "None,5,None,8.7", None::<&str>);
        case!("removeAboveValue", [2.1, 5.5, N, 8.7], Value::Float(5.5)
            => "removeAboveValue(cf.x, 5.5)", "2.1,5.5,None,None", None::<&str>);
        // Percentile 50 of [1, 2, 3, 4] is the 3rd smallest (rank ⌈2.5⌉).
        case!("removeBelowPercentile", [4.0, 1.0, N, 3.0, 2.0], Value::Float(50.0)
            => "removeBelowPercentile(cf.x, 50)", "4,None,None,3,None", Some("50.0"));
        case!("removeAbovePercentile", [4.0, 1.0, N, 3.0, 2.0], Value::Float(50.0)
            => "removeAbovePercentile(cf.x, 50)", "None,1,None,3,2", Some("50.0"));
        // A series without data is renamed and left alone, without the tag.
        case!("removeAbovePercentile", [N, N], Value::Float(50.0)
            => "removeAbovePercentile(cf.x, 50)", "None,None", None::<&str>);
        case!("removeBelowValue", [1e-7], Value::Float(1e-7)
            => "removeBelowValue(cf.x, 1e-07)", "0.0000001", None::<&str>);
    }
}
