//! graphite-web's "Graph" functions: drawing hints for the image renderer. In JSON only the
//! names (and `stacked`'s values) change; the hints travel in `Series::style`.

use crate::query::pyfmt;
use crate::query::registry::{
    group::GRAPH, FunctionSpec, Invocation, Literal, Param, ParamType as T, Value,
};
use crate::query::QueryError;
use crate::series::Series;

type Out = Result<Vec<Series>, QueryError>;

/// Applies `f` to every series of the first argument.
fn each(inv: &mut Invocation<'_>, mut f: impl FnMut(&mut Series)) -> Out {
    let mut list = inv.take_series_with_ints(0);
    list.iter_mut().for_each(&mut f);
    Ok(list)
}

fn color(inv: &mut Invocation<'_>) -> Out {
    let c = inv.str(1).unwrap_or_default().to_string();
    each(inv, |s| s.style.color = Some(c.clone()))
}

fn line_width(inv: &mut Invocation<'_>) -> Out {
    let w = inv.float(1);
    each(inv, |s| s.style.line_width = w)
}

fn dashed(inv: &mut Invocation<'_>) -> Out {
    let len = inv.float(1).unwrap_or(5.0);
    each(inv, |s| {
        s.tags.insert("dashed".into(), pyfmt::g(len));
        s.name = format!("dashed({}, {})", s.name, pyfmt::g(len));
        s.style.dashed = Some(len);
    })
}

/// Cumulative sums across the list, point by point; None stays None but does not reset the
/// running total. Only the default stack renames (graphite-web's legend work-around).
/// Totals are per call: graphite-web also carries them across targets of one request.
fn stacked(inv: &mut Invocation<'_>) -> Out {
    let stack = inv.str(1).map(str::to_string);
    let mut total: Vec<f64> = Vec::new();
    // Python's running total starts as int 0 and stays an int while only ints are added.
    let mut total_is_int: Vec<bool> = Vec::new();
    each(inv, |s| {
        if total.len() < s.values.len() {
            total.resize(s.values.len(), 0.0);
            total_is_int.resize(s.values.len(), true);
        }
        let mut ints = Vec::with_capacity(s.values.len());
        for (i, (v, t)) in s.values.iter_mut().zip(total.iter_mut()).enumerate() {
            if !v.is_nan() {
                total_is_int[i] &= s.ints.get(i).copied().unwrap_or(false);
                *t += *v;
                *v = *t;
            }
            ints.push(total_is_int[i]);
        }
        s.ints = if ints.contains(&true) {
            ints
        } else {
            Vec::new()
        };
        match &stack {
            None => {
                s.tags.insert("stacked".into(), "__DEFAULT__".into());
                s.name = format!("stacked({})", s.name);
                s.style.stacked = Some("__DEFAULT__".into());
            }
            Some(name) => s.style.stacked = Some(name.clone()),
        }
    })
}

fn draw_as_infinite(inv: &mut Invocation<'_>) -> Out {
    each(inv, |s| {
        s.style.draw_as_infinite = true;
        s.tags.insert("drawAsInfinite".into(), "1".into());
        s.name = format!("drawAsInfinite({})", s.name);
    })
}

fn second_y_axis(inv: &mut Invocation<'_>) -> Out {
    each(inv, |s| {
        s.style.second_y_axis = true;
        s.tags.insert("secondYAxis".into(), "1".into());
        s.name = format!("secondYAxis({})", s.name);
    })
}

fn alpha(inv: &mut Invocation<'_>) -> Out {
    let a = inv.float(1);
    each(inv, |s| s.style.alpha = a)
}

/// Exactly two series: the area between them is filled; both take the upper one's tags and
/// are named after its path expression.
fn area_between(inv: &mut Invocation<'_>) -> Out {
    let mut list = inv.take_series_with_ints(0);
    if list.len() != 2 {
        return Err(inv.error(format!(
            "the series argument must reference exactly 2 series, got {}",
            list.len()
        )));
    }
    let name = format!("areaBetween({})", list[1].path_expression);
    list[1].tags.insert("areaBetween".into(), "1".into());
    let tags = list[1].tags.clone();
    for s in &mut list {
        s.style.stacked = Some("__DEFAULT__".into());
        s.style.area_between = true;
        s.tags = tags.clone();
        s.name = name.clone();
    }
    Ok(list)
}

/// A constant line named by its label (else like `constantLine`), optionally coloured.
fn threshold(inv: &mut Invocation<'_>) -> Out {
    let mut line = super::special::constant_line_series(inv.float(0).unwrap_or(0.0), inv.ctx);
    if let Some(label) = inv.str(1).filter(|l| !l.is_empty()) {
        line.name = label.to_string();
    }
    if let Some(c) = inv.str(2).filter(|c| !c.is_empty()) {
        line.style.color = Some(c.to_string());
    }
    Ok(vec![line])
}

