//! Tests of transform.rs, plus the helpers the other Transform test modules share. Every
//! expected row was rendered by graphite-web 1.1.8 over the same data (fed as `tf.*` at 10 s
//! steps from T0, requested from T0-10 to T0+290).

// The expected values are graphite-web's printed output, some of which happen to be constants.
#![allow(clippy::approx_constant)]

use crate::query::ast::Expr;
use crate::query::functions::testing::{ctx, FakeSource};
use crate::query::registry::{Invocation, Value};
use crate::query::{Context, QueryError};
use crate::series::Series;

pub(crate) const N: f64 = f64::NAN;
pub(crate) const T0: i64 = 1_796_176_800;

/// Values compared with None (NaN) equal to None.
pub(crate) struct V(pub Vec<f64>);

impl PartialEq for V {
    fn eq(&self, other: &V) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|(a, b)| (a.is_nan() && b.is_nan()) || a == b)
    }
}

impl PartialEq<V> for Vec<f64> {
    fn eq(&self, other: &V) -> bool {
        V(self.clone()) == *other
    }
}

impl std::fmt::Debug for V {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<Option<f64>> = self
            .0
            .iter()
            .map(|v| if v.is_nan() { None } else { Some(*v) })
            .collect();
        write!(f, "{shown:?}")
    }
}

pub(crate) fn vals(v: &[f64]) -> V {
    V(v.to_vec())
}

pub(crate) fn s(name: &str, start: i64, step: i64, values: Vec<f64>) -> Series {
    Series::new(name, start, step, values)
}

/// Runs `name` over a request `[from, until)` with nothing to re-fetch; the series argument
/// and the next `given` arguments count as written in the call, the rest as defaults.
pub(crate) fn call(
    name: &str,
    args: Vec<Value>,
    given: usize,
    from: i64,
    until: i64,
) -> Result<Vec<Series>, QueryError> {
    call_on(
        name,
        args,
        given,
        &ctx(from, until),
        &FakeSource::default(),
        None,
    )
}

/// Like [`call`] with a source to re-fetch from and the raw first argument.
pub(crate) fn call_on(
    name: &str,
    mut args: Vec<Value>,
    given: usize,
    ctx: &Context,
    source: &FakeSource,
    first: Option<Expr>,
) -> Result<Vec<Series>, QueryError> {
    let spec = crate::query::functions::lookup(name).unwrap_or_else(|| panic!("no {name}"));
    // Defaults for the parameters not passed, as the binder fills them.
    for p in &spec.params[args.len().min(spec.params.len())..] {
        args.push(
            p.default
                .map_or(Value::None, crate::query::registry::Literal::value),
        );
    }
    let placeholder = Expr::Int(0);
    let mut raw: Vec<Option<&Expr>> = vec![None; spec.params.len()];
    for (i, slot) in raw.iter_mut().enumerate().take(given + 1) {
        *slot = Some(if i == 0 {
            first.as_ref().unwrap_or(&placeholder)
        } else {
            &placeholder
        });
    }
    let mut inv = Invocation {
        name,
        spec,
        args,
        raw,
        ctx,
        eval: source,
    };
    (spec.run)(&mut inv)
}

/// `tf.a`: a counter with gaps and two resets.
pub(crate) fn tf_a() -> Vec<f64> {
    vec![
        1., 2., 4., 7., 11., N, 16., 22., 29., 3., 5., 8., N, N, 12., 20., 21., 21., 25., 30., N,
        31., 33., 2., 4., N, N, N, 9., 10.,
    ]
}

/// `tf.b`: a gauge with negatives, zero, tiny values and gaps.
fn tf_b() -> Vec<f64> {
    vec![
        -3., 1.5, N, 0., 2., -0.25, 7., N, 100., 3., 0.5, -1., 4., N, 6., 1e-7, 2.5, 10., N, -8.,
        1., 1., 1., 0.1, 0.3, N, 5., 6., 7., 8.,
    ]
}

/// Runs `name` on one series `tf.x` with `extra` arguments written in the call.
pub(crate) fn one(name: &str, values: Vec<f64>, extra: Vec<Value>) -> Series {
    let given = extra.len();
    let mut args = vec![Value::Series(vec![s("tf.x", T0, 10, values)])];
    args.extend(extra);
    call(name, args, given, T0 - 10, T0 + 290)
        .unwrap()
        .remove(0)
}

