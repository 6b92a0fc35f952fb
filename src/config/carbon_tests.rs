use super::*;
use proptest::prelude::*;

fn r(step: u32, points: u32) -> Retention {
    Retention { step, points }
}

/// `retentions!("10s:6h" => [(10, 2160)])` or `retentions!("1min:1d" => "message")`.
macro_rules! retentions {
    ($text:expr => [$(($step:expr, $points:expr)),*]) => {
        assert_eq!(parse_retentions($text), Ok(vec![$(r($step, $points)),*]), "input {:?}", $text)
    };
    ($text:expr => $message:expr) => {
        assert_eq!(parse_retentions($text), Err($message.to_string()), "input {:?}", $text)
    };
}

#[test]
fn good_retentions() {
    retentions!("10s:6h" => [(10, 2160)]);
    retentions!("10s:6h,1m:7d,1h:1y" => [(10, 2160), (60, 10080), (3600, 8760)]);
    retentions!("60:1440" => [(60, 1440)]);
    retentions!("60:90d" => [(60, 129600)]);
    retentions!("1w:5y" => [(604800, 260)]);
    // Duration is truncated to whole points, as carbon's integer division does.
    retentions!("7s:1m" => [(7, 8)]);
    // Whitespace around items is stripped; carbon's example writes `a, b`.
    retentions!(" 60s:1d, 5m:30d,\n1h:3y " => [(60, 1440), (300, 8640), (3600, 26280)]);
    // Whisper sorts the archives before checking them.
    retentions!("1h:1y,10s:6h" => [(10, 2160), (3600, 8760)]);
    // carbon's example comment: "Valid: 60s:7d,300s:30d (300/60 = 5)".
    retentions!("60s:7d,300s:30d" => [(60, 10080), (300, 8640)]);
}

#[test]
fn bad_retentions() {
    retentions!("" => "empty retention: write precision:duration items separated by commas, e.g. 10s:6h,1m:7d");
    retentions!("10s:6h," => "empty retention: write precision:duration items separated by commas, e.g. 10s:6h,1m:7d");
    retentions!("10s" => "retention \"10s\" is not precision:duration, e.g. 10s:6h or 60:1440");
    retentions!("1min:1d" => "unit \"min\" in \"1min:1d\" is not one of s m h d w y (carbon 1.1 accepts exactly these)");
    retentions!("10s:1hour" => "unit \"hour\" in \"10s:1hour\" is not one of s m h d w y (carbon 1.1 accepts exactly these)");
    retentions!("10S:6h" => "precision \"10S\" in \"10S:6h\" is not a whole number optionally followed by one of the units s m h d w y");
    retentions!("10s :6h" => "precision \"10s \" in \"10s :6h\" is not a whole number optionally followed by one of the units s m h d w y");
    retentions!("1.5s:6h" => "precision \"1.5s\" in \"1.5s:6h\" is not a whole number optionally followed by one of the units s m h d w y");
    retentions!("10s:h" => "duration \"h\" in \"10s:h\" is not a whole number optionally followed by one of the units s m h d w y");
    retentions!("0:60" => "precision \"0\" in \"0:60\" must be from 1 to 4294967295 seconds");
    retentions!("0s:1d" => "precision \"0s\" in \"0s:1d\" must be from 1 to 4294967295 seconds");
    retentions!("200y:300y" => "precision \"200y\" in \"200y:300y\" must be from 1 to 4294967295 seconds");
    retentions!("1h:30m" => "retention \"1h:30m\" keeps no points: the duration must be at least the precision");
    retentions!("60:0" => "retention \"60:0\" keeps no points: the duration must be at least the precision");
    retentions!("1s:1000y" => "retention \"1s:1000y\" keeps 31536000000 points, more than the 4294967295 an archive can hold");
    retentions!("1s:99999999999999999999" => "\"99999999999999999999\" in \"1s:99999999999999999999\" is too large");
    retentions!("1s:999999999999999999y" => "duration \"999999999999999999y\" in \"1s:999999999999999999y\" is too large");
}

