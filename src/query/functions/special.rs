//! graphite-web's "Special" functions: consolidation settings, constant lines, tag queries and
//! the events series.

use crate::query::pyfmt;
use crate::query::registry::{group::SPECIAL, FunctionSpec, Invocation, Param, ParamType as T};
use crate::query::{Context, QueryError};
use crate::series::{tags_of, Consolidation, Series};

type Out = Result<Vec<Series>, QueryError>;

const CONSOLIDATION_NAMES: &[&str] = &[
    "average", "avg", "avg_zero", "first", "last", "max", "min", "sum",
];

fn consolidate_by(inv: &mut Invocation<'_>) -> Out {
    let name = inv.str(1).unwrap_or("average").to_string();
    set_consolidation(inv, &name)
}

fn cumulative(inv: &mut Invocation<'_>) -> Out {
    set_consolidation(inv, "sum")
}

fn set_consolidation(inv: &mut Invocation<'_>, name: &str) -> Out {
    let func = Consolidation::parse(name).ok_or_else(|| {
        inv.error(format!(
            "unknown consolidation function {name:?}; use one of {CONSOLIDATION_NAMES:?}"
        ))
    })?;
    let mut list = inv.take_series_with_ints(0);
    for s in &mut list {
        s.consolidation = func;
        s.tags.insert("consolidateBy".into(), name.to_string());
        // graphite-web writes the name as given (`avg` stays `avg`).
        s.name = format!("consolidateBy({},\"{name}\")", s.name);
        s.path_expression = s.name.clone();
    }
    Ok(list)
}

/// Three points at from, the middle and until (step = half the range), named `str(value)`.
pub(crate) fn constant_line_series(value: f64, ctx: &Context) -> Series {
    let step = ((ctx.until - ctx.from) / 2).max(1);
    let text = pyfmt::repr(value);
    let mut s = Series::new(text.clone(), ctx.from, step, vec![value; 3]);
    s.path_expression = format!("constantLine({text})");
    s.x_files_factor = ctx.x_files_factor;
    s
}

fn constant_line(inv: &mut Invocation<'_>) -> Out {
    Ok(vec![constant_line_series(
        inv.float(0).unwrap_or(0.0),
        inv.ctx,
    )])
}

fn set_x_files_factor(inv: &mut Invocation<'_>) -> Out {
    let xff = inv.float(1).unwrap_or(0.0);
    if !(0.0..=1.0).contains(&xff) {
        return Err(inv.error(format!(
            "xFilesFactor must be between 0 and 1, got {}",
            pyfmt::repr(xff)
        )));
    }
    let mut list = inv.take_series_with_ints(0);
    for s in &mut list {
        s.x_files_factor = xff;
        s.tags.insert("xFilesFactor".into(), pyfmt::repr(xff));
    }
    Ok(list)
}

/// One `tag<op>spec` term of a tag query (graphite.md 4.7).
pub(crate) struct TagTerm {
    pub(crate) tag: String,
    negate: bool,
    matcher: Matcher,
}

enum Matcher {
    Exact(String),
    Regex(regex_lite::Regex),
}

impl TagTerm {
    pub(crate) fn parse(expr: &str) -> Result<TagTerm, String> {
        let op_at = expr
            .find(['!', '='])
            .ok_or_else(|| format!("tag expression {expr:?} has no operator; use tag=value, tag!=value, tag=~regex or tag!=~regex"))?;
        let (tag, rest) = expr.split_at(op_at);
        if tag.is_empty() || tag.contains(';') {
            return Err(format!(
                "tag expression {expr:?} needs a tag name before its operator"
            ));
        }
        let (negate, rest) = match rest.strip_prefix("!=") {
            Some(r) => (true, r),
            None => (
                false,
                rest.strip_prefix('=')
                    .ok_or_else(|| format!("bad operator in tag expression {expr:?}"))?,
            ),
        };
        let (is_regex, spec) = match rest.strip_prefix('~') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if spec.contains(';') {
            return Err(format!(
                "tag expression {expr:?}: a value cannot contain ';'"
            ));
        }
        let matcher = if is_regex {
            // Anchored at the start only, as graphite-web's tag databases do.
            let anchored = if spec.starts_with('^') {
                spec.to_string()
            } else {
                format!("^(?:{spec})")
            };
            Matcher::Regex(
                regex_lite::Regex::new(&anchored)
                    .map_err(|e| format!("tag expression {expr:?}: bad regex: {e}"))?,
            )
        } else {
            Matcher::Exact(spec.to_string())
        };
        Ok(TagTerm {
            tag: tag.to_string(),
            negate,
            matcher,
        })
    }

    /// A missing tag is matched as the empty value.
    pub(crate) fn matches(&self, value: &str) -> bool {
        let hit = match &self.matcher {
            Matcher::Exact(s) => s == value,
            Matcher::Regex(r) => r.is_match(value),
        };
        hit != self.negate
    }
}