/// `(name, tag value)` of a result; `tag` is the tag the function adds.
fn label(out: &Series, tag: &str) -> (String, Option<String>) {
    (out.name.clone(), out.tags.get(tag).cloned())
}

macro_rules! named {
    ($name:expr, [$($arg:expr),*], $tag:expr => $want:expr, $want_tag:expr) => {{
        let out = one($name, tf_b(), vec![$($arg),*]);
        assert_eq!(label(&out, $tag), ($want.to_string(), $want_tag.map(str::to_string)));
        assert_eq!(out.path_expression, $want);
    }};
}

#[test]
fn names_and_tags_as_graphite_web() {
    use Value::{Float, Int};
    named!("scale", [Int(10)], "scale" => "scale(tf.x,10)", Some("10.0"));
    named!("scale", [Float(0.5)], "scale" => "scale(tf.x,0.5)", Some("0.5"));
    named!("scale", [Float(1e-7)], "scale" => "scale(tf.x,1e-07)", Some("1e-07"));
    named!("offset", [Float(-1.5)], "offset" => "offset(tf.x,-1.5)", Some("-1.5"));
    named!("add", [Float(2.7)], "add" => "add(tf.x,2)", Some("2.7"));
    named!("scaleToSeconds", [Int(60)], "scaleToSeconds" => "scaleToSeconds(tf.x,60)", Some("60.0"));
    named!("scaleToSeconds", [Float(2.5)], "scaleToSeconds" => "scaleToSeconds(tf.x,2)", Some("2.5"));
    named!("absolute", [], "absolute" => "absolute(tf.x)", Some("1"));
    named!("invert", [], "invert" => "invert(tf.x)", Some("1"));
    named!("squareRoot", [], "squareRoot" => "squareRoot(tf.x)", Some("1"));
    named!("pow", [Int(2)], "pow" => "pow(tf.x,2)", Some("2.0"));
    named!("exp", [], "exp" => "exp(tf.x)", Some("e"));
    named!("log", [], "log" => "log(tf.x, 10)", Some("10"));
    named!("log", [Int(2)], "log" => "log(tf.x, 2)", Some("2"));
    named!("round", [], "round" => "round(tf.x)", Some("0"));
    named!("round", [Int(0)], "round" => "round(tf.x,0)", Some("0"));
    named!("round", [Int(1)], "round" => "round(tf.x,1)", Some("1"));
    named!("sigmoid", [], "sigmoid" => "sigmoid(tf.x)", Some("sigmoid"));
    named!("logit", [], "logit" => "logit(tf.x)", Some("logit"));
    named!("minMax", [], "minMax" => "minMax(tf.x)", None::<&str>);
    named!("offsetToZero", [], "offsetToZero" => "offsetToZero(tf.x)", Some("-8.0"));
    named!("keepLastValue", [], "keepLastValue" => "keepLastValue(tf.x)", None::<&str>);
    named!("keepLastValue", [Int(3)], "keepLastValue" => "keepLastValue(tf.x)", None::<&str>);
    named!("interpolate", [Int(3)], "interpolate" => "interpolate(tf.x)", None::<&str>);
    named!("transformNull", [], "transformNull" => "transformNull(tf.x,0)", Some("0"));
    named!("transformNull", [Int(0)], "transformNull" => "transformNull(tf.x,0)", Some("0.0"));
    named!("transformNull", [Float(-1.5)], "transformNull" => "transformNull(tf.x,-1.5)", Some("-1.5"));
    named!("isNonNull", [], "isNonNull" => "isNonNull(tf.x)", Some("1"));
    named!("changed", [], "changed" => "changed(tf.x)", None::<&str>);
}

macro_rules! values {
    ($name:expr, $input:expr, [$($arg:expr),*] => [$($want:expr),* $(,)?]) => {
        assert_eq!(
            one($name, $input, vec![$($arg),*]).values,
            vals(&[$($want),*]),
            "{}", $name
        )
    };
}

