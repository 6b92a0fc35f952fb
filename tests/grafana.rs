//! Replays what Grafana's "Graphite" data source sends (graphite.md 6) against the real binary
//! and checks the answers have the shapes and names Grafana parses: panel queries as POST forms
//! with every target wrapped in `aliasSub(..., "(^.*$)", "\1 <refId>")`, the "Save & test"
//! health query, the query editor's `/metrics/find` and `expand`, `/functions`, `/version`, the
//! tag helpers and event annotations.

mod common;

use common::{json, start, urlencode, TempDir};
use serde_json::Value;

/// 30 minutes of data at 10 s for a few metrics, timestamps aligned to the step.
fn feed(p: &common::Pencil, now: i64) {
    let mut lines = String::new();
    for i in 1..=180 {
        let t = now - i * 10;
        for node in 1..=3 {
            lines.push_str(&format!(
                "app.node-{node}.requests.count {} {t}\n",
                node * i
            ));
            lines.push_str(&format!("app.node-{node}.cpu.user {} {t}\n", 10 + node));
        }
    }
    p.send_tcp(lines.as_bytes());
    p.wait_counter("points_received", 180 * 6);
}

/// What Grafana's frontend does with each returned series: the last space-separated token of
/// `target` is the refId, the rest the display name; datapoints are `[value|null, seconds]`.
fn ref_ids_and_names(answer: &Value) -> Vec<(String, String)> {
    answer
        .as_array()
        .expect("a JSON array of series")
        .iter()
        .map(|s| {
            for point in s["datapoints"].as_array().expect("datapoints") {
                let pair = point.as_array().expect("[value, timestamp]");
                assert_eq!(pair.len(), 2);
                assert!(
                    pair[0].is_null() || pair[0].is_f64() || pair[0].is_i64(),
                    "{point}"
                );
                assert!(pair[1].is_i64(), "integer seconds: {point}");
            }
            assert!(s["tags"].is_object(), "tags object: {s}");
            let target = s["target"].as_str().expect("target string");
            let (name, ref_id) = target.rsplit_once(' ').expect("a refId after a space");
            (ref_id.to_string(), name.to_string())
        })
        .collect()
}