fn series_by_tag(inv: &mut Invocation<'_>) -> Out {
    let exprs = inv.strings(0);
    let terms = exprs
        .iter()
        .map(|e| TagTerm::parse(e))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|m| inv.error(m))?;
    if terms.iter().all(|t| t.matches("")) {
        return Err(inv.error("at least one tag expression must require a non-empty value"));
    }
    let call = format!(
        "seriesByTag({})",
        exprs
            .iter()
            .map(|e| format!("'{e}'"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let source = inv.eval.source();
    let mut names: Vec<String> = source
        .names()
        .into_iter()
        .filter(|name| {
            let tags = tags_of(name);
            terms
                .iter()
                .all(|t| t.matches(tags.get(&t.tag).map(String::as_str).unwrap_or("")))
        })
        .collect();
    names.sort_unstable();
    let ctx = inv.ctx;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let fetched = source
            .fetch(&name, ctx.from, ctx.until, ctx.now)
            .map_err(|e| inv.error(e.to_string()))?;
        out.extend(fetched.into_iter().filter(|s| s.name == name).map(|mut s| {
            s.path_expression = call.clone();
            s
        }));
    }
    Ok(out)
}

/// A 1-second series counting the events carrying all the tags at each second (None where
/// none); `events("*")` counts every event.
fn events(inv: &mut Invocation<'_>) -> Out {
    let tags = inv.strings(0);
    let name = format!("events(\"{}\")", tags.join("\", \""));
    let (from, until) = (inv.ctx.from, inv.ctx.until);
    let every = tags.len() == 1 && tags[0] == "*";
    let seconds = until.saturating_sub(from).max(0);
    // One point a second: `from=-10y` would otherwise allocate gigabytes before any check.
    if seconds > super::generators::MAX_POINTS {
        return Err(inv.error(format!(
            "{seconds} one-second points would exceed the limit of {}; ask for a shorter range",
            super::generators::MAX_POINTS
        )));
    }
    let mut values = vec![f64::NAN; seconds as usize];
    for (when, event_tags) in inv.eval.source().events(from, until) {
        if !every && !tags.iter().all(|t| event_tags.contains(t)) {
            continue;
        }
        if let Some(v) = values.get_mut((when - from) as usize) {
            *v = if v.is_nan() { 1.0 } else { *v + 1.0 };
        }
    }
    let mut s = Series::new(name, from, 1, values);
    s.consolidation = Consolidation::Sum;
    s.x_files_factor = inv.ctx.x_files_factor;
    Ok(vec![s])
}

const SERIES: Param = Param::req("seriesList", T::SeriesList);

const XFF_PARAMS: &[Param] = &[SERIES, Param::req("xFilesFactor", T::Float)];

pub(crate) const SPECS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "consolidateBy",
        group: SPECIAL,
        description: "Sets how many points become one when a series is drawn or limited by \
                      maxDataPoints: sum, average/avg, avg_zero, min, max, first or last.",
        params: &[
            SERIES,
            Param::req("consolidationFunc", T::String).options(CONSOLIDATION_NAMES),
        ],
        run: consolidate_by,
        aggregator: false,
    },
    FunctionSpec {
        name: "cumulative",
        group: SPECIAL,
        description: "consolidateBy(seriesList, 'sum').",
        params: &[SERIES],
        run: cumulative,
        aggregator: false,
    },
    FunctionSpec {
        name: "constantLine",
        group: SPECIAL,
        description: "A horizontal line at the value across the whole time range.",
        params: &[Param::req("value", T::Float)],
        run: constant_line,
        aggregator: false,
    },
    FunctionSpec {
        name: "setXFilesFactor",
        group: SPECIAL,
        description:
            "Sets the fraction of non-null values a consolidated or aggregated point needs.",
        params: XFF_PARAMS,
        run: set_x_files_factor,
        aggregator: false,
    },
    FunctionSpec {
        name: "xFilesFactor",
        group: SPECIAL,
        description: "Short form of setXFilesFactor.",
        params: XFF_PARAMS,
        run: set_x_files_factor,
        aggregator: false,
    },
    FunctionSpec {
        name: "seriesByTag",
        group: SPECIAL,
        description:
            "The series matching every tag expression: tag=value, tag!=value, tag=~regex, \
                      tag!=~regex (regexes anchored at the start).",
        params: &[Param::req("tagExpressions", T::String).many()],
        run: series_by_tag,
        aggregator: false,
    },
    FunctionSpec {
        name: "events",
        group: SPECIAL,
        description: "Counts the events carrying all the given tags at each second ('*' for all \
                      events); typically wrapped in drawAsInfinite().",
        params: &[Param::req("tags", T::String).many()],
        run: events,
        aggregator: false,
    },
];

#[cfg(test)]
mod tests {
    use crate::query::functions::testing::{ctx, run, series, FakeSource};
    use crate::query::registry::Value;
    use crate::series::Consolidation;

    fn strs(v: &[&str]) -> Value {
        Value::List(v.iter().map(|s| Value::Str(s.to_string())).collect())
    }

