//! Graphite events against the real binary: POST from loopback, /events/get_data and
//! /events/<id>, refusals, and the log surviving SIGTERM and a restart. (The token rule for
//! non-loopback peers is a unit test in src/http/events/tests.rs: every test client here is
//! loopback.)

mod common;

use common::*;

#[test]
fn events_are_posted_listed_and_survive_a_restart() {
    let dir = TempDir::new("events");
    let p = start(dir.path(), &["--write-token", "s3cret"]);
    let posted = [
        r#"{"what": "deploy", "tags": ["web", "v1"], "data": "r1", "when": 1600000000}"#,
        r#"{"what": "rollback", "tags": "web v0", "when": 1600000060}"#,
        r#"{"what": "now", "tags": "db"}"#,
    ];
    for body in posted {
        assert_eq!(
            p.post_form("/events/", body),
            (200, String::new()),
            "{body}"
        );
    }
    let (status, body) = p.post_form("/events", r#"{"what": "x", "tags": 5}"#);
    assert_eq!(status, 400);
    assert_eq!(
        body,
        r#"{"error": "\"tags\" must be an array or space-separated string"}"#
    );
    let (status, body) = p.post_form("/events/", "not json");
    assert_eq!(status, 400, "{body}");

    let web = r#"[{"when": 1600000000, "what": "deploy", "data": "r1", "tags": ["web", "v1"], "id": 1}, {"when": 1600000060, "what": "rollback", "data": "", "tags": ["web", "v0"], "id": 2}]"#;
    assert_eq!(p.get("/events/get_data?tags=web"), (200, web.to_string()));
    let (status, all) = p.get("/events/get_data");
    assert_eq!(status, 200);
    let all: serde_json::Value = serde_json::from_str(&all).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 3);
    let t = all[2]["when"].as_i64().unwrap();
    assert!((now() - t).abs() < 60, "when defaults to now: {t}");
    let one = r#"{"id": 1, "when": "2020-09-13T12:26:40Z", "what": "deploy", "data": "r1", "tags": ["web", "v1"]}"#;
    assert_eq!(p.get("/events/1"), (200, one.to_string()));
    assert_eq!(p.get("/events/9").0, 404);
    assert_eq!(p.health()["counters"]["events"], 3);

    assert!(p.stop().success());
    let p = start(dir.path(), &[]);
    assert_eq!(p.get("/events/get_data?tags=web"), (200, web.to_string()));
    assert_eq!(p.get("/events/1"), (200, one.to_string()));
    // Ids continue after the restored ones.
    assert_eq!(p.post_form("/events/", r#"{"what": "later"}"#).0, 200);
    let (_, later) = p.get("/events/get_data?from=-1h");
    assert!(
        later.contains(r#""what": "later", "data": "", "tags": [], "id": 4}"#),
        "{later}"
    );
}
