//! The frozen conformance answers: graphite-web's `/render` json for every target of the
//! public data set (`tests/golden/conformance/`, written by `make conformance UPDATE=1`), checked
//! against pencil on machines without graphite-web.
//!
//! The data set is replayed through pencil's own ingest parser into a store built from the same
//! carbon config files, with the clock pinned to the instants the golden run used (time is an
//! argument everywhere below `app`), then every target goes through `http::handle` exactly as a
//! request would. A target listed in `decisions.txt` is one where pencil differs from
//! graphite-web on purpose (README, "Where pencil differs"): it must still match pencil's frozen
//! answer, and still differ from graphite-web's, so the decision stays deliberate.

use std::path::{Path, PathBuf};

use pencil::http::{handle, Health, Request};
use pencil::ingest::{feed, Counters};
use pencil::store::Store;
use serde_json::Value;

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/conformance")
}

fn store_from_golden(anchor: i64, feed_now: i64) -> Store {
    let dir = golden();
    let args: Vec<String> = [
        "--schemas",
        dir.join("storage-schemas.conf").to_str().unwrap(),
        "--aggregation",
        dir.join("storage-aggregation.conf").to_str().unwrap(),
        "--memory",
        "64MiB",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let cfg = match pencil::config::parse_args(&args).expect("golden config parses") {
        pencil::config::Command::Run(cfg) => cfg,
        other => panic!("unexpected command {other:?}"),
    };
    let mut store = Store::new(&cfg.store).expect("store");
    let text = std::fs::read_to_string(dir.join("lines.txt")).unwrap();
    let mut lines = String::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut fields = line.split_whitespace();
        let (name, value, ts) = (
            fields.next().unwrap(),
            fields.next().unwrap(),
            fields.next().unwrap(),
        );
        let ts = match ts.strip_prefix("now-") {
            Some(ago) => (anchor - ago.parse::<i64>().unwrap()).to_string(),
            None => ts.to_string(),
        };
        lines.push_str(&format!("{name} {value} {ts}\n"));
    }
    let mut counters = Counters::default();
    feed(lines.as_bytes(), &mut store, feed_now, &mut counters);
    assert_eq!(
        counters.dropped(),
        0,
        "the data set must ingest cleanly: {counters:?}"
    );
    store
}

fn render(store: &Store, case: &Value, anchor: i64, now: i64) -> (u16, String) {
    let mut params = vec![
        (
            "target".to_string(),
            case["target"].as_str().unwrap().to_string(),
        ),
        (
            "from".to_string(),
            (anchor + case["from"].as_i64().unwrap()).to_string(),
        ),
        (
            "until".to_string(),
            (anchor + case["until"].as_i64().unwrap()).to_string(),
        ),
        ("format".to_string(), "json".to_string()),
    ];
    for p in case["params"].as_array().unwrap() {
        params.push((p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()));
    }
    let req = Request {
        method: "GET".into(),
        path: "/render".into(),
        params,
        body: Vec::new(),
        peer: None,
    };
    let reply = handle(store, &Health::default(), &req, now);
    (
        reply.status,
        String::from_utf8_lossy(&reply.body).into_owned(),
    )
}

/// Numbers within 1e-9 relative and of the same Python type: graphite-web prints ints (`4`,
/// from countSeries and its like) apart from floats (`4.0`), and serde_json keeps the two apart.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => {
            a.is_f64() == b.is_f64() && (x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()))
        }
        _ => a.is_null() && b.is_null(),
    }
}

/// The first difference between two /render answers, graphite-web's rules of comparison:
/// names and order, timestamps, values to 1e-9 relative and int apart from float, null only
/// equal to null.
fn difference(want: &Value, got: &Value) -> Option<String> {
    let (w, g) = (want.as_array()?, got.as_array()?);
    let names = |v: &[Value]| {
        v.iter()
            .map(|s| s["target"].to_string())
            .collect::<Vec<_>>()
    };
    if names(w) != names(g) {
        return Some(format!("names {:?} != {:?}", names(w), names(g)));
    }
    for (ws, gs) in w.iter().zip(g) {
        let (wp, gp) = (ws["datapoints"].as_array()?, gs["datapoints"].as_array()?);
        if wp.len() != gp.len() {
            return Some(format!(
                "{}: {} points != {}",
                ws["target"],
                wp.len(),
                gp.len()
            ));
        }
        for (a, b) in wp.iter().zip(gp) {
            if a[1] != b[1] || !same_value(&a[0], &b[0]) {
                return Some(format!("{}: {a} != {b}", ws["target"]));
            }
        }
    }
    None
}

#[test]
fn every_golden_target_answers_as_graphite_web_or_as_its_decision() {
    let answers: Value = serde_json::from_str(
        &std::fs::read_to_string(golden().join("answers.json")).expect("answers.json"),
    )
    .unwrap();
    let anchor = answers["anchor"].as_i64().unwrap();
    let store = store_from_golden(anchor, answers["feed_now"].as_i64().unwrap());
    let now = answers["query_now"].as_i64().unwrap();
    let mut failures = Vec::new();
    let cases = answers["cases"].as_array().unwrap();
    for case in cases {
        let label = format!(
            "{} [{}, {}] {}",
            case["target"], case["from"], case["until"], case["params"]
        );
        let (status, body) = render(&store, case, anchor, now);
        let want_status = case["status"].as_u64().unwrap() as u16;
        if status != want_status {
            failures.push(format!(
                "{label}: status {status}, graphite-web {want_status}: {body}"
            ));
            continue;
        }
        if status != 200 {
            continue;
        }
        let got: Value = match serde_json::from_str(&body) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{label}: not JSON ({e}): {body}"));
                continue;
            }
        };
        let reference = &case["reference"];
        match case.get("decision") {
            None => {
                if let Some(d) = difference(reference, &got) {
                    failures.push(format!("{label}: {d}"));
                }
            }
            Some(decision) => {
                if let Some(d) = difference(&case["pencil"], &got) {
                    failures.push(format!("{label} (decision {decision}): changed: {d}"));
                }
                if difference(reference, &got).is_none() {
                    failures.push(format!(
                        "{label}: listed as decision {decision} but now equals graphite-web's answer"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden targets differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
