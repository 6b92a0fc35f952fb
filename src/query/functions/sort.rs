//! graphite-web's "Sorting" functions: reorder a list by name or by one aggregated value per
//! series. Sorts are stable like Python's (`reverse` keeps equal series in their order), and a
//! series whose value is None sorts as -infinity (graphite-web's `keyFunc`).

use std::cmp::Ordering;

use crate::query::aggfuncs::{self, AggFn, AGG_FUNC_NAMES};
use crate::query::registry::{
    group::SORTING, FunctionSpec, Invocation, Literal, Param, ParamType as T,
};
use crate::query::QueryError;
use crate::series::Series;

type Out = Result<Vec<Series>, QueryError>;

/// The sort key of one series: NaN (None) becomes -inf, so empty series sort first ascending.
fn key(f: AggFn, s: &Series) -> f64 {
    let v = f(&s.values);
    if v.is_nan() {
        f64::NEG_INFINITY
    } else {
        v
    }
}

/// Sorts by `f` of each series, ascending or (stably) descending.
fn sort_by_value(mut list: Vec<Series>, f: AggFn, descending: bool) -> Vec<Series> {
    let mut keyed: Vec<(f64, Series)> = list.drain(..).map(|s| (key(f, &s), s)).collect();
    keyed.sort_by(|(a, _), (b, _)| {
        let order = a.total_cmp(b);
        if descending {
            order.reverse()
        } else {
            order
        }
    });
    keyed.into_iter().map(|(_, s)| s).collect()
}

fn sort_by(inv: &mut Invocation<'_>) -> Out {
    let name = inv.str(1).unwrap_or("average").to_string();
    let f = aggfuncs::agg_func(&name).ok_or_else(|| {
        inv.error(format!(
            "unsupported aggregation function {name:?}; use one of {AGG_FUNC_NAMES:?}"
        ))
    })?;
    let reverse = inv.bool(2);
    Ok(sort_by_value(inv.take_series_with_ints(0), f, reverse))
}

fn sort_by_total(inv: &mut Invocation<'_>) -> Out {
    Ok(sort_by_value(
        inv.take_series_with_ints(0),
        aggfuncs::sum,
        true,
    ))
}

fn sort_by_maxima(inv: &mut Invocation<'_>) -> Out {
    Ok(sort_by_value(
        inv.take_series_with_ints(0),
        aggfuncs::max,
        true,
    ))
}

/// Only series with a positive maximum, ascending by minimum.
fn sort_by_minima(inv: &mut Invocation<'_>) -> Out {
    let list: Vec<Series> = inv
        .take_series_with_ints(0)
        .into_iter()
        .filter(|s| aggfuncs::max(&s.values) > 0.0)
        .collect();
    Ok(sort_by_value(list, aggfuncs::min, false))
}

fn sort_by_name(inv: &mut Invocation<'_>) -> Out {
    let natural = inv.bool(1);
    let reverse = inv.bool(2);
    let mut keyed: Vec<(String, Series)> = inv
        .take_series_with_ints(0)
        .into_iter()
        .map(|s| {
            let k = if natural {
                natural_key(&s.name)
            } else {
                s.name.clone()
            };
            (k, s)
        })
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        let order: Ordering = a.cmp(b);
        if reverse {
            order.reverse()
        } else {
            order
        }
    });
    Ok(keyed.into_iter().map(|(_, s)| s).collect())
}

/// graphite-web's natural sort key: every run of digits becomes its integer value written
/// with at least 10 digits (`"{0:010}".format(int(run))`), so `n9` sorts before `n10`.
fn natural_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 16);
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.is_empty() {
            return;
        }
        let value = digits.trim_start_matches('0');
        let value = if value.is_empty() { "0" } else { value };
        out.extend(std::iter::repeat_n(
            '0',
            10usize.saturating_sub(value.len()),
        ));
        out.push_str(value);
        digits.clear();
    };
    for c in name.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

const SERIES: Param = Param::req("seriesList", T::SeriesList);