#[test]
fn grafana_panel_queries_health_check_and_editor_requests() {
    let dir = TempDir::new("grafana");
    let p = start(dir.path(), &[]);
    let now = common::now() / 10 * 10;
    feed(&p, now);

    // A panel with two queries, relative time as Grafana translates it (`now-30m` → `-30min`).
    let body = [
        (
            "target",
            r#"aliasSub(sumSeries(app.*.requests.count), "(^.*$)", "\1 A")"#,
        ),
        (
            "target",
            r#"aliasSub(app.node-1.cpu.user, "(^.*$)", "\1 B")"#,
        ),
        ("from", "-30min"),
        ("until", "now"),
        ("format", "json"),
        ("maxDataPoints", "120"),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", urlencode(v)))
    .collect::<Vec<_>>()
    .join("&");
    let (status, answer) = p.post_form("/render", &body);
    assert_eq!(status, 200, "{answer}");
    let answer = json(&answer);
    assert_eq!(
        ref_ids_and_names(&answer),
        vec![
            (
                "A".to_string(),
                "sumSeries(app.*.requests.count)".to_string()
            ),
            ("B".to_string(), "app.node-1.cpu.user".to_string()),
        ]
    );
    // maxDataPoints is honoured: 30 minutes at 10 s is 180 points, fewer come back.
    let points = answer[0]["datapoints"].as_array().unwrap();
    assert!(
        points.len() <= 120 && points.len() >= 60,
        "{} points",
        points.len()
    );
    let total: f64 = answer[1]["datapoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p[0].as_f64())
        .sum();
    assert!(total > 0.0, "values arrive: {answer}");

    // Absolute ranges arrive as epoch seconds, from−1 and until+1 (graphite.md 6.1).
    let body = format!(
        "target={}&from={}&until={}&format=json&maxDataPoints=500",
        urlencode(r#"aliasSub(app.node-2.cpu.user, "(^.*$)", "\1 A")"#),
        now - 600 - 1,
        now + 1
    );
    let (status, answer) = p.post_form("/render", &body);
    assert_eq!(status, 200, "{answer}");
    let answer = json(&answer);
    assert_eq!(ref_ids_and_names(&answer)[0].1, "app.node-2.cpu.user");
    assert!(answer[0]["datapoints"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p[0].as_f64() == Some(12.0)));

    // "Save & test": constantLine(100) over the last hour, maxDataPoints 300.
    let body = format!(
        "target={}&from=-1h&until=now&format=json&maxDataPoints=300",
        urlencode(r#"aliasSub(constantLine(100), "(^.*$)", "\1 A")"#)
    );
    let (status, answer) = p.post_form("/render", &body);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        ref_ids_and_names(&json(&answer)),
        vec![("A".to_string(), "100.0".to_string())]
    );

    // Grafana's query fix-up leaves double-quoted "5m" alone: pencil takes `m` as minutes.
    let body = format!(
        "target={}&from=-30min&until=now&format=json",
        urlencode(
            r#"aliasSub(summarize(app.node-1.requests.count, "5m", "sum"), "(^.*$)", "\1 C")"#
        )
    );
    let (status, answer) = p.post_form("/render", &body);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        ref_ids_and_names(&json(&answer))[0].1,
        r#"summarize(app.node-1.requests.count, "5m", "sum")"#
    );

    // A bad query shows the body as the error: a 4xx with a message, not a 500 or a hang.
    let (status, message) = p.post_form(
        "/render",
        &format!("target={}&format=json", urlencode("sumSeries(app.*")),
    );
    assert_eq!(status, 400, "{message}");
    assert!(!message.trim().is_empty());

    // The query editor: POST /metrics/find with the query in the body, from/until in the URL.
    let (status, found) = p.post_form("/metrics/find?from=-6h&until=now", "query=app.*");
    assert_eq!(status, 200, "{found}");
    let found = json(&found);
    let texts: Vec<(&str, bool)> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["text"].as_str().unwrap(),
                n["expandable"].as_i64() == Some(1),
            )
        })
        .collect();
    assert_eq!(
        texts,
        vec![("node-1", true), ("node-2", true), ("node-3", true)]
    );
    let (status, found) = p.get("/metrics/find?query=app.node-1.cpu.*");
    assert_eq!(status, 200);
    assert_eq!(json(&found)[0]["text"], "user");
    assert_eq!(json(&found)[0]["expandable"], 0);

    // Template variables: expand(<query>).
    let (status, expanded) = p.get("/metrics/expand?query=app.*.cpu&from=-1h&until=now");
    assert_eq!(status, 200, "{expanded}");
    assert_eq!(
        json(&expanded)["results"],
        serde_json::json!(["app.node-1.cpu", "app.node-2.cpu", "app.node-3.cpu"])
    );

    // Version detection: a semver of at least 1.1 turns tags and /functions on.
    let (status, version) = p.get("/version");
    assert_eq!(status, 200);
    let parts: Vec<u64> = version
        .trim()
        .split('.')
        .map(|n| n.parse().expect("semver digits"))
        .collect();
    assert_eq!(parts.len(), 3, "{version}");
    assert!(
        parts[0] > 1 || (parts[0] == 1 && parts[1] >= 1),
        "{version}"
    );

    // The function editor: plain JSON (no bare Infinity), groups and params.
    let (status, functions) = p.get("/functions");
    assert_eq!(status, 200);
    assert!(
        !functions.contains("Infinity"),
        "bare Infinity breaks Grafana"
    );
    // Browsers' JSON.parse reads graphite-web's 1e9999 as Infinity; serde_json refuses it.
    let functions = json(&functions.replace("1e9999", "1e308"));
    for name in [
        "sumSeries",
        "aliasSub",
        "summarize",
        "movingAverage",
        "keepLastValue",
    ] {
        let f = &functions[name];
        assert!(f["group"].is_string(), "{name}: {f}");
        assert!(f["params"].is_array(), "{name}: {f}");
    }
    assert_eq!(functions["sumSeries"]["params"][0]["type"], "seriesList");
    assert_eq!(functions["sumSeries"]["params"][0]["multiple"], true);

    // Tag helpers answer plain string arrays.
    for path in [
        "/tags/autoComplete/tags?tagPrefix=&limit=100&from=-1h&until=now",
        "/tags/autoComplete/values?tag=name&valuePrefix=app.node-1&limit=100",
    ] {
        let (status, body) = p.get(path);
        assert_eq!(status, 200, "{path}: {body}");
        assert!(
            json(&body).as_array().unwrap().iter().all(Value::is_string),
            "{path}: {body}"
        );
    }

    // Annotations from events: POST one (loopback may write), read it back by tag.
    let (status, body) = p.post_form(
        "/events/",
        r#"{"what": "deploy v2", "tags": ["deploy", "web"], "data": "by ci"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let (status, events) = p.get("/events/get_data?from=-1h&until=now&tags=deploy");
    assert_eq!(status, 200, "{events}");
    let events = json(&events);
    let event = &events.as_array().expect("array of events")[0];
    assert_eq!(event["what"], "deploy v2");
    assert_eq!(event["data"], "by ci");
    assert!(event["when"].is_i64() || event["when"].is_f64());
    assert_eq!(event["tags"], serde_json::json!(["deploy", "web"]));
}
