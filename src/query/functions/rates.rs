//! graphite-web's Transform functions over consecutive values: differences (derivative,
//! nonNegativeDerivative, perSecond) and running sums (integral, integralByInterval). Each
//! returns new series named `func(name)`, path expression = the new name, with a `func: 1` tag.

use super::transform::{offset_seconds, py_round, spec, Out, SERIES};
use crate::query::registry::{Invocation, Param, ParamType as T};
use crate::series::Series;

/// Replaces every series by `compute(series)`, renamed `func(name)` and tagged; the values
/// are floats.
fn each(
    inv: &mut Invocation<'_>,
    func: &str,
    tag: &str,
    compute: impl FnMut(&Series) -> Vec<f64>,
) -> Out {
    rewrite(inv.take_series(0), func, tag, compute)
}

/// The body of `each` over a list already taken; the Python-int flags are left as they are.
fn rewrite(
    mut list: Vec<Series>,
    func: &str,
    tag: &str,
    mut compute: impl FnMut(&Series) -> Vec<f64>,
) -> Out {
    for s in &mut list {
        s.values = compute(s);
        s.tags.insert(func.to_string(), tag.to_string());
        s.name = format!("{func}({})", s.name);
        s.path_expression = s.name.clone();
    }
    Ok(list)
}

fn derivative(inv: &mut Invocation<'_>) -> Out {
    let list = rewrite(inv.take_series_with_ints(0), "derivative", "1", |s| {
        let mut prev = f64::NAN;
        s.values
            .iter()
            .map(|&v| {
                // NaN - x and x - NaN are NaN: a gap on either side gives None.
                let d = v - prev;
                prev = v;
                d
            })
            .collect()
    })?;
    // An int minus an int stays an int in Python.
    Ok(list
        .into_iter()
        .map(|mut s| {
            let ints = (0..s.ints.len())
                .map(|i| i > 0 && s.ints[i] && s.ints[i - 1])
                .collect();
            s.ints = ints;
            s
        })
        .collect())
}

/// The counter bounds of nonNegativeDerivative and perSecond.
#[derive(Clone, Copy)]
struct Wrap {
    max: Option<f64>,
    min: Option<f64>,
}

impl Wrap {
    fn of(inv: &Invocation<'_>) -> Wrap {
        Wrap {
            max: inv.float(1),
            min: inv.float(2),
        }
    }

    /// graphite-web's `_nonNegativeDelta`: the increase from `prev` to `v` and the new `prev`.
    /// A None value resets `prev` (graphite-web 1.1.8 answers a 500 for a None value when a
    /// bound is set).
    fn delta(self, v: f64, prev: f64) -> (f64, f64) {
        if v.is_nan() {
            return (f64::NAN, f64::NAN);
        }
        if self.max.is_some_and(|max| v > max) || self.min.is_some_and(|min| v < min) {
            return (f64::NAN, f64::NAN);
        }
        if prev.is_nan() {
            return (f64::NAN, v);
        }
        if v >= prev {
            return (v - prev, v);
        }
        match (self.max, self.min) {
            (Some(max), min) => (max + 1.0 + v - prev - min.unwrap_or(0.0), v),
            (None, Some(min)) => (v - min, v),
            (None, None) => (f64::NAN, v),
        }
    }

    fn deltas(self, values: &[f64]) -> impl Iterator<Item = f64> + '_ {
        let mut prev = f64::NAN;
        values.iter().map(move |&v| {
            let (d, p) = self.delta(v, prev);
            prev = p;
            d
        })
    }
}

fn non_negative_derivative(inv: &mut Invocation<'_>) -> Out {
    let wrap = Wrap::of(inv);
    each(inv, "nonNegativeDerivative", "1", |s| {
        wrap.deltas(&s.values).collect()
    })
}

fn per_second(inv: &mut Invocation<'_>) -> Out {
    let wrap = Wrap::of(inv);
    each(inv, "perSecond", "1", |s| {
        let step = s.step as f64;
        wrap.deltas(&s.values)
            .map(|d| {
                let rate = d / step;
                if rate.is_finite() {
                    py_round(rate, 6)
                } else {
                    rate
                }
            })
            .collect()
    })
}