pub(crate) const SPECS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "sortBy",
        group: SORTING,
        description: "Sorts the series ascending (or descending with reverse) by the given \
                      aggregation of their values: sortBy(server*.threads.busy,'max').",
        params: &[
            SERIES,
            Param::opt("func", T::AggFunc).default(Literal::Str("average")),
            Param::opt("reverse", T::Boolean).default(Literal::Bool(false)),
        ],
        run: sort_by,
        aggregator: false,
    },
    FunctionSpec {
        name: "sortByName",
        group: SORTING,
        description: "Sorts the series by name, alphabetically or naturally (server2 before \
                      server11), optionally reversed.",
        params: &[
            SERIES,
            Param::opt("natural", T::Boolean).default(Literal::Bool(false)),
            Param::opt("reverse", T::Boolean).default(Literal::Bool(false)),
        ],
        run: sort_by_name,
        aggregator: false,
    },
    FunctionSpec {
        name: "sortByTotal",
        group: SORTING,
        description: "Sorts the series descending by the sum of their values.",
        params: &[SERIES],
        run: sort_by_total,
        aggregator: false,
    },
    FunctionSpec {
        name: "sortByMaxima",
        group: SORTING,
        description: "Sorts the series descending by their maximum value (useful with \
                      areaMode=all to keep the lower lines visible).",
        params: &[SERIES],
        run: sort_by_maxima,
        aggregator: false,
    },
    FunctionSpec {
        name: "sortByMinima",
        group: SORTING,
        description: "Sorts the series ascending by their minimum value, keeping only those \
                      whose maximum is above 0.",
        params: &[SERIES],
        run: sort_by_minima,
        aggregator: false,
    },
];

#[cfg(test)]
mod tests {
    use crate::query::functions::testing::{ctx, run, series, FakeSource};
    use crate::query::registry::Value;

    const N: f64 = f64::NAN;

    /// The `as.s.*` metrics fed to graphite-web 1.1.8 (one or two points each; `empty` has
    /// none in the window), in the order a glob returns them.
    fn fixture() -> Value {
        let rows: [(&str, &[f64]); 7] = [
            ("as.s.N2", &[2.0, N]),
            ("as.s.a", &[0.0, N]),
            ("as.s.empty", &[N, N]),
            ("as.s.n10", &[1.0, N]),
            ("as.s.n2x3", &[5.0, N]),
            ("as.s.n9", &[3.0, N]),
            ("as.s.neg", &[-2.0, -5.0]),
        ];
        Value::Series(rows.iter().map(|(n, v)| series(n, 0, 10, v)).collect())
    }

    /// `$function(as.s.*, $args...)` orders the series as graphite-web does: `$want` lists
    /// the last node of each name.
    macro_rules! order {
        ($function:expr, [$($arg:expr),*] => $want:expr) => {{
            let out = run(
                $function,
                vec![fixture(), $($arg),*],
                None,
                &ctx(0, 600),
                &FakeSource::default(),
            )
            .unwrap();
            let got: Vec<&str> = out.iter().map(|s| &s.name[5..]).collect();
            let want: Vec<&str> = $want.split(' ').collect();
            assert_eq!(got, want, "{}", $function);
        }};
    }

    #[test]
    fn sort_by_name_plain_natural_reversed() {
        let b = Value::Bool;
        order!("sortByName", [b(false), b(false)] => "N2 a empty n10 n2x3 n9 neg");
        order!("sortByName", [b(true), b(false)] => "N2 a empty n2x3 n9 n10 neg");
        order!("sortByName", [b(false), b(true)] => "neg n9 n2x3 n10 empty a N2");
        order!("sortByName", [b(true), b(true)] => "neg n10 n9 n2x3 empty a N2");
        assert_eq!(
            super::natural_key("a007b12345678901c"),
            "a0000000007b12345678901c"
        );
    }

    #[test]
    fn sort_by_values() {
        let s = |t: &str| Value::Str(t.into());
        order!("sortByMaxima", [] => "n2x3 n9 N2 n10 a neg empty");
        order!("sortByMinima", [] => "n10 N2 n9 n2x3");
        order!("sortByTotal", [] => "n2x3 n9 N2 n10 a neg empty");
        order!("sortBy", [s("average"), Value::Bool(false)] => "empty neg a n10 N2 n9 n2x3");
        order!("sortBy", [s("max"), Value::Bool(true)] => "n2x3 n9 N2 n10 a neg empty");
        // Equal keys keep their order both ways, as Python's stable sort.
        order!("sortBy", [s("count"), Value::Bool(true)] => "neg N2 a n10 n2x3 n9 empty");
        order!("sortBy", [s("count"), Value::Bool(false)] => "empty N2 a n10 n2x3 n9 neg");
        let err = run(
            "sortBy",
            vec![fixture(), s("sumSeries"), Value::Bool(false)],
            None,
            &ctx(0, 600),
            &FakeSource::default(),
        )
        .unwrap_err();
        assert!(err.message.contains("unsupported aggregation"), "{err}");
    }
}