#[test]
fn pointwise_values_as_graphite_web() {
    use Value::{Float, Int};
    values!("scale", tf_b(), [Float(0.5)] => [-1.5, 0.75, N, 0.0, 1.0, -0.125, 3.5, N, 50.0, 1.5,
        0.25, -0.5, 2.0, N, 3.0, 5e-08, 1.25, 5.0, N, -4.0, 0.5, 0.5, 0.5, 0.05, 0.15, N, 2.5,
        3.0, 3.5, 4.0]);
    values!("scaleToSeconds", tf_b(), [Float(2.5)] => [-0.75, 0.375, N, 0.0, 0.5, -0.0625, 1.75,
        N, 25.0, 0.75, 0.125, -0.25, 1.0, N, 1.5, 0.0, 0.625, 2.5, N, -2.0, 0.25, 0.25, 0.25,
        0.025, 0.075, N, 1.25, 1.5, 1.75, 2.0]);
    values!("scaleToSeconds", tf_b(), [Int(60)] => [-18.0, 9.0, N, 0.0, 12.0, -1.5, 42.0, N, 600.0,
        18.0, 3.0, -6.0, 24.0, N, 36.0, 1e-06, 15.0, 60.0, N, -48.0, 6.0, 6.0, 6.0, 0.6, 1.8, N,
        30.0, 36.0, 42.0, 48.0]);
    values!("offset", tf_b(), [Float(-1.5)] => [-4.5, 0.0, N, -1.5, 0.5, -1.75, 5.5, N, 98.5, 1.5,
        -1.0, -2.5, 2.5, N, 4.5, -1.4999999, 1.0, 8.5, N, -9.5, -0.5, -0.5, -0.5, -1.4, -1.2, N,
        3.5, 4.5, 5.5, 6.5]);
    values!("add", tf_b(), [Float(2.7)] => [-0.2999999999999998, 4.2, N, 2.7, 4.7, 2.45, 9.7, N,
        102.7, 5.7, 3.2, 1.7000000000000002, 6.7, N, 8.7, 2.7000001, 5.2, 12.7, N, -5.3, 3.7, 3.7,
        3.7, 2.8000000000000003, 3.0, N, 7.7, 8.7, 9.7, 10.7]);
    values!("invert", tf_b(), [] => [-0.3333333333333333, 0.6666666666666666, N, N, 0.5, -4.0,
        0.14285714285714285, N, 0.01, 0.3333333333333333, 2.0, -1.0, 0.25, N, 0.16666666666666666,
        10000000.0, 0.4, 0.1, N, -0.125, 1.0, 1.0, 1.0, 10.0, 3.3333333333333335, N, 0.2,
        0.16666666666666666, 0.14285714285714285, 0.125]);
    values!("squareRoot", tf_b(), [] => [N, 1.224744871391589, N, 0.0, 1.4142135623730951, N,
        2.6457513110645907, N, 10.0, 1.7320508075688772, 0.7071067811865476, N, 2.0, N,
        2.449489742783178, 0.00031622776601683794, 1.5811388300841898, 3.1622776601683795, N, N,
        1.0, 1.0, 1.0, 0.31622776601683794, 0.5477225575051661, N, 2.23606797749979,
        2.449489742783178, 2.6457513110645907, 2.8284271247461903]);
    values!("pow", tf_b(), [Int(2)] => [9.0, 2.25, N, 0.0, 4.0, 0.0625, 49.0, N, 10000.0, 9.0, 0.25,
        1.0, 16.0, N, 36.0, 9.999999999999998e-15, 6.25, 100.0, N, 64.0, 1.0, 1.0, 1.0,
        0.010000000000000002, 0.09, N, 25.0, 36.0, 49.0, 64.0]);
    values!("log", tf_b(), [] => [N, 0.17609125905568124, N, N, 0.30102999566398114, N,
        0.8450980400142567, N, 2.0, 0.47712125471966244, -0.30102999566398114, N,
        0.6020599913279623, N, 0.7781512503836435, -7.0, 0.3979400086720376, 1.0, N, N, 0.0, 0.0,
        0.0, -0.9999999999999998, -0.5228787452803376, N, 0.6989700043360187, 0.7781512503836435,
        0.8450980400142567, 0.9030899869919434]);
    values!("round", tf_b(), [] => [-3.0, 2.0, N, 0.0, 2.0, -0.0, 7.0, N, 100.0, 3.0, 0.0, -1.0,
        4.0, N, 6.0, 0.0, 2.0, 10.0, N, -8.0, 1.0, 1.0, 1.0, 0.0, 0.0, N, 5.0, 6.0, 7.0, 8.0]);
    values!("round", tf_b(), [Int(1)] => [-3.0, 1.5, N, 0.0, 2.0, -0.2, 7.0, N, 100.0, 3.0, 0.5,
        -1.0, 4.0, N, 6.0, 0.0, 2.5, 10.0, N, -8.0, 1.0, 1.0, 1.0, 0.1, 0.3, N, 5.0, 6.0, 7.0, 8.0]);
    values!("minMax", tf_b(), [] => [0.046296296296296294, 0.08796296296296297, N,
        0.07407407407407407, 0.09259259259259259, 0.07175925925925926, 0.1388888888888889, N, 1.0,
        0.10185185185185185, 0.0787037037037037, 0.06481481481481481, 0.1111111111111111, N,
        0.12962962962962962, 0.07407407499999999, 0.09722222222222222, 0.16666666666666666, N,
        0.0, 0.08333333333333333, 0.08333333333333333, 0.08333333333333333, 0.075,
        0.07685185185185185, N, 0.12037037037037036, 0.12962962962962962, 0.1388888888888889,
        0.14814814814814814]);
    values!("minMax", vec![3., N, 3.], [] => [0.0, N, 0.0]);
    values!("offsetToZero", tf_b(), [] => [5.0, 9.5, N, 8.0, 10.0, 7.75, 15.0, N, 108.0, 11.0, 8.5,
        7.0, 12.0, N, 14.0, 8.0000001, 10.5, 18.0, N, 0.0, 9.0, 9.0, 9.0, 8.1, 8.3, N, 13.0, 14.0,
        15.0, 16.0]);
    values!("sigmoid", tf_b(), [] => [0.04742587317756678, 0.8175744761936437, N, 0.5,
        0.8807970779778823, 0.43782349911420193, 0.9990889488055994, N, 1.0, 0.9525741268224334,
        0.6224593312018546, 0.2689414213699951, 0.9820137900379085, N, 0.9975273768433653,
        0.500000025, 0.9241418199787566, 0.9999546021312976, N, 0.0003353501304664781,
        0.7310585786300049, 0.7310585786300049, 0.7310585786300049, 0.52497918747894,
        0.574442516811659, N, 0.9933071490757153, 0.9975273768433653, 0.9990889488055994,
        0.9996646498695336]);
    values!("logit", tf_b(), [] => [N, N, N, N, N, N, N, N, N, N, 0.0, N, N, N, N,
        -16.118095550958316, N, N, N, N, N, N, N, -2.197224577336219, -0.8472978603872036, N, N,
        N, N, N]);
    values!("exp", vec![0.0, 1.0, 1000.0], [] => [1.0, 2.718281828459045, N]);
}

