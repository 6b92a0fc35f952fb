//! Evaluation against a counting fake source, with the Graph and Special families and a few
//! test-only specs that re-fetch.

use super::*;
use crate::query::registry::{group, Param, ParamType};
use crate::store::GlobError;

/// Series by exact name or `prefix*`; remembers every fetch and `names()` call.
#[derive(Default)]
struct Counting {
    series: Vec<Series>,
    events: Vec<(i64, Vec<String>)>,
    fetches: RefCell<Vec<(String, i64, i64)>>,
    name_scans: Cell<usize>,
}

impl Source for Counting {
    fn fetch(
        &self,
        pattern: &str,
        from: i64,
        until: i64,
        _now: i64,
    ) -> Result<Vec<Series>, GlobError> {
        self.fetches
            .borrow_mut()
            .push((pattern.to_string(), from, until));
        if pattern.contains('[') {
            return Err(GlobError {
                pattern: pattern.to_string(),
                message: "unclosed [".to_string(),
            });
        }
        let hit = |name: &str| match pattern.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == pattern,
        };
        // Reversed so the evaluator's sort by name shows.
        Ok(self
            .series
            .iter()
            .rev()
            .filter(|s| hit(&s.name))
            .map(|s| {
                let mut s = s.clone();
                s.start = from;
                s
            })
            .collect())
    }

    fn events(&self, from: i64, until: i64) -> Vec<(i64, Vec<String>)> {
        self.events
            .iter()
            .filter(|(t, _)| *t >= from && *t <= until)
            .cloned()
            .collect()
    }

    fn names(&self) -> Vec<String> {
        self.name_scans.set(self.name_scans.get() + 1);
        self.series.iter().map(|s| s.name.clone()).collect()
    }
}

impl Counting {
    fn with(names: &[&str]) -> Counting {
        Counting {
            series: names
                .iter()
                .map(|n| Series::new(*n, 0, 60, vec![1.0, 2.0]))
                .collect(),
            ..Counting::default()
        }
    }

    fn fetch_count(&self, pattern: &str) -> usize {
        self.fetches
            .borrow()
            .iter()
            .filter(|(p, _, _)| p == pattern)
            .count()
    }
}

fn ctx() -> Context {
    crate::query::functions::testing::ctx(1000, 1600)
}

/// `shifted(seriesList, seconds)`: its first argument fetched again `seconds` earlier.
fn shifted(inv: &mut Invocation<'_>) -> Result<Vec<Series>, QueryError> {
    let by = inv.int(1).unwrap_or(0);
    let mut list = inv.refetch(0, inv.ctx.from - by, inv.ctx.until - by)?;
    for s in &mut list {
        s.name = format!("shifted({})", s.name);
    }
    Ok(list)
}

/// `again(seriesList)`: evaluates `again(<its argument>)` as a new target, forever.
fn again(inv: &mut Invocation<'_>) -> Result<Vec<Series>, QueryError> {
    let inner = inv.raw[0].map(|e| e.to_string()).unwrap_or_default();
    inv.eval.eval_target(&format!("again({inner})"))
}

/// `deeper(seriesList)`: evaluates its argument wrapped in `MAX_DEPTH - 1` dashed() calls as a
/// new target, so each level of it stacks a deepest target on the last.
fn deeper(inv: &mut Invocation<'_>) -> Result<Vec<Series>, QueryError> {
    let inner = inv.raw[0].map(|e| e.to_string()).unwrap_or_default();
    let n = parser::MAX_DEPTH - 1;
    let list = inv
        .eval
        .eval_target(&format!("{}{inner}{}", "dashed(".repeat(n), ")".repeat(n)))?;
    Ok(list.into_iter().take(1).collect())
}

/// `copies(seriesList, n)`: n copies of every series.
fn copies(inv: &mut Invocation<'_>) -> Result<Vec<Series>, QueryError> {
    let n = inv.int(1).unwrap_or(1) as usize;
    let list = inv.take_series(0);
    Ok((0..n).flat_map(|_| list.clone()).collect())
}