    #[test]
    fn constant_line_as_graphite_web() {
        // Observed from graphite-web 1.1.8: constantLine(100) over 600 s is named "100.0"
        // with points at from, from+300, from+600.
        let src = FakeSource::default();
        let c = ctx(1000, 1600);
        let out = run("constantLine", vec![Value::Int(100)], None, &c, &src).unwrap();
        assert_eq!(out[0].name, "100.0");
        assert_eq!(out[0].path_expression, "constantLine(100.0)");
        assert_eq!(
            (out[0].start, out[0].step, out[0].values.clone()),
            (1000, 300, vec![100.0; 3])
        );
    }

    #[test]
    fn consolidate_by_renames_and_sets_the_function() {
        let src = FakeSource::default();
        let c = ctx(0, 600);
        let s = series("probe.a", 0, 10, &[1.0]);
        let out = run(
            "consolidateBy",
            vec![Value::Series(vec![s.clone()]), Value::Str("max".into())],
            None,
            &c,
            &src,
        )
        .unwrap();
        assert_eq!(out[0].name, "consolidateBy(probe.a,\"max\")");
        assert_eq!(out[0].consolidation, Consolidation::Max);
        let out = run("cumulative", vec![Value::Series(vec![s])], None, &c, &src).unwrap();
        assert_eq!(out[0].name, "consolidateBy(probe.a,\"sum\")");
        assert_eq!(out[0].consolidation, Consolidation::Sum);
    }

    #[test]
    fn series_by_tag_matches_every_expression() {
        let src = FakeSource {
            series: vec![
                series("disk.used;dc=la;server=a", 0, 10, &[1.0; 60]),
                series("disk.used;dc=ny;server=b", 0, 10, &[2.0; 60]),
                series("disk.used", 0, 10, &[3.0; 60]),
                series("cpu;dc=la", 0, 10, &[4.0; 60]),
            ],
            ..FakeSource::default()
        };
        let c = ctx(0, 600);
        let names = |exprs: &[&str]| -> Vec<String> {
            run("seriesByTag", vec![strs(exprs)], None, &c, &src)
                .unwrap()
                .into_iter()
                .map(|s| s.name)
                .collect()
        };
        assert_eq!(
            names(&["name=disk.used", "dc=la"]),
            ["disk.used;dc=la;server=a"]
        );
        assert_eq!(
            names(&["name=disk.used", "dc!=la"]),
            ["disk.used", "disk.used;dc=ny;server=b"]
        );
        assert_eq!(names(&["dc=~l"]), ["cpu;dc=la", "disk.used;dc=la;server=a"]);
        assert_eq!(
            names(&["dc=~a"]),
            Vec::<String>::new(),
            "regexes are anchored at the start"
        );
        assert_eq!(names(&["name=disk.used", "server!=~a|b"]), ["disk.used"]);
        let out = run("seriesByTag", vec![strs(&["dc=la"])], None, &c, &src).unwrap();
        assert_eq!(out[0].path_expression, "seriesByTag('dc=la')");
        let err = run("seriesByTag", vec![strs(&["dc!=la"])], None, &c, &src).unwrap_err();
        assert!(err.message.contains("non-empty"), "{err}");
        let err = run("seriesByTag", vec![strs(&["dc"])], None, &c, &src).unwrap_err();
        assert!(err.message.contains("operator"), "{err}");
    }

    #[test]
    fn events_refuse_a_range_past_the_point_limit() {
        // Found by fuzz/fuzz_targets/events.rs: `from=-10y` allocated 2.5 GB of points.
        let src = FakeSource::default();
        let c = ctx(0, 10 * 365 * 86_400);
        let err = run("events", vec![strs(&["*"])], None, &c, &src).unwrap_err();
        assert!(err.message.contains("shorter range"), "{err}");
    }

    #[test]
    fn events_count_per_second_with_all_tags() {
        let src = FakeSource {
            events: vec![
                (1005, vec!["deploy".into(), "web".into()]),
                (1005, vec!["deploy".into()]),
                (1010, vec!["web".into()]),
            ],
            ..FakeSource::default()
        };
        let c = ctx(1000, 1020);
        let out = run("events", vec![strs(&["deploy"])], None, &c, &src).unwrap();
        assert_eq!(out[0].name, "events(\"deploy\")");
        assert_eq!(
            (out[0].start, out[0].step, out[0].values.len()),
            (1000, 1, 20)
        );
        assert_eq!(out[0].values[5], 2.0);
        assert!(out[0].values[10].is_nan());
        assert_eq!(out[0].consolidation, Consolidation::Sum);
        let out = run("events", vec![strs(&["deploy", "web"])], None, &c, &src).unwrap();
        assert_eq!(out[0].name, "events(\"deploy\", \"web\")");
        assert_eq!(out[0].values[5], 1.0);
        let out = run("events", vec![strs(&["*"])], None, &c, &src).unwrap();
        assert_eq!(out[0].values[10], 1.0);
    }
}