#[test]
fn whisper_validity_rules() {
    retentions!("1m:1d,60:1440" => "\"1m:1d\" and \"60:1440\" have the same precision (60s); whisper needs every archive to have a different precision");
    // carbon's example comment: "Invalid: 180s:7d,300s:30d (300/180 = 3.333)".
    retentions!("180s:7d,300s:30d" => "the precision of \"300s:30d\" (300s) is not a multiple of the precision of \"180s:7d\" (180s); whisper needs each coarser precision to be a multiple of the finer one");
    retentions!("10s:7d,1m:1d" => "\"1m:1d\" covers 86400s, not more than the 604800s of \"10s:7d\"; whisper needs each coarser archive to cover more time");
    retentions!("10s:1d,1m:1d" => "\"1m:1d\" covers 86400s, not more than the 86400s of \"10s:1d\"; whisper needs each coarser archive to cover more time");
    retentions!("10s:30s,1m:1d" => "\"10s:30s\" keeps 3 points, fewer than the 6 that make one 60s point of \"1m:1d\"; whisper needs enough points to consolidate");
    retentions!("10s:1m,1m:1d" => [(10, 6), (60, 1440)]);
}

fn schemas(text: &str) -> Vec<(String, String, String, Vec<Retention>)> {
    let parsed = parse_schemas(text, "s.conf").unwrap_or_else(|e| panic!("{text:?}: {e}"));
    let rows = parsed
        .into_iter()
        .map(|s| (s.name, s.pattern.as_str().to_string(), s.text, s.archives));
    rows.collect()
}

fn schema_error(text: &str) -> String {
    parse_schemas(text, "s.conf").unwrap_err().to_string()
}

#[test]
fn carbon_example_schemas() {
    // graphite.md 2.1: carbon 1.1's shipped storage-schemas.conf.example, comments included.
    let text = "\
# Schema definitions for Whisper files. Entries are scanned in order,
# and first match wins.
#
#    [name]
#    pattern = regex
#    retentions = timePerPoint:timeToStore, timePerPoint:timeToStore, ...

# Carbon's internal metrics.
[carbon]
pattern = ^carbon\\.
retentions = 60:90d

[default]
pattern = .*
retentions = 60s:1d,5m:30d,1h:3y
";
    let got = schemas(text);
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0],
        (
            "carbon".into(),
            "^carbon\\.".into(),
            "60:90d".into(),
            vec![r(60, 129600)]
        )
    );
    let default_archives = vec![r(60, 1440), r(300, 8640), r(3600, 26280)];
    assert_eq!(
        got[1],
        (
            "default".into(),
            ".*".into(),
            "60s:1d,5m:30d,1h:3y".into(),
            default_archives
        )
    );
}

#[test]
fn shared_case_files_parse() {
    // Copies of the project's shared conformance cases, kept in the crate so a fresh checkout tests them.
    let schemas_text = include_str!("testdata/storage-schemas.conf");
    let aggregation_text = include_str!("testdata/storage-aggregation.conf");
    let got = parse_schemas(schemas_text, "storage-schemas.conf").expect("shared schemas parse");
    assert_eq!(
        got.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["slow", "default"]
    );
    assert_eq!(
        got[1].archives,
        vec![r(10, 2160), r(60, 10080), r(600, 262800)]
    );
    let got = parse_aggregation(aggregation_text, "storage-aggregation.conf")
        .expect("shared aggregation parses");
    let methods: Vec<_> = got
        .iter()
        .map(|a| (a.name.as_str(), a.method, a.x_files_factor))
        .collect();
    assert_eq!(
        methods,
        [
            ("min", AggMethod::Min, 0.1),
            ("max", AggMethod::Max, 0.1),
            ("count", AggMethod::Sum, 0.0),
            ("default_average", AggMethod::Average, 0.5)
        ]
    );
}

#[test]
fn patterns_are_unanchored_python_regexes() {
    let got = parse_schemas("[a]\npattern = foo\nretentions = 1m:1d\n", "s.conf").unwrap();
    assert!(got[0].pattern.is_match("a.foo.b"));
    let got = parse_schemas("[a]\npattern = ^a\\.b\\Z\nretentions = 1m:1d\n", "s.conf").unwrap();
    assert!(got[0].pattern.is_match("a.b") && !got[0].pattern.is_match("a.bc"));
    let got = parse_schemas("[a]\npattern = ^x{,2}$\nretentions = 1m:1d\n", "s.conf").unwrap();
    assert!(
        got[0].pattern.is_match("")
            && got[0].pattern.is_match("xx")
            && !got[0].pattern.is_match("xxx")
    );
    let got = parse_schemas("[a]\npattern = 100%%\nretentions = 1m:1d\n", "s.conf").unwrap();
    assert!(got[0].pattern.is_match("at 100%"));
}