/// `viaTarget(seriesList)`: evaluates `dashed(<arg>)` as a new target (like applyByNode).
fn via_target(inv: &mut Invocation<'_>) -> Result<Vec<Series>, QueryError> {
    let inner = inv.raw[0].map(|e| e.to_string()).unwrap_or_default();
    inv.eval.eval_target(&format!("dashed({inner})"))
}

const SERIES: Param = Param::req("seriesList", ParamType::SeriesList);

const fn test_spec(
    name: &'static str,
    params: &'static [Param],
    run: crate::query::registry::FunctionBody,
) -> FunctionSpec {
    FunctionSpec {
        name,
        group: group::SPECIAL,
        description: "test",
        params,
        run,
        aggregator: false,
    }
}

const TEST_SPECS: &[FunctionSpec] = &[
    test_spec(
        "shifted",
        &[SERIES, Param::req("seconds", ParamType::Integer)],
        shifted,
    ),
    test_spec("again", &[SERIES], again),
    test_spec("deeper", &[SERIES], deeper),
    test_spec(
        "copies",
        &[SERIES, Param::req("n", ParamType::Integer)],
        copies,
    ),
    test_spec("viaTarget", &[SERIES], via_target),
];

fn lookup(name: &str) -> Option<&'static FunctionSpec> {
    TEST_SPECS
        .iter()
        .find(|s| s.name == name)
        .or_else(|| functions::lookup(name))
}

fn eval_with(targets: &[&str], ctx: &Context, src: &Counting) -> Result<Vec<Series>, QueryError> {
    run(targets, ctx, src, lookup, LIMITS)
}

fn names(targets: &[&str], src: &Counting) -> Vec<String> {
    eval_with(targets, &ctx(), src)
        .unwrap_or_else(|e| panic!("{targets:?}: {e}"))
        .into_iter()
        .map(|s| s.name)
        .collect()
}

fn error(targets: &[&str], src: &Counting) -> String {
    match eval_with(targets, &ctx(), src) {
        Ok(out) => panic!("{targets:?} evaluated to {} series", out.len()),
        Err(e) => e.message,
    }
}

/// `names!(targets => names)` against a source holding a.b, a.c, x.y.
macro_rules! names {
    ([$($t:expr),+] => [$($n:expr),*]) => {{
        let src = Counting::with(&["a.c", "a.b", "x.y"]);
        let want: Vec<&str> = vec![$($n),*];
        assert_eq!(names(&[$($t),+], &src), want, "targets {:?}", [$($t),+]);
    }};
}

#[test]
fn paths_and_calls() {
    names!(["a.b"] => ["a.b"]);
    names!(["a.*"] => ["a.b", "a.c"]);
    names!(["nothing.here"] => []);
    names!(["dashed(a.b)"] => ["dashed(a.b, 5)"]);
    names!(["dashed(a.b, 3)"] => ["dashed(a.b, 3)"]);
    names!(["consolidateBy(a.*,\"max\")"] => ["consolidateBy(a.b,\"max\")", "consolidateBy(a.c,\"max\")"]);
    names!(["a.b|dashed()"] => ["dashed(a.b, 5)"]);
    names!(["a.*|dashed(2)|drawAsInfinite()"] => ["drawAsInfinite(dashed(a.b, 2))", "drawAsInfinite(dashed(a.c, 2))"]);
    names!(["color(seriesList=a.b, theColor='red')"] => ["a.b"]);
    names!(["x.y", "a.*", "dashed(a.b)"] => ["x.y", "a.b", "a.c", "dashed(a.b, 5)"]);
    names!(["constantLine(7)"] => ["7.0"]);
}

#[test]
fn a_path_keeps_its_glob_as_path_expression() {
    let src = Counting::with(&["a.c", "a.b"]);
    let out = eval_with(&["a.*"], &ctx(), &src).unwrap();
    let exprs: Vec<&str> = out.iter().map(|s| s.path_expression.as_str()).collect();
    assert_eq!(exprs, ["a.*", "a.*"]);
    assert_eq!(out[0].values, [1.0, 2.0]);
}