/// One point of value 1 at the given time, drawn as a vertical line; outside the request's
/// range it is an error, as in graphite-web. graphite-web names an unlabelled line `None`
/// (JSON `null`), which Grafana cannot show: pencil names it `verticalLine(<ts>)`.
fn vertical_line(inv: &mut Invocation<'_>) -> Out {
    let (ts, written) = match inv.value(0) {
        Value::Int(n) => (*n, n.to_string()),
        Value::Str(spec) => {
            let ts = crate::query::time::parse_time_in(spec, inv.ctx.now, &inv.ctx.tz)
                .map_err(|e| inv.error(e))?;
            (ts, format!("{spec:?}"))
        }
        other => return Err(inv.error(format!("ts must be a time, got {other:?}"))),
    };
    if ts < inv.ctx.from || ts > inv.ctx.until {
        return Err(inv.error(format!(
            "timestamp {ts} is outside the requested range {}..{}",
            inv.ctx.from, inv.ctx.until
        )));
    }
    let name = match inv.str(1).filter(|l| !l.is_empty()) {
        Some(label) => label.to_string(),
        None => format!("verticalLine({written})"),
    };
    let mut line = Series::new(name, ts, 1, vec![1.0]);
    line.path_expression = line.name.clone();
    line.style.draw_as_infinite = true;
    if let Some(c) = inv.str(2).filter(|c| !c.is_empty()) {
        line.style.color = Some(c.to_string());
    }
    Ok(vec![line])
}

const SERIES: Param = Param::req("seriesList", T::SeriesList);

pub(crate) const SPECS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "color",
        group: GRAPH,
        description: "Assigns the given colour (a name or hex RRGGBB[AA]) to the series in images.",
        params: &[SERIES, Param::req("theColor", T::String)],
        run: color,
        aggregator: false,
    },
    FunctionSpec {
        name: "lineWidth",
        group: GRAPH,
        description: "Draws the series with a line of the given width in images.",
        params: &[SERIES, Param::req("width", T::Float)],
        run: line_width,
        aggregator: false,
    },
    FunctionSpec {
        name: "dashed",
        group: GRAPH,
        description: "Draws the series with a dashed line of segments of the given length.",
        params: &[
            SERIES,
            Param::opt("dashLength", T::Integer).default(Literal::Int(5)),
        ],
        run: dashed,
        aggregator: false,
    },
    FunctionSpec {
        name: "stacked",
        group: GRAPH,
        description: "Stacks the series: each value becomes the running total across the list.",
        params: &[SERIES, Param::opt("stack", T::String)],
        run: stacked,
        aggregator: false,
    },
    FunctionSpec {
        name: "drawAsInfinite",
        group: GRAPH,
        description: "Draws a vertical line wherever the value is positive (deploys, events).",
        params: &[SERIES],
        run: draw_as_infinite,
        aggregator: false,
    },
    FunctionSpec {
        name: "secondYAxis",
        group: GRAPH,
        description: "Draws the series against the second (right) y axis.",
        params: &[SERIES],
        run: second_y_axis,
        aggregator: false,
    },
    FunctionSpec {
        name: "alpha",
        group: GRAPH,
        description: "Draws the series with the given opacity between 0 and 1.",
        params: &[SERIES, Param::req("alpha", T::Float)],
        run: alpha,
        aggregator: false,
    },
    FunctionSpec {
        name: "areaBetween",
        group: GRAPH,
        description: "Fills the area between exactly two series (use with areaMode=stacked).",
        params: &[SERIES],
        run: area_between,
        aggregator: false,
    },
    FunctionSpec {
        name: "verticalLine",
        group: GRAPH,
        description: "A vertical line at the time ts (a time such as '-5min' or epoch seconds), named by the label and drawn in the colour.",
        params: &[
            Param::req("ts", T::Date),
            Param::opt("label", T::String),
            Param::opt("color", T::String),
        ],
        run: vertical_line,
        aggregator: false,
    },
    FunctionSpec {
        name: "threshold",
        group: GRAPH,
        description: "A constant line at the value, named by the label and drawn in the colour.",
        params: &[
            Param::req("value", T::Float),
            Param::opt("label", T::String),
            Param::opt("color", T::String),
        ],
        run: threshold,
        aggregator: false,
    },
];

#[cfg(test)]
mod tests {
    use crate::query::functions::testing::{ctx, run, series, FakeSource};
    use crate::query::registry::Value;

    const N: f64 = f64::NAN;

    fn list(v: Vec<crate::series::Series>) -> Value {
        Value::Series(v)
    }

