//! graphite-web's series generators: `time`, `sin` and `randomWalk` (and their long names)
//! build a series over the request range from nothing but a name and a step. Pure: the random
//! walk is seeded from the request, never from a clock or the OS.

use super::transform::Out;
use crate::query::registry::{
    group::{SPECIAL, TRANSFORM},
    FunctionSpec, Invocation, Literal, Param, ParamType as T,
};
use crate::query::QueryError;
use crate::series::Series;

/// Points one generated series may hold: the render limit, checked before allocating.
pub(crate) const MAX_POINTS: i64 = 10_000_000;

/// A series named `name` with one value per `step` from the request's from (not from+step,
/// unlike fetched series) while below until, each `value(timestamp)`.
fn generate(inv: &Invocation<'_>, step_param: usize, mut value: impl FnMut(i64) -> f64) -> Out {
    let name = inv.str(0).unwrap_or_default().to_string();
    let step = inv.int(step_param).unwrap_or(60);
    if step <= 0 {
        // graphite-web loops forever on a zero step.
        return Err(inv.error(format!(
            "step must be a positive number of seconds, got {step}"
        )));
    }
    let (from, until) = (inv.ctx.from, inv.ctx.until);
    let count = (until - from + step - 1).div_euclid(step).max(0);
    if count > MAX_POINTS {
        return Err(too_many(inv, count));
    }
    let values = (0..count).map(|i| value(from + i * step)).collect();
    let mut s = Series::new(name, from, step, values);
    s.x_files_factor = inv.ctx.x_files_factor;
    Ok(vec![s])
}

fn too_many(inv: &Invocation<'_>, count: i64) -> QueryError {
    inv.error(format!(
        "{count} points would exceed the limit of {MAX_POINTS}; use a larger step"
    ))
}

fn time_function(inv: &mut Invocation<'_>) -> Out {
    generate(inv, 1, |t| t as f64)
}

fn sin_function(inv: &mut Invocation<'_>) -> Out {
    let amplitude = inv.int(1).unwrap_or(1) as f64;
    generate(inv, 2, |t| (t as f64).sin() * amplitude)
}

/// Starts at 0 and adds a uniform step in [-0.5, 0.5) per point. graphite-web draws from
/// Python's global random generator; pencil seeds a xorshift generator from the request range
/// and the name, so the same request draws the same walk.
fn random_walk(inv: &mut Invocation<'_>) -> Out {
    let name = inv.str(0).unwrap_or_default();
    let mut state = name.bytes().fold(
        (inv.ctx.from as u64) ^ ((inv.ctx.until as u64) << 1) ^ 0x9E37_79B9_7F4A_7C15,
        |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3),
    );
    let mut current = 0.0;
    generate(inv, 1, |_| {
        let here = current;
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        // The top 53 bits as a fraction in [0, 1), like Python's random().
        current += (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
        here
    })
}

const STEP: Param = Param::opt("step", T::Integer).default(Literal::Int(60));
const NAME: Param = Param::req("name", T::String);
const SIN_PARAMS: &[Param] = &[
    NAME,
    Param::opt("amplitude", T::Integer).default(Literal::Int(1)),
    STEP,
];

const TIME_DOC: &str = "A series whose value at each point is its timestamp (short alias: time).";
const SIN_DOC: &str = "sin(timestamp) × amplitude at each point (short alias: sin).";
const WALK_DOC: &str = "A random walk starting at 0, each point adding a step in [-0.5, 0.5) \
                        (short alias: randomWalk).";

pub(crate) const SPECS: &[FunctionSpec] = &[
    FunctionSpec::new(
        "timeFunction",
        TRANSFORM,
        TIME_DOC,
        &[NAME, STEP],
        time_function,
    ),
    FunctionSpec::new("time", TRANSFORM, TIME_DOC, &[NAME, STEP], time_function),
    FunctionSpec::new("sinFunction", TRANSFORM, SIN_DOC, SIN_PARAMS, sin_function),
    FunctionSpec::new("sin", TRANSFORM, SIN_DOC, SIN_PARAMS, sin_function),
    FunctionSpec::new(
        "randomWalkFunction",
        SPECIAL,
        WALK_DOC,
        &[NAME, STEP],
        random_walk,
    ),
    FunctionSpec::new("randomWalk", SPECIAL, WALK_DOC, &[NAME, STEP], random_walk),
];

#[cfg(test)]
mod tests {
    use super::super::transform::tests::{call, T0};
    use crate::query::registry::Value;

    fn gen(name: &str, args: Vec<Value>, from: i64, until: i64) -> crate::series::Series {
        let given = args.len() - 1;
        call(name, args, given, from, until).unwrap().remove(0)
    }

    fn name(s: &str) -> Value {
        Value::Str(s.into())
    }

    // Observed from graphite-web 1.1.8, from T0+25 until T0+265.
    #[test]
    fn time_as_graphite_web() {
        for f in ["time", "timeFunction"] {
            let out = gen(f, vec![name("tf.t")], T0 + 25, T0 + 265);
            assert_eq!(out.name, "tf.t");
            assert_eq!(out.tags["name"], "tf.t");
            assert_eq!((out.start, out.step), (T0 + 25, 60));
            let want: Vec<f64> = [25, 85, 145, 205].iter().map(|d| (T0 + d) as f64).collect();
            assert_eq!(out.values, want);
        }
        let out = gen(
            "time",
            vec![name("tf.t"), Value::Int(25)],
            T0 + 25,
            T0 + 265,
        );
        assert_eq!(out.values.len(), 10);
        assert_eq!(out.values[9], (T0 + 250) as f64);
    }

    #[test]
    fn sin_as_graphite_web() {
        let args = vec![name("tf.s"), Value::Int(2), Value::Int(30)];
        let out = gen("sin", args, T0 + 25, T0 + 265);
        assert_eq!(
            (out.name.as_str(), out.start, out.step),
            ("tf.s", T0 + 25, 30)
        );
        assert_eq!(
            out.values,
            [
                1.4930847979586692,
                1.545060155849164,
                -1.016429259552129,
                -1.8586315298373226,
                0.44303604298375804,
                1.995309433802728,
                0.17252270329313235,
                -1.9420856795597456
            ]
        );
    }

    #[test]
    fn random_walk_starts_at_zero_and_steps_by_at_most_half() {
        let out = gen(
            "randomWalk",
            vec![name("tf.r"), Value::Int(30)],
            T0 + 25,
            T0 + 265,
        );
        assert_eq!(
            (out.name.as_str(), out.start, out.step),
            ("tf.r", T0 + 25, 30)
        );
        assert_eq!(out.values.len(), 8);
        assert_eq!(out.values[0], 0.0);
        assert!(out.values.windows(2).all(|w| (w[1] - w[0]).abs() <= 0.5));
        assert!(out.values.windows(2).any(|w| w[1] != w[0]));
        let again = gen(
            "randomWalkFunction",
            vec![name("tf.r"), Value::Int(30)],
            T0 + 25,
            T0 + 265,
        );
        assert_eq!(
            out.values, again.values,
            "the same request draws the same walk"
        );
    }

    #[test]
    fn bad_steps_are_errors() {
        let err = call("time", vec![name("x"), Value::Int(0)], 1, 0, 60).unwrap_err();
        assert!(err.message.contains("step must be a positive"), "{err}");
        let err = call(
            "sin",
            vec![name("x"), Value::Int(1), Value::Int(1)],
            2,
            0,
            1 << 40,
        )
        .unwrap_err();
        assert!(err.message.contains("exceed the limit"), "{err}");
    }
}