#[test]
fn templates_are_resolved_before_fetching() {
    names!(["template(a.$x, x='b')"] => ["a.b"]);
    names!(["template(dashed(a.$1), 'c')"] => ["dashed(a.c, 5)"]);
    let src = Counting::with(&["a.b", "a.c"]);
    let mut c = ctx();
    c.template = vec![("x".into(), "c".into())];
    let out = eval_with(&["template(a.$x, x='b')"], &c, &src).unwrap();
    assert_eq!(out[0].name, "a.c");
    assert_eq!(src.fetch_count("a.c"), 1);
    assert_eq!(src.fetch_count("a.b"), 0);
}

#[test]
fn every_path_is_fetched_once_per_request() {
    let src = Counting::with(&["a.b", "a.c"]);
    let targets = [
        "a.b",
        "dashed(a.b)",
        "color(a.b, 'red')",
        "a.*",
        "dashed(a.*)",
    ];
    let out = eval_with(&targets, &ctx(), &src).unwrap();
    assert_eq!(out.len(), 1 + 1 + 1 + 2 + 2);
    assert_eq!(src.fetch_count("a.b"), 1);
    assert_eq!(src.fetch_count("a.*"), 1);
    assert_eq!(src.fetches.borrow().len(), 2);
    // Each use got its own copy: dashing one did not rename the others.
    let names: Vec<&str> = out.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names[..4], ["a.b", "dashed(a.b, 5)", "a.b", "a.b"]);
    assert!(src
        .fetches
        .borrow()
        .iter()
        .all(|f| (f.1, f.2) == (1000, 1600)));
}

#[test]
fn a_tag_query_is_answered_once_per_request() {
    let src = Counting::with(&["cpu;dc=la", "cpu;dc=ny"]);
    let q = "seriesByTag('dc=la')";
    let targets = [q, "dashed(seriesByTag('dc=la'))"];
    let out = eval_with(&targets, &ctx(), &src).unwrap();
    let names: Vec<&str> = out.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["cpu;dc=la", "dashed(cpu;dc=la, 5)"]);
    assert_eq!(src.name_scans.get(), 1);
    assert_eq!(out[0].path_expression, "seriesByTag('dc=la')");
}

#[test]
fn re_fetch_uses_the_new_range_and_a_fresh_fetch() {
    let src = Counting::with(&["a.b"]);
    let out = eval_with(&["shifted(a.b, 600)"], &ctx(), &src).unwrap();
    assert_eq!(out[0].name, "shifted(a.b)");
    assert_eq!(out[0].start, 400);
    assert_eq!(
        *src.fetches.borrow(),
        [
            ("a.b".to_string(), 1000, 1600),
            ("a.b".to_string(), 400, 1000)
        ]
    );
    // A call inside the re-fetched argument is evaluated again over the new range.
    let src = Counting::with(&["a.b"]);
    let out = eval_with(&["shifted(dashed(a.b), 60)"], &ctx(), &src).unwrap();
    assert_eq!(out[0].name, "shifted(dashed(a.b, 5))");
    assert_eq!(src.fetch_count("a.b"), 2);
}

#[test]
fn a_new_target_is_evaluated_over_the_request_range() {
    let src = Counting::with(&["a.b"]);
    let out = eval_with(&["viaTarget(a.b)"], &ctx(), &src).unwrap();
    assert_eq!(out[0].name, "dashed(a.b, 5)");
    assert!(src
        .fetches
        .borrow()
        .iter()
        .all(|f| (f.1, f.2) == (1000, 1600)));
}

#[test]
fn events_come_from_the_source() {
    let src = Counting {
        events: vec![(1005, vec!["deploy".into()]), (1005, vec!["deploy".into()])],
        ..Counting::default()
    };
    let out = eval_with(&["drawAsInfinite(events('deploy'))"], &ctx(), &src).unwrap();
    assert_eq!(out[0].name, "drawAsInfinite(events(\"deploy\"))");
    assert_eq!(out[0].values[5], 2.0);
}