    #[test]
    fn names_and_hints_as_graphite_web() {
        let src = FakeSource::default();
        let c = ctx(0, 600);
        let out = run(
            "dashed",
            vec![list(vec![series("a.b", 0, 10, &[1.0])]), Value::Int(5)],
            None,
            &c,
            &src,
        )
        .unwrap();
        assert_eq!(out[0].name, "dashed(a.b, 5)");
        assert_eq!(out[0].style.dashed, Some(5.0));
        let out = run(
            "drawAsInfinite",
            vec![list(vec![series("a", 0, 10, &[1.0])])],
            None,
            &c,
            &src,
        )
        .unwrap();
        assert_eq!(out[0].name, "drawAsInfinite(a)");
        assert!(out[0].style.draw_as_infinite);
        let out = run(
            "secondYAxis",
            vec![list(vec![series("a", 0, 10, &[1.0])])],
            None,
            &c,
            &src,
        )
        .unwrap();
        assert_eq!(out[0].name, "secondYAxis(a)");
        let out = run(
            "color",
            vec![
                list(vec![series("a", 0, 10, &[1.0])]),
                Value::Str("red".into()),
            ],
            None,
            &c,
            &src,
        )
        .unwrap();
        assert_eq!(
            (out[0].name.as_str(), out[0].style.color.as_deref()),
            ("a", Some("red"))
        );
    }

    #[test]
    fn stacked_keeps_running_totals_and_nulls() {
        let src = FakeSource::default();
        let c = ctx(0, 600);
        let a = series("a", 0, 10, &[1.0, N, 3.0]);
        let b = series("b", 0, 10, &[10.0, 20.0, N]);
        let out = run(
            "stacked",
            vec![list(vec![a, b]), Value::None],
            None,
            &c,
            &src,
        )
        .unwrap();
        assert_eq!(out[0].name, "stacked(a)");
        assert_eq!(out[1].values[0], 11.0);
        assert_eq!(out[1].values[1], 20.0);
        assert!(out[1].values[2].is_nan());
        let a = series("a", 0, 10, &[1.0]);
        let out = run(
            "stacked",
            vec![list(vec![a]), Value::Str("x".into())],
            None,
            &c,
            &src,
        )
        .unwrap();
        assert_eq!(out[0].name, "a", "a named stack keeps the name");
    }

    #[test]
    fn area_between_needs_two_series() {
        let src = FakeSource::default();
        let c = ctx(0, 600);
        let mut a = series("probe.a", 0, 10, &[1.0]);
        let mut b = series("probe.b", 0, 10, &[2.0]);
        a.path_expression = "probe.*".into();
        b.path_expression = "probe.*".into();
        let out = run(
            "areaBetween",
            vec![list(vec![a.clone(), b])],
            None,
            &c,
            &src,
        )
        .unwrap();
        assert_eq!(out[0].name, "areaBetween(probe.*)");
        assert_eq!(out[0].tags.get("name").map(String::as_str), Some("probe.b"));
        let err = run("areaBetween", vec![list(vec![a])], None, &c, &src).unwrap_err();
        assert!(err.message.contains("exactly 2"), "{err}");
    }

    #[test]
    fn threshold_is_a_labelled_constant_line() {
        // Observed from graphite-web 1.1.8: threshold(5.5,"lim") over 600 s is
        // `lim,from,from+600,300|5.5,5.5,5.5`.
        let src = FakeSource::default();
        let c = ctx(1000, 1600);
        let out = run(
            "threshold",
            vec![Value::Float(5.5), Value::Str("lim".into()), Value::None],
            None,
            &c,
            &src,
        )
        .unwrap();
        assert_eq!(out[0].name, "lim");
        assert_eq!(
            (out[0].start, out[0].step, out[0].values.clone()),
            (1000, 300, vec![5.5; 3])
        );
    }

    #[test]
    fn vertical_line_marks_one_instant() {
        let ctx = ctx(1000, 2000);
        let src = FakeSource::default();
        let out = run(
            "verticalLine",
            vec![
                Value::Int(1500),
                Value::Str("deploy".into()),
                Value::Str("red".into()),
            ],
            None,
            &ctx,
            &src,
        )
        .unwrap();
        assert_eq!(
            (out[0].name.as_str(), out[0].start, &out[0].values[..]),
            ("deploy", 1500, &[1.0][..])
        );
        assert!(out[0].style.draw_as_infinite);
        assert_eq!(out[0].style.color.as_deref(), Some("red"));
        let out = run(
            "verticalLine",
            vec![Value::Str("-5min".into()), Value::None, Value::None],
            None,
            &ctx,
            &src,
        )
        .unwrap();
        assert_eq!(
            (out[0].name.as_str(), out[0].start),
            ("verticalLine(\"-5min\")", 1700)
        );
        let err = run(
            "verticalLine",
            vec![Value::Int(10), Value::None, Value::None],
            None,
            &ctx,
            &src,
        )
        .unwrap_err();
        assert!(err.message.contains("outside the requested range"), "{err}");
    }
}