#[test]
fn offset_to_zero_of_an_empty_series() {
    let out = one("offsetToZero", vec![N, N], vec![]);
    assert_eq!(out.tags["offsetToZero"], "None");
    assert_eq!(out.values, vals(&[N, N]));
}

#[test]
fn log_refuses_bases_python_cannot_use() {
    for base in [0, 1, -2] {
        let args = vec![Value::Series(vec![]), Value::Int(base)];
        let err = call("log", args, 1, T0, T0 + 60).unwrap_err();
        assert!(err.message.contains("base must be"), "{err}");
    }
}

#[test]
fn null_fillers_as_graphite_web() {
    use Value::Int;
    values!("keepLastValue", tf_a(), [] => [1.0, 2.0, 4.0, 7.0, 11.0, 11.0, 16.0, 22.0, 29.0, 3.0,
        5.0, 8.0, 8.0, 8.0, 12.0, 20.0, 21.0, 21.0, 25.0, 30.0, 30.0, 31.0, 33.0, 2.0, 4.0, 4.0,
        4.0, 4.0, 9.0, 10.0]);
    // Runs longer than the limit are left alone entirely.
    values!("keepLastValue", tf_a(), [Int(1)] => [1.0, 2.0, 4.0, 7.0, 11.0, 11.0, 16.0, 22.0, 29.0,
        3.0, 5.0, 8.0, N, N, 12.0, 20.0, 21.0, 21.0, 25.0, 30.0, 30.0, 31.0, 33.0, 2.0, 4.0, N, N,
        N, 9.0, 10.0]);
    values!("keepLastValue", vec![N, 1., N, N], [Int(2)] => [N, 1., 1., 1.]);
    values!("keepLastValue", vec![N, 1., N, N], [Int(1)] => [N, 1., N, N]);
    values!("interpolate", tf_a(), [] => [1.0, 2.0, 4.0, 7.0, 11.0, 13.5, 16.0, 22.0, 29.0, 3.0,
        5.0, 8.0, 9.333333333333334, 10.666666666666666, 12.0, 20.0, 21.0, 21.0, 25.0, 30.0, 30.5,
        31.0, 33.0, 2.0, 4.0, 5.25, 6.5, 7.75, 9.0, 10.0]);
    values!("interpolate", tf_a(), [Int(2)] => [1.0, 2.0, 4.0, 7.0, 11.0, 13.5, 16.0, 22.0, 29.0,
        3.0, 5.0, 8.0, 9.333333333333334, 10.666666666666666, 12.0, 20.0, 21.0, 21.0, 25.0, 30.0,
        30.5, 31.0, 33.0, 2.0, 4.0, N, N, N, 9.0, 10.0]);
    values!("interpolate", vec![N, N, 2., N, 4., N], [] => [N, N, 2., 3., 4., N]);
    values!("transformNull", tf_a(), [Value::Float(-1.5)] => [1.0, 2.0, 4.0, 7.0, 11.0, -1.5, 16.0,
        22.0, 29.0, 3.0, 5.0, 8.0, -1.5, -1.5, 12.0, 20.0, 21.0, 21.0, 25.0, 30.0, -1.5, 31.0,
        33.0, 2.0, 4.0, -1.5, -1.5, -1.5, 9.0, 10.0]);
    values!("changed", tf_a(), [] => [0., 1., 1., 1., 1., 0., 1., 1., 1., 1., 1., 1., 0., 0., 1.,
        1., 1., 0., 1., 1., 0., 1., 1., 1., 1., 0., 0., 0., 1., 1.]);
    values!("changed", vec![N, 5., 5., N, 6.], [] => [0., 0., 0., 0., 1.]);
    values!("isNonNull", vec![N, 5., 0.], [] => [0., 1., 1.]);
}