#[test]
fn bad_targets_are_clear_errors() {
    let src = Counting::with(&["a.b"]);
    let e = error(&["a.b", "nosuch(a.b)"], &src);
    assert!(e.contains("unknown function \"nosuch\""), "{e}");
    let e = error(&["scale(a.b, .5)"], &src);
    assert!(e.contains("at byte 11"), "{e}");
    // A bare number is a path in graphite-web's grammar too; it matches nothing here.
    assert_eq!(names(&["5"], &src), Vec::<String>::new());
    let e = error(&["'a.b'"], &src);
    assert!(e.contains("at byte 0: expected a path"), "{e}");
    // Only a template can make a whole target a literal: `$x` alone becomes the value.
    let e = error(&["template($x, x='5')"], &src);
    assert!(e.contains("is a literal, not a series expression"), "{e}");
    let e = error(&["dashed(a.b, 'x')"], &src);
    assert!(e.contains("dashed: parameter \"dashLength\""), "{e}");
    let e = error(&["a.[b"], &src);
    assert!(e.contains("unclosed ["), "{e}");
    let e = error(&["areaBetween(a.b)"], &src);
    assert!(e.contains("areaBetween: "), "{e}");
    // A bad target anywhere stops the request before anything is fetched.
    let src = Counting::with(&["a.b"]);
    let _ = error(&["a.b", "dashed(a.b"], &src);
    assert_eq!(src.fetches.borrow().len(), 0);
}

#[test]
fn limits_stop_runaway_requests() {
    let src = Counting::with(&["a.b", "a.c"]);
    let e = error(&["again(a.b)"], &src);
    assert!(
        e.contains(&format!("nest more than {MAX_REEVAL_DEPTH} deep")),
        "{e}"
    );
    let small = Limits {
        series: 10,
        ..LIMITS
    };
    let run_small = |targets: &[&str]| run(targets, &ctx(), &src, lookup, small);
    assert!(
        run_small(&["copies(a.*, 4)"]).is_ok(),
        "2 + 8 series is the limit"
    );
    let e = run_small(&["copies(a.*, 5)"]).unwrap_err().message;
    assert!(e.contains("more than 10 series"), "{e}");
    let e = run_small(&["a.*", "a.*", "a.*", "a.*", "a.*", "a.*"])
        .unwrap_err()
        .message;
    assert!(e.contains("more than 10 series"), "{e}");
}

#[test]
fn bodies_see_bound_values() {
    // The binder's defaults reach the body: dashed's default length is 5.
    let src = Counting::with(&["a.b"]);
    let out = eval_with(&["dashed(a.b, None)"], &ctx(), &src).unwrap();
    assert_eq!(out[0].style.dashed, Some(5.0));
}

/// Stack of the thread that runs the event loop (the main thread's usual 8 MiB).
const MAIN_STACK: usize = 8 << 20;

#[test]
fn the_deepest_targets_nest_without_exhausting_the_stack() {
    let run_deep = |target: String| {
        std::thread::Builder::new()
            .stack_size(MAIN_STACK / 4)
            .spawn(move || {
                let src = Counting::with(&["a.b"]);
                eval_with(&[target.as_str()], &ctx(), &src).map(|o| o.len())
            })
            .unwrap()
            .join()
            .unwrap()
    };
    let deep = |n: usize, inner: &str| format!("{}{inner}{}", "dashed(".repeat(n), ")".repeat(n));
    // As deep as the parser allows: fine. A function evaluating another deepest target inside
    // it: still fine. A third level: a clear error, not a stack overflow.
    assert_eq!(run_deep(deep(parser::MAX_DEPTH, "a.b")), Ok(1));
    assert_eq!(run_deep(deep(parser::MAX_DEPTH - 1, "deeper(a.b)")), Ok(1));
    let e = run_deep(deep(parser::MAX_DEPTH - 2, "deeper(deeper(a.b))")).unwrap_err();
    assert!(
        e.message
            .contains(&format!("nest more than {MAX_EVAL_NESTING} deep")),
        "{e}"
    );
}

#[test]
fn families_run_through_the_evaluator() {
    names!(["aliasByNode(a.*, 1)|sortByName(reverse=true)"] => ["c", "b"]);
    // aliasQuery evaluates a new target per series: x.y's last value is 2.
    names!([r"aliasQuery(a.b, 'a\.b', 'x.y', 'v=%d')"] => ["v=2"]);
}