#[test]
fn python_spellings_are_rewritten_outside_classes_only() {
    assert_eq!(python_to_lite("a\\Z"), "a\\z");
    assert_eq!(python_to_lite("a{,3}"), "a{0,3}");
    assert_eq!(python_to_lite("[{,]\\\\Z"), "[{,]\\\\Z");
    assert_eq!(python_to_lite("[]{,]a{,1}"), "[]{,]a{0,1}");
    assert_eq!(python_to_lite("plain.*"), "plain.*");
}

#[test]
fn multi_line_retentions_as_configparser_joins_them() {
    let got = schemas("[a]\npattern = .*\nretentions = 10s:6h,\n    1m:7d\n");
    assert_eq!(got[0].3, vec![r(10, 2160), r(60, 10080)]);
}

#[test]
fn schema_errors_carry_file_and_line() {
    let e = schema_error("[a]\npattern = .*\n\n[b]\nretentions = 1m:1d\n");
    assert_eq!(e, "s.conf:1: section [a] has no `retentions` (carbon logs this and skips the section; pencil refuses the file)");
    let e = schema_error("[a]\nretentions = 1m:1d\n");
    assert_eq!(e, "s.conf:1: section [a] has no `pattern` (carbon logs this and skips the section; pencil refuses the file)");
    let e = schema_error("[a]\npattern =\nretentions = 1m:1d\n");
    assert_eq!(
        e,
        "s.conf:2: section [a] has an empty `pattern`; write `.*` to match every metric"
    );
    let e = schema_error("[a]\npattern = .*\nretention = 1m:1d\n");
    assert_eq!(e, "s.conf:3: unknown key \"retention\" in [a]: storage-schemas.conf sections take pattern, retentions (carbon ignores unknown keys; pencil refuses them so a typo is not lost)");
    let e = schema_error("[a]\npattern = .*\nretentions = 1min:1d\n");
    assert_eq!(e, "s.conf:3: unit \"min\" in \"1min:1d\" is not one of s m h d w y (carbon 1.1 accepts exactly these)");
    let e = schema_error("[a]\npattern = (?=x)\nretentions = 1m:1d\n");
    assert!(
        e.starts_with("s.conf:2: pattern \"(?=x)\" is not a regex pencil can use: "),
        "{e}"
    );
    assert!(e.contains("look-around is not supported"), "{e}");
    let e = schema_error("[a]\npattern = .*\nretentions = 10s:6h,10s:1d\n");
    assert!(
        e.starts_with("s.conf:3: \"10s:6h\" and \"10s:1d\" have the same precision"),
        "{e}"
    );
}

#[test]
fn keys_are_case_insensitive_and_colon_works() {
    let got = schemas("[a]\nPATTERN: ^x\nRetentions:1m:1d\n");
    assert_eq!(got[0].1, "^x");
    assert_eq!(got[0].3, vec![r(60, 1440)]);
}

#[test]
fn empty_file_gives_no_rules() {
    assert!(schemas("# nothing here\n").is_empty());
    assert!(parse_aggregation("", "a.conf").unwrap().is_empty());
}

fn aggregation_error(text: &str) -> String {
    parse_aggregation(text, "a.conf").unwrap_err().to_string()
}

#[test]
fn carbon_example_aggregation() {
    // graphite.md 2.2: carbon 1.1's shipped storage-aggregation.conf.example, in order.
    let text = "\
# Aggregation methods for whisper files. Entries are scanned in order,
# and first match wins.
#
#  [name]
#  pattern = <regex>
#  xFilesFactor = <float between 0 and 1>
#  aggregationMethod = <average|sum|last|max|min|avg_zero|absmax|absmin>

[min]
pattern = \\.min$
xFilesFactor = 0.1
aggregationMethod = min

[max]
pattern = \\.max$
xFilesFactor = 0.1
aggregationMethod = max

# Use `sum` for statsd-style counters that reset every interval.
[count]
pattern = \\.count$
xFilesFactor = 0
aggregationMethod = max

[default_average]
pattern = .*
xFilesFactor = 0.5
aggregationMethod = average
";
    let got = parse_aggregation(text, "a.conf").unwrap();
    let rows: Vec<_> = got
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.pattern.as_str(),
                a.x_files_factor,
                a.method,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("min", "\\.min$", 0.1, AggMethod::Min),
            ("max", "\\.max$", 0.1, AggMethod::Max),
            ("count", "\\.count$", 0.0, AggMethod::Max),
            ("default_average", ".*", 0.5, AggMethod::Average),
        ]
    );
    assert!(got[2].pattern.is_match("app.requests.count") && !got[2].pattern.is_match("count.x"));
}