#[test]
fn transform_null_with_reference_series() {
    let args = vec![
        Value::Series(vec![s("tf.a", T0, 10, tf_a())]),
        Value::Int(2),
        Value::Series(vec![s("tf.b", T0, 10, tf_b())]),
    ];
    let out = call("transformNull", args, 2, T0 - 10, T0 + 290).unwrap();
    assert_eq!(out[0].name, "transformNull(tf.a,2,referenceSeries)");
    assert_eq!(out[0].tags["transformNull"], "2.0");
    assert_eq!(out[0].tags["referenceSeries"], "1");
    assert_eq!(
        out[0].values,
        vals(&[
            1.0, 2.0, 4.0, 7.0, 11.0, 2.0, 16.0, 22.0, 29.0, 3.0, 5.0, 8.0, 2.0, N, 12.0, 20.0,
            21.0, 21.0, 25.0, 30.0, 2.0, 31.0, 33.0, 2.0, 4.0, N, 2.0, 2.0, 9.0, 10.0
        ])
    );
}

macro_rules! rounds {
    ($x:expr, $n:expr => $want:expr) => {
        assert_eq!(super::py_round($x, $n), $want, "round({}, {})", $x, $n)
    };
}

#[test]
fn python_round() {
    rounds!(2.5, 0 => 2.0);
    rounds!(3.5, 0 => 4.0);
    rounds!(-0.25, 1 => -0.2);
    rounds!(0.125, 2 => 0.12);
    rounds!(2.675, 2 => 2.67);
    rounds!(1.0000005, 6 => 1.000001);
    rounds!(0.0000025, 6 => 0.000003);
    rounds!(0.1 + 0.2, 6 => 0.3);
    rounds!(1234.5, -2 => 1200.0);
    rounds!(f64::INFINITY, 6 => f64::INFINITY);
}
