//! graphite-web's "Filter Series" functions that select by name or presence: grep, exclude,
//! removeEmptySeries, unique, useSeriesAbove, and `fallbackSeries` (filed under "Special").
//! They return series unchanged and unrenamed.

use super::filter::{spec, SERIES};
use crate::query::aggfuncs;
use crate::query::registry::{group::SPECIAL, FunctionSpec, Invocation, Param, ParamType as T};
use crate::query::QueryError;
use crate::series::Series;

type Out = Result<Vec<Series>, QueryError>;

/// Python's `re.compile(pattern)`; regex-lite covers Python's common syntax (no look-around
/// or backreferences), so such a pattern is a clear error rather than a wrong match.
pub(crate) fn regex_arg(inv: &Invocation<'_>, i: usize) -> Result<regex_lite::Regex, QueryError> {
    let pattern = inv.str(i).unwrap_or_default();
    regex_lite::Regex::new(pattern)
        .map_err(|e| inv.error(format!("bad regular expression {pattern:?}: {e}")))
}

/// Keeps the series whose name `re.search`es the pattern (`grep`) or does not (`exclude`).
fn by_name(inv: &mut Invocation<'_>, keep_matches: bool) -> Out {
    let regex = regex_arg(inv, 1)?;
    let mut list = inv.take_series(0);
    list.retain(|s| regex.is_match(&s.name) == keep_matches);
    Ok(list)
}

fn grep(inv: &mut Invocation<'_>) -> Out {
    by_name(inv, true)
}

fn exclude(inv: &mut Invocation<'_>) -> Out {
    by_name(inv, false)
}

/// Keeps series with at least one non-null point, and at least `xFilesFactor` of them non-null.
fn remove_empty_series(inv: &mut Invocation<'_>) -> Out {
    let xff = inv.float(1).unwrap_or(0.0);
    let mut list = inv.take_series(0);
    list.retain(|s| {
        let known = aggfuncs::count(&s.values);
        known > 0.0 && known / s.values.len() as f64 >= xff
    });
    Ok(list)
}

/// Every series of every argument, the first of each name only.
fn unique(inv: &mut Invocation<'_>) -> Out {
    let mut seen = std::collections::HashSet::new();
    let mut list = inv.take_all_series(0);
    list.retain(|s| seen.insert(s.name.clone()));
    Ok(list)
}

fn fallback_series(inv: &mut Invocation<'_>) -> Out {
    let list = inv.take_series(0);
    if list.is_empty() {
        Ok(inv.take_series(1))
    } else {
        Ok(list)
    }
}

const PATTERN_PARAMS: &[Param] = &[SERIES, Param::req("pattern", T::String)];

pub(crate) const SPECS: &[FunctionSpec] = &[
    spec(
        "grep",
        PATTERN_PARAMS,
        "Keeps the series whose name matches the regular expression.",
        grep,
    ),
    spec(
        "exclude",
        PATTERN_PARAMS,
        "Drops the series whose name matches the regular expression.",
        exclude,
    ),
    spec(
        "removeEmptySeries",
        &[SERIES, Param::opt("xFilesFactor", T::Float)],
        "Drops the series without data (or with fewer than xFilesFactor of points non-null).",
        remove_empty_series,
    ),
    spec(
        "unique",
        &[Param::req("seriesLists", T::SeriesList).many()],
        "Every series of the arguments, the first one of each name only.",
        unique,
    ),
    FunctionSpec {
        name: "fallbackSeries",
        group: SPECIAL,
        description: "The series list, or the fallback when the list is empty.",
        params: &[SERIES, Param::req("fallback", T::SeriesList)],
        run: fallback_series,
        aggregator: false,
    },
];

#[cfg(test)]
mod tests {
    use crate::query::functions::filter::tests::{f, pick, s};
    use crate::query::functions::moving::tests::reference;
    use crate::query::functions::testing::{ctx, run};
    use crate::query::registry::Value;
    use crate::query::Source;

    /// Each case is graphite-web 1.1.8's answer for `func(cf.m.*, args)` on the same data.
    macro_rules! case {
        ($func:expr, $pick:expr, [$($arg:expr),*] => $want:expr) => {
            assert_eq!(pick($func, $pick, vec![$($arg),*]), Ok($want.to_string()),
                "{}({}, {:?})", $func, $pick, vec![$($arg),*])
        };
    }

    #[test]
    fn names_by_regex() {
        case!("exclude", "abcde", [s("[ab]$")] => "cde");
        case!("grep", "abcde", [s(r"m\.c|e")] => "ce");
        // re.search, not re.match: the pattern may match anywhere.
        case!("grep", "abcde", [s("m.d")] => "d");
        let err = pick("exclude", "ab", vec![s("(")]).unwrap_err();
        assert!(
            err.contains("exclude") && err.contains("bad regular expression \"(\""),
            "{err}"
        );
    }

    #[test]
    fn emptiness_uniqueness_and_fallback() {
        case!("removeEmptySeries", "abcde", [Value::None] => "abc");
        case!("removeEmptySeries", "abcde", [f(0.3)] => "ab");
        let src = reference();
        let c = ctx(1796180200, 1796180400);
        let fetch = |p: &str| Value::Series(src.fetch(p, c.from, c.until, c.until).unwrap());
        let names = |out: Vec<crate::series::Series>| -> Vec<String> {
            out.into_iter().map(|s| s.name).collect()
        };
        let lists = Value::List(vec![fetch("cf.m.c"), fetch("*"), fetch("cf.m.a")]);
        let out = run("unique", vec![lists], None, &c, &src).unwrap();
        assert_eq!(
            names(out),
            ["cf.m.c", "cf.m.a", "cf.m.b", "cf.m.d", "cf.m.e"]
        );
        let out = run(
            "fallbackSeries",
            vec![fetch("cf.m.zz"), fetch("cf.m.c")],
            None,
            &c,
            &src,
        );
        assert_eq!(names(out.unwrap()), ["cf.m.c"]);
        let out = run(
            "fallbackSeries",
            vec![fetch("cf.m.a"), fetch("cf.m.c")],
            None,
            &c,
            &src,
        );
        assert_eq!(names(out.unwrap()), ["cf.m.a"]);
    }
}
