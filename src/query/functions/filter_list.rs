//! graphite-web's "Filter Series" functions that select by name or presence: grep, exclude,
//! removeEmptySeries, unique, useSeriesAbove, and `fallbackSeries` (filed under "Special").
//! They return series unchanged and unrenamed; useSeriesAbove evaluates the related series
//! it names.

use super::filter::{spec, SERIES};
use super::pyre::{translate_pattern, PySub};
use crate::query::aggfuncs;
use crate::query::registry::{group::SPECIAL, FunctionSpec, Invocation, Param, ParamType as T};
use crate::query::QueryError;
use crate::series::Series;

type Out = Result<Vec<Series>, QueryError>;

/// Python's `re.compile(pattern)`, through pyre's rewrites of the spellings that differ;
/// regex-lite has no look-around or backreferences, so such a pattern is a clear error rather
/// than a wrong match.
fn regex_arg(inv: &Invocation<'_>, i: usize) -> Result<regex_lite::Regex, QueryError> {
    let pattern = inv.str(i).unwrap_or_default();
    regex_lite::Regex::new(&translate_pattern(pattern))
        .map_err(|e| inv.error(format!("bad regular expression {pattern:?}: {e}")))
}

/// Keeps the series whose name `re.search`es the pattern (`grep`) or does not (`exclude`).
fn by_name(inv: &mut Invocation<'_>, keep_matches: bool) -> Out {
    let regex = regex_arg(inv, 1)?;
    let mut list = inv.take_series_with_ints(0);
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
    let mut list = inv.take_series_with_ints(0);
    list.retain(|s| {
        let known = aggfuncs::count(&s.values);
        known > 0.0 && known / s.values.len() as f64 >= xff
    });
    Ok(list)
}

/// Every series of every argument, the first of each name only.
fn unique(inv: &mut Invocation<'_>) -> Out {
    let mut seen = std::collections::HashSet::new();
    let mut list = inv.take_all_series_with_ints(0);
    list.retain(|s| seen.insert(s.name.clone()));
    Ok(list)
}

fn fallback_series(inv: &mut Invocation<'_>) -> Out {
    let list = inv.take_series_with_ints(0);
    if list.is_empty() {
        Ok(inv.take_series_with_ints(1))
    } else {
        Ok(list)
    }
}

/// For each series whose maximum is above `value`, `re.sub(search, replace, name)` names a
/// related metric to draw instead; those are evaluated over the request (series without
/// points dropped). A series without data has no maximum and is skipped, as graphite-web on
/// Python 2 does (on Python 3 it fails with a TypeError).
fn use_series_above(inv: &mut Invocation<'_>) -> Out {
    let value = inv.float(1).unwrap_or(0.0);
    let sub = PySub::new(
        inv.str(2).unwrap_or_default(),
        inv.str(3).unwrap_or_default(),
    )
    .map_err(|e| inv.error(e))?;
    let names: Vec<String> = inv
        .take_series_with_ints(0)
        .iter()
        .filter(|s| aggfuncs::max(&s.values) > value)
        .map(|s| sub.replace(&s.name))
        .collect();
    let mut out = Vec::new();
    for name in names {
        out.extend(
            inv.eval
                .eval_target(&name)?
                .into_iter()
                .filter(|s| !s.values.is_empty()),
        );
    }
    Ok(out)
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
    spec(
        "useSeriesAbove",
        &[
            SERIES,
            Param::req("value", T::Float),
            Param::req("search", T::String),
            Param::req("replace", T::String),
        ],
        "For each series whose maximum is above value, draws the metric named by a regex \
         search and replace on its name instead.",
        use_series_above,
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
        // Python spellings: `\Z` ends the text, a `{` that starts no repetition is literal.
        case!("grep", "abcde", [s(r"m\.[a-c]\Z")] => "abc");
        case!("exclude", "abcde", [s("m{")] => "abcde");
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

    #[test]
    fn use_series_above_draws_the_related_metric() {
        // graphite-web 1.1.8 (on cf.p.*, whose maxima are a 2, b 5, c 9, d 4):
        // useSeriesAbove(cf.p.*,4,"p\.(.)$","p.a") draws cf.p.a twice.
        let rows: [(&str, [f64; 2]); 4] = [
            ("cf.p.a", [1.0, 2.0]),
            ("cf.p.b", [5.0, 5.0]),
            ("cf.p.c", [9.0, 1.0]),
            ("cf.p.d", [3.0, 4.0]),
        ];
        let src = crate::query::functions::testing::FakeSource {
            series: rows
                .iter()
                .map(|(n, v)| crate::query::functions::testing::series(n, 1796180350, 10, v))
                .collect(),
            ..Default::default()
        };
        let c = ctx(1796180340, 1796180360);
        // FakeSource evaluates targets over all time; this one uses the request's range.
        struct Ranged<'a>(&'a crate::query::functions::testing::FakeSource, i64, i64);
        impl crate::query::registry::Evaluator for Ranged<'_> {
            fn eval_with_range(
                &self,
                expr: &crate::query::ast::Expr,
                from: i64,
                until: i64,
            ) -> Result<Vec<crate::series::Series>, crate::query::QueryError> {
                self.0.eval_with_range(expr, from, until)
            }
            fn eval_target(
                &self,
                target: &str,
            ) -> Result<Vec<crate::series::Series>, crate::query::QueryError> {
                let path = crate::query::ast::Expr::Path(target.to_string());
                self.0.eval_with_range(&path, self.1, self.2)
            }
            fn source(&self) -> &dyn Source {
                self.0
            }
        }
        let eval = Ranged(&src, c.from, c.until);
        let names = |search: &str, replace: &str| -> Result<Vec<String>, String> {
            let list = src.fetch("*", c.from, c.until, c.until).unwrap();
            let spec = crate::query::functions::lookup("useSeriesAbove").unwrap();
            let mut inv = crate::query::registry::Invocation {
                name: "useSeriesAbove",
                spec,
                args: vec![Value::Series(list), f(4.0), s(search), s(replace)],
                raw: vec![None; 4],
                ctx: &c,
                eval: &eval,
            };
            (spec.run)(&mut inv)
                .map(|out| out.into_iter().map(|s| s.name).collect())
                .map_err(|e| e.message)
        };
        assert_eq!(
            names(r"p\.(.)$", "p.a"),
            Ok(vec!["cf.p.a".into(), "cf.p.a".into()])
        );
        assert_eq!(
            names(r"p\.(.)$", r"p.\1"),
            Ok(vec!["cf.p.b".into(), "cf.p.c".into()])
        );
        // A name that matches no metric contributes nothing.
        assert_eq!(names(r"p\.", "zz."), Ok(vec![]));
        let err = names("(", "x").unwrap_err();
        assert!(err.contains("bad regular expression"), "{err}");
        let err = names("p", r"\q").unwrap_err();
        assert!(err.contains("bad escape"), "{err}");
    }
}