/// Running sum; None points stay None without resetting it.
fn integral(inv: &mut Invocation<'_>) -> Out {
    each(inv, "integral", "1", |s| {
        let mut total = 0.0;
        s.values
            .iter()
            .map(|&v| {
                if v.is_nan() {
                    v
                } else {
                    total += v;
                    total
                }
            })
            .collect()
    })
}

/// Running sum restarting at 0 whenever a point's time since the request start enters a new
/// multiple of the interval; None points carry the current sum.
fn integral_by_interval(inv: &mut Invocation<'_>) -> Out {
    let unit = inv.str(1).unwrap_or_default().to_string();
    let seconds = offset_seconds(inv, &unit)?.abs();
    if seconds == 0 {
        return Err(inv.error(format!(
            "intervalUnit {unit:?} is zero seconds; use a positive interval such as '1d'"
        )));
    }
    let from = inv.ctx.from;
    let mut list = inv.take_series(0);
    for s in &mut list {
        let mut total = 0.0;
        let mut t = s.start;
        for v in &mut s.values {
            if (t - from).div_euclid(seconds) != (t - from - s.step).div_euclid(seconds) {
                total = 0.0;
            }
            if !v.is_nan() {
                total += *v;
            }
            *v = total;
            t += s.step;
        }
        s.tags.insert("integralByInterval".into(), unit.clone());
        s.name = format!("integralByInterval({},'{unit}')", s.name);
        s.path_expression = s.name.clone();
    }
    Ok(list)
}

const BOUNDS: &[Param] = &[
    SERIES,
    Param::opt("maxValue", T::Float),
    Param::opt("minValue", T::Float),
];

pub(crate) const SPECS: &[crate::query::registry::FunctionSpec] = &[
    spec(
        "derivative",
        "The difference between each value and the one before it (None after a gap).",
        &[SERIES],
        derivative,
    ),
    spec(
        "nonNegativeDerivative",
        "Like derivative, but a decrease (counter reset) gives None, or with maxValue the \
         increase as if the counter wrapped at maxValue (to minValue, or 0).",
        BOUNDS,
        non_negative_derivative,
    ),
    spec(
        "perSecond",
        "nonNegativeDerivative divided by the step in seconds, rounded to 6 decimals.",
        BOUNDS,
        per_second,
    ),
    spec(
        "integral",
        "The running sum of the values; None stays None.",
        &[SERIES],
        integral,
    ),
    spec(
        "integralByInterval",
        "Like integral, but the sum restarts at 0 every intervalUnit counted from the request's \
         from time.",
        &[SERIES, Param::req("intervalUnit", T::String)],
        integral_by_interval,
    ),
];

#[cfg(test)]
mod tests {
    use super::super::transform::tests::{call, one, s, tf_a, vals, N, T0, V};
    use crate::query::registry::Value;

    /// `tf.d`: a counter without gaps that wraps and resets.
    fn tf_d() -> Vec<f64> {
        vec![
            10., 20., 30., 5., 15., 50., 60., 2., 8., 100., 1., 3., 3., 3., 7., 20., 25., 30., 35.,
            40., 45., 50., 55., 60., 65., 70., 75., 80., 85., 90.,
        ]
    }

    // Every expected row below was rendered by graphite-web 1.1.8 over the same data.
    #[test]
    fn derivative_as_graphite_web() {
        let out = one("derivative", tf_a(), vec![]);
        assert_eq!(out.name, "derivative(tf.x)");
        assert_eq!(out.path_expression, "derivative(tf.x)");
        assert_eq!(out.tags["derivative"], "1");
        assert_eq!(
            out.values,
            vals(&[
                N, 1., 2., 3., 4., N, N, 6., 7., -26., 2., 3., N, N, N, 8., 1., 0., 4., 5., N, N,
                2., -31., 2., N, N, N, N, 1.
            ])
        );
    }