#[test]
fn aggregation_keys_default_to_whisper() {
    let got = parse_aggregation(
        "[a]\npattern = x\n[b]\npattern = y\nxfilesfactor = 1\nAGGREGATIONMETHOD = avg_zero\n",
        "a.conf",
    )
    .unwrap();
    assert_eq!(
        (got[0].x_files_factor, got[0].method),
        (0.5, AggMethod::Average)
    );
    assert_eq!(
        (got[1].x_files_factor, got[1].method),
        (1.0, AggMethod::AvgZero)
    );
}

#[test]
fn aggregation_errors() {
    let e = aggregation_error("[a]\nxFilesFactor = 0.5\n");
    assert_eq!(e, "a.conf:1: section [a] has no `pattern` (carbon logs this and skips the section; pencil refuses the file)");
    for bad in ["1.5", "-0.1", "nan", "half", ""] {
        let e = aggregation_error(&format!("[a]\npattern = x\nxFilesFactor = {bad}\n"));
        assert_eq!(
            e,
            format!("a.conf:3: xFilesFactor {bad:?} is not a number from 0 to 1, e.g. 0.5")
        );
    }
    for bad in ["Average", "mean", "median", ""] {
        let e = aggregation_error(&format!("[a]\npattern = x\naggregationMethod = {bad}\n"));
        assert_eq!(e, format!("a.conf:3: aggregationMethod {bad:?} is not one of average sum last max min avg_zero absmax absmin"));
    }
    let e = aggregation_error("[a]\npattern = x\nretentions = 1m:1d\n");
    assert_eq!(e, "a.conf:3: unknown key \"retentions\" in [a]: storage-aggregation.conf sections take pattern, xFilesFactor, aggregationMethod (carbon ignores unknown keys; pencil refuses them so a typo is not lost)");
}

#[test]
fn methods_round_trip() {
    for (name, method) in METHODS {
        assert_eq!(method.as_str(), name);
        assert_eq!(parse_method(name), Ok(method));
    }
}

proptest! {
    #[test]
    fn retention_text_never_panics(text in "[0-9smhdwy:, a]{0,30}") {
        let _ = parse_retentions(&text);
    }

    #[test]
    fn valid_retentions_round_trip(step in 1u32..100_000, points in 1u32..10_000_000) {
        let text = format!("{step}:{points}");
        prop_assert_eq!(parse_retentions(&text), Ok(vec![r(step, points)]));
        let text = format!("{step}s:{}s", u64::from(step) * u64::from(points));
        prop_assert_eq!(parse_retentions(&text), Ok(vec![r(step, points)]));
    }

    #[test]
    fn accepted_lists_obey_whisper_rules(text in "[1-9][0-9]?[smh]:[1-9][0-9]?[mhdwy](,[1-9][0-9]?[smh]:[1-9][0-9]?[mhdwy]){0,3}") {
        if let Ok(archives) = parse_retentions(&text) {
            for pair in archives.windows(2) {
                prop_assert!(pair[0].step < pair[1].step);
                prop_assert_eq!(pair[1].step % pair[0].step, 0);
                prop_assert!(span(&pair[1]) > span(&pair[0]));
                prop_assert!(pair[0].points >= pair[1].step / pair[0].step);
            }
        }
    }

    #[test]
    fn schema_files_never_panic(text in "(\\[[a-z]{0,3}\\]\n|pattern ?= ?[.*^$a-z\\\\{},%]{0,6}\n|retentions ?= ?[0-9smh:,]{0,10}\n|#.*\n|\n){0,8}") {
        let _ = parse_schemas(&text, "p.conf");
        let _ = parse_aggregation(&text, "p.conf");
    }
}