    #[test]
    fn non_negative_derivative_as_graphite_web() {
        let nn = |values, extra| one("nonNegativeDerivative", values, extra).values;
        assert_eq!(
            nn(tf_a(), vec![]),
            vals(&[
                N, 1., 2., 3., 4., N, N, 6., 7., N, 2., 3., N, N, N, 8., 1., 0., 4., 5., N, N, 2.,
                N, 2., N, N, N, N, 1.
            ])
        );
        let tail5 = |head: &[f64]| -> V {
            let mut v = head.to_vec();
            v.resize(30, 5.0);
            V(v)
        };
        assert_eq!(
            nn(tf_d(), vec![]),
            tail5(&[N, 10., 10., N, 10., 35., 10., N, 6., 92., N, 2., 0., 0., 4., 13.])
        );
        // maxValue 60: wraps at 60, values above 60 are None and reset the previous value.
        let mut want = tail5(&[
            N, 10., 10., 36., 10., 35., 10., 3., 6., N, N, 2., 0., 0., 4., 13.,
        ]);
        want.0[24..].fill(N);
        assert_eq!(nn(tf_d(), vec![Value::Int(60)]), want);
        assert_eq!(
            nn(tf_d(), vec![Value::None, Value::Int(1)]),
            tail5(&[N, 10., 10., 4., 10., 35., 10., 1., 6., 92., 0., 2., 0., 0., 4., 13.])
        );
        let mut want = tail5(&[
            N, 10., 10., 34., 10., 35., 10., 1., 6., N, N, N, 0., 0., 4., 13.,
        ]);
        want.0[24..].fill(N);
        assert_eq!(nn(tf_d(), vec![Value::Int(60), Value::Int(2)]), want);
        let got = nn(tf_d(), vec![Value::Float(60.5)]);
        assert_eq!((got[3], got[7]), (36.5, 3.5));
        // graphite-web 1.1.8 fails with a 500 on a gap when a bound is set; pencil gives None
        // and restarts from the next value.
        assert_eq!(
            nn(vec![1., N, 3., 5.], vec![Value::Int(60)]),
            vals(&[N, N, N, 2.])
        );
    }

    #[test]
    fn per_second_as_graphite_web() {
        let out = one("perSecond", tf_a(), vec![]);
        assert_eq!(out.name, "perSecond(tf.x)");
        assert_eq!(out.tags["perSecond"], "1");
        assert_eq!(
            out.values,
            vals(&[
                N, 0.1, 0.2, 0.3, 0.4, N, N, 0.6, 0.7, N, 0.2, 0.3, N, N, N, 0.8, 0.1, 0.0, 0.4,
                0.5, N, N, 0.2, N, 0.2, N, N, N, N, 0.1
            ])
        );
        let got = one("perSecond", tf_d(), vec![Value::Int(60)]).values;
        assert_eq!(
            got[..11].to_vec(),
            vals(&[N, 1., 1., 3.6, 1., 3.5, 1., 0.3, 0.6, N, N])
        );
        // Rounded to 6 decimals.
        let got = one("perSecond", vec![0., 1.], vec![]).values;
        assert_eq!(got[1], 0.1);
        let got = one("perSecond", vec![0., 0.0000049], vec![]).values;
        assert_eq!(got[1], 0.0);
    }

    #[test]
    fn integral_as_graphite_web() {
        let out = one("integral", tf_a(), vec![]);
        assert_eq!(out.name, "integral(tf.x)");
        assert_eq!(
            out.values,
            vals(&[
                1., 3., 7., 14., 25., N, 41., 63., 92., 95., 100., 108., N, N, 120., 140., 161.,
                182., 207., 237., N, 268., 301., 303., 307., N, N, N, 316., 326.
            ])
        );
    }

    #[test]
    fn integral_by_interval_as_graphite_web() {
        let out = one(
            "integralByInterval",
            tf_a(),
            vec![Value::Str("1min".into())],
        );
        assert_eq!(out.name, "integralByInterval(tf.x,'1min')");
        assert_eq!(out.tags["integralByInterval"], "1min");
        // Request from is T0-10, so the sum restarts at T0+50, T0+110, ...
        assert_eq!(
            out.values,
            vals(&[
                1., 3., 7., 14., 25., 0., 16., 38., 67., 70., 75., 8., 8., 8., 20., 40., 61., 21.,
                46., 76., 76., 107., 140., 2., 6., 6., 6., 6., 15., 10.
            ])
        );
        let out = one(
            "integralByInterval",
            tf_a(),
            vec![Value::Str("-30s".into())],
        );
        assert_eq!(
            out.values[..10].to_vec(),
            vals(&[1., 3., 4., 11., 22., 0., 16., 38., 29., 32.])
        );
        let mut args = vec![Value::Series(vec![s("tf.x", T0, 10, tf_a())])];
        args.push(Value::Str("0s".into()));
        let err = call("integralByInterval", args, 1, T0, T0 + 300).unwrap_err();
        assert!(err.message.contains("zero seconds"), "{err}");
    }
}
